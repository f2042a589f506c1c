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
