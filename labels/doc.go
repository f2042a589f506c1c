// Package labels turns what a label shows into something a printer prints,
// and drives the printers.
//
// A label's QR code encodes a [station.LabelCode] payload such as
// "RS1:U:01JD2Z6W8Q3M5T7V9X1Z3B5D7E": short, typed, versioned and made only of
// QR alphanumeric characters, so that it stays in a low QR version. [QR] builds
// the symbol once, with the error-correction level chosen for the label size,
// and every renderer draws those same modules as whole dots:
//
//   - [PNG] draws a label at the printer's resolution (203 or 300 dpi), for a
//     preview or for printing as an image.
//   - [ZPL] writes a ZPL II format for Zebra-compatible printers. The QR is a
//     ^GF graphic of the very dots the PNG has, not a ^BQ command that would
//     let the printer encode the payload its own way, so what prints is what
//     the tests decoded.
//   - [Sheet] writes an HTML page of labels for an office printer, sized with
//     CSS @page for A4, with Chinese product names shown.
//
// [Send] delivers a format to a printer over raw TCP (port 9100), and
// [Spooler] works through a durable queue of print jobs, one printer at a
// time, holding a printer's queue in order while it is away.
//
// Sizes are [station.LabelSizeLarge] (100×150 mm, 4×6 in) and
// [station.LabelSizeSmall] (50×25 mm). A 203 dpi printer has 8 dots per mm and
// a 300 dpi printer 12, so a label is 800×1200 or 1200×1800 dots (large) and
// 400×200 or 600×300 dots (small).
//
// Text is drawn from GNU Unifont's 16-dot bitmap glyphs, embedded in the
// binary (a subset: Latin, Greek, punctuation, CJK punctuation, kana, the
// CJK unified ideographs and full-width forms; anything else prints as the
// replacement character; licence in [FontLicense]): a Latin glyph is 8 dots
// wide, a Chinese one 16, both drawn at whole multiples of their size. PNG and
// ZPL without a printer font carry the same dots, so a Chinese product name
// prints on any Zebra. ZPL with a printer-resident font
// ([station.Printer].Font) prints fields as UTF-8 under ^CI28 in that font
// instead. Text too long for its place shrinks to a smaller size, then
// wraps, then is cut with "...". On the 50×25 mm label the id keeps one line
// and the product name takes every line the other fields leave. The date
// prints as YYYY-MM-DD in the location of [station.LabelContent].Date.
package labels
