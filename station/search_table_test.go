package station_test

import (
	"fmt"
	"strings"
	"testing"

	"returns-station/station"
)

// searchStation is the station a clerk searches: the waiting RMA received
// (its parcel holds the phone, put away at a location, and a case, in a
// tote), and a second return of another customer still on its way. Ids are
// 26 characters long, as the station's own are, so that a typed id is
// looked up.
type searchStation struct {
	f                    *fixture
	parcel, phone, caseU string
	other                string // the second return's waybill
}

const otherRMA = "RMA-2026-0002"

func newSearchStation(t *testing.T) *searchStation {
	f := newFixture(t)
	f.env.NewID = func() string { f.n++; return fmt.Sprintf("01JD2Z6W8Q3M5T7V9X1Z3B%04d", f.n) }
	f.put(t, waitingRMA(1, station.RMAApproved))
	o := waitingRMA(1, station.RMAApproved)
	o.RMA, o.OrderID, o.Customer.PhoneTail = otherRMA, "JD-7788-9999", "5678"
	o.ReturnShipments = []station.ReturnShipment{{Carrier: "sf", Tracking: "SF1234567890999"}}
	o.Lines[0].Serials = []string{"SN-Z9Y8X7"}
	f.put(t, o)
	p := f.receive(t, waybill)
	phone := f.confirmed(t, p.ID, phoneGTIN, cleanPhone(), phoneSN)
	f.move(t, phone, "L-01-02-03")
	cas := restockCase(t, f, p)
	f.move(t, cas, "T-0007")
	return &searchStation{f: f, parcel: p.ID, phone: phone.ID, caseU: cas.ID, other: "SF1234567890999"}
}

// hitList is what a search answered, one "kind id matched-by" a hit.
func hitList(hits []station.SearchHit) []string {
	out := []string{}
	for _, h := range hits {
		out = append(out, h.Kind+" "+h.ObjectID()+" "+h.MatchedBy)
	}
	return out
}

