package station_test

import (
	"encoding/json"
	"strings"
	"testing"

	"returns-station/station"
)

// snapshot is everything the in-memory store holds, to show that a refused
// command changed nothing.
func (f *fixture) snapshot(t *testing.T) string {
	t.Helper()
	raw, err := json.Marshal([]any{f.tx.rmas, f.tx.parcels, f.tx.units, f.tx.totes, f.tx.exceptions, f.tx.shipments,
		f.tx.seen, f.tx.counts, len(f.tx.events)})
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// unchanged checks that a refused command left the store as snapshot before.
func (f *fixture) unchanged(t *testing.T, before string) {
	t.Helper()
	if after := f.snapshot(t); after != before {
		t.Errorf("a refused command changed the store:\nbefore %s\nafter  %s", before, after)
	}
}

// confirmed adds the unit scanned as code to the parcel, answers its
// checklist and confirms the station's suggestion as the operator.
func (f *fixture) confirmed(t *testing.T, parcelID, code string, answers map[string]any, serial string) *station.Unit {
	t.Helper()
	u := f.addUnit(t, parcelID, code)
	if _, err := station.Inspect(f.tx, f.env, u.ID, station.InspectInput{Checklist: answers, Serial: serial}); err != nil {
		t.Fatalf("Inspect %s: %v", code, err)
	}
	u, err := station.Confirm(f.tx, f.env, u.ID, station.ConfirmInput{})
	if err != nil {
		t.Fatalf("Confirm %s: %v", code, err)
	}
	return u
}

// Units of the waiting RMA as the put-away desk meets them.
func restockCase(t *testing.T, f *fixture, p *station.Parcel) *station.Unit {
	return f.confirmed(t, p.ID, caseSKU, answersFor("手机壳", nil), "")
}

func refusedCase(t *testing.T, f *fixture, p *station.Parcel) *station.Unit {
	return f.confirmed(t, p.ID, caseSKU, answersFor("手机壳", A{"used": true}), "")
}

// heldPhone came back with another serial than the one sold: quarantine,
// with a serial_mismatch exception open about it.
func heldPhone(t *testing.T, f *fixture, p *station.Parcel) *station.Unit {
	return f.confirmed(t, p.ID, phoneGTIN, cleanPhone(), "SN-OTHER")
}

func (f *fixture) move(t *testing.T, u *station.Unit, to string) {
	t.Helper()
	if _, err := station.Move(f.tx, f.env, u.ID, station.MoveInput{To: to}); err != nil {
		t.Fatalf("Move %s to %s: %v", u.ID, to, err)
	}
}

func (f *fixture) tote(t *testing.T, id string) *station.Tote {
	t.Helper()
	tt, err := f.tx.Tote(id)
	if err != nil {
		t.Fatal(err)
	}
	if tt == nil {
		return &station.Tote{ID: id}
	}
	return tt
}

// resolveAll resolves every open exception about u as a supervisor.
func (f *fixture) resolveAll(t *testing.T, u *station.Unit) {
	t.Helper()
	exs, _ := f.tx.ExceptionsByParcel(u.ParcelID)
	for _, e := range exs {
		if e.UnitID == u.ID && e.State == station.ExOpen {
			if _, err := station.ResolveException(f.tx, f.as(station.RoleSupervisor), e.ID, station.ResolveInput{Action: station.ActAccept, Note: "checked by hand"}); err != nil {
				t.Fatalf("resolve %s: %v", e.Code, err)
			}
		}
	}
}

// regradeA is a supervisor's regrade of a held unit to A with a full refund.
func (f *fixture) regradeA(t *testing.T, u *station.Unit) {
	t.Helper()
	in := station.ConfirmInput{Grade: "A", Disposition: "restock", OverrideReason: "serial checked with the customer",
		RefundDecision: station.RefundFull, RefundReason: "the serial on the invoice was a typo"}
	if _, err := station.Confirm(f.tx, f.as(station.RoleSupervisor), u.ID, in); err != nil {
		t.Fatalf("regrade: %v", err)
	}
}

// refuse is a supervisor's regrade of a refunded unit to a refused refund:
// its goods now go back to the customer.
func (f *fixture) refuse(t *testing.T, u *station.Unit) {
	t.Helper()
	in := station.ConfirmInput{Grade: "C", OverrideReason: "scratches found at put-away", RefundDecision: station.RefundReject, RefundReason: "used"}
	if _, err := station.Confirm(f.tx, f.as(station.RoleSupervisor), u.ID, in); err != nil {
		t.Fatalf("regrade to refused: %v", err)
	}
}

func TestMoveTable(t *testing.T) {
	type tote struct {
		units int
		disp  string
	}
	cases := []struct {
		name    string
		unit    func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit // the unit to move, after any setup
		to      string
		role    string
		errCode string
		errKey  string
		field   string // the field a refusal names
		where   string // the refusal's totes holding the unit's disposition
		loc     string // where the unit is after
		kind    string
		from    string
		noEvent bool // already there: nothing to record
		totes   map[string]tote
	}{
		{name: "a restock unit into an empty tote sets the tote's disposition",
			unit: restockCase, to: "t-0001", loc: "T-0001", kind: "tote", totes: map[string]tote{"T-0001": {1, "restock"}}},
		{name: "its tote label's QR works as well as the printed id",
			unit: restockCase, to: "RS1:T:T-0001", loc: "T-0001", kind: "tote", totes: map[string]tote{"T-0001": {1, "restock"}}},
		{name: "a second restock unit joins the tote",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit {
				f.move(t, restockCase(t, f, p), "T-0001")
				return restockCase(t, f, p)
			},
			to: "T-0001", loc: "T-0001", kind: "tote", totes: map[string]tote{"T-0001": {2, "restock"}}},
		{name: "a unit onto a shelf location",
			unit: restockCase, to: "L-A-01", loc: "L-A-01", kind: "location", totes: map[string]tote{}},
		{name: "moving to another tote empties the first, which is free again",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit {
				u := restockCase(t, f, p)
				f.move(t, u, "T-0001")
				return u
			},
			to: "T-0002", loc: "T-0002", kind: "tote", from: "T-0001", totes: map[string]tote{"T-0001": {0, ""}, "T-0002": {1, "restock"}}},
		{name: "scanning the tote it is already in changes nothing",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit {
				u := restockCase(t, f, p)
				f.move(t, u, "T-0001")
				return u
			},
			to: "T-0001", loc: "T-0001", kind: "tote", noEvent: true, totes: map[string]tote{"T-0001": {1, "restock"}}},
		{name: "regraded in a tote it has to itself, rescanning that tote makes it a tote of the new kind",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit {
				u := restockCase(t, f, p)
				f.move(t, u, "T-0001")
				f.refuse(t, u)
				return u
			},
			to: "T-0001", loc: "T-0001", kind: "tote", noEvent: true, totes: map[string]tote{"T-0001": {1, "return_to_customer"}}},
		{name: "regraded in a tote it shares, rescanning that tote is refused",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit {
				u := restockCase(t, f, p)
				f.move(t, u, "T-0001")
				f.move(t, restockCase(t, f, p), "T-0001")
				f.refuse(t, u)
				return u
			},
			to: "T-0001", errCode: station.EConflict, errKey: "tote_disposition", field: "to"},
		{name: "regraded to be held while on a shelf, rescanning that shelf is refused",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit {
				u := restockCase(t, f, p)
				f.move(t, u, "L-A-01")
				in := station.ConfirmInput{OverrideReason: "seal looks re-glued", RefundDecision: station.RefundEscalate, RefundReason: "possible swap"}
				if _, err := station.Confirm(f.tx, f.as(station.RoleSupervisor), u.ID, in); err != nil {
					t.Fatal(err)
				}
				return u
			},
			to: "L-A-01", errCode: station.EConflict, errKey: "unit_held", field: "to"},
		{name: "a held unit goes into a quarantine location",
			unit: heldPhone, to: "L-Q-01", loc: "L-Q-01", kind: "location"},
		{name: "a held unit is refused from a tote",
			unit: heldPhone, to: "T-0001", errCode: station.EConflict, errKey: "unit_held", field: "to"},
		{name: "a held unit is refused from an ordinary location",
			unit: heldPhone, to: "L-A-01", errCode: station.EConflict, errKey: "unit_held", field: "to"},
		{name: "regraded while its exception is still open, the unit is still held",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit {
				u := heldPhone(t, f, p)
				f.regradeA(t, u)
				return u
			},
			to: "T-0001", errCode: station.EConflict, errKey: "unit_held", field: "to"},
		{name: "exception resolved but not regraded, the quarantine disposition still holds it",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit {
				u := heldPhone(t, f, p)
				f.resolveAll(t, u)
				return u
			},
			to: "T-0001", errCode: station.EConflict, errKey: "unit_held", field: "to"},
		{name: "exception resolved and regraded, the unit is released to a tote",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit {
				u := heldPhone(t, f, p)
				f.resolveAll(t, u)
				f.regradeA(t, u)
				return u
			},
			to: "T-0001", loc: "T-0001", kind: "tote", totes: map[string]tote{"T-0001": {1, "restock"}}},
		{name: "a refused unit is kept out of a restock tote and told which tote holds its kind",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit {
				f.move(t, restockCase(t, f, p), "T-0001")
				f.move(t, f.confirmed(t, p.ID, phoneGTIN, with(cleanPhone(), "used", true), phoneSN), "T-0002")
				return refusedCase(t, f, p)
			},
			to: "T-0001", errCode: station.EConflict, errKey: "tote_disposition", field: "to", where: "T-0002"},
		{name: "a refused unit with no tote of its kind yet is told to start an empty one",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit {
				f.move(t, restockCase(t, f, p), "T-0001")
				return refusedCase(t, f, p)
			},
			to: "T-0001", errCode: station.EConflict, errKey: "tote_disposition", field: "to", where: ""},
		{name: "a closed tote takes nothing more",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit {
				f.move(t, restockCase(t, f, p), "T-0001")
				if _, err := station.CloseTote(f.tx, f.env, "T-0001"); err != nil {
					t.Fatal(err)
				}
				return restockCase(t, f, p)
			},
			to: "T-0001", errCode: station.EConflict, errKey: "tote_closed", field: "to"},
		{name: "a unit not confirmed yet is not put away",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit { return f.addUnit(t, p.ID, caseSKU) },
			to:   "T-0001", errCode: station.EConflict, errKey: "unit_not_inspected"},
		{name: "a voided unit is not put away",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit {
				u := f.addUnit(t, p.ID, caseSKU)
				if _, err := station.VoidUnit(f.tx, f.env, u.ID, station.VoidInput{Reason: "scanned twice"}); err != nil {
					t.Fatal(err)
				}
				return u
			},
			to: "T-0001", errCode: station.EConflict, errKey: "unit_voided"},
		{name: "an unknown unit",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit { return &station.Unit{ID: "NOPE"} },
			to:   "T-0001", errCode: station.ENotFound, errKey: "not_found_unit"},
		{name: "a scan that is no tote or location",
			unit: restockCase, to: "SHELF 3!", errCode: station.EInvalid, errKey: "move_target", field: "to"},
		{name: "the central machine role puts nothing away",
			unit: restockCase, to: "T-0001", role: station.RoleCentral, errCode: station.EForbidden, errKey: "role_needed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, p := receivedFor(t)
			u := c.unit(t, f, p)
			role := c.role
			if role == "" {
				role = station.RoleOperator
			}
			before, snap := f.mark(), f.snapshot(t)
			got, err := station.Move(f.tx, f.as(role), u.ID, station.MoveInput{To: c.to})
			if c.errCode != "" {
				wantRefusal(t, err, c.errCode, c.errKey, c.field)
				if _, args := station.ErrorKey(err); c.errKey == "tote_disposition" && args["where"] != c.where {
					t.Errorf("totes offered instead: got %q, want %q", args["where"], c.where)
				}
				f.unchanged(t, snap)
				return
			}
			if err != nil {
				t.Fatalf("Move: %v", err)
			}
			stored, _ := f.tx.Unit(u.ID)
			if stored.Location != c.loc || stored.LocationKind != c.kind || got.Location != c.loc {
				t.Errorf("location/kind: got %q/%q (answer %q), want %q/%q", stored.Location, stored.LocationKind, got.Location, c.loc, c.kind)
			}
			for id, want := range c.totes {
				if tt := f.tote(t, id); tt.Units != want.units || tt.Disposition != want.disp {
					t.Errorf("tote %s units/disposition: got %d/%q, want %d/%q", id, tt.Units, tt.Disposition, want.units, want.disp)
				}
			}
			if c.kind == "location" && len(f.tx.totes) != 0 {
				t.Errorf("totes after a move to a location: got %d, want none", len(f.tx.totes))
			}
			if c.noEvent {
				sameList(t, "events", f.eventsSince(t, before), nil)
				return
			}
			sameList(t, "events", f.eventsSince(t, before), []string{station.EventUnitMoved})
			d := f.data(t, station.EventUnitMoved)
			checkField(t, "unit.moved", d, "unit_id", u.ID)
			checkField(t, "unit.moved", d, "to", c.loc)
			checkField(t, "unit.moved", d, "kind", c.kind)
			checkField(t, "unit.moved", d, "disposition", stored.Result.Disposition)
			if c.from == "" {
				if _, ok := d["from"]; ok {
					t.Errorf("unit.moved from: got %v, want none on a first put-away", d["from"])
				}
			} else {
				checkField(t, "unit.moved", d, "from", c.from)
			}
		})
	}
}

