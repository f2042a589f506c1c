package station_test

import (
	"strings"
	"testing"

	"returns-station/station"
)

func TestVoidUnitTable(t *testing.T) {
	cases := []struct {
		name      string
		unit      func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit
		role      string
		reason    string
		errCode   string
		errKey    string
		field     string
		again     bool // voided before: answered as it is
		confirmed bool
		grade     string
		dismissed string // the open exception voiding dismisses
		tote      string // the tote the unit leaves
	}{
		{name: "an operator voids a unit scanned twice",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit { return f.addUnit(t, p.ID, phoneGTIN) },
			role: station.RoleOperator, reason: "  scanned twice "},
		{name: "an inspected but unconfirmed unit keeps its suggested grade out of the event",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit {
				u := f.addUnit(t, p.ID, phoneGTIN)
				if _, err := station.Inspect(f.tx, f.env, u.ID, station.InspectInput{Checklist: cleanPhone(), Serial: phoneSN}); err != nil {
					t.Fatal(err)
				}
				return u
			},
			role: station.RoleOperator, reason: "wrong parcel"},
		{name: "voiding a wrong item dismisses its exception",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit { return f.addUnit(t, p.ID, "MUG-77") },
			role: station.RoleOperator, reason: "the mug is the clerk's own", dismissed: station.ExWrongItem},
		{name: "voiding one wrong item leaves the other's exception open",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit {
				f.addUnit(t, p.ID, "MUG-77")
				return f.addUnit(t, p.ID, "CUP-12")
			},
			role: station.RoleOperator, reason: "the cup is the clerk's own", dismissed: station.ExWrongItem},
		{name: "a supervisor voids a confirmed unit, which leaves its tote",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit {
				u := restockCase(t, f, p)
				f.move(t, u, "T-0001")
				return u
			},
			role: station.RoleSupervisor, reason: "counted twice", confirmed: true, grade: "A", tote: "T-0001"},
		{name: "an operator may not void a confirmed unit",
			unit: restockCase, role: station.RoleOperator, reason: "counted twice", errCode: station.EForbidden, errKey: "role_needed"},
		{name: "voiding a voided unit again changes nothing",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit {
				u := f.addUnit(t, p.ID, caseSKU)
				if _, err := station.VoidUnit(f.tx, f.env, u.ID, station.VoidInput{Reason: "scanned twice"}); err != nil {
					t.Fatal(err)
				}
				return u
			},
			role: station.RoleOperator, reason: "again", again: true},
		{name: "a void without a reason is refused",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit { return f.addUnit(t, p.ID, caseSKU) },
			role: station.RoleOperator, reason: "   ", errCode: station.EInvalid, errKey: "void_reason", field: "reason"},
		{name: "a reason over 500 characters is refused",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit { return f.addUnit(t, p.ID, caseSKU) },
			role: station.RoleOperator, reason: strings.Repeat("x", 501), errCode: station.EInvalid, errKey: "void_reason", field: "reason"},
		{name: "an unknown unit",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit { return &station.Unit{ID: "NOPE"} },
			role: station.RoleOperator, reason: "scanned twice", errCode: station.ENotFound, errKey: "not_found_unit"},
		{name: "a unit of a closed parcel stays",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit {
				u := f.confirmed(t, p.ID, phoneGTIN, cleanPhone(), phoneSN)
				if _, err := station.CloseParcel(f.tx, f.env, p.ID); err != nil {
					t.Fatal(err)
				}
				return u
			},
			role: station.RoleSupervisor, reason: "counted twice", errCode: station.EConflict, errKey: "void_parcel_closed"},
		{name: "the central machine role voids nothing",
			unit: func(t *testing.T, f *fixture, p *station.Parcel) *station.Unit { return f.addUnit(t, p.ID, caseSKU) },
			role: station.RoleCentral, reason: "scanned twice", errCode: station.EForbidden, errKey: "role_needed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, p := receivedFor(t)
			u := c.unit(t, f, p)
			parcelBefore, _ := f.tx.Parcel(p.ID)
			others := map[string]string{} // exceptions about other units and their state
			exsBefore, _ := f.tx.ExceptionsByParcel(p.ID)
			for _, e := range exsBefore {
				if e.UnitID != u.ID {
					others[e.ID] = e.State
				}
			}
			before, snap := f.mark(), f.snapshot(t)
			got, err := station.VoidUnit(f.tx, f.as(c.role), u.ID, station.VoidInput{Reason: c.reason})
			if c.errCode != "" {
				wantRefusal(t, err, c.errCode, c.errKey, c.field)
				f.unchanged(t, snap)
				return
			}
			if err != nil {
				t.Fatalf("VoidUnit: %v", err)
			}
			if got.Status != station.UnitVoided {
				t.Errorf("answer's status: got %q, want voided", got.Status)
			}
			if c.again {
				f.unchanged(t, snap)
				return
			}
			stored, _ := f.tx.Unit(u.ID)
			want := strings.TrimSpace(c.reason)
			if stored.Status != station.UnitVoided || stored.VoidReason != want || stored.VoidedBy != "user:"+c.role || stored.VoidedAt == nil {
				t.Errorf("status/reason/by/at: got %q/%q/%q/%v, want voided/%q/user:%s with a time", stored.Status, stored.VoidReason, stored.VoidedBy, stored.VoidedAt, want, c.role)
			}
			if stored.Location != "" {
				t.Errorf("location: got %q, want none", stored.Location)
			}
			if pp, _ := f.tx.Parcel(p.ID); pp.Units != parcelBefore.Units-1 {
				t.Errorf("parcel units: got %d, want %d", pp.Units, parcelBefore.Units-1)
			}
			if c.tote != "" {
				if tt := f.tote(t, c.tote); tt.Units != 0 || tt.Disposition != "" {
					t.Errorf("tote %s units/disposition: got %d/%q, want 0 and free again", c.tote, tt.Units, tt.Disposition)
				}
				if us, _ := f.tx.UnitsAt(c.tote); len(us) != 0 {
					t.Errorf("units listed in tote %s: got %d, want none", c.tote, len(us))
				}
			}
			events := []string{station.EventUnitVoided}
			if c.dismissed != "" {
				events = append(events, station.EventExceptionResolved)
			}
			sameList(t, "events", f.eventsSince(t, before), events)
			d := f.data(t, station.EventUnitVoided)
			checkField(t, "unit.voided", d, "unit_id", u.ID)
			checkField(t, "unit.voided", d, "parcel_id", p.ID)
			checkField(t, "unit.voided", d, "rma", rmaID)
			checkField(t, "unit.voided", d, "line", u.Line)
			checkField(t, "unit.voided", d, "sku", u.SKU)
			checkField(t, "unit.voided", d, "reason", want)
			checkField(t, "unit.voided", d, "confirmed", c.confirmed)
			if c.confirmed {
				checkField(t, "unit.voided", d, "grade", c.grade)
				checkField(t, "unit.voided", d, "category", u.Category)
				if r, _ := d["result"].(map[string]any); r == nil || r["grade"] != c.grade {
					t.Errorf("unit.voided result: got %v, want the confirmed result taken back", d["result"])
				}
			} else {
				for _, k := range []string{"result", "grade"} {
					if _, ok := d[k]; ok {
						t.Errorf("unit.voided %s: got %v, want none for an unconfirmed unit", k, d[k])
					}
				}
			}
			exs, _ := f.tx.ExceptionsByParcel(p.ID)
			for _, e := range exs {
				if e.UnitID == u.ID && e.State == station.ExOpen {
					t.Errorf("exception %s about the voided unit: still open", e.Code)
				}
				if st, ok := others[e.ID]; ok && e.State != st {
					t.Errorf("exception %s about unit %s: got %s, want %s (it is not the voided unit's)", e.Code, e.UnitID, e.State, st)
				}
			}
			if c.dismissed != "" {
				r := f.data(t, station.EventExceptionResolved)
				checkField(t, "exception.resolved", r, "code", c.dismissed)
				checkField(t, "exception.resolved", r, "action", station.ActDismiss)
				checkField(t, "exception.resolved", r, "unit_id", u.ID)
				checkField(t, "exception.resolved", r, "note", "the unit was voided: "+want)
			}
		})
	}
}