func TestSearchTable(t *testing.T) {
	s := newSearchStation(t)
	P, U, C := s.parcel, s.phone, s.caseU
	cases := []struct {
		name string
		q    string
		want []string // in the order shown
	}{
		{"the waybill as printed", waybill,
			[]string{"parcel " + P + " tracking", "rma " + rmaID + " tracking"}},
		{"the waybill typed in lower case with spaces", "  sf 1234 5678 90123 ",
			[]string{"parcel " + P + " tracking", "rma " + rmaID + " tracking"}},
		{"the waybill with dashes", "SF-1234-5678-90123",
			[]string{"parcel " + P + " tracking", "rma " + rmaID + " tracking"}},
		{"the waybill typed with a Chinese input method in full-width mode", "ＳＦ１２３４　５６７８　９０１２３",
			[]string{"parcel " + P + " tracking", "rma " + rmaID + " tracking"}},
		{"the RMA number typed in full-width", "ｒｍａ－２０２６－０００１",
			[]string{"rma " + rmaID + " rma", "parcel " + P + " return"}},
		{"the phone tail typed in full-width", "１２３４",
			[]string{"rma " + rmaID + " phone", "parcel " + P + " return"}},
		{"the tote's code typed in full-width", "Ｔ－０００７", []string{"tote T-0007 label"}},
		{"the waybill of a return not here yet", "sf1234567890999",
			[]string{"rma " + otherRMA + " tracking"}},
		{"the RMA number brings its parcel", rmaID,
			[]string{"rma " + rmaID + " rma", "parcel " + P + " return"}},
		{"the RMA number typed in lower case with spaces", "rma 2026 0001",
			[]string{"rma " + rmaID + " rma", "parcel " + P + " return"}},
		{"the RMA number of a return with nothing here", "rma-2026-0002",
			[]string{"rma " + otherRMA + " rma"}},
		{"the order number", orderID,
			[]string{"rma " + rmaID + " order", "parcel " + P + " return"}},
		{"the order number typed without dashes in lower case", "jd77881234",
			[]string{"rma " + rmaID + " order", "parcel " + P + " return"}},
		{"the customer's phone tail", "1234",
			[]string{"rma " + rmaID + " phone", "parcel " + P + " return"}},
		{"another customer's phone tail", "5678",
			[]string{"rma " + otherRMA + " phone"}},
		{"a serial number", phoneSN, []string{"unit " + U + " serial"}},
		{"a serial number typed in lower case without its dash", "sna1b2c3", []string{"unit " + U + " serial"}},
		{"the phone's own barcode, which carries its serial", "]d2010690123456789221SN-A1B2C3", []string{"unit " + U + " serial"}},
		{"the phone's barcode as printed under it", "(01)06901234567892(21)SN-A1B2C3", []string{"unit " + U + " serial"}},
		{"a serial sold but not returned finds no unit", "SN-Z9Y8X7", []string{}},
		{"the parcel's label", "RS1:P:" + P, []string{"parcel " + P + " label"}},
		{"the unit's label read in lower case", strings.ToLower("RS1:U:" + U), []string{"unit " + U + " label"}},
		{"the tote's label", "RS1:T:0007", []string{"tote T-0007 label"}},
		{"the tote's code typed", "t-0007", []string{"tote T-0007 label"}},
		{"the tote's code typed with a space", "T 0007", []string{"tote T-0007 label"}},
		{"the location's label lists what is there", "RS1:L:01-02-03",
			[]string{"location L-01-02-03 label", "unit " + U + " location"}},
		{"the location's code typed", "l-01-02-03",
			[]string{"location L-01-02-03 label", "unit " + U + " location"}},
		{"a unit's id typed in lower case", strings.ToLower(U), []string{"unit " + U + " id"}},
		{"a parcel's id", P, []string{"parcel " + P + " id"}},
		{"the label of a unit not on this station", "RS1:U:01JD2Z6W8Q3M5T7V9X1Z3B9999", []string{}},
		{"the label of a parcel not on this station", "RS1:P:01JD2Z6W8Q3M5T7V9X1Z3B9999", []string{}},
		{"an id not on this station", "01JD2Z6W8Q3M5T7V9X1Z3B9999", []string{}},
		{"a waybill nobody sent", "SF9999999999999", []string{}},
		{"Chinese text", "退货 手机", []string{}},
		{"part of a waybill", "SF12345", []string{}},
		{"a phone tail of five digits is not a phone tail", "51234", []string{}},
		{"garbage", "'; DROP TABLE rmas; --", []string{}},
		{"a web address", "https://example.com/?q=SF1234567890123", []string{}},
		{"the product barcode alone", phoneGTIN, []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			snap := s.f.snapshot(t)
			hits, err := station.Search(s.f.tx, c.q)
			if err != nil {
				t.Fatalf("search %q: %v", c.q, err)
			}
			sameList(t, fmt.Sprintf("search %q", c.q), hitList(hits), c.want)
			s.f.unchanged(t, snap)
		})
	}

	t.Run("a tote found shows what it holds", func(t *testing.T) {
		hits, err := station.Search(s.f.tx, "T-0007")
		if err != nil || len(hits) != 1 || hits[0].Tote == nil {
			t.Fatalf("search T-0007: %v %v", hits, err)
		}
		var in []string
		for _, u := range hits[0].Tote.UnitList {
			in = append(in, u.ID)
		}
		sameList(t, "units in T-0007", in, []string{C})
	})
}

// A search box left empty, or filled with more than any code, is refused
// naming q, and changes nothing.
func TestSearchRefusals(t *testing.T) {
	s := newSearchStation(t)
	for name, q := range map[string]string{"empty": "", "spaces only": "  \t ", "longer than any code": strings.Repeat("SF1234567890123", 40)} {
		t.Run(name, func(t *testing.T) {
			snap := s.f.snapshot(t)
			hits, err := station.Search(s.f.tx, q)
			wantRefusal(t, err, station.EInvalid, "search_empty", "q")
			if hits != nil {
				t.Errorf("a refused search answered %v", hitList(hits))
			}
			s.f.unchanged(t, snap)
		})
	}
}

// One answer holds at most MaxSearchHits, each thing once: a phone tail
// many customers share does not flood the screen.
func TestSearchHitsAreBounded(t *testing.T) {
	f := newFixture(t)
	for i := 0; i < station.MaxSearchHits+5; i++ {
		r := waitingRMA(1, station.RMAApproved)
		r.RMA, r.OrderID = fmt.Sprintf("RMA-2026-%04d", 100+i), fmt.Sprintf("ORD-%04d", i)
		r.ReturnShipments = []station.ReturnShipment{{Carrier: "sf", Tracking: fmt.Sprintf("SF1234567%06d", i)}}
		f.put(t, r)
	}
	hits, err := station.Search(f.tx, "1234")
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != station.MaxSearchHits {
		t.Errorf("got %d hits, want %d", len(hits), station.MaxSearchHits)
	}
	seen := map[string]bool{}
	for _, h := range hits {
		if k := h.Kind + h.ObjectID(); seen[k] {
			t.Errorf("%s %s shown twice", h.Kind, h.ObjectID())
		} else {
			seen[k] = true
		}
	}
}
