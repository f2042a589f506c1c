package station_test

import (
	"testing"

	"returns-station/station"
)

func TestCloseParcelTable(t *testing.T) {
	allLines := func(t *testing.T, f *fixture, p *station.Parcel) *station.Parcel {
		f.confirmed(t, p.ID, phoneGTIN, cleanPhone(), phoneSN)
		restockCase(t, f, p)
		restockCase(t, f, p)
		return p
	}
	cases := []struct {
		name     string
		parcel   func(t *testing.T, f *fixture, p *station.Parcel) *station.Parcel // the parcel to close, after any work on it
		role     string
		errCode  string
		errKey   string
		n        string // units still open, in the refusal
		again    bool   // closed before: answered as it is
		units    int
		complete bool
		rma      string // "" = the parcel matches no RMA
		emptyBox bool
	}{
		{name: "every line of the RMA confirmed: closed and complete", parcel: allLines,
			units: 3, complete: true, rma: rmaID},
		{name: "only the phone came back: closed, the RMA not complete",
			parcel: func(t *testing.T, f *fixture, p *station.Parcel) *station.Parcel {
				f.confirmed(t, p.ID, phoneGTIN, cleanPhone(), phoneSN)
				return p
			},
			units: 1, rma: rmaID},
		{name: "one of the two cases missing: the RMA not complete",
			parcel: func(t *testing.T, f *fixture, p *station.Parcel) *station.Parcel {
				f.confirmed(t, p.ID, phoneGTIN, cleanPhone(), phoneSN)
				restockCase(t, f, p)
				return p
			},
			units: 2, rma: rmaID},
		{name: "a unit voided by mistake neither blocks the close nor counts",
			parcel: func(t *testing.T, f *fixture, p *station.Parcel) *station.Parcel {
				allLines(t, f, p)
				u := f.addUnit(t, p.ID, caseSKU)
				if _, err := station.VoidUnit(f.tx, f.env, u.ID, station.VoidInput{Reason: "scanned twice"}); err != nil {
					t.Fatal(err)
				}
				return p
			},
			units: 3, complete: true, rma: rmaID},
		{name: "a confirmed unit voided later no longer completes its line",
			parcel: func(t *testing.T, f *fixture, p *station.Parcel) *station.Parcel {
				allLines(t, f, p)
				us, _ := f.tx.UnitsByParcel(p.ID)
				if _, err := station.VoidUnit(f.tx, f.as(station.RoleSupervisor), us[0].ID, station.VoidInput{Reason: "not this return's"}); err != nil {
					t.Fatal(err)
				}
				return p
			},
			units: 2, rma: rmaID},
		{name: "the RMA's lines are counted across its boxes",
			parcel: func(t *testing.T, f *fixture, p *station.Parcel) *station.Parcel {
				f.confirmed(t, p.ID, phoneGTIN, cleanPhone(), phoneSN)
				res, err := station.AddBox(f.tx, f.env, p.ID, station.AddBoxInput{Code: "SF7654321098765"})
				if err != nil {
					t.Fatal(err)
				}
				restockCase(t, f, res.Parcel)
				restockCase(t, f, res.Parcel)
				return res.Parcel
			},
			units: 2, complete: true, rma: rmaID},
		{name: "a parcel closed with nothing inside is an empty box",
			parcel: func(t *testing.T, f *fixture, p *station.Parcel) *station.Parcel { return p },
			units:  0, rma: rmaID, emptyBox: true},
		{name: "an unmatched parcel closes, never complete",
			parcel: func(t *testing.T, f *fixture, p *station.Parcel) *station.Parcel {
				other := f.receive(t, "YT9876543210987")
				f.confirmed(t, other.ID, "MUG-77", answersFor("", nil), "")
				return other
			},
			units: 1},
		{name: "a unit without a confirmed grade keeps the parcel open",
			parcel: func(t *testing.T, f *fixture, p *station.Parcel) *station.Parcel {
				f.confirmed(t, p.ID, phoneGTIN, cleanPhone(), phoneSN)
				f.addUnit(t, p.ID, caseSKU)
				return p
			},
			errCode: station.EConflict, errKey: "parcel_units_open", n: "1"},
		{name: "closing a closed parcel again changes nothing",
			parcel: func(t *testing.T, f *fixture, p *station.Parcel) *station.Parcel {
				allLines(t, f, p)
				if _, err := station.CloseParcel(f.tx, f.env, p.ID); err != nil {
					t.Fatal(err)
				}
				return p
			},
			again: true},
		{name: "an unknown parcel",
			parcel:  func(t *testing.T, f *fixture, p *station.Parcel) *station.Parcel { return &station.Parcel{ID: "NOPE"} },
			errCode: station.ENotFound, errKey: "not_found_parcel"},
		{name: "the central machine role closes no parcel", parcel: allLines, role: station.RoleCentral,
			errCode: station.EForbidden, errKey: "role_needed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, p := receivedFor(t)
			p = c.parcel(t, f, p)
			role := c.role
			if role == "" {
				role = station.RoleOperator
			}
			before, snap := f.mark(), f.snapshot(t)
			got, err := station.CloseParcel(f.tx, f.as(role), p.ID)
			if c.errCode != "" {
				wantErr(t, err, c.errCode, c.errKey)
				if _, args := station.ErrorKey(err); c.n != "" && args["n"] != c.n {
					t.Errorf("units still open: got %q, want %q", args["n"], c.n)
				}
				f.unchanged(t, snap)
				return
			}
			if err != nil {
				t.Fatalf("CloseParcel: %v", err)
			}
			if got.Status != station.ParcelClosed {
				t.Errorf("answer's status: got %q, want closed", got.Status)
			}
			if c.again {
				f.unchanged(t, snap)
				return
			}
			stored, _ := f.tx.Parcel(p.ID)
			if stored.Status != station.ParcelClosed || stored.Complete != c.complete || stored.ClosedBy != "user:"+role || stored.ClosedAt == nil {
				t.Errorf("status/complete/by: got %q/%v/%q (at %v), want closed/%v/user:%s with a time", stored.Status, stored.Complete, stored.ClosedBy, stored.ClosedAt,
					c.complete, role)
			}
			events := []string{station.EventParcelClosed}
			if c.emptyBox {
				events = []string{station.EventParcelException, station.EventParcelClosed}
				e := f.openExc(t, p.ID, station.ExEmptyBox)
				if e.RMA != c.rma || e.Tracking != p.Tracking {
					t.Errorf("empty box exception RMA/tracking: got %q/%q, want %q/%q", e.RMA, e.Tracking, c.rma, p.Tracking)
				}
				checkField(t, "parcel.exception", f.data(t, station.EventParcelException), "code", station.ExEmptyBox)
			} else if c.rma != "" {
				exs, _ := f.tx.ExceptionsByParcel(p.ID)
				for _, e := range exs {
					if e.State == station.ExOpen {
						t.Errorf("open exception %s, want none", e.Code)
					}
				}
			}
			sameList(t, "events", f.eventsSince(t, before), events)
			d := f.data(t, station.EventParcelClosed)
			checkField(t, "parcel.closed", d, "parcel_id", p.ID)
			checkField(t, "parcel.closed", d, "units", c.units)
			checkField(t, "parcel.closed", d, "complete", c.complete)
			if c.rma == "" {
				if d["rma"] != nil {
					t.Errorf("parcel.closed rma: got %v, want null", d["rma"])
				}
			} else {
				checkField(t, "parcel.closed", d, "rma", c.rma)
			}
			// A closed parcel takes no more units.
			snap = f.snapshot(t)
			_, err = station.AddUnit(f.tx, f.env, p.ID, station.AddUnitInput{Code: caseSKU})
			wantErr(t, err, station.EConflict, "parcel_closed")
			f.unchanged(t, snap)
		})
	}
}

