package web

import (
	"bufio"
	"encoding/csv"

	"github.com/gofiber/fiber/v2"

	"returns-station/station"
)

// pickLang reads lang=zh|en (default en) and returns the words of that
// language from texts; any other value is refused naming lang.
func pickLang[T any](c *fiber.Ctx, texts map[string]T) (string, T, error) {
	lang := c.Query("lang", "en")
	text, ok := texts[lang]
	if !ok || (lang != "en" && lang != "zh") {
		var zero T
		return "", zero, station.Invalid("lang", "must be zh or en").Coded("filter_lang")
	}
	return lang, text, nil
}

// streamCSV answers a download for Excel: UTF-8 with a byte order mark (so
// Chinese shows correctly), named name, each row written by each as the
// client reads, so a long export is never held whole in memory. A download
// cut short is logged: the file the person has is incomplete.
func (s *Server) streamCSV(c *fiber.Ctx, name string, each func(write func(row ...string))) {
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		_, _ = w.WriteString("\uFEFF")
		cw := csv.NewWriter(w)
		each(func(row ...string) { _ = cw.Write(row) })
		cw.Flush()
		if err := cw.Error(); err != nil {
			s.log.Warn("CSV download broke off; the file is incomplete", "component", "web", "file", name, "err", err)
		}
	})
}

// sendCSV answers rows already gathered as a CSV download (see streamCSV).
func (s *Server) sendCSV(c *fiber.Ctx, name string, rows [][]string) {
	s.streamCSV(c, name, func(write func(row ...string)) {
		for _, r := range rows {
			write(r...)
		}
	})
}
