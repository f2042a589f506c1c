package station_test

import (
	"testing"

	"returns-station/station"
)

const (
	jdMaster = "JD0001234567890"
	box2     = "SF7654321098765" // the second box's own waybill
)

func TestAddBoxTable(t *testing.T) {
	jdReturn := func(t *testing.T, f *fixture) *station.Parcel {
		r := waitingRMA(1, station.RMAApproved)
		r.ReturnShipments = []station.ReturnShipment{{Carrier: "jd", Tracking: jdMaster}}
		f.put(t, r)
		return f.receive(t, jdMaster+"-1-2")
	}
	cases := []struct {
		name      string
		first     func(t *testing.T, f *fixture) *station.Parcel // the parcel already here
		in        station.AddBoxInput
		role      string
		errCode   string
		errKey    string
		field     string
		tracking  string // the new box's
		carrier   string
		exception string // opened on the new box
	}{
		{name: "a second box with its own waybill joins the return",
			in: station.AddBoxInput{Code: " sf 7654 3210 98765 "}, tracking: box2, carrier: "SF"},
		{name: "a JD child waybill is the box's own, though it shares the master",
			first: jdReturn, in: station.AddBoxInput{Code: jdMaster + "-2-2"}, tracking: jdMaster + "22", carrier: "JD"},
		{name: "a damaged second box opens a carrier-claim exception",
			in: station.AddBoxInput{Code: box2, Packaging: station.PackagingDamaged}, tracking: box2, carrier: "SF", exception: station.ExDamagedInTransit},
		{name: "an unlikely code is kept when the clerk insists",
			in: station.AddBoxInput{Code: "BOX2A7", Force: true}, tracking: "BOX2A7"},
		{name: "an unlikely code is refused at first",
			in: station.AddBoxInput{Code: "BOX2A7"}, errCode: station.EInvalid, errKey: "scan_too_short", field: "code"},
		{name: "the first box's own waybill again is refused",
			in: station.AddBoxInput{Code: waybill}, errCode: station.EConflict, errKey: "box_waybill_taken"},
		{name: "another return's waybill is not taken as a box of this one",
			first: func(t *testing.T, f *fixture) *station.Parcel {
				f.put(t, waitingRMA(1, station.RMAApproved))
				other := waitingRMA(1, station.RMAApproved)
				other.RMA, other.OrderID = "RMA-2026-0002", "JD-9999-0000"
				other.ReturnShipments = []station.ReturnShipment{{Carrier: "yto", Tracking: "YT9876543210987"}}
				f.put(t, other)
				return f.receive(t, waybill)
			},
			in: station.AddBoxInput{Code: "YT9876543210987"}, errCode: station.EConflict, errKey: "box_other_return"},
		{name: "the same JD child twice is refused",
			first: func(t *testing.T, f *fixture) *station.Parcel {
				p := jdReturn(t, f)
				if _, err := station.AddBox(f.tx, f.env, p.ID, station.AddBoxInput{Code: jdMaster + "-2-2"}); err != nil {
					t.Fatal(err)
				}
				return p
			},
			in: station.AddBoxInput{Code: jdMaster + "-2-2"}, errCode: station.EConflict, errKey: "box_waybill_taken"},
		{name: "a station label is no waybill",
			in: station.AddBoxInput{Code: "RS1:P:ID0002"}, errCode: station.EInvalid, errKey: "box_is_label", field: "code"},
		{name: "an unknown state of the box",
			in: station.AddBoxInput{Code: box2, Packaging: "soggy"}, errCode: station.EInvalid, errKey: "packaging_unknown", field: "packaging"},
		{name: "a weight no box has",
			in: station.AddBoxInput{Code: box2, WeightG: ptr(-5)}, errCode: station.EInvalid, errKey: "weight_range", field: "weight_g"},
		{name: "a parcel not matched yet takes no second box",
			first: func(t *testing.T, f *fixture) *station.Parcel { return f.receive(t, "YT9876543210987") },
			in:    station.AddBoxInput{Code: box2}, errCode: station.EConflict, errKey: "box_unmatched"},
		{name: "an unknown first parcel",
			first: func(t *testing.T, f *fixture) *station.Parcel { return &station.Parcel{ID: "NOPE"} },
			in:    station.AddBoxInput{Code: box2}, errCode: station.ENotFound, errKey: "not_found_parcel"},
		{name: "the central machine role receives nothing",
			in: station.AddBoxInput{Code: box2}, role: station.RoleCentral, errCode: station.EForbidden, errKey: "role_needed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			var first *station.Parcel
			if c.first != nil {
				first = c.first(t, f)
			} else {
				f.put(t, waitingRMA(1, station.RMAApproved))
				first = f.receive(t, waybill)
			}
			role := c.role
			if role == "" {
				role = station.RoleOperator
			}
			before, snap, parcels := f.mark(), f.snapshot(t), len(f.tx.parcels)
			res, err := station.AddBox(f.tx, f.as(role), first.ID, c.in)
			if c.errCode != "" {
				wantRefusal(t, err, c.errCode, c.errKey, c.field)
				f.unchanged(t, snap)
				return
			}
			if err != nil {
				t.Fatalf("AddBox: %v", err)
			}
			if len(f.tx.parcels) != parcels+1 {
				t.Fatalf("parcels: got %d, want %d", len(f.tx.parcels), parcels+1)
			}
			p, _ := f.tx.Parcel(res.Parcel.ID)
			if p.Tracking != c.tracking || p.Carrier != c.carrier || p.RMA != rmaID || p.OrderID != orderID ||
				p.BoxOf != first.ID || p.MatchedHow != "manual" || p.Status != station.ParcelOpen {
				t.Errorf("tracking/carrier/RMA/order/box of/how/status: got %q/%q/%q/%q/%q/%q/%q, want %q/%q/%q/%q/%q/manual/open",
					p.Tracking, p.Carrier, p.RMA, p.OrderID, p.BoxOf, p.MatchedHow, p.Status, c.tracking, c.carrier, rmaID, orderID, first.ID)
			}
			if !res.Matched || res.MatchedBy != "box" || res.Duplicate {
				t.Errorf("matched/by/duplicate: got %v/%q/%v, want true/box/false", res.Matched, res.MatchedBy, res.Duplicate)
			}
			if again, _ := f.tx.ParcelByKey(c.tracking); again == nil || again.ID != p.ID {
				t.Errorf("its waybill finds %v, want the new box %s", again, p.ID)
			}
			if ps, _ := f.tx.ParcelsByRMA(rmaID); len(ps) != 2 {
				t.Errorf("the RMA's parcels: got %d, want 2", len(ps))
			}
			events := []string{station.EventParcelReceived, station.EventParcelMatched}
			if c.exception != "" {
				events = append(events, station.EventParcelException)
				f.openExc(t, p.ID, c.exception)
			}
			sameList(t, "events", f.eventsSince(t, before), events)
			d := f.data(t, station.EventParcelReceived)
			checkField(t, "parcel.received", d, "parcel_id", p.ID)
			checkField(t, "parcel.received", d, "tracking", c.tracking)
			checkField(t, "parcel.received", d, "rma", rmaID)
			checkField(t, "parcel.matched", f.data(t, station.EventParcelMatched), "how", "manual")
		})
	}
}

