package station

import (
	"regexp"
	"strings"
	"unicode"
)

// Scan kinds: what a normalised scan turned out to be.
const (
	ScanTracking = "tracking" // a carrier waybill
	ScanGTIN     = "gtin"     // a product barcode (EAN/UPC/GTIN-14, or GS1 AI 01)
	ScanSSCC     = "sscc"     // a GS1 logistics unit (AI 00)
	ScanLabel    = "label"    // one of our own QR labels
	ScanOther    = "other"    // text we cannot classify: an RMA or order number, a SKU
)

// Scan is a raw scanner input after normalisation.
type Scan struct {
	Raw     string     `json:"raw"`
	Code    string     `json:"code"`              // the normalised value used for matching
	Kind    string     `json:"kind"`              // ScanTracking, ScanGTIN, …
	Carrier string     `json:"carrier,omitempty"` // recognised carrier for trackings
	GTIN    string     `json:"gtin,omitempty"`    // AI 01, 14 digits
	Serial  string     `json:"serial,omitempty"`  // AI 21
	Postal  string     `json:"postal,omitempty"`  // AI 420 ship-to postal code
	SSCC    string     `json:"sscc,omitempty"`    // AI 00
	Label   *LabelCode `json:"label,omitempty"`
}

// GS is the ASCII group separator (FNC1 in GS1 barcodes once decoded).
const GS = "\x1d"

var jdChild = regexp.MustCompile(`^(JD[A-Z0-9]+)-\d{1,3}-\d{1,3}$`)

var aimPrefix = regexp.MustCompile(`^\][A-Za-z][0-9A-Za-z]`)

// gs1Symbologies are AIM identifiers whose data is GS1 element strings.
var gs1Symbologies = map[string]bool{"]C1": true, "]d2": true, "]Q3": true, "]e0": true, "]J1": true}

// MaxScanLength bounds a raw scan; no barcode a parcel carries is longer.
const MaxScanLength = 512

// NormalizeScan turns raw scanner input into a Scan. It strips AIM symbology
// identifiers, decodes GS1 element strings (AIs 00, 01, 21, 420 …), drops the
// USPS "420 + ZIP" routing prefix before a tracking number, removes spaces and
// folds case, then recognises the carrier. It never fails: text it cannot
// classify comes back as ScanOther so that RMA and order numbers still match.
func NormalizeScan(raw string) Scan {
	s := Scan{Raw: raw}
	in := strings.Map(func(r rune) rune {
		switch {
		case r == 0x1d || r == 0x241d: // GS, or its visible symbol from some wedges
			return 0x1d
		case unicode.IsControl(r) || unicode.IsSpace(r):
			return -1
		}
		return narrowRune(r)
	}, raw)
	in = strings.ReplaceAll(in, "<GS>", GS)
	gs1 := strings.Contains(in, GS) || strings.HasPrefix(in, "(")
	if m := aimPrefix.FindString(in); m != "" {
		gs1 = gs1 || gs1Symbologies[m]
		in = in[len(m):]
	}
	in = strings.TrimPrefix(in, GS) // a leading FNC1

	if c, ok := ParseLabelCode(in); ok {
		s.Kind, s.Code, s.Label = ScanLabel, c.String(), &c
		return s
	}
	if gs1 {
		if parseGS1(in, &s) {
			return s
		}
		in = strings.ReplaceAll(in, GS, "")
	}
	// A JD child waybill "JDX000123456789-1-2" (package 1 of 2) belongs to its master waybill.
	if m := jdChild.FindStringSubmatch(strings.ToUpper(in)); m != nil {
		in = m[1]
	}
	code := NormalizeTracking(in)
	// A USPS IMpb barcode read without its FNC1: "420" + 5 or 9 digit ZIP, then the tracking.
	if strings.HasPrefix(code, "420") && allDigits(code) {
		for _, zip := range []int{5, 9} {
			if rest := code[3+min(zip, len(code)-3):]; len(code) > 3+zip && carrierOf(rest) == "USPS" {
				s.Postal, code = code[3:3+zip], rest
				break
			}
		}
	}
	s.Code = code
	switch {
	case carrierOf(code) != "":
		s.Kind, s.Carrier = ScanTracking, carrierOf(code)
	case ValidGTIN(code):
		s.Kind, s.GTIN = ScanGTIN, padGTIN(code)
	default:
		s.Kind = ScanOther
	}
	return s
}

