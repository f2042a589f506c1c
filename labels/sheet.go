package labels

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"

	"returns-station/station"
)

//go:embed sheet.html
var sheetHTML string

var sheetTmpl = template.Must(template.New("sheet").Parse(sheetHTML))

// Labels per A4 page (200×287 mm inside 5 mm margins).
var perPage = map[string]int{
	station.LabelSizeLarge: 2,  // 2 across, 1 down
	station.LabelSizeSmall: 44, // 4 across, 11 down
}

// sheetLabel is one label as the sheet template shows it.
type sheetLabel struct {
	Payload     string
	Modules     int    // QR modules per side, quiet zone included
	Path        string // SVG path of the dark modules
	Title       string
	SKU         string
	Name        string
	Grade       string
	Disposition string
	Destination string
	RMA         string
	Date        string
	Station     string
}

// Sheet writes an HTML page that prints labels of size on A4 paper from any
// browser: CSS @page sets the paper, each label is a box of its real size in
// mm with a faint cut line, and a page holds 2 large or 44 small labels. The
// QR is an inline SVG of the same modules as [QR] (quiet zone included), so
// the page makes no request of its own; names print in Chinese with the
// system's CJK font.
//
// Errors are EInvalid naming size, labels or code (the index of the label
// at fault is in the detail), or the writer's error.
func Sheet(w io.Writer, labels []station.LabelContent, size string) error {
	n, ok := perPage[size]
	if !ok {
		return station.Invalid("size", fmt.Sprintf("must be %s or %s", station.LabelSizeLarge, station.LabelSizeSmall))
	}
	if len(labels) == 0 {
		return station.Invalid("labels", "at least one label")
	}
	data := struct {
		Size  string
		Class string
		Large bool
		Pages [][]sheetLabel
	}{Size: size, Class: "small", Large: size == station.LabelSizeLarge}
	if data.Large {
		data.Class = "large"
	}
	for i, c := range labels {
		qr, err := QR(c.Code, size)
		if err != nil {
			return station.Invalid(fmt.Sprintf("labels[%d].code", i), station.ErrorMessage(err)+": "+fieldDetail(err))
		}
		if i%n == 0 {
			data.Pages = append(data.Pages, make([]sheetLabel, 0, min(n, len(labels)-i)))
		}
		l := sheetLabel{
			Payload: qr.Payload, Modules: qr.Size, Path: svgPath(qr),
			Title: c.Title, SKU: c.SKU, Name: c.Name, Grade: c.Grade, Disposition: c.Disposition,
			Destination: c.Destination, RMA: c.RMA, Station: c.Station,
		}
		if strings.TrimSpace(l.Title) == "" {
			l.Title = c.Code.ID
		}
		if !c.Date.IsZero() {
			l.Date = c.Date.Format("2006-01-02")
		}
		last := len(data.Pages) - 1
		data.Pages[last] = append(data.Pages[last], l)
	}
	if err := sheetTmpl.Execute(w, data); err != nil {
		return fmt.Errorf("write label sheet: %w", err)
	}
	return nil
}

// fieldDetail returns the detail of the first field an error names.
func fieldDetail(err error) string {
	if f := station.Fields(err); len(f) > 0 {
		return f[0].Detail
	}
	return err.Error()
}

// svgPath draws the dark modules as one path, one rectangle per horizontal
// run, in module units.
func svgPath(q *QRCode) string {
	var b strings.Builder
	for y := range q.Size {
		for x := 0; x < q.Size; {
			if !q.Dark(x, y) {
				x++
				continue
			}
			n := 1
			for q.Dark(x+n, y) {
				n++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x, y, n, n)
			x += n
		}
	}
	return b.String()
}
