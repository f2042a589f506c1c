package labels_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"returns-station/labels"
	"returns-station/station"
)

var qrAlphanumeric = regexp.MustCompile(`^[0-9A-Z $%*+\-./:]*$`)

// FuzzParseLabelCode checks that parsing and formatting are inverse: every
// string ParseLabelCode accepts formats back to its normalised self (trimmed,
// upper case), that form parses to the same code, and it encodes in QR
// alphanumeric mode on either label size.
func FuzzParseLabelCode(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := station.ParseLabelCode(s)
		if !ok {
			return
		}
		norm := strings.ToUpper(strings.TrimSpace(s))
		if got := c.String(); got != norm {
			t.Fatalf("%q parses to %+v whose String is %q, want %q", s, c, got, norm)
		}
		back, ok := station.ParseLabelCode(c.String())
		if !ok || back != c {
			t.Fatalf("got %+v, %v from %q, want %+v", back, ok, c.String(), c)
		}
		if !qrAlphanumeric.MatchString(c.String()) {
			t.Fatalf("got payload %q outside the QR alphanumeric set", c.String())
		}
		for _, size := range sizes {
			q, err := labels.QR(c, size)
			if err != nil || q.Payload != c.String() {
				t.Fatalf("QR(%+v, %s) = %v, %v; want payload %q", c, size, q, err, c.String())
			}
		}
	})
}

var canonicalID = regexp.MustCompile(`^[0-9A-Z][0-9A-Z.-]{0,31}$`)

// FuzzLabelCodeString checks the other direction: a code comes back
// unchanged from its String exactly when it is a valid code, a known kind
// and an id in canonical (upper) case.
func FuzzLabelCodeString(f *testing.F) {
	f.Add("U", "01JD2Z6W8Q3M5T7V9X1Z3B5D7E")
	f.Add("T", "T-0012")
	f.Fuzz(func(t *testing.T, kind, id string) {
		c := station.LabelCode{Kind: kind, ID: id}
		got, ok := station.ParseLabelCode(c.String())
		valid := len(kind) == 1 && strings.Contains("UTLP", kind) && canonicalID.MatchString(id)
		if exact := ok && got == c; exact != valid {
			t.Fatalf("ParseLabelCode(%q) = %+v, %v; want the same code back: %v", c.String(), got, ok, valid)
		}
	})
}

var (
	foPattern   = regexp.MustCompile(`^\^FO(\d+),(\d+)`)
	sizePattern = regexp.MustCompile(`\^PW(\d+)\n\^LL(\d+)\n`)
)

// FuzzZPL feeds arbitrary text into every field and checks that it can
// never inject a command or move a field off the label.
func FuzzZPL(f *testing.F) {
	f.Fuzz(func(t *testing.T, title, sku, name, disp, dest, rma, stationName string, small, font bool) {
		c := unitLabel()
		c.Title, c.SKU, c.Name, c.Disposition, c.Destination, c.RMA, c.Station = title, sku, name, disp, dest, rma, stationName
		size, cjk := station.LabelSizeLarge, ""
		if small {
			size = station.LabelSizeSmall
		}
		if font {
			cjk = "E:SIMSUN.FNT"
		}
		z, err := labels.ZPL(c, size, 203, cjk)
		if err != nil {
			t.Fatalf("ZPL: %v", err)
		}
		m := sizePattern.FindSubmatch(z)
		if m == nil {
			t.Fatal("got no ^PW/^LL")
		}
		w, _ := strconv.Atoi(string(m[1]))
		h, _ := strconv.Atoi(string(m[2]))
		lines := zplLines(z)
		if lines[0] != "^XA" || lines[len(lines)-1] != "^XZ" {
			t.Fatalf("got first %q and last %q, want ^XA and ^XZ", lines[0], lines[len(lines)-1])
		}
		for _, ln := range lines[1 : len(lines)-1] {
			if !strings.HasPrefix(ln, "^") || strings.Contains(ln, "^XZ") || strings.Contains(ln, "^XA") {
				t.Fatalf("got line %q, want one command group", ln)
			}
			if fo := foPattern.FindStringSubmatch(ln); fo != nil {
				x, _ := strconv.Atoi(fo[1])
				y, _ := strconv.Atoi(fo[2])
				if x < 0 || y < 0 || x >= w || y >= h {
					t.Fatalf("got field at %d,%d outside the %dx%d label: %q", x, y, w, h, ln)
				}
			}
			if _, data, ok := strings.Cut(ln, "^FD"); ok {
				data, ok = strings.CutSuffix(data, "^FS")
				if !ok || strings.ContainsAny(data, "^~") {
					t.Fatalf("got field data %q that could start a command", data)
				}
			}
		}
		if !font && !isASCIIBytes(z) {
			t.Fatalf("got non-ASCII without a printer font")
		}
	})
}