// The packing slip of a return with two boxes here answers the box received
// last, and a later scan of either waybill answers that box, with its open
// exceptions.
func TestSlipFindsTheNewestBox(t *testing.T) {
	f, first := receivedFor(t)
	res, err := station.AddBox(f.tx, f.env, first.ID, station.AddBoxInput{Code: box2, Packaging: station.PackagingDamaged})
	if err != nil {
		t.Fatal(err)
	}
	second := res.Parcel
	cases := []struct {
		code, parcel, by string
		excs             []string
	}{
		{rmaID, second.ID, "rma", []string{station.ExDamagedInTransit}},
		{orderID, second.ID, "order", []string{station.ExDamagedInTransit}},
		{waybill, first.ID, "tracking", nil},
		{box2, second.ID, "tracking", []string{station.ExDamagedInTransit}},
	}
	for _, c := range cases {
		t.Run(c.code, func(t *testing.T) {
			snap := f.snapshot(t)
			got, err := station.Receive(f.tx, f.env, station.ReceiveInput{Code: c.code})
			if err != nil {
				t.Fatalf("Receive: %v", err)
			}
			if !got.Duplicate || got.Parcel.ID != c.parcel || got.MatchedBy != c.by || got.RMA == nil || got.RMA.RMA != rmaID {
				t.Errorf("duplicate/parcel/by/RMA: got %v/%s/%q/%v, want true/%s/%q/%s", got.Duplicate, got.Parcel.ID, got.MatchedBy, got.RMA, c.parcel, c.by, rmaID)
			}
			var excs []string
			for _, e := range got.Exceptions {
				excs = append(excs, e.Code)
			}
			sameList(t, "open exceptions", excs, c.excs)
			f.unchanged(t, snap)
		})
	}
}

