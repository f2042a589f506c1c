package labels

import (
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"returns-station/station"
)

// layout is a label placed in printer dots, shared by PNG and ZPL so that both
// put the same QR dots at the same place.
type layout struct {
	w, h int
	qr   *QRCode
	qrX  int // top left corner of the quiet zone
	qrY  int
	mod  int // dots per module
	text []textLine
	bars []rect
}

// textLine is one line of text: its cell is cellW·k wide per column and
// cellH·k high, top left at x, y.
type textLine struct {
	x, y, k int
	s       string
}

type rect struct{ x, y, w, h int }

// dotsPerMM returns the printer resolution in dots per mm: Zebra's 203 dpi
// heads have 8 dots per mm and its 300 dpi heads 12.
func dotsPerMM(dpi int) (int, error) {
	switch dpi {
	case 203:
		return 8, nil
	case 300:
		return 12, nil
	}
	return 0, station.Invalid("dpi", "must be 203 or 300")
}

// plan lays out c. A column is a half-width glyph; a full-width one
// (Chinese) takes two.
func plan(c station.LabelContent, size string, dpi int) (*layout, error) {
	dpmm, err := dotsPerMM(dpi)
	if err != nil {
		return nil, err
	}
	qr, err := QR(c.Code, size)
	if err != nil {
		return nil, err
	}
	p := &planner{dpmm: dpmm, l: &layout{qr: qr}}
	lv := levels[size]
	p.l.mod = p.mm(lv.boxMM) / qr.Size
	if p.l.mod < lv.minDot {
		return nil, station.Invalid("code", fmt.Sprintf("payload %q needs QR version %d, too large for a %s label", qr.Payload, qr.Version, size))
	}
	title := c.Title
	if strings.TrimSpace(title) == "" {
		title = c.Code.ID
	}
	f := fields{
		title:   field(title),
		sku:     field(c.SKU),
		name:    field(c.Name),
		grade:   field(c.Grade),
		disp:    field(c.Disposition),
		dest:    field(c.Destination),
		rma:     field(c.RMA),
		station: field(c.Station),
	}
	if !c.Date.IsZero() {
		f.date = c.Date.Format("2006-01-02")
	}
	if size == station.LabelSizeLarge {
		p.large(f)
	} else {
		p.small(f)
	}
	return p.l, nil
}

type fields struct {
	title, sku, name, grade, disp, dest, rma, date, station string
}

type planner struct {
	dpmm   int
	bottom int // no text below this
	l      *layout
}

func (p *planner) mm(v float64) int { return int(math.Round(v * float64(p.dpmm))) }

// scale returns the glyph scale whose cell is closest to cellMM high.
func (p *planner) scale(cellMM float64) int {
	return max(1, int(math.Round(cellMM*float64(p.dpmm)/cellH)))
}

// large lays out the 100×150 mm unit label: a header with station and date,
// the QR with the grade beside it, the id below, then the details, and the
// destination in large type for whoever puts the unit away.
func (p *planner) large(f fields) {
	l := p.l
	l.w, l.h = p.mm(100), p.mm(150)
	m := p.mm(4)
	p.bottom = l.h - m
	right := l.w - m
	kS, kM, kL := p.scale(3.25), p.scale(5), p.scale(8)

	y := m
	stationW := right - m
	if f.date != "" {
		x := right - columns(f.date)*cellW*kS
		l.text = append(l.text, textLine{x: x, y: y, k: kS, s: f.date})
		stationW = x - m - p.mm(2)
	}
	p.line(m, y, stationW, f.station, kS, kS)
	y += cellH*kS + p.mm(1)
	l.bars = append(l.bars, rect{m, y, right - m, p.mm(0.5)})
	y += p.mm(2)

	l.qrX, l.qrY = m, y
	side := l.qr.Size * l.mod
	x := m + side + p.mm(2)
	y2 := y
	if f.grade != "" {
		y2 = p.line(x, y2, right-x, "GRADE", kS, kS)
		y2 = p.block(x, y2, right-x, f.grade, p.scale(20), kM, 1)
	}
	if f.disp != "" {
		p.block(x, y2, right-x, f.disp, kM, kS, 3)
	}

	y += side + p.mm(2)
	y = p.block(m, y, right-m, f.title, kM, kS, 2)
	l.bars = append(l.bars, rect{m, y, right - m, p.mm(0.5)})
	y += p.mm(2.5)

	vx := m + p.mm(16)
	row := func(caption, value string, kPref, kMin, lines int) {
		if value == "" {
			return
		}
		first := len(l.text)
		top := y
		y = p.block(vx, y, right-vx, value, kPref, kMin, lines)
		if len(l.text) > first {
			// Caption on the baseline of the value's first line.
			p.line(m, top+cellH*(l.text[first].k-kS), vx-m, caption, kS, kS)
		}
	}
	row("SKU", f.sku, kM, kS, 1)
	row("NAME", f.name, kM, kS, 2)
	row("RMA", f.rma, kM, kS, 1)
	row("TO", f.dest, kL, kM, 1)
}