func TestSuggestPlacementTable(t *testing.T) {
	// putTotes stores totes as the put-away desk left them.
	putTotes := func(t *testing.T, f *fixture, ts ...station.Tote) {
		for i := range ts {
			if ts[i].Status == "" {
				ts[i].Status = station.ToteOpen
			}
			if err := f.tx.PutTote(&ts[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	cases := []struct {
		name      string
		unit      func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit
		totes     []station.Tote
		none      bool // no placement: nothing to put away yet
		disp      string
		want      []string // totes offered
		held      string
		locations []string
	}{
		{name: "a unit still being inspected has no placement yet",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit { return f.addUnit(t, p.ID, caseSKU) }, none: true},
		{name: "a confirmed unit voided afterwards has nothing to put away",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit {
				u := restockCase(t, f, p)
				if _, err := station.VoidUnit(f.tx, f.as(station.RoleSupervisor), u.ID, station.VoidInput{Reason: "counted twice"}); err != nil {
					t.Fatal(err)
				}
				return u
			},
			none: true},
		{name: "no tote holds restock yet: start an empty one", unit: restockCase, disp: "restock"},
		{name: "open totes of its disposition, fullest first; closed ones and other dispositions left out",
			unit: restockCase,
			totes: []station.Tote{{ID: "T-0001", Disposition: "restock", Units: 1}, {ID: "T-0002", Disposition: "restock", Units: 5},
				{ID: "T-0003", Disposition: "return_to_customer", Units: 9}, {ID: "T-0004", Disposition: "restock", Units: 7, Status: station.ToteClosed},
				{ID: "T-0005", Disposition: "", Units: 0}},
			disp: "restock", want: []string{"T-0002", "T-0001"}},
		{name: "at most three totes are offered",
			unit: restockCase,
			totes: []station.Tote{{ID: "T-0001", Disposition: "restock", Units: 1}, {ID: "T-0002", Disposition: "restock", Units: 2},
				{ID: "T-0003", Disposition: "restock", Units: 3}, {ID: "T-0004", Disposition: "restock", Units: 4}},
			disp: "restock", want: []string{"T-0004", "T-0003", "T-0002"}},
		{name: "a refused unit is offered the totes going back to customers",
			unit:  refusedCase,
			totes: []station.Tote{{ID: "T-0001", Disposition: "restock", Units: 3}, {ID: "T-0003", Disposition: "return_to_customer", Units: 1}},
			disp:  "return_to_customer", want: []string{"T-0003"}},
		{name: "a quarantined unit goes to a quarantine location, never a tote",
			unit:  heldPhone,
			totes: []station.Tote{{ID: "T-0001", Disposition: "quarantine", Units: 1}},
			disp:  "quarantine", held: "disposition quarantine", locations: []string{"L-Q"}},
		{name: "regraded with its exception still open, the unit is held by the exception",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit {
				u := heldPhone(t, f, p)
				f.regradeA(t, u)
				return u
			},
			disp: "restock", held: "open exception " + station.ExSerialMismatch, locations: []string{"L-Q"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, p := receivedFor(t)
			u := c.unit(t, f, p)
			putTotes(t, f, c.totes...)
			stored, _ := f.tx.Unit(u.ID)
			pl, err := station.SuggestPlacement(f.tx, stored)
			if err != nil {
				t.Fatalf("SuggestPlacement: %v", err)
			}
			if c.none {
				if pl != nil {
					t.Errorf("placement: got %+v, want none", pl)
				}
				return
			}
			if pl == nil {
				t.Fatalf("placement: got none, want one")
			}
			if pl.Disposition != c.disp || pl.Held != c.held {
				t.Errorf("disposition/held: got %q/%q, want %q/%q", pl.Disposition, pl.Held, c.disp, c.held)
			}
			sameList(t, "totes", pl.Totes, c.want)
			sameList(t, "locations", pl.Locations, c.locations)
			if pl.Totes == nil {
				t.Errorf("totes: got null, want a list (empty: start an empty tote)")
			}
		})
	}
}

func TestCloseToteTable(t *testing.T) {
	cases := []struct {
		name    string
		setup   func(t *testing.T, f *fixture, p *station.Parcel) []string // units put into T-0001
		code    string
		role    string
		errCode string
		errKey  string
		field   string
		again   bool // closed before: answered as it is
	}{
		{name: "a tote of two restock units closes and says what it holds",
			setup: func(t *testing.T, f *fixture, p *station.Parcel) []string {
				a, b := restockCase(t, f, p), restockCase(t, f, p)
				f.move(t, a, "T-0001")
				f.move(t, b, "T-0001")
				return []string{a.ID, b.ID}
			},
			code: "t 0001"},
		{name: "closing a closed tote again changes nothing",
			setup: func(t *testing.T, f *fixture, p *station.Parcel) []string {
				a := restockCase(t, f, p)
				f.move(t, a, "T-0001")
				if _, err := station.CloseTote(f.tx, f.env, "T-0001"); err != nil {
					t.Fatal(err)
				}
				return []string{a.ID}
			},
			code: "RS1:T:T-0001", again: true},
		{name: "a unit regraded to go back to the customer keeps its restock tote from closing",
			setup: func(t *testing.T, f *fixture, p *station.Parcel) []string {
				a, b := restockCase(t, f, p), restockCase(t, f, p)
				f.move(t, a, "T-0001")
				f.move(t, b, "T-0001")
				f.refuse(t, a)
				return []string{a.ID}
			},
			code: "T-0001", errCode: station.EConflict, errKey: "tote_mixed"},
		{name: "a unit regraded to wait for a supervisor keeps its restock tote from closing",
			setup: func(t *testing.T, f *fixture, p *station.Parcel) []string {
				a := restockCase(t, f, p)
				f.move(t, a, "T-0001")
				in := station.ConfirmInput{OverrideReason: "box seal looks re-glued", RefundDecision: station.RefundEscalate, RefundReason: "possible swap"}
				if _, err := station.Confirm(f.tx, f.as(station.RoleSupervisor), a.ID, in); err != nil {
					t.Fatal(err)
				}
				return []string{a.ID}
			},
			code: "T-0001", errCode: station.EConflict, errKey: "tote_mixed"},
		{name: "a unit with an exception opened since it went in keeps its tote from closing",
			setup: func(t *testing.T, f *fixture, p *station.Parcel) []string {
				a, b := restockCase(t, f, p), restockCase(t, f, p)
				f.move(t, a, "T-0001")
				f.move(t, b, "T-0001")
				if err := f.tx.PutException(&station.Exception{ID: "EX-LATE", Code: station.ExSerialMismatch, State: station.ExOpen,
					ParcelID: a.ParcelID, UnitID: a.ID, OpenedAt: f.env.Now()}); err != nil {
					t.Fatal(err)
				}
				return []string{a.ID}
			},
			code: "T-0001", errCode: station.EConflict, errKey: "tote_mixed"},
		{name: "once the regraded unit is put away again, the tote closes with the rest",
			setup: func(t *testing.T, f *fixture, p *station.Parcel) []string {
				a, b := restockCase(t, f, p), restockCase(t, f, p)
				f.move(t, a, "T-0001")
				f.move(t, b, "T-0001")
				f.refuse(t, a)
				f.move(t, a, "T-0002")
				return []string{b.ID}
			},
			code: "T-0001"},
		{name: "an empty tote has nothing to close", code: "T-0001", errCode: station.EConflict, errKey: "tote_empty"},
		{name: "a tote emptied again has nothing to close",
			setup: func(t *testing.T, f *fixture, p *station.Parcel) []string {
				a := restockCase(t, f, p)
				f.move(t, a, "T-0001")
				f.move(t, a, "L-A-01")
				return nil
			},
			code: "T-0001", errCode: station.EConflict, errKey: "tote_empty"},
		{name: "a location is not a tote", code: "L-A-01", errCode: station.EInvalid, errKey: "tote_code", field: "id"},
		{name: "garbage is not a tote", code: "hello?", errCode: station.EInvalid, errKey: "tote_code", field: "id"},
		{name: "the central machine role closes no tote",
			setup: func(t *testing.T, f *fixture, p *station.Parcel) []string {
				f.move(t, restockCase(t, f, p), "T-0001")
				return nil
			},
			code: "T-0001", role: station.RoleCentral, errCode: station.EForbidden, errKey: "role_needed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, p := receivedFor(t)
			var units []string
			if c.setup != nil {
				units = c.setup(t, f, p)
			}
			role := c.role
			if role == "" {
				role = station.RoleOperator
			}
			before, snap := f.mark(), f.snapshot(t)
			v, err := station.CloseTote(f.tx, f.as(role), c.code)
			if c.errCode != "" {
				wantRefusal(t, err, c.errCode, c.errKey, c.field)
				if _, args := station.ErrorKey(err); c.errKey == "tote_mixed" && (args["units"] != strings.Join(units, ", ") || args["tote"] != "T-0001") {
					t.Errorf("units to take out: got %v, want tote T-0001 and %v", args, units)
				}
				f.unchanged(t, snap)
				return
			}
			if err != nil {
				t.Fatalf("CloseTote: %v", err)
			}
			var listed []string
			for _, u := range v.UnitList {
				listed = append(listed, u.ID)
			}
			sameList(t, "units listed", listed, units)
			if c.again {
				f.unchanged(t, snap)
				return
			}
			stored := f.tote(t, "T-0001")
			if stored.Status != station.ToteClosed || stored.ClosedBy != "user:operator" || stored.ClosedAt == nil {
				t.Errorf("status/closed by/at: got %q/%q/%v, want closed by user:operator with a time", stored.Status, stored.ClosedBy, stored.ClosedAt)
			}
			sameList(t, "events", f.eventsSince(t, before), []string{station.EventToteClosed})
			d := f.data(t, station.EventToteClosed)
			checkField(t, "tote.closed", d, "tote_id", "T-0001")
			checkField(t, "tote.closed", d, "disposition", "restock")
			checkField(t, "tote.closed", d, "units", units)
			// What the tote page shows afterwards.
			view, err := station.LoadTote(f.tx, "T-0001")
			if err != nil || view.Status != station.ToteClosed || len(view.UnitList) != len(units) {
				t.Errorf("LoadTote after closing: got %+v (%v), want closed with %d units", view, err, len(units))
			}
		})
	}
}

func TestLoadToteUnknownIsEmptyAndOpen(t *testing.T) {
	f := newFixture(t)
	v, err := station.LoadTote(f.tx, "T-0042")
	if err != nil {
		t.Fatalf("LoadTote: %v", err)
	}
	if v.ID != "T-0042" || v.Status != station.ToteOpen || v.Units != 0 || v.UnitList == nil || len(v.UnitList) != 0 {
		t.Errorf("a tote never used: got %+v with %v, want T-0042 open, empty, with an empty list", v.Tote, v.UnitList)
	}
	if len(f.tx.totes) != 0 {
		t.Errorf("totes stored by a look-up: got %d, want none", len(f.tx.totes))
	}
}
