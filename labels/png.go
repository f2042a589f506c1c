package labels

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"sync"

	"returns-station/station"
)

// PNG draws label c at size (station.LabelSizeLarge or LabelSizeSmall) for a
// printer of dpi dots per inch (203 or 300), one pixel per printer dot, black
// on white, as a 1-bit grayscale PNG. Each QR module is a whole square of
// pixels, the same dots [ZPL] sends to a printer. Text, Chinese included, is
// drawn from the embedded bitmap font (see the package doc). The file carries its resolution (pHYs) so that image viewers
// print it to scale.
//
// Errors are EInvalid and name the field: size, dpi or code.
func PNG(c station.LabelContent, size string, dpi int) ([]byte, error) {
	l, err := plan(c, size, dpi)
	if err != nil {
		return nil, err
	}
	b, err := encodePNG(l.raster(), dpi)
	if err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	return b, nil
}

// bitmap is a 1-bit image, rows padded to whole bytes, most significant bit
// first, 1 for a black dot: the layout of ZPL's ^GF data.
type bitmap struct {
	w, h, stride int
	bits         []byte
}

func newBitmap(w, h int) *bitmap {
	stride := (w + 7) / 8
	return &bitmap{w: w, h: h, stride: stride, bits: make([]byte, stride*h)}
}

// fill blackens the rectangle at x, y of w×h dots, clipped to the bitmap.
func (b *bitmap) fill(x, y, w, h int) {
	x0, x1 := max(x, 0), min(x+w, b.w)
	for yy := max(y, 0); yy < min(y+h, b.h); yy++ {
		row := b.bits[yy*b.stride : (yy+1)*b.stride]
		x := x0
		for ; x < x1 && x%8 != 0; x++ {
			row[x/8] |= 0x80 >> (x % 8)
		}
		for ; x+8 <= x1; x += 8 {
			row[x/8] = 0xFF
		}
		for ; x < x1; x++ {
			row[x/8] |= 0x80 >> (x % 8)
		}
	}
}

// raster draws the whole label.
func (l *layout) raster() *bitmap {
	b := newBitmap(l.w, l.h)
	for _, r := range l.bars {
		b.fill(r.x, r.y, r.w, r.h)
	}
	for my := range l.qr.Size {
		for mx := range l.qr.Size {
			if l.qr.Dark(mx, my) {
				b.fill(l.qrX+mx*l.mod, l.qrY+my*l.mod, l.mod, l.mod)
			}
		}
	}
	for _, t := range l.text {
		b.text(t.x, t.y, t)
	}
	return b
}

// text draws line t with its top left corner at x, y (not t's own place:
// ZPL draws each line into a bitmap of its own).
func (b *bitmap) text(x, y int, t textLine) {
	for _, r := range t.s {
		g := glyphOf(r)
		for gy, row := range g.rows {
			for gx := 0; row != 0; gx++ {
				if row&0x8000 != 0 {
					b.fill(x+gx*t.k, y+gy*t.k, t.k, t.k)
				}
				row <<= 1
			}
		}
		x += g.width * t.k
	}
}

// width is the width of line t in dots.
func (t textLine) width() int { return columns(t.s) * cellW * t.k }

// zlibWriters keeps deflate state between labels: a new writer allocates
// more than a whole small label's work.
var zlibWriters = sync.Pool{New: func() any {
	zw, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed) // fails only for a bad level
	return zw
}}

// encodePNG writes b as a 1-bit grayscale PNG with a pHYs chunk for dpi.
// (image/png would take a paletted image pixel by pixel through an
// interface, several times slower.)
func encodePNG(b *bitmap, dpi int) ([]byte, error) {
	var raw bytes.Buffer
	zw := zlibWriters.Get().(*zlib.Writer)
	defer zlibWriters.Put(zw)
	zw.Reset(&raw)
	row := make([]byte, 1+b.stride) // filter type 0, then the dots
	for y := range b.h {
		for i, v := range b.bits[y*b.stride : (y+1)*b.stride] {
			row[1+i] = ^v // grayscale: 1 is white
		}
		if _, err := zw.Write(row); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}

	out := bytes.NewBuffer(make([]byte, 0, raw.Len()+128))
	out.WriteString("\x89PNG\r\n\x1a\n")
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(b.w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(b.h))
	ihdr[8], ihdr[9] = 1, 0 // bit depth 1, grayscale; compression, filter, interlace 0
	writeChunk(out, "IHDR", ihdr[:])
	ppm := uint32(float64(dpi)/0.0254 + 0.5) // pixels per metre
	var phys [9]byte
	binary.BigEndian.PutUint32(phys[0:], ppm)
	binary.BigEndian.PutUint32(phys[4:], ppm)
	phys[8] = 1 // unit: metre
	writeChunk(out, "pHYs", phys[:])
	writeChunk(out, "IDAT", raw.Bytes())
	writeChunk(out, "IEND", nil)
	return out.Bytes(), nil
}

func writeChunk(b *bytes.Buffer, typ string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	b.Write(n[:])
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	b.WriteString(typ)
	b.Write(data)
	binary.BigEndian.PutUint32(n[:], crc.Sum32())
	b.Write(n[:])
}
