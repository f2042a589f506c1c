package station_test

import (
	"testing"

	"returns-station/station"
)

// CarrierOf names the carrier a clerk would read off the label, from the
// normalised number alone. Numbers whose check digit is wrong are a misread
// and name no carrier rather than the wrong one.
func TestCarrierOfTable(t *testing.T) {
	cases := []struct{ tracking, want string }{
		{"SF1234567890123", station.CarrierSF},
		{"SF123456789012", station.CarrierSF},
		{"JDX000123456789", station.CarrierJD},
		{"JD0012345678", station.CarrierJD},
		{"YT1234567890123", station.CarrierYTO},
		{"1Z999AA10123456784", station.CarrierUPS},
		{"1Z999AA10123456785", ""}, // check digit wrong
		{"EE123456785CN", station.CarrierEMS},
		{"RR123456785CN", station.CarrierPost},
		{"RR123456785US", station.CarrierUSPS},
		{"RR123456785DE", "POST-DE"},
		{"RR123456784CN", ""}, // check digit wrong
		{"RR000000014CN", station.CarrierPost},
		{"RR000000080CN", station.CarrierPost}, // check 10 is written 0
		{"RR000000005CN", station.CarrierPost}, // check 11 is written 5
		{"RR000000085CN", ""},
		{"JJD0123456789", station.CarrierDHL},
		{"GM1234567890123456", station.CarrierDHL},
		{"9400111899223197428497", station.CarrierUSPS},
		{"9400111899223197428490", ""}, // check digit wrong
		{"773012345678901", station.CarrierSTO},
		{"73100012345678", station.CarrierZTO},
		{"3123456789012", station.CarrierYunda},
		{"123456789012", station.CarrierFedEx},
		{"700000000011", station.CarrierZTO},   // 12 digits, not FedEx's check digit
		{"700000000010", station.CarrierFedEx}, // the same digits with FedEx's check digit: FedEx is tried first
		{"123456789012343", station.CarrierFedEx},
		{"9612345678901234567897", station.CarrierFedEx},
		{"1234567891", station.CarrierDHL},
		{"1234567890", ""}, // DHL's check digit wrong
		{"RMA20260001", ""},
		{"JD77881234", ""}, // an order number, too short for a JD waybill
		{"6901234567892", ""},
		{"", ""},
	}
	for _, c := range cases {
		if got := station.CarrierOf(c.tracking); got != c.want {
			t.Errorf("CarrierOf(%q): got %q, want %q", c.tracking, got, c.want)
		}
	}
}