// NormalizeTracking removes spaces, dashes and control characters and folds
// case, so "sf 1234-5678 9012 3" and "SF123456789012 3" are the same key.
func NormalizeTracking(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '-' || unicode.IsSpace(r) || unicode.IsControl(r):
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, s)
}

// gs1 AIs we decode: fixed length, or variable (terminated by GS or the end).
var gs1Fixed = map[string]int{"00": 18, "01": 14, "02": 14, "11": 6, "12": 6, "13": 6, "15": 6, "16": 6, "17": 6, "20": 2, "410": 13, "413": 13, "414": 13}
var gs1Var = map[string]int{"10": 20, "21": 20, "22": 20, "240": 30, "241": 30, "250": 30, "400": 30, "401": 30, "403": 30, "420": 20, "421": 12, "90": 30, "91": 90, "92": 90}

func parseGS1(in string, s *Scan) bool {
	// Human-readable form "(01)0690…(21)SN1": turn into element strings.
	if strings.HasPrefix(in, "(") {
		in = strings.NewReplacer(")", "").Replace(strings.ReplaceAll(in[1:], "(", GS))
	}
	found := false
	for len(in) > 0 {
		ai, n, variable := "", 0, false
		for _, l := range []int{2, 3} {
			if len(in) < l {
				break
			}
			if v, ok := gs1Fixed[in[:l]]; ok {
				ai, n = in[:l], v
				break
			}
			if v, ok := gs1Var[in[:l]]; ok {
				ai, n, variable = in[:l], v, true
				break
			}
		}
		if ai == "" {
			break
		}
		rest := in[len(ai):]
		var val string
		if variable {
			end := strings.Index(rest, GS)
			if end < 0 {
				end = len(rest)
			}
			if end > n {
				end = n
			}
			val, in = rest[:end], strings.TrimPrefix(rest[end:], GS)
		} else {
			if len(rest) < n {
				return false
			}
			val, in = rest[:n], strings.TrimPrefix(rest[n:], GS)
		}
		found = true
		switch ai {
		case "00":
			s.SSCC = val
		case "01":
			s.GTIN = val
		case "21":
			s.Serial = val
		case "420":
			s.Postal = val
		}
		// After a 420 routing code, what follows the separator is the carrier's tracking number.
		if ai == "420" && in != "" {
			t := NormalizeTracking(strings.ReplaceAll(in, GS, ""))
			if c := carrierOf(t); c != "" {
				s.Kind, s.Code, s.Carrier = ScanTracking, t, c
				return true
			}
		}
	}
	if !found {
		return false
	}
	switch {
	case s.GTIN != "" && ValidGTIN(s.GTIN):
		s.Kind, s.Code = ScanGTIN, s.GTIN
	case s.SSCC != "":
		s.Kind, s.Code = ScanSSCC, s.SSCC
	default:
		return false
	}
	return true
}

