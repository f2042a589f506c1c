package labels_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"image"
	"image/png"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"returns-station/labels"
	"returns-station/station"
)

// fontIndex maps each glyph bitmap of the embedded font file, read here on
// its own, back to its character: the lowest code point among identical
// glyphs (so Latin 'A' wins over Greek 'Α'). Keys are the width and the 16
// rows.
var fontIndex = sync.OnceValue(func() map[string]rune {
	raw, err := os.ReadFile("fonts/unifont-subset.hex.gz")
	if err != nil {
		panic(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		panic(err)
	}
	idx := make(map[string]rune)
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		cp, bits, _ := strings.Cut(sc.Text(), ":")
		r, err := strconv.ParseUint(cp, 16, 32)
		if err != nil {
			panic(err)
		}
		w := len(bits) / 4
		var key strings.Builder
		fmt.Fprintf(&key, "%d:", w)
		for y := range 16 {
			v, _ := strconv.ParseUint(bits[y*w/4:(y+1)*w/4], 16, 16)
			for x := range w {
				key.WriteByte('0' + byte(v>>(w-1-x)&1))
			}
		}
		if old, ok := idx[key.String()]; !ok || rune(r) < old {
			idx[key.String()] = rune(r)
		}
	}
	return idx
})

// readText decodes the text of a label image: each band of inked rows to
// the right of column left is one line of glyphs at one whole scale, which
// is found by trying scales and cell offsets until every cell of the band,
// sampled back to 16 rows, is exactly a glyph of the font. It fails the test
// for a band that is not text in the font.
func readText(tb testing.TB, img image.Image, left int) []string {
	tb.Helper()
	b := img.Bounds()
	ink := func(x, y int) bool { return x < b.Max.X && y < b.Max.Y && x >= 0 && y >= 0 && isDark(img.At(x, y)) }
	rowInk := func(y int) bool {
		for x := left; x < b.Max.X; x++ {
			if ink(x, y) {
				return true
			}
		}
		return false
	}
	var lines []string
	for y := 0; y < b.Max.Y; {
		if !rowInk(y) {
			y++
			continue
		}
		top := y
		for y < b.Max.Y && rowInk(y) {
			y++
		}
		s, ok := readBand(img, ink, left, b.Max.X, top, y)
		if !ok {
			tb.Fatalf("got ink in rows %d-%d that is no text in the label font", top, y-1)
		}
		lines = append(lines, s)
	}
	return lines
}

func readBand(img image.Image, ink func(x, y int) bool, left, right, top, bottom int) (string, bool) {
	x0 := right
	for x := left; x < right && x0 == right; x++ {
		for y := top; y < bottom; y++ {
			if ink(x, y) {
				x0 = x
				break
			}
		}
	}
	for k := 1; k <= 8; k++ {
		if bottom-top > 16*k {
			continue
		}
		for ty := top - (16*k - (bottom - top)); ty <= top; ty++ {
			for dx := 0; dx < 8*k; dx++ {
				if s, ok := readCells(ink, x0-dx, right, ty, k); ok {
					return s, true
				}
			}
		}
	}
	return "", false
}

// readCells reads glyphs of scale k from x onwards along the row of cells
// whose top is ty, until the rest of the row is blank.
func readCells(ink func(x, y int) bool, x, right, ty, k int) (string, bool) {
	idx := fontIndex()
	var out []rune
	for {
		rest := false
		for xx := x; xx < right && !rest; xx++ {
			for y := ty; y < ty+16*k; y++ {
				if ink(xx, y) {
					rest = true
					break
				}
			}
		}
		if !rest {
			return strings.TrimSpace(string(out)), len(out) > 0
		}
		found := false
		for _, w := range []int{16, 8} {
			key, ok := cellKey(ink, x, ty, w, k)
			if !ok {
				continue
			}
			if r, ok := idx[key]; ok {
				out = append(out, r)
				x += w * k
				found = true
				break
			}
			if w == 8 && !strings.ContainsRune(key[2:], '1') {
				out = append(out, ' ')
				x += w * k
				found = true
			}
		}
		if !found {
			return "", false
		}
	}
}

// cellKey samples the w×16 cell at x, y of scale k, each dot a k×k block
// that must be all ink or all paper.
func cellKey(ink func(x, y int) bool, x, y, w, k int) (string, bool) {
	var key strings.Builder
	fmt.Fprintf(&key, "%d:", w)
	for gy := range 16 {
		for gx := range w {
			v := ink(x+gx*k, y+gy*k)
			for dy := range k {
				for dx := range k {
					if ink(x+gx*k+dx, y+gy*k+dy) != v {
						return "", false
					}
				}
			}
			if v {
				key.WriteByte('1')
			} else {
				key.WriteByte('0')
			}
		}
	}
	return key.String(), true
}