// A voided unit stays on record but no work is done on it, and it no longer
// takes the place of an item on the RMA's lines.
func TestVoidedUnitIsOutOfTheWork(t *testing.T) {
	f, p := receivedFor(t)
	u := f.addUnit(t, p.ID, phoneGTIN)
	if _, err := station.VoidUnit(f.tx, f.env, u.ID, station.VoidInput{Reason: "scanned twice"}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		do   func() error
	}{
		{"inspect", func() error {
			_, err := station.Inspect(f.tx, f.env, u.ID, station.InspectInput{Checklist: cleanPhone(), Serial: phoneSN})
			return err
		}},
		{"confirm", func() error { _, err := station.Confirm(f.tx, f.env, u.ID, station.ConfirmInput{}); return err }},
		{"move", func() error { _, err := station.Move(f.tx, f.env, u.ID, station.MoveInput{To: "T-0001"}); return err }},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			snap := f.snapshot(t)
			wantErr(t, s.do(), station.EConflict, "unit_voided")
			if key, args := station.ErrorKey(s.do()); key != "unit_voided" || args["reason"] != "scanned twice" {
				t.Errorf("refusal: got %s %v, want unit_voided naming the reason", key, args)
			}
			f.unchanged(t, snap)
		})
	}
	t.Run("the phone scanned again takes line 1, with no extra-quantity exception", func(t *testing.T) {
		again := f.addUnit(t, p.ID, phoneGTIN)
		if again.Line != 1 || len(again.Findings) != 0 {
			t.Errorf("line/findings: got %d/%v, want 1 and none", again.Line, again.Findings)
		}
	})
}
