package web_test

import (
	"encoding/json"
	"testing"
	"time"

	"returns-station/station"
)

var earbudAnswers = map[string]any{"packaging": "opened", "used": false, "powers_on": true, "functions_ok": false, "cosmetic": "none",
	"liquid_damage": false, "account_locked": false, "accessories_complete": true}

// A unit scanned by mistake is voided with a reason and stops blocking its
// parcel; a confirmed one only by a supervisor.
func TestVoidUnit(t *testing.T) {
	h := newHarness(t)
	r := sampleRMA("RMA-VOID-1", "SF1234500000001", "quality", "electronics", time.Now().Add(-72*time.Hour), time.Now().Add(-24*time.Hour))
	h.must(201, h.do("supervisor", "POST", "/api/v1/returns", r))
	rec := h.receive(201, map[string]any{"code": "SF1234500000001"})
	pid := rec.Parcel.ID
	var good, twice station.UnitResult
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/"+pid+"/units", map[string]any{"code": "]d20106901234567892\x1d21SN8842AA"})).json(t, &good)
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/"+pid+"/units", map[string]any{"code": "06901234567892"})).json(t, &twice)
	if len(twice.Exceptions) != 1 || twice.Exceptions[0].Code != station.ExQtyExceeded {
		t.Fatalf("second scan of the one item: exceptions %+v, want qty_exceeded", twice.Exceptions)
	}
	h.must(200, h.do("operator", "PUT", "/api/v1/units/"+good.Unit.ID+"/inspection", map[string]any{"checklist": earbudAnswers, "serial": "SN8842AA"}))
	h.must(200, h.do("operator", "POST", "/api/v1/units/"+good.Unit.ID+"/confirm", map[string]any{}))
	h.must(409, h.do("operator", "POST", "/api/v1/parcels/"+pid+"/close", nil))

	before := h.db.LastSeq()
	for _, tc := range []struct {
		name, role, unit string
		body             any
		status           int
		field            string
	}{
		{"no reason", "operator", twice.Unit.ID, map[string]any{"reason": "  "}, 400, "reason"},
		{"unknown field", "operator", twice.Unit.ID, map[string]any{"why": "twice"}, 400, "why"},
		{"a confirmed unit by an operator", "operator", good.Unit.ID, map[string]any{"reason": "oops"}, 403, ""},
		{"no such unit", "operator", "01NOSUCHUNIT", map[string]any{"reason": "oops"}, 404, ""},
	} {
		p := h.must(tc.status, h.do(tc.role, "POST", "/api/v1/units/"+tc.unit+"/void", tc.body)).problem(t)
		if tc.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != tc.field) {
			t.Errorf("%s: errors %+v, want the field %s", tc.name, p.Errors, tc.field)
		}
	}
	if h.db.LastSeq() != before {
		t.Fatal("refused voids wrote events")
	}

	var voided station.Unit
	h.must(200, h.do("operator", "POST", "/api/v1/units/"+twice.Unit.ID+"/void", map[string]any{"reason": "scanned twice"})).json(t, &voided)
	if voided.Status != station.UnitVoided || voided.VoidReason != "scanned twice" || voided.VoidedBy != "token:operator-1" {
		t.Fatalf("voided unit: status %s reason %q by %q", voided.Status, voided.VoidReason, voided.VoidedBy)
	}
	// Voiding again changes nothing; a voided unit takes no more work.
	seq := h.db.LastSeq()
	h.must(200, h.do("operator", "POST", "/api/v1/units/"+twice.Unit.ID+"/void", map[string]any{"reason": "again"}))
	h.must(409, h.do("operator", "PUT", "/api/v1/units/"+twice.Unit.ID+"/inspection", map[string]any{"checklist": earbudAnswers}))
	h.must(409, h.do("operator", "POST", "/api/v1/units/"+twice.Unit.ID+"/confirm", map[string]any{}))
	if h.db.LastSeq() != seq {
		t.Error("a repeated void or work on a voided unit wrote events")
	}
	var view station.ParcelView
	h.must(200, h.do("operator", "GET", "/api/v1/parcels/"+pid, nil)).json(t, &view)
	if view.Units != 1 {
		t.Errorf("parcel counts %d units, want 1 live", view.Units)
	}
	for _, e := range view.Exceptions {
		if e.UnitID == twice.Unit.ID && (e.State != station.ExResolved || e.Action != station.ActDismiss) {
			t.Errorf("exception %s of the voided unit: state %s action %s, want resolved by dismiss", e.Code, e.State, e.Action)
		}
	}

	var closed station.Parcel
	h.must(200, h.do("operator", "POST", "/api/v1/parcels/"+pid+"/close", nil)).json(t, &closed)
	if !closed.Complete {
		t.Error("the parcel with its one real unit confirmed is not complete")
	}
	var voidedEvents, closedUnits int
	for _, e := range h.allEvents() {
		switch e.Type {
		case station.EventUnitVoided:
			var d station.UnitVoidedData
			if err := json.Unmarshal(e.Data, &d); err != nil || d.UnitID != twice.Unit.ID || d.Reason != "scanned twice" || d.Confirmed || d.RMA == nil || *d.RMA != r.RMA {
				t.Errorf("voided event %s: %+v (%v)", e.Data, d, err)
			}
			voidedEvents++
		case station.EventParcelClosed:
			var d struct{ Units int }
			json.Unmarshal(e.Data, &d)
			closedUnits = d.Units
		}
	}
	if voidedEvents != 1 || closedUnits != 1 {
		t.Errorf("%d voided events and %d units at close, want 1 and 1", voidedEvents, closedUnits)
	}
}

