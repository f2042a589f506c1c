package web

import (
	"fmt"
	"html"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"returns-station/station"
)

// The dashboard's pictures are SVG made on the server: no script, no chart
// library, no outside request, words in the language asked. One bar chart
// serves every figure that is a count or an amount per band, day, hour or
// category.

// Chart widths a page may ask for (w=, in CSS pixels): a handheld asks for
// its own width, so the words are drawn at the size they are read instead of
// a desk chart shrunk to half.
const (
	chartMinWidth     = 300
	chartDefaultWidth = 640
	chartMaxWidth     = 1280
)

// sendChart answers a chart drawn now, at the width asked (w=, default 640),
// never cached: the figures move with every command.
func sendChart(c *fiber.Ctx, ch barChart) error {
	w := chartDefaultWidth
	if v := c.Query("w"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < chartMinWidth || n > chartMaxWidth {
			return station.Invalid("w", fmt.Sprintf("the chart's width in pixels, %d to %d", chartMinWidth, chartMaxWidth)).Coded("chart_width")
		}
		w = n
	}
	ch.Width = w
	c.Set(fiber.HeaderContentType, "image/svg+xml")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendString(ch.svg())
}

// barChart is a titled bar chart. With Series, the bars come in groups of
// len(Series) side by side (cost beside recovery, per category): the group's
// label is its first bar's, each bar takes its series' colour, and a legend
// names the series.
type barChart struct {
	Width  int // in pixels; 0 draws chartDefaultWidth
	Title  string
	Empty  string // said instead of bars when every value is 0
	Bars   []bar
	Series []series
}

// series is one kind of bar in a grouped chart.
type series struct {
	Name   string
	Colour string
}

// bar is one bar: its value, the words under it and its colour.
type bar struct {
	Label  string  // under the bar (band, hour, category)
	Note   string  // a second line under the bar, in the bar's colour; optional
	Value  float64 // the bar's height
	Text   string  // written above the bar (the value as a person reads it); "" writes nothing
	Colour string  // fill; default a dark blue with 4.5:1 contrast on white
}

// Colours with at least 4.5:1 contrast on white, for bars and their notes.
const (
	colourOK    = "#2e7d32"
	colourInfo  = "#1f5fa8"
	colourWarn  = "#a34f00"
	colourAlarm = "#b71c1c"
)