// ValidGTIN reports whether s is a GTIN-8, -12, -13 or -14 with a correct check digit.
func ValidGTIN(s string) bool {
	switch len(s) {
	case 8, 12, 13, 14:
	default:
		return false
	}
	if !allDigits(s) {
		return false
	}
	sum := 0
	for i := len(s) - 2; i >= 0; i-- {
		d := int(s[i] - '0')
		if (len(s)-2-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return (10-sum%10)%10 == int(s[len(s)-1]-'0')
}

// padGTIN returns the GTIN-14 form so EAN-13, UPC-A and GTIN-14 scans of the same product compare equal.
func padGTIN(s string) string { return strings.Repeat("0", 14-len(s)) + s }

// SameGTIN reports whether two GTINs name the same product.
func SameGTIN(a, b string) bool {
	return ValidGTIN(a) && ValidGTIN(b) && padGTIN(a) == padGTIN(b)
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Reasons a scan cannot be, or is unlikely to be, a parcel's waybill, RMA or
// order number. They travel in the refusal's message code ("scan_" + reason, Error.Key) so that a screen can
// say, in its own language, what to scan instead.
const (
	ReasonEmpty        = "empty"         // nothing but spaces
	ReasonProduct      = "product"       // a product barcode (GTIN)
	ReasonStationLabel = "station_label" // our own unit, tote or location label
	ReasonContainer    = "container"     // a tote or location code typed or printed ("T-0007")
	ReasonBadge        = "badge"         // a staff badge
	ReasonURL          = "url"           // a web address (a QR code on a slip or a product)
	ReasonText         = "text"          // letters no barcode has: Chinese, accents, symbols
	ReasonCharacters   = "characters"    // punctuation no waybill has
	ReasonShort        = "too_short"     // fewer characters than any waybill or RMA
	ReasonLong         = "too_long"      // more characters than any waybill
	ReasonNoDigits     = "no_digits"     // words, not a number
)

// Plausible length of an unknown parcel code, after normalisation. The
// shortest waybills in use are 10 digits (DHL); RMA and order numbers that
// the station knows match before this check, whatever their length.
const (
	minParcelCode = 8
	maxParcelCode = 40
)

var containerTyped = regexp.MustCompile(`^(?:TOTE|LOC|T|L)[-_][0-9A-Z]`)

// ParcelCodeDoubt says why a scan that matched nothing on the station is not
// a parcel: reason is "" when it is a plausible waybill, RMA or order number.
// A hard doubt (a web address, Chinese text, a tote code) can never be a
// parcel; a soft one (too short, no digits) can be kept all the same when the
// clerk confirms it on purpose.
func ParcelCodeDoubt(s Scan) (reason string, hard bool) {
	raw := strings.ToUpper(strings.TrimSpace(narrow(s.Raw)))
	switch {
	case s.Code == "":
		return ReasonEmpty, true
	case s.Kind == ScanGTIN:
		return ReasonProduct, true
	case s.Kind == ScanLabel && s.Label.Kind != LabelParcel:
		return ReasonStationLabel, true
	case s.Kind == ScanLabel, s.Kind == ScanTracking, s.Kind == ScanSSCC:
		return "", false
	case strings.Contains(raw, "://") || strings.HasPrefix(raw, "WWW."):
		return ReasonURL, true
	case containerTyped.MatchString(raw):
		return ReasonContainer, true
	}
	for _, r := range s.Code {
		if r >= 0x80 {
			return ReasonText, true
		}
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z') {
			return ReasonCharacters, true
		}
	}
	digits := 0
	for _, r := range s.Code {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	switch {
	case len(s.Code) < minParcelCode:
		return ReasonShort, false
	case len(s.Code) > maxParcelCode:
		return ReasonLong, false
	case digits == 0:
		return ReasonNoDigits, false
	}
	return "", false
}

// scanRefusal words each doubt for the person at the desk: what the scan
// was, and what to scan instead.
var scanRefusal = map[string]string{
	ReasonEmpty:        "empty scan: scan the parcel's waybill barcode",
	ReasonProduct:      "this is a product barcode; scan the parcel's waybill (tracking number) instead",
	ReasonStationLabel: "this is a station label for a unit, tote or location, not a parcel; scan the parcel's waybill",
	ReasonContainer:    "this is a tote or location code, not a parcel; scan the parcel's waybill",
	ReasonBadge:        "this is a staff badge, not a parcel; scan the parcel's waybill",
	ReasonURL:          "this is a web address (a QR code on a slip or product), not a parcel; scan the waybill barcode, the RMA or the order number",
	ReasonText:         "this is text, not a barcode; scan the waybill barcode, the RMA or the order number",
	ReasonCharacters:   "a waybill, RMA or order number has only letters and digits; scan the waybill barcode",
	ReasonShort:        "too short for a waybill, RMA or order number; scan the whole waybill barcode, or keep it anyway if it really is one",
	ReasonLong:         "longer than any waybill; scan the waybill barcode, or keep it anyway if it really is one",
	ReasonNoDigits:     "words, not a waybill (every waybill has digits); scan the waybill barcode, or keep it anyway if it really is one",
}

// RefuseScan is the error for a scan that is not a parcel: invalid field
// "code", with the reason for screens to translate.
func RefuseScan(reason string) *Error {
	e := Invalid("code", scanRefusal[reason]).Coded("scan_" + reason)
	e.Message = "this scan is not a parcel"
	switch reason {
	case ReasonShort, ReasonLong, ReasonNoDigits:
		e.Message = `this scan does not look like a parcel; to keep it anyway, send it again with "force": true`
	}
	return e
}

// narrow turns full-width ASCII ("ＳＦ１２３", "－"), which a Chinese input
// method types in its full-width mode, into the ASCII it stands for, so a
// code typed so reads as the code.
func narrow(s string) string { return strings.Map(narrowRune, s) }

func narrowRune(r rune) rune {
	if r >= 0xFF01 && r <= 0xFF5E {
		return r - 0xFEE0
	}
	return r
}
