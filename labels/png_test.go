package labels_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image/png"
	"testing"

	"returns-station/labels"
	"returns-station/station"
)

func TestPNGDecodesToPayload(t *testing.T) {
	wantDims := map[string][2]int{
		"100x150@203": {800, 1200}, "100x150@300": {1200, 1800},
		"50x25@203": {400, 200}, "50x25@300": {600, 300},
	}
	for _, size := range sizes {
		for _, dpi := range dpis {
			for _, code := range codes {
				name := fmt.Sprintf("%s@%d/%s", size, dpi, code)
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					c := unitLabel()
					c.Code, c.Title = code, code.ID
					b, err := labels.PNG(c, size, dpi)
					if err != nil {
						t.Fatalf("PNG: %v", err)
					}
					img, err := png.Decode(bytes.NewReader(b))
					if err != nil {
						t.Fatalf("decode png: %v", err)
					}
					want := wantDims[fmt.Sprintf("%s@%d", size, dpi)]
					if got := img.Bounds().Size(); got.X != want[0] || got.Y != want[1] {
						t.Errorf("got %dx%d pixels, want %dx%d", got.X, got.Y, want[0], want[1])
					}
					if got, want := decodeQR(t, img), code.String(); got != want {
						t.Errorf("got payload %q, want %q", got, want)
					}
				})
			}
		}
	}
}

func TestPNGCarriesResolution(t *testing.T) {
	for _, tc := range []struct {
		dpi  int
		want uint32 // pixels per metre
	}{{203, 7992}, {300, 11811}} {
		t.Run(fmt.Sprint(tc.dpi), func(t *testing.T) {
			b, err := labels.PNG(unitLabel(), station.LabelSizeSmall, tc.dpi)
			if err != nil {
				t.Fatal(err)
			}
			i := bytes.Index(b, []byte("pHYs"))
			if i < 0 {
				t.Fatal("got no pHYs chunk")
			}
			x, y, unit := binary.BigEndian.Uint32(b[i+4:]), binary.BigEndian.Uint32(b[i+8:]), b[i+12]
			if x != tc.want || y != tc.want || unit != 1 {
				t.Errorf("got pHYs %d×%d unit %d, want %d×%d unit 1", x, y, unit, tc.want, tc.want)
			}
		})
	}
}

func TestRenderRejects(t *testing.T) {
	good := unitLabel()
	bad := good
	bad.Code = station.LabelCode{Kind: "X", ID: "1"}
	lower := good
	lower.Code.ID = "abc"
	tests := []struct {
		name  string
		c     station.LabelContent
		size  string
		dpi   int
		font  string
		field string
	}{
		{"unknown size", good, "4x6", 203, "", "size"},
		{"unknown dpi", good, station.LabelSizeLarge, 600, "", "dpi"},
		{"unknown kind", bad, station.LabelSizeSmall, 203, "", "code"},
		{"lower-case id", lower, station.LabelSizeSmall, 203, "", "code"},
		{"empty code", station.LabelContent{}, station.LabelSizeSmall, 203, "", "code"},
		{"font with a command", good, station.LabelSizeSmall, 203, "E:X.FNT^XZ", "font"},
		{"font without drive", good, station.LabelSizeSmall, 203, "SIMSUN.FNT", "font"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			check := func(what string, err error) {
				t.Helper()
				if station.ErrorCode(err) != station.EInvalid {
					t.Fatalf("%s: got error %v, want EInvalid", what, err)
				}
				if f := station.Fields(err); len(f) != 1 || f[0].Field != tc.field {
					t.Errorf("%s: got fields %v, want %q", what, f, tc.field)
				}
			}
			_, err := labels.ZPL(tc.c, tc.size, tc.dpi, tc.font)
			check("ZPL", err)
			if tc.font == "" {
				_, err = labels.PNG(tc.c, tc.size, tc.dpi)
				check("PNG", err)
			}
		})
	}
}

func TestQRVersionPerSize(t *testing.T) {
	tests := []struct {
		code         station.LabelCode
		size         string
		level        string
		version, mod int // mod: modules per side with the quiet zone
	}{
		{codes[0], station.LabelSizeSmall, "M", 2, 33},
		{codes[0], station.LabelSizeLarge, "H", 3, 37},
		{codes[1], station.LabelSizeSmall, "M", 1, 29},
		{codes[1], station.LabelSizeLarge, "H", 2, 33},
		{codes[4], station.LabelSizeSmall, "M", 2, 33},
		{codes[4], station.LabelSizeLarge, "H", 4, 41},
	}
	for _, tc := range tests {
		t.Run(tc.size+"/"+tc.code.String(), func(t *testing.T) {
			q, err := labels.QR(tc.code, tc.size)
			if err != nil {
				t.Fatal(err)
			}
			if q.Level != tc.level || q.Version != tc.version || q.Size != tc.mod {
				t.Errorf("got level %s version %d size %d, want %s %d %d", q.Level, q.Version, q.Size, tc.level, tc.version, tc.mod)
			}
			if q.Size != 17+4*q.Version+2*labels.QuietZone {
				t.Errorf("got size %d for version %d, want the quiet zone included", q.Size, q.Version)
			}
			for i := range q.Size {
				for _, p := range [][2]int{{i, 0}, {0, i}, {i, labels.QuietZone - 1}, {q.Size - labels.QuietZone, i}} {
					if q.Dark(p[0], p[1]) {
						t.Fatalf("got dark module at %v, inside the quiet zone", p)
					}
				}
			}
		})
	}
}
