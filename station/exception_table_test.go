package station_test

import (
	"strings"
	"testing"

	"returns-station/station"
)

// openExc returns the open exception of code on the parcel, or fails.
func (f *fixture) openExc(t *testing.T, parcelID, code string) *station.Exception {
	t.Helper()
	exs, _ := f.tx.ExceptionsByParcel(parcelID)
	for _, e := range exs {
		if e.Code == code && e.State == station.ExOpen {
			return e
		}
	}
	t.Fatalf("no open %s exception on parcel %s (have %+v)", code, parcelID, exs)
	return nil
}

func TestResolveExceptionTable(t *testing.T) {
	serialMismatch := func(t *testing.T, f *fixture) *station.Exception {
		f.put(t, waitingRMA(1, station.RMAApproved))
		u := heldPhone(t, f, f.receive(t, waybill))
		return f.openExc(t, u.ParcelID, station.ExSerialMismatch)
	}
	// unmatched is a parcel that arrived with a waybill no RMA names, while
	// the RMA it belongs to is here.
	unmatched := func(t *testing.T, f *fixture) *station.Exception {
		f.put(t, waitingRMA(1, station.RMAApproved))
		p := f.receive(t, "YT9876543210987")
		return f.openExc(t, p.ID, station.ExUnmatched)
	}
	cases := []struct {
		name    string
		exc     func(t *testing.T, f *fixture) *station.Exception
		role    string
		in      station.ResolveInput
		errCode string
		errKey  string
		field   string
		events  []string
		matched bool   // the parcel is matched to the RMA after
		subject string // of a resolved alert
	}{
		{name: "a supervisor accepts a serial mismatch with a note", exc: serialMismatch, role: station.RoleSupervisor,
			in:     station.ResolveInput{Action: station.ActAccept, Note: "  serial on the invoice was a typo "},
			events: []string{station.EventExceptionResolved}},
		{name: "a supervisor matches an unmatched parcel to its RMA", exc: unmatched, role: station.RoleSupervisor,
			in:     station.ResolveInput{Action: station.ActMatch, Note: "slip inside names the RMA", RMA: " " + rmaID + " "},
			events: []string{station.EventParcelMatched, station.EventExceptionResolved}, matched: true},
		{name: "a resolved risk alarm names its subject so it may be raised again",
			exc: func(t *testing.T, f *fixture) *station.Exception {
				e := &station.Exception{ID: "ALERT1", Code: station.ExAlertCustomer, State: station.ExOpen,
					Alert: &station.Alert{Kind: station.AlertCustomer, Subject: "customer/王*|1234|jd"}}
				if err := f.tx.PutException(e); err != nil {
					t.Fatal(err)
				}
				return e
			},
			role: station.RoleSupervisor, in: station.ResolveInput{Action: station.ActDismiss, Note: "same household, not abuse"},
			events: []string{station.EventExceptionResolved}, subject: "customer/王*|1234|jd"},
		{name: "an operator may not resolve exceptions", exc: serialMismatch, role: station.RoleOperator,
			in: station.ResolveInput{Action: station.ActAccept, Note: "fine"}, errCode: station.EForbidden, errKey: "role_needed"},
		{name: "an unknown exception", exc: func(t *testing.T, f *fixture) *station.Exception { return &station.Exception{ID: "NOPE"} },
			role: station.RoleSupervisor, in: station.ResolveInput{Action: station.ActAccept, Note: "fine"},
			errCode: station.ENotFound, errKey: "not_found_exception"},
		{name: "an exception resolved before says by whom",
			exc: func(t *testing.T, f *fixture) *station.Exception {
				e := serialMismatch(t, f)
				if _, err := station.ResolveException(f.tx, f.as(station.RoleSupervisor), e.ID, station.ResolveInput{Action: station.ActAccept, Note: "ok"}); err != nil {
					t.Fatal(err)
				}
				return e
			},
			role: station.RoleAdmin, in: station.ResolveInput{Action: station.ActDismiss, Note: "again"}, errCode: station.EConflict, errKey: "exception_resolved"},
		{name: "an action that does not resolve this kind of exception", exc: serialMismatch, role: station.RoleSupervisor,
			in: station.ResolveInput{Action: station.ActMatch, Note: "x", RMA: rmaID}, errCode: station.EInvalid, errKey: "exception_action", field: "action"},
		{name: "no action at all", exc: serialMismatch, role: station.RoleSupervisor,
			in: station.ResolveInput{Note: "x"}, errCode: station.EInvalid, errKey: "exception_action", field: "action"},
		{name: "a resolution needs a note", exc: serialMismatch, role: station.RoleSupervisor,
			in: station.ResolveInput{Action: station.ActAccept, Note: "  "}, errCode: station.EInvalid, errKey: "exception_note", field: "note"},
		{name: "a note over 2000 characters", exc: serialMismatch, role: station.RoleSupervisor,
			in: station.ResolveInput{Action: station.ActAccept, Note: strings.Repeat("n", 2001)}, errCode: station.EInvalid, errKey: "exception_note", field: "note"},
		{name: "matching to an RMA the station does not have", exc: unmatched, role: station.RoleSupervisor,
			in: station.ResolveInput{Action: station.ActMatch, Note: "slip", RMA: "RMA-2099-9999"}, errCode: station.EInvalid, errKey: "exception_rma_unknown", field: "rma"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			e := c.exc(t, f)
			before, snap := f.mark(), f.snapshot(t)
			got, err := station.ResolveException(f.tx, f.as(c.role), e.ID, c.in)
			if c.errCode != "" {
				wantRefusal(t, err, c.errCode, c.errKey, c.field)
				if c.errKey == "exception_resolved" {
					if _, args := station.ErrorKey(err); args["who"] != station.RoleSupervisor {
						t.Errorf("resolved by: got %q, want %q", args["who"], station.RoleSupervisor)
					}
				}
				f.unchanged(t, snap)
				return
			}
			if err != nil {
				t.Fatalf("ResolveException: %v", err)
			}
			stored, _ := f.tx.Exception(e.ID)
			note := strings.TrimSpace(c.in.Note)
			if stored.State != station.ExResolved || stored.Action != c.in.Action || stored.Resolution != note ||
				stored.ResolvedBy != "user:"+c.role || stored.ResolvedAt == nil {
				t.Errorf("state/action/resolution/by: got %s/%s/%q/%s, want resolved/%s/%q/user:%s", stored.State, stored.Action, stored.Resolution, stored.ResolvedBy,
					c.in.Action, note, c.role)
			}
			if got.State != station.ExResolved {
				t.Errorf("answer's state: got %s, want resolved", got.State)
			}
			sameList(t, "events", f.eventsSince(t, before), c.events)
			d := f.data(t, station.EventExceptionResolved)
			checkField(t, "exception.resolved", d, "exception_id", e.ID)
			checkField(t, "exception.resolved", d, "code", e.Code)
			checkField(t, "exception.resolved", d, "parcel_id", e.ParcelID)
			checkField(t, "exception.resolved", d, "unit_id", e.UnitID)
			checkField(t, "exception.resolved", d, "action", c.in.Action)
			checkField(t, "exception.resolved", d, "note", note)
			if c.subject != "" {
				checkField(t, "exception.resolved", d, "subject", c.subject)
			} else if _, ok := d["subject"]; ok {
				t.Errorf("exception.resolved subject: got %v, want none for an exception that is no alarm", d["subject"])
			}
			if c.matched {
				p, _ := f.tx.Parcel(e.ParcelID)
				if p.RMA != rmaID || p.OrderID != orderID || p.MatchedHow != "manual" {
					t.Errorf("parcel RMA/order/how: got %q/%q/%q, want %q/%q/manual", p.RMA, p.OrderID, p.MatchedHow, rmaID, orderID)
				}
				checkField(t, "parcel.matched", f.data(t, station.EventParcelMatched), "how", "manual")
				if stored.RMA != rmaID {
					t.Errorf("the resolved exception's RMA: got %q, want %q", stored.RMA, rmaID)
				}
				if ps, _ := f.tx.ParcelsByRMA(rmaID); len(ps) != 1 || ps[0].ID != p.ID {
					t.Errorf("the RMA's parcels: got %v, want parcel %s", ps, p.ID)
				}
			}
		})
	}
}
