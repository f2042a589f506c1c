package labels

import (
	"bytes"
	"fmt"
	"regexp"

	"returns-station/station"
)

var fontName = regexp.MustCompile(`^[A-Za-z]:[A-Za-z0-9_-]{1,16}\.[A-Za-z0-9]{3}$`)

// ZPL writes label c as one ZPL II format (^XA…^XZ) for a printer of dpi dots
// per inch (203 or 300) loaded with size labels.
//
// The QR is a ^GF graphic of exactly the dots [PNG] draws for the same
// arguments, at the same place, so a label that decodes as a PNG prints the
// same symbol; the printer never encodes the payload itself.
//
// With cjkFont empty, each line of text is a ^GF graphic too, drawn from the
// embedded font exactly as in the PNG: any Zebra prints Chinese without a
// font of its own, and the format is the PNG's dots. cjkFont names a font
// resident on the printer (for example "E:SIMSUN.FNT"); then text is UTF-8
// under ^CI28, lines that hold non-ASCII characters in that font with ^A@ and
// the others in the printer's ^A0. Field data goes through ^FH, so '^', '~'
// and '_' in the content print as themselves and can never start a command.
//
// Graphics use ZPL's ASCII-hex compression (':' for a row like the one above,
// ',' for a row ending in white, count letters for runs), which keeps a large
// label near 10 KB.
//
// Errors are EInvalid and name the field: size, dpi, code or font.
func ZPL(c station.LabelContent, size string, dpi int, cjkFont string) ([]byte, error) {
	if cjkFont != "" && !fontName.MatchString(cjkFont) {
		return nil, station.Invalid("font", "a printer font such as E:SIMSUN.FNT: drive, colon, name, extension")
	}
	l, err := plan(c, size, dpi)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Grow(8 << 10)
	fmt.Fprintf(&b, "^XA\n^CI28\n^PW%d\n^LL%d\n^LH0,0\n", l.w, l.h)
	l.writeQR(&b)
	for _, r := range l.bars {
		fmt.Fprintf(&b, "^FO%d,%d^GB%d,%d,%d^FS\n", r.x, r.y, r.w, r.h, min(r.w, r.h))
	}
	for _, t := range l.text {
		if cjkFont == "" {
			g := newBitmap(t.width(), cellH*t.k)
			g.text(0, 0, t)
			writeGF(&b, t.x, t.y, g)
			continue
		}
		h := cellH * t.k
		if !isASCII(t.s) {
			fmt.Fprintf(&b, "^FO%d,%d^A@N,%d,%d,%s", t.x, t.y, h, h, cjkFont)
		} else {
			fmt.Fprintf(&b, "^FO%d,%d^A0N,%d,%d", t.x, t.y, h, 11*t.k)
		}
		b.WriteString("^FH^FD")
		writeFieldData(&b, t.s)
		b.WriteString("^FS\n")
	}
	b.WriteString("^XZ\n")
	return b.Bytes(), nil
}

// writeQR writes the QR as a graphic: the same dots as PNG's.
func (l *layout) writeQR(b *bytes.Buffer) {
	side := l.qr.Size * l.mod
	g := newBitmap(side, side)
	for my := range l.qr.Size {
		for mx := range l.qr.Size {
			if l.qr.Dark(mx, my) {
				g.fill(mx*l.mod, my*l.mod, l.mod, l.mod)
			}
		}
	}
	writeGF(b, l.qrX, l.qrY, g)
}

// writeGF writes g at x, y as ^GFA, one bit per dot, rows padded to whole
// bytes with white, in ZPL's ASCII-hex compression: ':' repeats the row
// above, ',' fills the rest of a row with white (0), and a run of one hex
// digit is the digit after its count, written as letters that add up:
// G…Y for 1…19, g…z for 20…400 in steps of 20.
func writeGF(b *bytes.Buffer, x, y int, g *bitmap) {
	const hexDigits = "0123456789ABCDEF"
	n := g.stride * g.h
	fmt.Fprintf(b, "^FO%d,%d^GFA,%d,%d,%d,", x, y, n, n, g.stride)
	row := make([]byte, 0, 2*g.stride)
	for yy := range g.h {
		bits := g.bits[yy*g.stride : (yy+1)*g.stride]
		if yy > 0 && bytes.Equal(bits, g.bits[(yy-1)*g.stride:yy*g.stride]) {
			b.WriteByte(':')
			continue
		}
		row = row[:0]
		for _, v := range bits {
			row = append(row, hexDigits[v>>4], hexDigits[v&15])
		}
		end := len(row)
		for end > 0 && row[end-1] == '0' {
			end--
		}
		for i := 0; i < end; {
			j := i
			for j < end && row[j] == row[i] {
				j++
			}
			writeCount(b, j-i)
			b.WriteByte(row[i])
			i = j
		}
		if end < len(row) {
			b.WriteByte(',')
		}
	}
	b.WriteString("^FS\n")
}

// writeCount writes a run length n for ^GF compression; 1 needs no count.
func writeCount(b *bytes.Buffer, n int) {
	if n == 1 {
		return
	}
	for n >= 400 {
		b.WriteByte('z')
		n -= 400
	}
	if n >= 20 {
		b.WriteByte(byte('g' + n/20 - 1))
		n %= 20
	}
	if n > 0 {
		b.WriteByte(byte('G' + n - 1))
	}
}

// writeFieldData writes s for ^FH with its default indicator '_': the
// characters that would start a command, and the indicator itself, become
// hex escapes.
func writeFieldData(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '^', '~', '_':
			fmt.Fprintf(b, "_%02X", c)
		default:
			b.WriteByte(c)
		}
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
