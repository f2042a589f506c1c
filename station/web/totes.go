package web

import (
	"bytes"
	"html/template"

	"github.com/gofiber/fiber/v2"

	"returns-station/station"
)

// CloseToteInput optionally names the printer for the closed tote's label.
type CloseToteInput struct {
	Printer string `json:"printer,omitempty"`
}

// ClosedTote is a closed tote with what it holds and the label job queued
// for it (none without a printer: print it from the page instead).
type ClosedTote struct {
	*station.ToteView
	Jobs []station.PrintJob `json:"jobs"`
}

func (s *Server) getTote(c *fiber.Ctx) error {
	var v *station.ToteView
	err := s.cfg.Store.View(func(tx station.Tx) (err error) {
		v, err = station.LoadTote(tx, c.Params("id"))
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// closeTote closes a tote and queues its label on the named printer. The
// printer is checked first, so a refused request closes nothing.
func (s *Server) closeTote(c *fiber.Ctx) error {
	var in CloseToteInput
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	var pr Printing
	if in.Printer != "" {
		var err error
		if pr, err = s.printing(); err != nil {
			return err
		}
		list, err := pr.Printers(c.UserContext())
		if err != nil {
			return err
		}
		found := false
		for _, p := range list {
			found = found || p.Name == in.Printer
		}
		if !found {
			return station.Invalid("printer", "no printer named "+in.Printer+" is configured; an admin adds it under printers").Coded("printer_unknown", "printer", in.Printer)
		}
	}
	id := c.Params("id")
	// Closing is idempotent by itself (a closed tote stays closed), so a
	// repeat needs no Idempotency-Key; the label job is queued after the commit.
	env := s.env(c)
	out, err := s.cfg.Store.Update(c.UserContext(), nil, func(tx station.Tx) (any, error) { return station.CloseTote(tx, env, id) })
	if err != nil {
		return err
	}
	closed := out.(*station.ToteView)
	res := ClosedTote{ToteView: closed, Jobs: []station.PrintJob{}}
	if pr != nil {
		jobs, err := pr.QueuePrint(c.UserContext(), ident(c).Actor, station.PrintRequest{Tote: closed.ID, Printer: in.Printer})
		if err != nil {
			return err
		}
		s.kick()
		res.Jobs = jobs
	}
	return c.JSON(res)
}

var toteListPage = template.Must(template.New("tote").Funcs(template.FuncMap{"inc": func(i int) int { return i + 1 }}).Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{.ID}}</title>
<style>
@page { size: A4; margin: 15mm; }
body { font: 11pt/1.4 sans-serif; color: #000; }
h1 { font-size: 22pt; margin: 0 0 .2em; font-family: monospace; }
.meta { margin: 0 0 1em; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #000; padding: 3pt 5pt; text-align: left; vertical-align: top; }
td.mono { font-family: monospace; font-size: 9pt; }
</style></head><body>
<h1>{{.ID}}</h1>
<p class="meta">处置 Disposition: <b>{{if .Disposition}}{{.Disposition}}{{else}}—{{end}}</b> · 件数 Units: <b>{{len .UnitList}}</b> · {{if eq .Status "closed"}}已封箱 closed {{.ClosedAt.Format "2006-01-02 15:04"}} {{.ClosedBy}}{{else}}未封箱 open{{end}}</p>
<table><thead><tr><th>#</th><th>商品 Item</th><th>SKU</th><th>等级 Grade</th><th>退货单 RMA</th><th>编号 Unit</th></tr></thead><tbody>
{{range $i, $u := .UnitList}}<tr><td>{{inc $i}}</td><td>{{$u.Name}}</td><td class="mono">{{$u.SKU}}</td><td>{{if $u.Result}}{{$u.Result.Grade}}{{end}}</td><td class="mono">{{$u.RMA}}</td><td class="mono">{{$u.ID}}</td></tr>
{{else}}<tr><td colspan="6">空 empty</td></tr>{{end}}
</tbody></table>
</body></html>
`))

// toteList is a tote's contents as an A4 page for an office printer, the
// closing time in the warehouse's zone.
func (s *Server) toteList(c *fiber.Ctx) error {
	var v *station.ToteView
	err := s.cfg.Store.View(func(tx station.Tx) (err error) {
		v, err = station.LoadTote(tx, c.Params("id"))
		return err
	})
	if err != nil {
		return err
	}
	loc, err := s.warehouseZone()
	if err != nil {
		return err
	}
	if v.ClosedAt != nil {
		at := v.ClosedAt.In(loc)
		v.ClosedAt = &at
	}
	var buf bytes.Buffer
	if err := toteListPage.Execute(&buf, v); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(buf.Bytes())
}
