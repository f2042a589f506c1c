package labels

import (
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"returns-station/station"
)

// Glyph cell of the bitmap font at scale 1, in dots. Text is drawn at whole
// multiples k of it; ZPL asks the printer's font for the same cell height.
const (
	cellW = 7
	cellH = 13
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

// plan lays out c. With unicode false every field is folded to ASCII;
// otherwise fields keep their text and wide runes count two columns.
func plan(c station.LabelContent, size string, dpi int, unicode bool) (*layout, error) {
	dpmm, err := dotsPerMM(dpi)
	if err != nil {
		return nil, err
	}
	qr, err := QR(c.Code, size)
	if err != nil {
		return nil, err
	}
	p := &planner{dpmm: dpmm, unicode: unicode, l: &layout{qr: qr}}
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
		title:   p.field(title),
		sku:     p.field(c.SKU),
		name:    p.field(c.Name),
		grade:   p.field(c.Grade),
		disp:    p.field(c.Disposition),
		dest:    p.field(c.Destination),
		rma:     p.field(c.RMA),
		station: p.field(c.Station),
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
	dpmm    int
	unicode bool
	bottom  int // no text below this
	// oneLineAbove keeps text above the smallest scale to one line, where
	// space is short.
	oneLineAbove bool
	l            *layout
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

// small lays out the 50×25 mm label: the QR on the left, full height, and up
// to six short lines beside it.
func (p *planner) small(f fields) {
	l := p.l
	l.w, l.h = p.mm(50), p.mm(25)
	side := l.qr.Size * l.mod
	l.qrX, l.qrY = p.mm(0.5), (l.h-side)/2
	x := l.qrX + side // the quiet zone is the gap
	w := l.w - p.mm(1) - x
	p.bottom = l.h - p.mm(1)
	p.oneLineAbove = true
	kS, kL := p.scale(1.8), p.scale(3)

	y := p.mm(1)
	y = p.block(x, y, w, f.title, kL, kS, 2)
	y = p.block(x, y, w, join(f.sku, f.name), kL, kS, 1)
	y = p.block(x, y, w, join(f.grade, f.disp), kL, kS, 1)
	if f.dest != "" {
		y = p.block(x, y, w, "> "+f.dest, kL, kS, 1)
	}
	y = p.block(x, y, w, f.rma, kS, kS, 1)
	p.block(x, y, w, join(f.date, f.station), kS, kS, 1)
}

// line places s on one line at scale k (from kPref down to kMin, whichever
// fits first), cut with "..." if even kMin is too wide, and returns the y of
// the next line.
func (p *planner) line(x, y, w int, s string, kPref, kMin int) int {
	return p.block(x, y, w, s, kPref, kMin, 1)
}

// block places s at the largest scale from kPref down to kMin at which it
// fits whole in lines lines (in one line, on the small label, for any scale
// above kMin); failing that, at kMin with the last line cut. Text that would
// pass the bottom margin is left out. It returns the y of the next line.
func (p *planner) block(x, y, w int, s string, kPref, kMin, lines int) int {
	if s == "" {
		return y
	}
	k := kMin
	for kk := kPref; kk >= kMin; kk-- {
		most := lines
		if p.oneLineAbove && kk > kMin {
			most = 1
		}
		if n := len(wrap(s, w/(cellW*kk), most+1)); n >= 1 && n <= most {
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
// Without unicode it folds to ASCII and drops a field with no letter or
// digit left.
func (p *planner) field(s string) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError
	}), " ")
	if p.unicode {
		return s
	}
	alnum := false
	var out strings.Builder
	for _, r := range s {
		if r >= 0x80 {
			r = '?'
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			alnum = true
		}
		out.WriteRune(r)
	}
	if !alnum {
		return ""
	}
	return out.String()
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

// columns is the width of s in glyph cells: ASCII takes one, anything else
// (Chinese above all) two.
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
	return 2
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
