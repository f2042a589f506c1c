package labels_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"returns-station/labels"
	"returns-station/station"
)

var (
	svgPattern = regexp.MustCompile(`<svg class="qr" viewBox="0 0 (\d+) (\d+)"[^>]*data-payload="([^"]+)"[^>]*>.*?<path fill="#000" d="([^"]*)"/></svg>`)
	runPattern = regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`)
)

// sheetQRs returns each label's payload and its SVG QR rasterised at 4
// pixels per module.
func sheetQRs(tb testing.TB, html string) (payloads []string, imgs []image.Image) {
	tb.Helper()
	for _, m := range svgPattern.FindAllStringSubmatch(html, -1) {
		n, _ := strconv.Atoi(m[1])
		const px = 4
		img := image.NewGray(image.Rect(0, 0, n*px, n*px))
		for i := range img.Pix {
			img.Pix[i] = 255
		}
		rest := m[4]
		for _, r := range runPattern.FindAllStringSubmatch(rest, -1) {
			x, _ := strconv.Atoi(r[1])
			y, _ := strconv.Atoi(r[2])
			w, _ := strconv.Atoi(r[3])
			for yy := y * px; yy < (y+1)*px; yy++ {
				for xx := x * px; xx < (x+w)*px; xx++ {
					img.SetGray(xx, yy, color.Gray{})
				}
			}
		}
		if left := runPattern.ReplaceAllString(rest, ""); left != "" {
			tb.Fatalf("got unexpected path data %q", left)
		}
		payloads = append(payloads, m[3])
		imgs = append(imgs, img)
	}
	return payloads, imgs
}

func TestSheet(t *testing.T) {
	many := func(n int) []station.LabelContent {
		var out []station.LabelContent
		for i := range n {
			c := unitLabel()
			c.Code.ID = fmt.Sprintf("01JD2Z6W8Q3M5T7V9X1Z3B%04d", i)
			c.Title = c.Code.ID
			out = append(out, c)
		}
		return out
	}
	tests := []struct {
		name  string
		n     int
		size  string
		pages int
	}{
		{"one small", 1, station.LabelSizeSmall, 1},
		{"a page of small", 44, station.LabelSizeSmall, 1},
		{"one more small", 45, station.LabelSizeSmall, 2},
		{"three large", 3, station.LabelSizeLarge, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := many(tc.n)
			var buf bytes.Buffer
			if err := labels.Sheet(&buf, in, tc.size); err != nil {
				t.Fatal(err)
			}
			html := buf.String()
			if got := strings.Count(html, `<section class="page">`); got != tc.pages {
				t.Errorf("got %d pages, want %d", got, tc.pages)
			}
			for _, want := range []string{"@page", "size: A4", "小米 Redmi Buds 4 无线耳机 white", "RMA-2026-000123", "T-0012", "2026-11-23"} {
				if !strings.Contains(html, want) {
					t.Errorf("got no %q in the sheet", want)
				}
			}
			for _, bad := range []string{"http:", "https:", "src=", "href=", "url(", "@import", "<script"} {
				if strings.Contains(html, bad) {
					t.Errorf("got %q in the sheet, want no external reference", bad)
				}
			}
			payloads, imgs := sheetQRs(t, html)
			if len(payloads) != tc.n {
				t.Fatalf("got %d QR codes, want %d", len(payloads), tc.n)
			}
			for i, img := range imgs {
				want := in[i].Code.String()
				if payloads[i] != want {
					t.Errorf("label %d: got payload attribute %q, want %q", i, payloads[i], want)
				}
				if got := decodeQR(t, img); got != want {
					t.Errorf("label %d: got QR %q, want %q", i, got, want)
				}
			}
		})
	}
}

func TestSheetEscapesAndRejects(t *testing.T) {
	c := unitLabel()
	c.Name = `<script>alert("x")</script>`
	var buf bytes.Buffer
	if err := labels.Sheet(&buf, []station.LabelContent{c}, station.LabelSizeLarge); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "<script>") {
		t.Errorf("got the name unescaped")
	}

	bad := unitLabel()
	bad.Code.Kind = "Z"
	for _, tc := range []struct {
		name   string
		labels []station.LabelContent
		size   string
		field  string
	}{
		{"no labels", nil, station.LabelSizeSmall, "labels"},
		{"unknown size", []station.LabelContent{c}, "A4", "size"},
		{"bad code", []station.LabelContent{c, bad}, station.LabelSizeSmall, "labels[1].code"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := labels.Sheet(&bytes.Buffer{}, tc.labels, tc.size)
			if f := station.Fields(err); station.ErrorCode(err) != station.EInvalid || len(f) != 1 || f[0].Field != tc.field {
				t.Errorf("got %v, want EInvalid naming %q", err, tc.field)
			}
		})
	}
}
