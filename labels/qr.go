package labels

import (
	"fmt"

	qrcode "github.com/skip2/go-qrcode"

	"returns-station/station"
)

// QuietZone is the white margin, in modules, that every symbol keeps on each
// side. Scanners need it to find the symbol; it is part of [QRCode] so that
// no layout can crowd it with text or a rule.
const QuietZone = 4

// QRCode is a QR symbol with its quiet zone, as drawn on a label.
type QRCode struct {
	// Payload is the encoded text, the LabelCode's String.
	Payload string
	// Version is the QR version (1-40); the symbol is 17+4×Version modules
	// wide before the quiet zone.
	Version int
	// Level is the error-correction level: "M" or "H".
	Level string
	// Size is the number of modules per side, quiet zone included.
	Size int

	dark [][]bool
}

// Dark reports whether the module at column x, row y (from the top left
// corner of the quiet zone) is dark. Outside the symbol it is false.
func (q *QRCode) Dark(x, y int) bool {
	if y < 0 || y >= len(q.dark) || x < 0 || x >= len(q.dark[y]) {
		return false
	}
	return q.dark[y][x]
}

// Error-correction level per label size.
//
// The small label has about 23 mm of height for the symbol. Level M (15 %
// recovery) keeps a unit's 32-character payload in version 2 (25 modules), so
// a module is 5 dots (0.63 mm) at 203 dpi and 8 dots (0.67 mm) at 300 dpi,
// well above what handheld scanners and phones read. Level Q or H would push
// it to version 3 and shrink the modules by a fifth.
//
// The large label has room for a 55 mm symbol, so it takes level H (30 %
// recovery): version 3 for the same payload at 1.5 mm per module, which still
// reads with a scuffed corner, a crease or a strip of tape over it.
var levels = map[string]struct {
	name   string
	level  qrcode.RecoveryLevel
	boxMM  float64 // largest side of the symbol, quiet zone included
	minDot int     // fewest dots per module the layout accepts
}{
	station.LabelSizeLarge: {"H", qrcode.Highest, 58, 3},
	station.LabelSizeSmall: {"M", qrcode.Medium, 24, 3},
}

// QR encodes code for a label of the given size, with the error-correction
// level that size uses. It fails with an EInvalid error naming the field for
// an unknown size or a code that ParseLabelCode would not read back.
func QR(code station.LabelCode, size string) (*QRCode, error) {
	lv, ok := levels[size]
	if !ok {
		return nil, station.Invalid("size", fmt.Sprintf("must be %s or %s", station.LabelSizeLarge, station.LabelSizeSmall))
	}
	payload := code.String()
	if back, ok := station.ParseLabelCode(payload); !ok || back != code {
		return nil, station.Invalid("code", "not a label code: kind U, T, L or P and an id of 1-32 upper-case letters, digits, '-' or '.'")
	}
	q, err := qrcode.New(payload, lv.level)
	if err != nil {
		return nil, fmt.Errorf("encode qr %q: %w", payload, err)
	}
	dark := q.Bitmap() // includes a 4-module quiet zone unless DisableBorder
	return &QRCode{Payload: payload, Version: q.VersionNumber, Level: lv.name, Size: len(dark), dark: dark}, nil
}
