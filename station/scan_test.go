package station_test

import (
	"crypto/rand"
	"testing"
	"time"

	"returns-station/station"
)

func TestNormalizeScan(t *testing.T) {
	tests := []struct {
		name                       string
		raw                        string
		code, kind, carrier        string
		gtin, serial, postal, sscc string
	}{
		{name: "plain SF", raw: "SF1234567890123", code: "SF1234567890123", kind: "tracking", carrier: "SF"},
		{name: "lower case and spaces", raw: " sf 1234 5678 9012 3\r\n", code: "SF1234567890123", kind: "tracking", carrier: "SF"},
		{name: "dashes", raw: "SF-1234-5678-9012-3", code: "SF1234567890123", kind: "tracking", carrier: "SF"},
		{name: "AIM Code 128 prefix", raw: "]C0SF1234567890123", code: "SF1234567890123", kind: "tracking", carrier: "SF"},
		{name: "AIM QR prefix", raw: "]Q1JDVA00012345678", code: "JDVA00012345678", kind: "tracking", carrier: "JD"},
		{name: "JD child waybill", raw: "JDX000123456789-1-2", code: "JDX000123456789", kind: "tracking", carrier: "JD"},
		{name: "YTO", raw: "YT2412345678901", code: "YT2412345678901", kind: "tracking", carrier: "YTO"},
		{name: "ZTO 14 digits", raw: "75312345678901", code: "75312345678901", kind: "tracking", carrier: "ZTO"},
		{name: "STO 15 digits", raw: "773123456789012", code: "773123456789012", kind: "tracking", carrier: "STO"},
		{name: "Yunda 13 digits", raw: "4312345678901", code: "4312345678901", kind: "tracking", carrier: "YUNDA"},
		{name: "EMS S10 with check digit", raw: "EA123456785CN", code: "EA123456785CN", kind: "tracking", carrier: "EMS"},
		{name: "China Post S10", raw: "rr123456785cn", code: "RR123456785CN", kind: "tracking", carrier: "CHINAPOST"},
		{name: "S10 bad check digit", raw: "EA123456784CN", code: "EA123456784CN", kind: "other"},
		{name: "UPS 1Z", raw: "1Z 999 AA1 01 2345 6784", code: "1Z999AA10123456784", kind: "tracking", carrier: "UPS"},
		{name: "UPS bad check", raw: "1Z999AA10123456785", code: "1Z999AA10123456785", kind: "other"},
		{name: "USPS IMpb", raw: "9400111899223100000017", code: "9400111899223100000017", kind: "tracking", carrier: "USPS"},
		{name: "USPS with 420 ZIP prefix, GS kept", raw: "]C1420123450\x1d9400111899223100000017", code: "9400111899223100000017", kind: "tracking", carrier: "USPS", postal: "123450"},
		{name: "USPS with 420 ZIP5 prefix, GS lost", raw: "420123459400111899223100000017", code: "9400111899223100000017", kind: "tracking", carrier: "USPS", postal: "12345"},
		{name: "USPS with 420 ZIP9 prefix, GS lost", raw: "4201234567899400111899223100000017", code: "9400111899223100000017", kind: "tracking", carrier: "USPS", postal: "123456789"},
		{name: "USPS 420 with visible GS symbol", raw: "42012345␝9400111899223100000017", code: "9400111899223100000017", kind: "tracking", carrier: "USPS", postal: "12345"},
		{name: "FedEx 12 digits", raw: "987654321010", code: "987654321010", kind: "tracking", carrier: "FEDEX"},
		{name: "DHL 10 digits", raw: "1234567891", code: "1234567891", kind: "tracking", carrier: "DHL"},
		{name: "EAN-13 product", raw: "6901234567892", code: "6901234567892", kind: "gtin", gtin: "06901234567892"},
		{name: "GS1 01 + 21 with GS", raw: "]d201069012345678922\x31SN8842AA", code: "06901234567892", kind: "gtin", gtin: "06901234567892", serial: "SN8842AA"},
		{name: "GS1 01 + 21 separated", raw: "]C10106901234567892\x1d21SN8842AA", code: "06901234567892", kind: "gtin", gtin: "06901234567892", serial: "SN8842AA"},
		{name: "GS1 human readable", raw: "(01)06901234567892(21)SN1", code: "06901234567892", kind: "gtin", gtin: "06901234567892", serial: "SN1"},
		{name: "GS1 <GS> text from a wedge", raw: "]C10106901234567892<GS>21ABC", code: "06901234567892", kind: "gtin", gtin: "06901234567892", serial: "ABC"},
		{name: "SSCC", raw: "]C100006141411234567890", code: "006141411234567890", kind: "sscc", sscc: "006141411234567890"},
		{name: "RMA number", raw: "RMA-20261122-000123", code: "RMA20261122000123", kind: "other"},
		{name: "order number", raw: "SO-88812", code: "SO88812", kind: "other"},
		{name: "station unit label", raw: "rs1:u:01JD2Z6W8Q3M5T7V9X1Z3B5D7E", code: "RS1:U:01JD2Z6W8Q3M5T7V9X1Z3B5D7E", kind: "label"},
		{name: "empty", raw: " \t\r\n", code: "", kind: "other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := station.NormalizeScan(tt.raw)
			got := []string{s.Code, s.Kind, s.Carrier, s.GTIN, s.Serial, s.Postal, s.SSCC}
			want := []string{tt.code, tt.kind, tt.carrier, tt.gtin, tt.serial, tt.postal, tt.sscc}
			for i, f := range []string{"code", "kind", "carrier", "gtin", "serial", "postal", "sscc"} {
				if got[i] != want[i] {
					t.Errorf("NormalizeScan(%q).%s = %q, want %q", tt.raw, f, got[i], want[i])
				}
			}
		})
	}
}