// A supervisor may void a confirmed unit; its grade no longer completes the
// return, and the item scanned again starts afresh (no "serial repeat").
func TestSupervisorVoidsConfirmedUnit(t *testing.T) {
	h := newHarness(t)
	r := sampleRMA("RMA-VOID-2", "SF1234500000002", "quality", "electronics", time.Now().Add(-72*time.Hour), time.Now().Add(-24*time.Hour))
	h.must(201, h.do("supervisor", "POST", "/api/v1/returns", r))
	pid := h.receive(201, map[string]any{"code": "SF1234500000002"}).Parcel.ID
	var ur station.UnitResult
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/"+pid+"/units", map[string]any{"code": "]d20106901234567892\x1d21SN8842AA"})).json(t, &ur)
	h.must(200, h.do("operator", "PUT", "/api/v1/units/"+ur.Unit.ID+"/inspection", map[string]any{"checklist": earbudAnswers, "serial": "SN8842AA"}))
	h.must(200, h.do("operator", "POST", "/api/v1/units/"+ur.Unit.ID+"/confirm", map[string]any{}))
	h.must(200, h.do("operator", "POST", "/api/v1/units/"+ur.Unit.ID+"/move", map[string]any{"to": "L-Q-01"}))
	var v station.Unit
	h.must(200, h.do("supervisor", "POST", "/api/v1/units/"+ur.Unit.ID+"/void", map[string]any{"reason": "graded the wrong box"})).json(t, &v)
	if v.Status != station.UnitVoided || v.Location != "" {
		t.Fatalf("voided confirmed unit: status %s location %q, want voided and out of its place", v.Status, v.Location)
	}
	var again station.UnitResult
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/"+pid+"/units", map[string]any{"code": "]d20106901234567892\x1d21SN8842AA"})).json(t, &again)
	if again.Unit.Line != 1 || len(again.Exceptions) != 0 {
		t.Fatalf("item scanned again: line %d exceptions %+v, want line 1 and none", again.Unit.Line, again.Exceptions)
	}
	var inspected station.Unit
	h.must(200, h.do("operator", "PUT", "/api/v1/units/"+again.Unit.ID+"/inspection", map[string]any{"checklist": earbudAnswers, "serial": "SN8842AA"})).json(t, &inspected)
	for _, f := range inspected.Suggestion.Findings {
		if f == "serial_repeat" {
			t.Error("the voided unit's serial counts as a repeat")
		}
	}
	for _, e := range h.allEvents() {
		if e.Type == station.EventUnitVoided {
			var d station.UnitVoidedData
			json.Unmarshal(e.Data, &d)
			if !d.Confirmed || d.Grade == "" || e.Actor != "token:supervisor-1" {
				t.Errorf("voided event of a confirmed unit: %s by %s", e.Data, e.Actor)
			}
		}
	}
}
