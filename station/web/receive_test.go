package web_test

import (
	"strings"
	"testing"
	"time"

	"returns-station/station"
)

// parcelsOf returns the parcels the station holds for an RMA.
func (h *harness) parcelsOf(rma string) []station.Parcel {
	h.t.Helper()
	var view struct {
		Parcels []station.Parcel `json:"parcels"`
	}
	h.must(200, h.do("operator", "GET", "/api/v1/returns/"+rma, nil)).json(h.t, &view)
	return view.Parcels
}

func (h *harness) receive(want int, body map[string]any) station.ReceiveResult {
	h.t.Helper()
	var rec station.ReceiveResult
	h.must(want, h.do("operator", "POST", "/api/v1/parcels/receive", body)).json(h.t, &rec)
	return rec
}

// The packing slip inside the box carries the RMA and order numbers: a clerk
// who scans them after the waybill finds the same parcel, never a second one.
func TestRMAAndOrderScansFindTheParcel(t *testing.T) {
	delivered, requested := time.Now().Add(-72*time.Hour), time.Now().Add(-24*time.Hour)
	t.Run("waybill first", func(t *testing.T) {
		h := newHarness(t)
		r := sampleRMA("RMA-20261122-000777", "SF1234567890777", "quality", "electronics", delivered, requested)
		h.must(201, h.do("supervisor", "POST", "/api/v1/returns", r))
		first := h.receive(201, map[string]any{"code": "SF1234567890777"})
		for _, code := range []string{"RMA-20261122-000777", "rma 20261122 000777", "SO-RMA-20261122-000777"} {
			again := h.receive(200, map[string]any{"code": code})
			if !again.Duplicate || again.Parcel.ID != first.Parcel.ID {
				t.Errorf("scan %q: duplicate %v parcel %s, want the parcel %s", code, again.Duplicate, again.Parcel.ID, first.Parcel.ID)
			}
		}
		if got := h.receive(200, map[string]any{"code": "SO-RMA-20261122-000777"}).MatchedBy; got != "order" {
			t.Errorf("order scan matched_by %q, want order", got)
		}
		if ps := h.parcelsOf(r.RMA); len(ps) != 1 {
			t.Errorf("the return has %d parcels, want 1", len(ps))
		}
	})
	t.Run("RMA number first", func(t *testing.T) {
		h := newHarness(t)
		r := sampleRMA("RMA-20261122-000778", "SF1234567890778", "quality", "electronics", delivered, requested)
		h.must(201, h.do("supervisor", "POST", "/api/v1/returns", r))
		first := h.receive(201, map[string]any{"code": "RMA-20261122-000778"})
		if first.Parcel.Tracking != "SF1234567890778" || first.MatchedBy != "rma" {
			t.Fatalf("parcel filed under %q matched by %q, want the RMA's waybill, by rma", first.Parcel.Tracking, first.MatchedBy)
		}
		for _, code := range []string{"SF1234567890778", "SO-RMA-20261122-000778"} {
			if again := h.receive(200, map[string]any{"code": code}); again.Parcel.ID != first.Parcel.ID {
				t.Errorf("scan %q found parcel %s, want %s", code, again.Parcel.ID, first.Parcel.ID)
			}
		}
		if ps := h.parcelsOf(r.RMA); len(ps) != 1 {
			t.Errorf("the return has %d parcels, want 1", len(ps))
		}
	})
}