func TestValidGTIN(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"06901234567892", true}, {"6901234567892", true}, {"6901234567893", false},
		{"96385074", true}, {"036000291452", true}, {"03600029145", false}, {"69012345678a2", false},
	}
	for _, tt := range tests {
		if got := station.ValidGTIN(tt.in); got != tt.want {
			t.Errorf("ValidGTIN(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if !station.SameGTIN("6901234567892", "06901234567892") {
		t.Error("SameGTIN: EAN-13 and its GTIN-14 form should be the same product")
	}
}

func TestLabelCodeAndContainers(t *testing.T) {
	c := station.LabelCode{Kind: station.LabelTote, ID: "T-0012"}
	got, ok := station.ParseLabelCode(c.String())
	if !ok || got != c {
		t.Fatalf("ParseLabelCode(%q) = %v, %v; want %v", c.String(), got, ok, c)
	}
	tests := []struct{ in, id, kind string }{
		{"RS1:T:T-0012", "T-0012", "tote"}, {"RS1:T:0012", "T-0012", "tote"}, {"t-0012", "T-0012", "tote"},
		{"TOTE A1", "T-A1", "tote"}, {"RS1:L:01-02", "L-01-02", "location"}, {"LOC-B7", "L-B7", "location"},
	}
	for _, tt := range tests {
		id, kind, ok := station.ParseContainer(tt.in)
		if !ok || id != tt.id || kind != tt.kind {
			t.Errorf("ParseContainer(%q) = %q, %q, %v; want %q, %q", tt.in, id, kind, ok, tt.id, tt.kind)
		}
	}
	for _, look := range []string{"rſ1:u:ıd", "RS1:T:T 1"} {
		if _, ok := station.ParseLabelCode(look); ok {
			t.Errorf("ParseLabelCode(%q) accepted non-ASCII look-alikes", look)
		}
	}
	for _, bad := range []string{"SF1234567890123", "RS1:U:ABC", "", "RS1:X:1"} {
		if _, _, ok := station.ParseContainer(bad); ok {
			t.Errorf("ParseContainer(%q) accepted a non-container", bad)
		}
	}
}

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in   string
		want station.Cents
		ok   bool
	}{
		{"199.00", 19900, true}, {"5", 500, true}, {"0.5", 50, true}, {"12.345", 0, false}, {"-1", 0, false},
		{"1e3", 0, false}, {"", 0, false}, {".5", 0, false}, {"5.", 0, false},
	}
	for _, tt := range tests {
		got, err := station.ParseAmount(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseAmount(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	if got := station.Cents(19900).Percent(10).String(); got != "19.90" {
		t.Errorf("10%% of 199.00 = %s, want 19.90", got)
	}
}

func FuzzNormalizeScan(f *testing.F) {
	for _, s := range []string{"SF1234567890123", "]C1420123450\x1d9400111899223100000017", "(01)06901234567892(21)SN1", "RS1:U:01ABC", "]d20106901234567892\x1d21X", "42012345"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		s := station.NormalizeScan(raw)
		// Normalising is idempotent on the code it produced, and the kind is one we know.
		switch s.Kind {
		case station.ScanTracking, station.ScanGTIN, station.ScanSSCC, station.ScanLabel, station.ScanOther:
		default:
			t.Fatalf("NormalizeScan(%q) kind %q", raw, s.Kind)
		}
		if s.Kind == station.ScanTracking {
			again := station.NormalizeScan(s.Code)
			if again.Code != s.Code || again.Kind != station.ScanTracking {
				t.Fatalf("tracking %q normalises again to %q (%s)", s.Code, again.Code, again.Kind)
			}
		}
		if s.Kind == station.ScanLabel {
			if _, ok := station.ParseLabelCode(s.Code); !ok {
				t.Fatalf("label code %q does not parse", s.Code)
			}
		}
		// Every doubt about a parcel code is one a screen can word, and a
		// recognised waybill is never doubted.
		reason, hard := station.ParcelCodeDoubt(s)
		if reason != "" && station.RefuseScan(reason).Key != "scan_"+reason {
			t.Fatalf("ParcelCodeDoubt(%q) = %q, which RefuseScan does not know", raw, reason)
		}
		if s.Kind == station.ScanTracking && reason != "" {
			t.Fatalf("waybill %q (%s) doubted: %s", raw, s.Carrier, reason)
		}
		if reason == "" && hard {
			t.Fatalf("ParcelCodeDoubt(%q): hard without a reason", raw)
		}
	})
}

func TestParcelCodeDoubt(t *testing.T) {
	for _, tt := range []struct {
		raw, reason string
		hard        bool
	}{
		{"SF1234567890123", "", false},
		{"RMA-20261122-000123", "", false},
		{"JDX000123456789-1-2", "", false},
		{"TBA123456789012", "", false},
		{"LP00123456789012", "", false},
		{"hello world", station.ReasonNoDigits, false},
		{"12", station.ReasonShort, false},
		{"%%%%", station.ReasonCharacters, true},
		{"SF123.456.789", station.ReasonCharacters, true},
		{"http://x.cn/a", station.ReasonURL, true},
		{"退货", station.ReasonText, true},
		{"tote-12", station.ReasonContainer, true},
		{"L-01-02-03", station.ReasonContainer, true},
		{"RS1:U:01ABC", station.ReasonStationLabel, true},
		{"RS1:P:01ABC", "", false},
		{"6901234567892", station.ReasonProduct, true},
		{"", station.ReasonEmpty, true},
	} {
		reason, hard := station.ParcelCodeDoubt(station.NormalizeScan(tt.raw))
		if reason != tt.reason || hard != tt.hard {
			t.Errorf("ParcelCodeDoubt(%q) = %q, %v; want %q, %v", tt.raw, reason, hard, tt.reason, tt.hard)
		}
	}
}

func FuzzParseLabelCode(f *testing.F) {
	for _, s := range []string{"RS1:U:01JD2Z6W8Q3M5T7V9X1Z3B5D7E", "rs1:t:T-1", "RS1:L:", "RS1:P:A.B"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := station.ParseLabelCode(s)
		if !ok {
			return
		}
		back, ok := station.ParseLabelCode(c.String())
		if !ok || back != c {
			t.Fatalf("%q parses to %v whose String %q parses to %v", s, c, c.String(), back)
		}
	})
}

func TestIDSourceIncreases(t *testing.T) {
	fixed := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	src := station.NewIDSource(func() time.Time { return fixed }, rand.Reader)
	prev := src.New()
	for i := 0; i < 10000; i++ {
		id := src.New()
		if id <= prev || len(id) != 26 {
			t.Fatalf("id %d: %s after %s does not increase", i, id, prev)
		}
		prev = id
	}
	if prev[:10] != mustULID(t, fixed)[:10] {
		t.Errorf("time part of %s does not encode %v", prev, fixed)
	}
}

func mustULID(t *testing.T, at time.Time) string {
	id, err := station.NewULID(at, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