// TestSmallLabelReadsBackChineseNames reads the text of 50×25 mm labels back
// from their PNG with the font's own glyphs: the id on one line, the whole
// product name (Chinese, Latin, mixed), none of it cut, and the QR still
// decodes.
func TestSmallLabelReadsBackChineseNames(t *testing.T) {
	names := []string{
		"无线降噪蓝牙耳机",
		"小米 Redmi Buds 4 无线耳机 white",
		"儿童保温杯不锈钢带吸管 500ml 粉色",
		"华为 MatePad 11.5 平板电脑 8GB+256GB 深空灰",
		"連衣裙 夏季 碎花 長款", // traditional
		"Ｌサイズ　コットンＴシャツ",
	}
	for _, dpi := range dpis {
		for _, name := range names {
			t.Run(fmt.Sprintf("%d/%s", dpi, name), func(t *testing.T) {
				t.Parallel()
				c := unitLabel()
				c.Name = name
				b, err := labels.PNG(c, station.LabelSizeSmall, dpi)
				if err != nil {
					t.Fatal(err)
				}
				img, err := png.Decode(bytes.NewReader(b))
				if err != nil {
					t.Fatal(err)
				}
				if got := decodeQR(t, img); got != c.Code.String() {
					t.Errorf("got QR %q, want %q", got, c.Code.String())
				}
				z, err := labels.ZPL(c, station.LabelSizeSmall, dpi, "")
				if err != nil {
					t.Fatal(err)
				}
				qr := parseGF(t, z)
				lines := readText(t, img, qr.x+qr.h)
				if lines[0] != c.Title {
					t.Errorf("got first line %q, want the id %q on one line", lines[0], c.Title)
				}
				all := strings.Join(lines, "\n")
				if strings.Contains(all, "...") || strings.ContainsRune(all, '\uFFFD') {
					t.Errorf("got a cut or unknown character in\n%s", all)
				}
				squash := func(s string) string { return strings.NewReplacer(" ", "", "\n", "", "\u3000", "").Replace(s) }
				if !strings.Contains(squash(all), squash(name)) {
					t.Errorf("got text\n%s\nwant the whole name %q", all, name)
				}
				for _, want := range []string{c.SKU, c.RMA, "> " + c.Destination} {
					if !strings.Contains(all, want) {
						t.Errorf("got text\n%s\nwant %q", all, want)
					}
				}
			})
		}
	}
}

// gbPattern is a filled ^GB box: thickness equal to its shorter side.
var gbPattern = regexp.MustCompile(`\^FO(\d+),(\d+)\^GB(\d+),(\d+),\d+\^FS`)

// TestZPLWithoutFontIsThePNG checks that a ZPL format without a printer font
// prints exactly the PNG's dots: its graphics and rules, drawn on a blank
// label, equal the PNG pixel for pixel, and it holds no printer-font text.
func TestZPLWithoutFontIsThePNG(t *testing.T) {
	for _, size := range sizes {
		for _, dpi := range dpis {
			t.Run(fmt.Sprintf("%s@%d", size, dpi), func(t *testing.T) {
				t.Parallel()
				c := unitLabel()
				z, err := labels.ZPL(c, size, dpi, "")
				if err != nil {
					t.Fatal(err)
				}
				if bytes.Contains(z, []byte("^A")) || bytes.Contains(z, []byte("^FD")) || !isASCIIBytes(z) {
					t.Errorf("got printer-font text or non-ASCII bytes in a format for a printer without a font:\n%s", z)
				}
				b, err := labels.PNG(c, size, dpi)
				if err != nil {
					t.Fatal(err)
				}
				img, err := png.Decode(bytes.NewReader(b))
				if err != nil {
					t.Fatal(err)
				}
				w, h := img.Bounds().Dx(), img.Bounds().Dy()
				dots := make([]bool, w*h)
				for _, g := range parseGFs(t, z) {
					for y, row := range g.bits {
						for x, d := range row {
							if d {
								if g.x+x >= w || g.y+y >= h {
									t.Fatalf("got a dot at (%d,%d), outside the %dx%d label", g.x+x, g.y+y, w, h)
								}
								dots[(g.y+y)*w+g.x+x] = true
							}
						}
					}
				}
				for _, m := range gbPattern.FindAllStringSubmatch(string(z), -1) {
					n := make([]int, 4)
					for i := range n {
						n[i], _ = strconv.Atoi(m[i+1])
					}
					for y := n[1]; y < n[1]+n[3]; y++ {
						for x := n[0]; x < n[0]+n[2]; x++ {
							dots[y*w+x] = true
						}
					}
				}
				for y := range h {
					for x := range w {
						if got, want := dots[y*w+x], isDark(img.At(x, y)); got != want {
							t.Fatalf("got dot (%d,%d) = %v from the ZPL, want %v as in the PNG", x, y, got, want)
						}
					}
				}
			})
		}
	}
}
