package station

import (
	"regexp"
	"strings"
)

// Label kinds carried in a station QR payload.
const (
	LabelUnit     = "U"
	LabelTote     = "T"
	LabelLocation = "L"
	LabelParcel   = "P"
)

// LabelPrefix starts every payload the station prints. The colon never occurs
// in carrier tracking numbers or product barcodes, so a scan that starts with
// it is ours without doubt. "1" is the scheme version.
const LabelPrefix = "RS1:"

// LabelCode is what a station label's QR encodes: a kind and an id. The
// payload uses only QR alphanumeric characters (0-9 A-Z - . : /), which keeps it
// in a low QR version on a 50×25 mm label.
type LabelCode struct {
	Kind string
	ID   string
}

var labelIDPattern = regexp.MustCompile(`^[0-9A-Z][0-9A-Z.-]{0,31}$`)

// String formats the payload, e.g. "RS1:U:01JD2Z6W8Q3M5T7V9X1Z3B5D7E".
func (c LabelCode) String() string { return LabelPrefix + c.Kind + ":" + c.ID }

// ParseLabelCode parses a payload made by String. It accepts lower case (some
// scanners change case) and surrounding spaces, and nothing else.
func ParseLabelCode(s string) (LabelCode, bool) {
	s = strings.TrimSpace(s)
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 { // ToUpper would turn look-alikes such as 'ſ' or 'ı' into ASCII letters
			return LabelCode{}, false
		}
	}
	s = strings.ToUpper(s)
	rest, ok := strings.CutPrefix(s, LabelPrefix)
	if !ok {
		return LabelCode{}, false
	}
	kind, id, ok := strings.Cut(rest, ":")
	if !ok || !labelIDPattern.MatchString(id) {
		return LabelCode{}, false
	}
	switch kind {
	case LabelUnit, LabelTote, LabelLocation, LabelParcel:
		return LabelCode{Kind: kind, ID: id}, true
	}
	return LabelCode{}, false
}

var (
	totePattern     = regexp.MustCompile(`^(?:TOTE|T)[-_]?([0-9A-Z][0-9A-Z-]{0,23})$`)
	locationPattern = regexp.MustCompile(`^(?:LOC|L)[-_]?([0-9A-Z][0-9A-Z-]{0,23})$`)
)

// ParseContainer reads a put-away target: a tote or location label payload, or
// a printed code typed by hand ("T-0012", "TOTE-A1", "L-01-02-03", "LOC-B7").
// It returns the canonical id ("T-0012", "L-01-02-03") and kind "tote" or
// "location".
func ParseContainer(s string) (id, kind string, ok bool) {
	if c, ok := ParseLabelCode(s); ok {
		switch c.Kind {
		case LabelTote:
			return canonicalContainer("T-", c.ID), "tote", true
		case LabelLocation:
			return canonicalContainer("L-", c.ID), "location", true
		}
		return "", "", false
	}
	s = strings.ToUpper(strings.Join(strings.Fields(s), ""))
	if m := totePattern.FindStringSubmatch(s); m != nil {
		return "T-" + m[1], "tote", true
	}
	if m := locationPattern.FindStringSubmatch(s); m != nil {
		return "L-" + m[1], "location", true
	}
	return "", "", false
}

func canonicalContainer(prefix, id string) string {
	if strings.HasPrefix(id, prefix) {
		return id
	}
	return prefix + id
}