// svg renders the chart. With many bars (hours of a day), only every few
// labels are written, so the words never overlap.
func (c barChart) svg() string {
	const h, top, base = 260, 48, 200
	w := c.Width
	if w == 0 {
		w = chartDefaultWidth
	}
	per := max(1, len(c.Series))
	most := 0.0
	for _, b := range c.Bars {
		most = max(most, b.Value)
	}
	esc := html.EscapeString
	var sb strings.Builder
	var desc []string
	for i, b := range c.Bars {
		first := c.Bars[i-i%per]
		name := first.Label + " " + first.Note
		if per > 1 {
			name += " " + c.Series[i%per].Name
		}
		text := b.Text
		if text == "" { // a bar left unwritten (a zero among many) still has its value
			text = strconv.FormatFloat(b.Value, 'f', -1, 64)
		}
		desc = append(desc, strings.TrimSpace(name)+": "+text)
	}
	fmt.Fprintf(&sb, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-labelledby="t d" font-family="system-ui, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif">`, w, h)
	fmt.Fprintf(&sb, `<title id="t">%s</title><desc id="d">%s</desc>`, esc(c.Title), esc(strings.Join(desc, "; ")))
	fmt.Fprintf(&sb, `<rect width="%d" height="%d" fill="#fff"/>`, w, h)
	fmt.Fprintf(&sb, `<text x="16" y="28" font-size="18" font-weight="600" fill="#1a1a1a">%s</text>`, esc(shorten(c.Title, float64(w-32), 18)))
	if per > 1 { // the legend, under the title
		x := 16.0
		for _, sr := range c.Series {
			fmt.Fprintf(&sb, `<rect x="%.1f" y="36" width="12" height="12" fill="%s"/><text x="%.1f" y="47" font-size="13" fill="#1a1a1a">%s</text>`, x, sr.Colour, x+16, esc(sr.Name))
			x += 28 + textWidth(sr.Name, 13)
		}
	}
	fmt.Fprintf(&sb, `<line x1="16" y1="%d" x2="%d" y2="%d" stroke="#555"/>`, base, w-16, base)
	if len(c.Bars) > 0 {
		groups := (len(c.Bars) + per - 1) / per
		slot := float64(w-32) / float64(groups)
		barW := min(96, slot*0.7)
		if per > 1 {
			barW = min(48, slot*0.8/float64(per))
		}
		fit := max(3, (w-32)/72) // labels that fit side by side: 8 at 640 pixels
		every := 1 + (groups-1)/fit
		size := 15
		if groups > fit || per > 2 {
			size = 13
		}
		textSize := size + 3
		if per > 1 {
			textSize = 12
		}
		for i, b := range c.Bars {
			g, k := i/per, i%per
			fill := b.Colour
			if per > 1 && fill == "" {
				fill = c.Series[k].Colour
			}
			if fill == "" {
				fill = colourInfo
			}
			x := 16 + float64(g)*slot + (slot-barW*float64(per))/2 + float64(k)*barW
			bh := 0.0
			if most > 0 {
				bh = b.Value * float64(base-top-24) / most
			}
			mid := x + barW/2
			fmt.Fprintf(&sb, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x, base-bh, barW, bh, fill)
			if g%every != 0 && groups > fit {
				continue
			}
			if b.Text != "" {
				fmt.Fprintf(&sb, `<text x="%.1f" y="%.1f" font-size="%d" font-weight="700" text-anchor="middle" fill="#1a1a1a">%s</text>`, mid, base-bh-8, textSize, esc(b.Text))
			}
			if k != 0 {
				continue
			}
			centre := 16 + float64(g)*slot + slot/2
			if per == 1 {
				centre = mid
			}
			room := slot - 6
			if groups > fit { // a thinned label has the room of the groups it stands for
				room = slot*float64(every) - 6
			}
			if per == 1 {
				room = float64(w - 32) // one bar per slot: labels were always short enough
			}
			for li, line := range fitLabel(b.Label, room, float64(size), b.Note == "") {
				fmt.Fprintf(&sb, `<text x="%.1f" y="%d" font-size="%d" text-anchor="middle" fill="#1a1a1a">%s</text>`, centre, base+22+li*(size+3), size, esc(line))
			}
			if b.Note != "" {
				fmt.Fprintf(&sb, `<text x="%.1f" y="%d" font-size="%d" font-weight="600" text-anchor="middle" fill="%s">%s</text>`, centre, base+44, size, fill, esc(b.Note))
			}
		}
	}
	if most == 0 && c.Empty != "" {
		fmt.Fprintf(&sb, `<text x="%d" y="%d" font-size="16" text-anchor="middle" fill="#1a1a1a">%s</text>`, w/2, (top+base)/2, esc(c.Empty))
	}
	sb.WriteString(`</svg>`)
	return sb.String()
}

// textWidth estimates how wide s is written at size: a Chinese character
// is about size wide, a Latin letter about half.
func textWidth(s string, size float64) float64 {
	wd := 0.0
	for _, r := range s {
		if r < 0x2E80 {
			wd += size * 0.55
		} else {
			wd += size
		}
	}
	return wd
}

// fitLabel writes a label into width at size: whole when it fits, else on
// two lines broken at a space when it may take two, each line shortened
// with "…" if it still does not fit. The chart's description keeps the
// whole label for screen readers.
func fitLabel(label string, width, size float64, twoLines bool) []string {
	if textWidth(label, size) <= width {
		return []string{label}
	}
	if twoLines {
		if i := strings.LastIndex(label[:len(label)/2+1], " "); i > 0 {
			return []string{shorten(label[:i], width, size), shorten(strings.TrimSpace(label[i:]), width, size)}
		}
		if i := strings.Index(label, " "); i > 0 {
			return []string{shorten(label[:i], width, size), shorten(strings.TrimSpace(label[i:]), width, size)}
		}
	}
	return []string{shorten(label, width, size)}
}

// shorten cuts s to fit width at size, ending in "…".
func shorten(s string, width, size float64) string {
	if textWidth(s, size) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 1 && textWidth(string(r)+"…", size) > width {
		r = r[:len(r)-1]
	}
	return strings.TrimSpace(string(r)) + "…"
}