func TestFindReturnTable(t *testing.T) {
	other := func(id string, version int64, status string) *station.ReturnAuthorization {
		r := waitingRMA(version, status)
		r.RMA = id
		r.ReturnShipments = []station.ReturnShipment{{Carrier: "yto", Tracking: "YT" + id[len(id)-4:] + "567890123"}}
		return r
	}
	cases := []struct {
		name string
		rmas []*station.ReturnAuthorization
		code string
		want string // "" = none
	}{
		{name: "by its waybill", rmas: []*station.ReturnAuthorization{waitingRMA(1, station.RMAApproved)}, code: waybill, want: rmaID},
		{name: "by its RMA number", rmas: []*station.ReturnAuthorization{waitingRMA(1, station.RMAApproved)}, code: rmaID, want: rmaID},
		{name: "by its RMA number as scanned, without dashes", rmas: []*station.ReturnAuthorization{waitingRMA(1, station.RMAApproved)}, code: "RMA20260001", want: rmaID},
		{name: "by its order number", rmas: []*station.ReturnAuthorization{waitingRMA(1, station.RMAApproved)}, code: "JD77881234", want: rmaID},
		{name: "one order, two returns: the approved one before a cancelled newer one",
			rmas: []*station.ReturnAuthorization{other("RMA-2026-0007", 9, station.RMACancelled), other("RMA-2026-0008", 1, station.RMAApproved)},
			code: "JD77881234", want: "RMA-2026-0008"},
		{name: "one order, two approved returns: the newest version",
			rmas: []*station.ReturnAuthorization{other("RMA-2026-0007", 2, station.RMAApproved), other("RMA-2026-0008", 5, station.RMAApproved)},
			code: "JD77881234", want: "RMA-2026-0008"},
		{name: "a code nothing names", rmas: []*station.ReturnAuthorization{waitingRMA(1, station.RMAApproved)}, code: "ZT0000000000", want: ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			for _, r := range c.rmas {
				f.put(t, r)
			}
			r, err := station.FindReturn(f.tx, c.code)
			if err != nil {
				t.Fatalf("FindReturn: %v", err)
			}
			got := ""
			if r != nil {
				got = r.RMA
			}
			if got != c.want {
				t.Errorf("found: got %q, want %q", got, c.want)
			}
		})
	}
}

