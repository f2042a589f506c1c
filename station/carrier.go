package station

import "regexp"

// Carrier codes the station recognises from tracking number formats.
const (
	CarrierSF    = "SF"
	CarrierJD    = "JD"
	CarrierYTO   = "YTO"
	CarrierZTO   = "ZTO"
	CarrierSTO   = "STO"
	CarrierYunda = "YUNDA"
	CarrierEMS   = "EMS"
	CarrierPost  = "CHINAPOST"
	CarrierUPS   = "UPS"
	CarrierFedEx = "FEDEX"
	CarrierUSPS  = "USPS"
	CarrierDHL   = "DHL"
)

// Formats are tried in order; the first match wins. Letter-prefixed formats come
// first because they are unambiguous; all-digit ones are ambiguous between
// carriers, so those with a check digit come before those without, and the
// Chinese carriers (most of our users) before the rest.
var carrierFormats = []struct {
	carrier string
	re      *regexp.Regexp
	check   func(string) bool
}{
	{CarrierSF, regexp.MustCompile(`^SF\d{12,13}$`), nil},
	{CarrierJD, regexp.MustCompile(`^JD[A-Z]{0,2}\d{10,15}(-\d+-\d+)?$`), nil},
	{CarrierYTO, regexp.MustCompile(`^YT\d{13}$`), nil},
	{CarrierUPS, regexp.MustCompile(`^1Z[0-9A-Z]{16}$`), upsCheck},
	{"S10", regexp.MustCompile(`^[A-Z]{2}\d{9}[A-Z]{2}$`), s10Check},
	{CarrierDHL, regexp.MustCompile(`^(JJD\d{10,20}|GM\d{16,18}|JVGL\d{8,16})$`), nil},
	{CarrierUSPS, regexp.MustCompile(`^9[1-5]\d{18,24}$`), mod10Check},
	{CarrierSTO, regexp.MustCompile(`^77\d{13}$`), nil},
	{CarrierZTO, regexp.MustCompile(`^7[0-9]\d{12}$`), nil},
	{CarrierYunda, regexp.MustCompile(`^(3[0-9]|4[0-9])\d{11}$`), nil},
	{CarrierFedEx, regexp.MustCompile(`^\d{12}$`), fedex12Check},
	{CarrierZTO, regexp.MustCompile(`^7[0-9]\d{10}$`), nil},
	{CarrierFedEx, regexp.MustCompile(`^(96\d{20}|\d{15})$`), mod10Check},
	{CarrierDHL, regexp.MustCompile(`^\d{10}$`), dhlCheck},
}

// CarrierOf recognises the carrier of a normalised tracking number, or "".
func CarrierOf(tracking string) string { return carrierOf(tracking) }

func carrierOf(t string) string {
	for _, f := range carrierFormats {
		if !f.re.MatchString(t) || (f.check != nil && !f.check(t)) {
			continue
		}
		if f.carrier == "S10" {
			switch {
			case t[11:] != "CN":
				if t[11:] == "US" {
					return CarrierUSPS
				}
				return "POST-" + t[11:]
			case t[0] == 'E':
				return CarrierEMS
			default:
				return CarrierPost
			}
		}
		return f.carrier
	}
	return ""
}

// s10Check verifies a UPU S10 item identifier's check digit (weights 8 6 4 2 3 5 9 7).
func s10Check(t string) bool {
	w := [8]int{8, 6, 4, 2, 3, 5, 9, 7}
	sum := 0
	for i := 0; i < 8; i++ {
		sum += int(t[2+i]-'0') * w[i]
	}
	c := 11 - sum%11
	switch c {
	case 10:
		c = 0
	case 11:
		c = 5
	}
	return c == int(t[10]-'0')
}

// upsCheck verifies a 1Z tracking number: letters map to digits ((c-'A'+2)%10),
// odd positions weigh 1 and even positions 2, check = (10 - sum%10) % 10.
func upsCheck(t string) bool {
	body := t[2:17]
	sum := 0
	for i := 0; i < len(body); i++ {
		c := body[i]
		var d int
		if c >= '0' && c <= '9' {
			d = int(c - '0')
		} else {
			d = (int(c-'A') + 2) % 10
		}
		if i%2 == 1 {
			d *= 2
		}
		sum += d
	}
	return (10-sum%10)%10 == int(t[17]-'0')
}

// mod10Check is the GS1 mod-10 used by USPS IMpb and FedEx Ground (weights 3,1 from the right).
func mod10Check(t string) bool {
	sum := 0
	for i := len(t) - 2; i >= 0; i-- {
		d := int(t[i] - '0')
		if (len(t)-2-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return (10-sum%10)%10 == int(t[len(t)-1]-'0')
}

// fedex12Check verifies a FedEx Express 12-digit number (weights 1,3,7 from the right, mod 11, mod 10).
func fedex12Check(t string) bool {
	w := [3]int{1, 3, 7}
	sum := 0
	for i := 0; i < 11; i++ {
		sum += int(t[10-i]-'0') * w[i%3]
	}
	return sum%11%10 == int(t[11]-'0')
}

// dhlCheck verifies a DHL Express 10-digit waybill (mod 7).
func dhlCheck(t string) bool {
	n := 0
	for i := 0; i < 9; i++ {
		n = (n*10 + int(t[i]-'0')) % 7
	}
	return n == int(t[9]-'0')
}
