//go:build ignore

// Gen writes the subset of GNU Unifont that labels embed: run it from this
// directory with the full font's .hex file (Debian's package "unifont"
// installs it as /usr/share/unifont/unifont.hex):
//
//	go run gen.go /usr/share/unifont/unifont.hex
//
// It keeps the ranges below, in Unifont's own .hex format (one glyph a line:
// code point, colon, 16 rows of 8 or 16 dots in hex), gzip-compressed.
package main

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"log"
	"os"
	"strconv"
	"strings"
)

// ranges are the code points kept: Latin, Greek, punctuation and symbols a
// product name uses, CJK punctuation, kana, the CJK unified ideographs
// (simplified and traditional Chinese), full-width forms, and the
// replacement character drawn for anything else.
var ranges = [][2]rune{
	{0x0020, 0x007E}, // ASCII
	{0x00A0, 0x024F}, // Latin-1, Latin Extended-A and -B
	{0x0370, 0x03FF}, // Greek (μ, Ω)
	{0x2000, 0x206F}, // general punctuation
	{0x20A0, 0x20CF}, // currency
	{0x2100, 0x218F}, // letterlike symbols, number forms (™, Ⅱ)
	{0x2190, 0x21FF}, // arrows
	{0x2460, 0x24FF}, // enclosed alphanumerics (①)
	{0x25A0, 0x25FF}, // geometric shapes
	{0x3000, 0x30FF}, // CJK punctuation, hiragana, katakana
	{0x3300, 0x33FF}, // CJK compatibility (㎜, ㎏)
	{0x4E00, 0x9FFF}, // CJK unified ideographs
	{0xFF00, 0xFFEF}, // half-width and full-width forms
	{0xFFFD, 0xFFFD}, // replacement character
}

func keep(r rune) bool {
	for _, rg := range ranges {
		if r >= rg[0] && r <= rg[1] {
			return true
		}
	}
	return false
}

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: go run gen.go unifont.hex")
	}
	in, err := os.Open(os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create("unifont-subset.hex.gz")
	if err != nil {
		log.Fatal(err)
	}
	zw, err := gzip.NewWriterLevel(out, gzip.BestCompression)
	if err != nil {
		log.Fatal(err)
	}
	zw.Name = "unifont-subset.hex"
	n := 0
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		cp, bits, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		r, err := strconv.ParseUint(cp, 16, 32)
		if err != nil || !keep(rune(r)) || (len(bits) != 32 && len(bits) != 64) {
			continue
		}
		fmt.Fprintf(zw, "%s:%s\n", cp, bits)
		n++
	}
	if err := sc.Err(); err != nil {
		log.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := out.Close(); err != nil {
		log.Fatal(err)
	}
	log.Printf("%d glyphs", n)
}