// A shipment the carrier reported stuck, or the dock could not find, is
// settled when its parcel is scanned at the dock.
func TestReceiveSettlesTheShipmentsExceptions(t *testing.T) {
	f := newFixture(t)
	f.put(t, waitingRMA(1, station.RMAApproved))
	var ids []string
	for _, code := range []string{station.ExNotFoundAtDock, station.ExStuck, station.ExReturnToSender} {
		e := &station.Exception{ID: "EX-" + code, Code: code, State: station.ExOpen, Tracking: waybill, RMA: rmaID}
		if err := f.tx.PutException(e); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	if err := f.tx.PutShipment(&station.Shipment{Tracking: waybill, Carrier: "sf", Status: "in_transit", Exceptions: ids}); err != nil {
		t.Fatal(err)
	}
	p := f.receive(t, waybill)
	s, _ := f.tx.Shipment(waybill)
	if s.ParcelID != p.ID || s.RMA != rmaID {
		t.Errorf("shipment parcel/RMA: got %q/%q, want %q/%q", s.ParcelID, s.RMA, p.ID, rmaID)
	}
	want := map[string]string{station.ExNotFoundAtDock: station.ExResolved, station.ExStuck: station.ExResolved, station.ExReturnToSender: station.ExOpen}
	for _, id := range ids {
		e, _ := f.tx.Exception(id)
		if e.State != want[e.Code] {
			t.Errorf("%s: got %s, want %s", e.Code, e.State, want[e.Code])
		}
		if e.State == station.ExResolved && (e.Action != station.ActAccept || e.ParcelID != p.ID || e.ResolvedBy != "user:li.wei") {
			t.Errorf("%s action/parcel/by: got %q/%q/%q, want accept/%s/user:li.wei", e.Code, e.Action, e.ParcelID, e.ResolvedBy, p.ID)
		}
	}
}

func TestAddPhotoTable(t *testing.T) {
	const sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	photo := station.Photo{SHA256: sha, ContentType: "image/jpeg", Size: 48213}
	cases := []struct {
		name    string
		unit    func(t *testing.T, f *fixture, p *station.Parcel) string
		role    string
		errCode string
		errKey  string
		again   bool // the same picture was added before
	}{
		{name: "a photo of a unit under inspection",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) string { return f.addUnit(t, p.ID, phoneGTIN).ID }},
		{name: "a photo of a confirmed unit, for the record",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) string { return restockCase(t, f, p).ID }},
		{name: "the same picture twice is kept once",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) string {
				u := f.addUnit(t, p.ID, phoneGTIN)
				if _, err := station.AddPhoto(f.tx, f.env, u.ID, photo); err != nil {
					t.Fatal(err)
				}
				return u.ID
			},
			again: true},
		{name: "an unknown unit",
			unit:    func(t *testing.T, f *fixture, p *station.Parcel) string { return "NOPE" },
			errCode: station.ENotFound, errKey: "not_found_unit"},
		{name: "the central machine role adds no photo",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) string { return f.addUnit(t, p.ID, phoneGTIN).ID },
			role: station.RoleCentral, errCode: station.EForbidden, errKey: "role_needed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, p := receivedFor(t)
			id := c.unit(t, f, p)
			role := c.role
			if role == "" {
				role = station.RoleOperator
			}
			before, snap := f.mark(), f.snapshot(t)
			got, err := station.AddPhoto(f.tx, f.as(role), id, photo)
			if c.errCode != "" {
				wantErr(t, err, c.errCode, c.errKey)
				f.unchanged(t, snap)
				return
			}
			if err != nil {
				t.Fatalf("AddPhoto: %v", err)
			}
			if len(got.Photos) != 1 {
				t.Errorf("answer's photos: got %d, want 1", len(got.Photos))
			}
			if c.again {
				f.unchanged(t, snap)
				return
			}
			u, _ := f.tx.Unit(id)
			if len(u.Photos) != 1 || u.Photos[0].SHA256 != sha || u.Photos[0].AddedBy != "user:operator" || u.Photos[0].AddedAt.IsZero() {
				t.Fatalf("photos: got %+v, want the one photo, by user:operator with a time", u.Photos)
			}
			sameList(t, "events", f.eventsSince(t, before), []string{station.EventUnitPhoto})
			d := f.data(t, station.EventUnitPhoto)
			checkField(t, "unit.photo_added", d, "unit_id", id)
			checkField(t, "unit.photo_added", d, "sha256", sha)
			checkField(t, "unit.photo_added", d, "content_type", "image/jpeg")
			checkField(t, "unit.photo_added", d, "size", 48213)
		})
	}
}
