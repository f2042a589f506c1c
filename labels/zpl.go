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
// same symbol; the printer never encodes the payload itself. Rows that repeat
// the row above are sent as ':' (ZPL's ASCII-hex compression), which keeps a
// large label near 7 KB.
//
// Text is UTF-8 under ^CI28. cjkFont names a font resident on the printer
// (for example "E:SIMSUN.FNT"); lines that hold non-ASCII characters are
// printed in it with ^A@. With cjkFont empty, text is folded to ASCII as in
// PNG. Field data goes through ^FH, so '^', '~' and '_' in the content print
// as themselves and can never start a command.
//
// Errors are EInvalid and name the field: size, dpi, code or font.
func ZPL(c station.LabelContent, size string, dpi int, cjkFont string) ([]byte, error) {
	if cjkFont != "" && !fontName.MatchString(cjkFont) {
		return nil, station.Invalid("font", "a printer font such as E:SIMSUN.FNT: drive, colon, name, extension")
	}
	l, err := plan(c, size, dpi, cjkFont != "")
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
		h := cellH * t.k
		if cjkFont != "" && !isASCII(t.s) {
			fmt.Fprintf(&b, "^FO%d,%d^A@N,%d,%d,%s", t.x, t.y, h, h, cjkFont)
		} else {
			fmt.Fprintf(&b, "^FO%d,%d^A0N,%d,%d", t.x, t.y, h, 10*t.k)
		}
		b.WriteString("^FH^FD")
		writeFieldData(&b, t.s)
		b.WriteString("^FS\n")
	}
	b.WriteString("^XZ\n")
	return b.Bytes(), nil
}

// writeQR writes the QR as ^GFA: the same bitmap as PNG's, one bit per dot,
// rows padded to whole bytes with white.
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
	n := g.stride * g.h
	fmt.Fprintf(b, "^FO%d,%d^GFA,%d,%d,%d,", l.qrX, l.qrY, n, n, g.stride)
	const hexDigits = "0123456789ABCDEF"
	for y := 0; y < g.h; y++ {
		if y > 0 && y%l.mod != 0 {
			b.WriteByte(':') // the same row again
			continue
		}
		for _, v := range g.bits[y*g.stride : (y+1)*g.stride] {
			b.WriteByte(hexDigits[v>>4])
			b.WriteByte(hexDigits[v&15])
		}
	}
	b.WriteString("^FS\n")
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
