package web

import (
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
)

// A grouped chart draws its bars side by side per group, names each group
// once under it, and has a legend naming the series in their colours.
func TestGroupedBarChart(t *testing.T) {
	c := barChart{Title: "成本与回收", Series: []series{{"成本", colourWarn}, {"回收", colourOK}}, Bars: []bar{
		{Label: "手机", Value: 30, Text: "30"}, {Value: 2400, Text: "2400"},
		{Label: "女装/连衣裙", Value: 12, Text: "12"}, {Value: 180, Text: "180"},
	}}
	out := c.svg()
	if err := xml.Unmarshal([]byte(out), new(struct{})); err != nil {
		t.Fatalf("the chart is not well-formed XML: %v", err)
	}
	var rects []struct {
		X, W float64
		Fill string
	}
	dec := xml.NewDecoder(strings.NewReader(out))
	texts := map[string]int{}
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "rect" {
			var r struct {
				X, W float64
				Fill string
			}
			for _, a := range se.Attr {
				switch a.Name.Local {
				case "x":
					r.X = atof(t, a.Value)
				case "width":
					r.W = atof(t, a.Value)
				case "fill":
					r.Fill = a.Value
				}
			}
			if r.Fill != "#fff" && r.W != 12 { // not the background, not a legend key
				rects = append(rects, r)
			}
		}
		if cd, ok := tok.(xml.CharData); ok {
			texts[string(cd)]++
		}
	}
	if len(rects) != 4 {
		t.Fatalf("want 4 bars, got %d: %s", len(rects), out)
	}
	for g := 0; g < 2; g++ {
		cost, rec := rects[2*g], rects[2*g+1]
		if cost.Fill != colourWarn || rec.Fill != colourOK {
			t.Errorf("group %d: colours %s, %s; want the series' colours", g, cost.Fill, rec.Fill)
		}
		if d := rec.X - (cost.X + cost.W); d < -0.01 || d > 0.01 {
			t.Errorf("group %d: the two bars are not side by side (gap %.2f)", g, d)
		}
	}
	if rects[2].X <= rects[1].X+rects[1].W {
		t.Errorf("the second group overlaps the first")
	}
	for _, s := range []string{"手机", "女装/连衣裙", "成本", "回收"} {
		if texts[s] != 1 {
			t.Errorf("%q written %d times, want once", s, texts[s])
		}
	}
}

func atof(t *testing.T, s string) float64 {
	t.Helper()
	var f float64
	if _, err := fmt.Sscan(s, &f); err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return f
}

// A label wider than its group is broken at a space or shortened, never
// written over its neighbours; one that fits is written whole.
func TestFitLabel(t *testing.T) {
	for _, c := range []struct {
		label string
		width float64
		two   bool
	}{
		{"Toys", 80, true}, {"Beauty & personal care", 80, true}, {"Apparel & shoes", 80, true},
		{"Electronics", 60, false}, {"数码电子", 80, true}, {"Home & furniture", 40, true},
	} {
		lines := fitLabel(c.label, c.width, 13, c.two)
		if len(lines) == 0 || len(lines) > 2 || (!c.two && len(lines) > 1) {
			t.Errorf("%q: %d lines", c.label, len(lines))
		}
		for _, l := range lines {
			if textWidth(l, 13) > c.width {
				t.Errorf("%q: line %q is %.0f wide, over %.0f", c.label, l, textWidth(l, 13), c.width)
			}
		}
		if textWidth(c.label, 13) <= c.width && (len(lines) != 1 || lines[0] != c.label) {
			t.Errorf("%q fits in %.0f but was written as %q", c.label, c.width, lines)
		}
	}
}

// A chart asked at a handheld's width is drawn at that width: every bar and
// label inside it, the day labels of a month thinned so none overlaps its
// neighbour and none is cut short, at the size it is read.
func TestChartAtHandheldWidth(t *testing.T) {
	for _, w := range []int{chartMinWidth, 360, chartDefaultWidth} {
		c := barChart{Width: w, Title: "签收包裹、质检与上架件数 · 2026-11-08 – 2026-12-07", Series: []series{{"签收", colourInfo}, {"质检", colourOK}, {"上架", colourPut}}}
		for d := 0; d < 30; d++ {
			for k := 0; k < 3; k++ {
				c.Bars = append(c.Bars, bar{Label: fmt.Sprintf("11-%02d", d+1), Value: float64(d + k), Text: fmt.Sprint(d + k)})
			}
		}
		out := c.svg()
		var svg struct {
			ViewBox string `xml:"viewBox,attr"`
			Rects   []struct {
				X float64 `xml:"x,attr"`
				W float64 `xml:"width,attr"`
			} `xml:"rect"`
			Texts []struct {
				X      float64 `xml:"x,attr"`
				Size   float64 `xml:"font-size,attr"`
				Anchor string  `xml:"text-anchor,attr"`
				Body   string  `xml:",chardata"`
			} `xml:"text"`
		}
		if err := xml.Unmarshal([]byte(out), &svg); err != nil {
			t.Fatalf("w=%d: not well-formed XML: %v", w, err)
		}
		if want := fmt.Sprintf("0 0 %d 260", w); svg.ViewBox != want {
			t.Errorf("w=%d: viewBox %q, want %q", w, svg.ViewBox, want)
		}
		for _, r := range svg.Rects {
			if r.X < 0 || r.X+r.W > float64(w)+0.01 {
				t.Errorf("w=%d: a bar from %.1f to %.1f lies outside the chart", w, r.X, r.X+r.W)
			}
		}
		var hours []float64 // centres of the day labels written whole, left to right
		for _, tx := range svg.Texts {
			if strings.HasPrefix(tx.Body, "11-") {
				hours = append(hours, tx.X)
				if half := textWidth(tx.Body, tx.Size) / 2; tx.X-half < 0 || tx.X+half > float64(w) {
					t.Errorf("w=%d: label %s at %.1f runs off the chart", w, tx.Body, tx.X)
				}
			}
			if tx.Size < 12 {
				t.Errorf("w=%d: %q written at %.0f px", w, tx.Body, tx.Size)
			}
		}
		if len(hours) < 3 {
			t.Errorf("w=%d: only %d whole day labels: %s", w, len(hours), out)
		}
		for i := 1; i < len(hours); i++ {
			if gap := hours[i] - hours[i-1]; gap < textWidth("11-01", 13)+4 {
				t.Errorf("w=%d: hour labels %.1f px apart overlap", w, gap)
			}
		}
	}
}
