package labels_test

import (
	"bytes"
	"flag"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"returns-station/labels"
	"returns-station/station"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestZPLGolden(t *testing.T) {
	tote := station.LabelContent{
		Code: station.LabelCode{Kind: station.LabelTote, ID: "T-0012"}, Title: "T-0012",
		Disposition: "restock", Date: day, Station: "WH-SH-01",
	}
	tests := []struct {
		name string
		c    station.LabelContent
		size string
		dpi  int
		font string
	}{
		{"unit_100x150_203", unitLabel(), station.LabelSizeLarge, 203, ""},
		{"unit_100x150_300", unitLabel(), station.LabelSizeLarge, 300, ""},
		{"unit_50x25_203", unitLabel(), station.LabelSizeSmall, 203, ""},
		{"unit_50x25_300", unitLabel(), station.LabelSizeSmall, 300, ""},
		{"unit_100x150_203_cjk", unitLabel(), station.LabelSizeLarge, 203, "E:SIMSUN.FNT"},
		{"unit_50x25_300_cjk", unitLabel(), station.LabelSizeSmall, 300, "E:SIMSUN.FNT"},
		{"tote_50x25_203", tote, station.LabelSizeSmall, 203, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := labels.ZPL(tc.c, tc.size, tc.dpi, tc.font)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("got ZPL differing from %s (run with -update if the change is meant):\n%s", path, got)
			}
		})
	}
}

// TestZPLGraphicMatchesPNG checks that what prints is what was tested: the
// ^GF graphic, read back, decodes to the payload, holds exactly the modules
// of QR, and equals the PNG's pixels at the same place.
func TestZPLGraphicMatchesPNG(t *testing.T) {
	for _, size := range sizes {
		for _, dpi := range dpis {
			for _, code := range codes {
				t.Run(fmt.Sprintf("%s@%d/%s", size, dpi, code), func(t *testing.T) {
					t.Parallel()
					c := unitLabel()
					c.Code = code
					z, err := labels.ZPL(c, size, dpi, "")
					if err != nil {
						t.Fatal(err)
					}
					g := parseGF(t, z)
					if got := decodeQR(t, g.image()); got != code.String() {
						t.Errorf("got payload %q from the ^GF graphic, want %q", got, code.String())
					}

					q, err := labels.QR(code, size)
					if err != nil {
						t.Fatal(err)
					}
					mod := g.h / q.Size
					if mod*q.Size != g.h || g.w < g.h || g.w-g.h >= 8 {
						t.Fatalf("got a %dx%d graphic for %d modules, want a whole number of dots per module", g.w, g.h, q.Size)
					}
					for y := range g.h {
						for x := range g.w {
							want := x < g.h && q.Dark(x/mod, y/mod)
							if g.bits[y][x] != want {
								t.Fatalf("got dot (%d,%d) = %v in the graphic, want %v from module (%d,%d)", x, y, g.bits[y][x], want, x/mod, y/mod)
							}
						}
					}

					b, err := labels.PNG(c, size, dpi)
					if err != nil {
						t.Fatal(err)
					}
					img, err := png.Decode(bytes.NewReader(b))
					if err != nil {
						t.Fatal(err)
					}
					for y := range g.h {
						for x := range g.h {
							if got, want := isDark(img.At(g.x+x, g.y+y)), g.bits[y][x]; got != want {
								t.Fatalf("got PNG pixel (%d,%d) dark=%v, want %v as in the ^GF graphic", g.x+x, g.y+y, got, want)
							}
						}
					}
				})
			}
		}
	}
}

func TestZPLText(t *testing.T) {
	c := unitLabel()
	c.SKU = "A^B~C_D"
	c.Name = "无线耳机" // Chinese only
	c.Disposition = "重新上架 restock"
	tests := []struct {
		name      string
		font      string
		contains  []string
		forbidden []string
		ascii     bool
	}{
		{
			name:      "no printer font: text as graphics",
			contains:  []string{"^CI28", "^GFA,"},
			forbidden: []string{"^A@", "^A0", "^FD", "无线", "?"},
			ascii:     true,
		},
		{
			name:     "printer font for CJK",
			font:     "E:SIMSUN.FNT",
			contains: []string{"^CI28", "^A@N,", ",E:SIMSUN.FNT^FH^FD无线耳机^FS", "^FH^FD重新上架^FS", "^FH^FDrestock^FS", "^A0N,", "^FH^FDA_5EB_7EC_5FD^FS"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			z, err := labels.ZPL(c, station.LabelSizeLarge, 203, tc.font)
			if err != nil {
				t.Fatal(err)
			}
			s := string(z)
			for _, want := range tc.contains {
				if !strings.Contains(s, want) {
					t.Errorf("got no %q in:\n%s", want, s)
				}
			}
			for _, bad := range tc.forbidden {
				if strings.Contains(s, bad) {
					t.Errorf("got %q, want none, in:\n%s", bad, s)
				}
			}
			if tc.ascii && !isASCIIBytes(z) {
				t.Errorf("got non-ASCII bytes without a printer font")
			}
			lines := zplLines(z)
			if lines[0] != "^XA" || lines[len(lines)-1] != "^XZ" {
				t.Errorf("got first %q and last %q, want ^XA and ^XZ", lines[0], lines[len(lines)-1])
			}
			for _, ln := range lines {
				if strings.HasPrefix(ln, "^FO") && strings.Contains(ln, "^A@") && isASCIIBytes([]byte(ln)) {
					t.Errorf("got the CJK font on an ASCII line %q, want ^A0", ln)
				}
			}
		})
	}
}

func isASCIIBytes(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