func TestLoadParcelTable(t *testing.T) {
	cases := []struct {
		name   string
		parcel func(t *testing.T, f *fixture, p *station.Parcel) string
		errKey string
		rma    string
		units  int
		excs   []string
	}{
		{name: "a parcel just received: its RMA, no units, no exceptions, empty lists",
			parcel: func(t *testing.T, f *fixture, p *station.Parcel) string { return p.ID }, rma: rmaID},
		{name: "a parcel under inspection shows its units and open exceptions",
			parcel: func(t *testing.T, f *fixture, p *station.Parcel) string {
				f.addUnit(t, p.ID, phoneGTIN)
				f.addUnit(t, p.ID, "MUG-77")
				return p.ID
			},
			rma: rmaID, units: 2, excs: []string{station.ExWrongItem}},
		{name: "an unmatched parcel has no RMA and its unmatched exception",
			parcel: func(t *testing.T, f *fixture, p *station.Parcel) string { return f.receive(t, "YT9876543210987").ID },
			excs:   []string{station.ExUnmatched}},
		{name: "an unknown parcel",
			parcel: func(t *testing.T, f *fixture, p *station.Parcel) string { return "NOPE" }, errKey: "not_found_parcel"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, p := receivedFor(t)
			id := c.parcel(t, f, p)
			snap := f.snapshot(t)
			v, err := station.LoadParcel(f.tx, id)
			f.unchanged(t, snap) // a look-up writes nothing
			if c.errKey != "" {
				wantErr(t, err, station.ENotFound, c.errKey)
				return
			}
			if err != nil {
				t.Fatalf("LoadParcel: %v", err)
			}
			if v.ID != id || v.RMA != c.rma {
				t.Errorf("id/RMA: got %q/%q, want %q/%q", v.ID, v.RMA, id, c.rma)
			}
			if (v.RMAData != nil) != (c.rma != "") || (v.RMAData != nil && v.RMAData.RMA != c.rma) {
				t.Errorf("RMA detail: got %+v, want %q", v.RMAData, c.rma)
			}
			if v.UnitList == nil || v.Exceptions == nil || v.Shipments == nil {
				t.Errorf("lists: got units %v exceptions %v shipments %v, want empty lists, never null", v.UnitList, v.Exceptions, v.Shipments)
			}
			if len(v.UnitList) != c.units {
				t.Errorf("units: got %d, want %d", len(v.UnitList), c.units)
			}
			var excs []string
			for _, e := range v.Exceptions {
				excs = append(excs, e.Code)
			}
			sameList(t, "exceptions", excs, c.excs)
		})
	}
}
