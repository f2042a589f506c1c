package labels

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed" // the font and its licence
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// Glyph cell of the label font at scale 1, in dots: a half-width glyph
// (Latin) is cellW wide, a full-width one (Chinese) twice that. Text is drawn
// at whole multiples k of it; ZPL asks a printer font for the same height.
const (
	cellW = 8
	cellH = 16
)

// unifontHex is a subset of GNU Unifont 15.0.01 in its .hex format,
// gzip-compressed; fonts/gen.go says which code points and how it was made.
//
//go:embed fonts/unifont-subset.hex.gz
var unifontHex []byte

// FontLicense is the copyright notice and licence (SIL Open Font License
// 1.1) of the GNU Unifont glyphs that labels are drawn with. The binary
// carries the glyphs, so it carries this text too.
//
//go:embed fonts/OFL-1.1.txt
var FontLicense string

// glyph is one character of the label font: 16 rows of width dots (8 or
// 16), bit 15 of a row being its leftmost dot.
type glyph struct {
	width int
	rows  [cellH]uint16
}

// replacement is drawn for a character the font subset lacks.
const replacement = '\uFFFD'

// font maps each character of the embedded subset to its glyph.
var font = sync.OnceValue(func() map[rune]glyph {
	m, err := parseHex(unifontHex)
	if err != nil {
		panic("labels: embedded font: " + err.Error()) // the build ships a broken file
	}
	return m
})

// parseHex reads a gzip-compressed Unifont .hex file.
func parseHex(gz []byte) (map[rune]glyph, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	m := make(map[rune]glyph, 24000)
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		cp, bits, ok := strings.Cut(sc.Text(), ":")
		r, err := strconv.ParseUint(cp, 16, 32)
		if !ok || err != nil || (len(bits) != 32 && len(bits) != 64) {
			return nil, fmt.Errorf("bad line %q", sc.Text())
		}
		g := glyph{width: len(bits) / 4}
		digits := len(bits) / cellH // hex digits per row: 2 or 4
		for y := range cellH {
			v, err := strconv.ParseUint(bits[y*digits:(y+1)*digits], 16, 16)
			if err != nil {
				return nil, fmt.Errorf("bad line %q", sc.Text())
			}
			g.rows[y] = uint16(v << (16 - 4*digits))
		}
		m[rune(r)] = g
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if _, ok := m[replacement]; !ok {
		return nil, fmt.Errorf("no glyph for U+FFFD")
	}
	return m, nil
}

// glyphOf returns the glyph drawn for r: the font's own, or the
// replacement character's when the embedded subset has none.
func glyphOf(r rune) glyph {
	f := font()
	if g, ok := f[r]; ok {
		return g
	}
	return f[replacement]
}