// small lays out the 50×25 mm label: the QR on the left, full height, and
// beside it the id on one line, the product name on as many lines as the
// other fields leave, then SKU, grade and disposition, destination, RMA,
// date and station.
func (p *planner) small(f fields) {
	l := p.l
	l.w, l.h = p.mm(50), p.mm(25)
	side := l.qr.Size * l.mod
	l.qrX, l.qrY = p.mm(0.5), (l.h-side)/2
	x := l.qrX + side // the quiet zone is the gap
	w := l.w - p.mm(1) - x
	p.bottom = l.h - p.mm(1)
	kS, kL := p.scale(1.8), p.scale(3)
	pitch := func(k int) int { return cellH*k + 2*k }

	y := p.mm(1)
	y = p.block(x, y, w, f.title, kL, kS, 1)
	// Every later field takes one line at kS at least; the name takes the
	// rest, at kL when it fits whole there.
	rest := []string{f.sku, join(f.grade, f.disp), f.dest, f.rma, join(f.date, f.station)}
	if f.dest != "" {
		rest[2] = "> " + f.dest
	}
	reserve := 0
	for _, s := range rest {
		if s != "" {
			reserve += pitch(kS)
		}
	}
	room := p.bottom - y - reserve
	k := kS
	for kk := kL; kk > kS; kk-- {
		if n := len(wrap(f.name, w/(cellW*kk), room/pitch(kk)+1)); n >= 1 && n <= room/pitch(kk) {
			k = kk
			break
		}
	}
	y = p.block(x, y, w, f.name, k, k, max(1, room/pitch(k)))
	for i, s := range rest {
		if s == "" {
			continue
		}
		after := 0
		for _, t := range rest[i+1:] {
			if t != "" {
				after += pitch(kS)
			}
		}
		kk := kS
		if (i == 1 || i == 2) && y+pitch(kL)+after <= p.bottom && columns(s)*cellW*kL <= w {
			kk = kL // grade and destination large when there is room
		}
		y = p.block(x, y, w, s, kk, kk, 1)
	}
}

// line places s on one line at scale k (from kPref down to kMin, whichever
// fits first), cut with "..." if even kMin is too wide, and returns the y of
// the next line.
func (p *planner) line(x, y, w int, s string, kPref, kMin int) int {
	return p.block(x, y, w, s, kPref, kMin, 1)
}

// block places s at the largest scale from kPref down to kMin at which it
// fits whole in lines lines; failing that, at kMin with the last line cut. Text that would
// pass the bottom margin is left out. It returns the y of the next line.
func (p *planner) block(x, y, w int, s string, kPref, kMin, lines int) int {
	if s == "" {
		return y
	}
	k := kMin
	for kk := kPref; kk >= kMin; kk-- {
		if n := len(wrap(s, w/(cellW*kk), lines+1)); n >= 1 && n <= lines {
			k = kk
			break
		}
	}
	for _, ln := range wrap(s, w/(cellW*k), lines) {
		if y+cellH*k > p.bottom {
			break
		}
		p.l.text = append(p.l.text, textLine{x: x, y: y, k: k, s: ln})
		y += cellH*k + 2*k
	}
	return y
}

// field cleans one field: control characters go, runs of space become one.
func field(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError
	}), " ")
}

// join joins the non-empty parts with a space.
func join(parts ...string) string {
	var out []string
	for _, s := range parts {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, " ")
}

// columns is the width of s in glyph cells: a half-width glyph takes one,
// a full-width one (Chinese) two.
func columns(s string) int {
	n := 0
	for _, r := range s {
		n += runeCols(r)
	}
	return n
}

func runeCols(r rune) int {
	if r < 0x80 {
		return 1
	}
	return glyphOf(r).width / cellW
}

// wrap breaks s into at most lines lines of at most cols columns, at the
// last space that fits (anywhere, for a word longer than a line), and cuts
// the last line with "...".
func wrap(s string, cols, lines int) []string {
	if cols < 1 {
		return nil
	}
	var out []string
	rs := []rune(s)
	for len(rs) > 0 && len(out) < lines {
		if cols >= colsOf(rs) {
			out = append(out, string(rs))
			return out
		}
		if len(out) == lines-1 {
			out = append(out, cut(rs, cols))
			return out
		}
		n, w := 0, 0 // runes and columns that fit
		for n < len(rs) && w+runeCols(rs[n]) <= cols {
			w += runeCols(rs[n])
			n++
		}
		n = max(n, 1)
		brk := n
		for i := n; i > 0; i-- {
			if rs[i] == ' ' {
				brk = i
				break
			}
		}
		out = append(out, strings.TrimRight(string(rs[:brk]), " "))
		rs = []rune(strings.TrimLeft(string(rs[brk:]), " "))
	}
	return out
}

func colsOf(rs []rune) int {
	n := 0
	for _, r := range rs {
		n += runeCols(r)
	}
	return n
}

// cut shortens rs to cols columns, ending in "..." when there is room for it.
func cut(rs []rune, cols int) string {
	if colsOf(rs) <= cols {
		return string(rs)
	}
	limit := cols
	if cols > 4 {
		limit = cols - 3
	}
	n, w := 0, 0
	for n < len(rs) && w+runeCols(rs[n]) <= limit {
		w += runeCols(rs[n])
		n++
	}
	if cols > 4 {
		return strings.TrimRight(string(rs[:n]), " ") + "..."
	}
	return string(rs[:n])
}