// A return in two boxes: the second box is added on purpose, with its own
// waybill; the RMA number never makes one by accident.
func TestAddBox(t *testing.T) {
	h := newHarness(t)
	delivered, requested := time.Now().Add(-72*time.Hour), time.Now().Add(-24*time.Hour)
	r := sampleRMA("RMA-BOX-1", "SF1000000000001", "quality", "electronics", delivered, requested)
	r.ReturnShipments = append(r.ReturnShipments, station.ReturnShipment{Carrier: "JD", Tracking: "JDX000123456789"})
	h.must(201, h.do("supervisor", "POST", "/api/v1/returns", r))

	first := h.receive(201, map[string]any{"code": "SF1000000000001"})
	if dup := h.receive(200, map[string]any{"code": "RMA-BOX-1"}); dup.Parcel.ID != first.Parcel.ID {
		t.Fatalf("RMA scan found %s, want the first box %s", dup.Parcel.ID, first.Parcel.ID)
	}
	// The JD waybill of boxes 2 and 3: box 2 is received by its waybill, box 3's
	// child waybill normalises to the same master, so it is added on purpose.
	second := h.receive(201, map[string]any{"code": "JDX000123456789-1-2"})
	if dup := h.receive(200, map[string]any{"code": "JDX000123456789-2-2"}); dup.Parcel.ID != second.Parcel.ID {
		t.Fatalf("second JD child waybill found %s, want %s", dup.Parcel.ID, second.Parcel.ID)
	}
	before := len(h.allEvents())
	for _, tc := range []struct {
		name, parcel, code string
		status             int
	}{
		{"a waybill already received", first.Parcel.ID, "SF1000000000001", 409},
		{"a product barcode", first.Parcel.ID, "6901234567892", 400},
		{"garbage", first.Parcel.ID, "%%%%", 400},
		{"no such parcel", "01NOSUCHPARCEL", "SF1000000000099", 404},
	} {
		p := h.must(tc.status, h.do("operator", "POST", "/api/v1/parcels/"+tc.parcel+"/boxes", map[string]any{"code": tc.code})).problem(t)
		if p.Detail == "" {
			t.Errorf("%s: refusal without words", tc.name)
		}
	}
	if after := len(h.allEvents()); after != before {
		t.Fatalf("refused boxes wrote %d events", after-before)
	}
	var third station.ReceiveResult
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/"+second.Parcel.ID+"/boxes", map[string]any{"code": "JDX000123456789-2-2", "packaging": "damaged"})).json(t, &third)
	if third.Parcel.RMA != r.RMA || third.Parcel.BoxOf != second.Parcel.ID || third.Parcel.Tracking != "JDX00012345678922" || third.MatchedBy != "box" {
		t.Fatalf("added box: rma %q box_of %q tracking %q matched_by %q", third.Parcel.RMA, third.Parcel.BoxOf, third.Parcel.Tracking, third.MatchedBy)
	}
	if len(third.Exceptions) != 1 || third.Exceptions[0].Code != station.ExDamagedInTransit {
		t.Errorf("damaged added box: exceptions %+v, want damaged_in_transit", third.Exceptions)
	}
	if dup := h.receive(200, map[string]any{"code": "JDX000123456789-2-2"}); dup.Parcel.ID != second.Parcel.ID {
		t.Errorf("the master waybill still finds box 2 (%s), got %s", second.Parcel.ID, dup.Parcel.ID)
	}
	if ps := h.parcelsOf(r.RMA); len(ps) != 3 {
		t.Errorf("the return has %d parcels, want 3", len(ps))
	}
	var matched []string
	for _, e := range h.allEvents()[before:] {
		if e.Type == station.EventParcelMatched {
			matched = append(matched, string(e.Data))
		}
	}
	if len(matched) != 1 || !strings.Contains(matched[0], `"how":"manual"`) {
		t.Errorf("matched events of the added box %v, want one with how manual", matched)
	}

	// An unmatched parcel has no return to add a box to.
	lone := h.receive(201, map[string]any{"code": "YT2412345678901"})
	h.must(409, h.do("operator", "POST", "/api/v1/parcels/"+lone.Parcel.ID+"/boxes", map[string]any{"code": "YT2412345678902"}))
}

// Whatever a clerk scans by mistake is refused with its reason and creates
// nothing; a plausible unknown waybill is kept at once; an implausible one
// only when the clerk keeps it on purpose.
func TestGarbageScansAreRefused(t *testing.T) {
	h := newHarness(t)
	if _, err := h.db.AddUser(station.User{Username: "li.wei", DisplayName: "李伟", Role: station.RoleOperator}, "1234", "BADGE-LW-0001"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		code, reason string
		forceable    bool
	}{
		{"hello world", station.ReasonNoDigits, true},
		{"%%%%", station.ReasonCharacters, false},
		{"12", station.ReasonShort, true},
		{"https://example.com/track?id=SF1", station.ReasonURL, false},
		{"www.example.com", station.ReasonURL, false},
		{"退货 左耳没有声音", station.ReasonText, false},
		{"T-0007", station.ReasonContainer, false},
		{"L-01-02-03", station.ReasonContainer, false},
		{"RS1:T:T-0007", station.ReasonStationLabel, false},
		{"BADGE-LW-0001", station.ReasonBadge, false},
		{"6901234567892", station.ReasonProduct, false},
		{"   ", station.ReasonEmpty, false},
		{"X1234567890123456789012345678901234567890123", station.ReasonLong, true},
	} {
		before := h.db.LastSeq()
		p := h.must(400, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": tc.code})).problem(t)
		if h.db.LastSeq() != before {
			t.Errorf("scan %q was refused but wrote events", tc.code)
		}
		if p.Code != "scan_"+tc.reason || len(p.Errors) != 1 || p.Errors[0].Field != "code" || p.Errors[0].Detail == "" {
			t.Errorf("scan %q: code %q errors %+v, want code scan_%s naming the field", tc.code, p.Code, p.Errors, tc.reason)
		}
		forced := h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": tc.code, "force": true})
		switch {
		case tc.forceable && forced.status != 201:
			t.Errorf("scan %q kept on purpose: status %d, want 201", tc.code, forced.status)
		case !tc.forceable && forced.status != 400:
			t.Errorf("scan %q with force: status %d, want 400 (it can never be a parcel)", tc.code, forced.status)
		}
	}
	var list struct{ Parcels []station.Parcel }
	h.must(200, h.do("operator", "GET", "/api/v1/parcels", nil)).json(t, &list)
	if len(list.Parcels) != 3 {
		t.Errorf("%d parcels after the garbage, want the 3 kept on purpose", len(list.Parcels))
	}
	// One scan keeps a plausible unknown waybill, as before.
	if rec := h.receive(201, map[string]any{"code": "ZZ2412345678"}); rec.Matched || len(rec.Exceptions) != 1 {
		t.Errorf("plausible unknown: matched %v exceptions %+v, want one unmatched", rec.Matched, rec.Exceptions)
	}
}
