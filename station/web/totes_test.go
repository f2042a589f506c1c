package web_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"returns-station/station"
	"returns-station/station/web"
)

// confirmedUnits receives a parcel of n earbuds and confirms each unit, with
// the disposition given (empty: the suggestion, else a supervisor's override).
func confirmedUnits(h *harness, rma, tracking string, disps ...string) (string, []string) {
	h.t.Helper()
	r := sampleRMA(rma, tracking, "quality", "electronics", time.Now().Add(-72*time.Hour), time.Now().Add(-24*time.Hour))
	r.Lines[0].Qty, r.Lines[0].Serials = len(disps), nil
	h.must(201, h.do("supervisor", "POST", "/api/v1/returns", r))
	pid := h.receive(201, map[string]any{"code": tracking}).Parcel.ID
	var ids []string
	for i, d := range disps {
		var ur station.UnitResult
		h.must(201, h.do("operator", "POST", "/api/v1/parcels/"+pid+"/units", map[string]any{"code": "EAR-BT-01"})).json(h.t, &ur)
		h.must(200, h.do("operator", "PUT", "/api/v1/units/"+ur.Unit.ID+"/inspection", map[string]any{"checklist": earbudAnswers, "serial": tracking + "-" + string(rune('A'+i))}))
		body := map[string]any{}
		role := "operator"
		if d != "" {
			body, role = map[string]any{"disposition": d, "override_reason": "sold as open box after testing"}, "supervisor"
		}
		var u station.Unit
		h.must(200, h.do(role, "POST", "/api/v1/units/"+ur.Unit.ID+"/confirm", body)).json(h.t, &u)
		ids = append(ids, u.ID)
	}
	return pid, ids
}

func (h *harness) tote(id string) station.ToteView {
	h.t.Helper()
	var v station.ToteView
	h.must(200, h.do("operator", "GET", "/api/v1/totes/"+id, nil)).json(h.t, &v)
	return v
}

// A tote takes one disposition: the first unit sets it, a unit of another is
// refused with the tote that fits named, the station suggests that tote, and
// a closed tote prints its label and takes no more.
func TestToteTakesOneDisposition(t *testing.T) {
	h := newHarness(t)
	_, ids := confirmedUnits(h, "RMA-TOTE-1", "SF1230000000001", "", "open_box", "")
	repair1, openBox, repair2 := ids[0], ids[1], ids[2]
	var u station.Unit
	h.must(200, h.do("operator", "GET", "/api/v1/units/"+repair1, nil)).json(t, &u)
	if u.Result.Disposition != "repair" {
		t.Fatalf("the suggestion for the test unit is %s, want repair", u.Result.Disposition)
	}
	move := func(unit, to string, want int) web.Problem {
		t.Helper()
		r := h.must(want, h.do("operator", "POST", "/api/v1/units/"+unit+"/move", map[string]any{"to": to}))
		if want >= 400 {
			return r.problem(t)
		}
		return web.Problem{}
	}
	move(repair1, "RS1:T:T-0001", 200)
	if v := h.tote("T-0001"); v.Disposition != "repair" || len(v.UnitList) != 1 || v.Units != 1 {
		t.Fatalf("tote after its first unit: disposition %q, %d units (count %d)", v.Disposition, len(v.UnitList), v.Units)
	}
	seq := h.db.LastSeq()
	p := move(openBox, "T-0001", 409)
	if !strings.Contains(p.Detail, "holds repair") || !strings.Contains(p.Detail, "an empty tote") || p.Code != "tote_disposition" {
		t.Errorf("open-box unit into the repair tote: %q (code %q), want it refused, asking for an empty tote", p.Detail, p.Code)
	}
	if h.db.LastSeq() != seq || h.tote("T-0001").Units != 1 {
		t.Fatal("a refused move changed something")
	}
	move(openBox, "T-0002", 200)
	if p := move(repair2, "T-0002", 409); !strings.Contains(p.Detail, "T-0001") {
		t.Errorf("repair unit into the open-box tote: %q, want T-0001 named", p.Detail)
	}
	var look web.LookupResult
	h.must(200, h.do("operator", "GET", "/api/v1/lookup?code=RS1:U:"+repair2, nil)).json(t, &look)
	if look.Placement == nil || look.Placement.Disposition != "repair" || len(look.Placement.Totes) != 1 || look.Placement.Totes[0] != "T-0001" {
		t.Fatalf("suggestion for a repair unit: %+v, want T-0001", look.Placement)
	}
	move(repair2, "T-0001", 200)
	h.must(200, h.do("operator", "GET", "/api/v1/lookup?code=T-0001", nil)).json(t, &look)
	if look.Tote == nil || len(look.Tote.UnitList) != 2 {
		t.Fatalf("looking up the tote: %+v, want its 2 units", look.Tote)
	}
	// The first unit leaves for a location: the tote counts one.
	move(repair1, "L-01-02", 200)
	if v := h.tote("T-0001"); v.Units != 1 || len(v.UnitList) != 1 || v.UnitList[0].ID != repair2 {
		t.Fatalf("tote after a unit left: count %d, units %d", v.Units, len(v.UnitList))
	}
	list := h.must(200, h.do("operator", "GET", "/api/v1/totes/T-0001/list", nil))
	if !strings.HasPrefix(list.header.Get("Content-Type"), "text/html") || !strings.Contains(string(list.body), repair2) || !strings.Contains(string(list.body), "repair") || strings.Contains(string(list.body), repair1) {
		t.Errorf("the printable list of T-0001 does not show exactly its unit: %s", list.body)
	}

	// Closing: a printer that does not exist closes nothing.
	seq = h.db.LastSeq()
	p = h.must(400, h.do("operator", "POST", "/api/v1/totes/T-0002/close", map[string]any{"printer": "nope"})).problem(t)
	if len(p.Errors) != 1 || p.Errors[0].Field != "printer" || h.db.LastSeq() != seq || h.tote("T-0002").Status != station.ToteOpen {
		t.Fatalf("close with an unknown printer: %+v; the tote must stay open", p)
	}
	h.must(200, h.do("admin", "PUT", "/api/v1/printers/desk-1", station.Printer{Name: "desk-1", Addr: "127.0.0.1:9", DPI: 203, Size: station.LabelSizeSmall}))
	var closed web.ClosedTote
	h.must(200, h.do("operator", "POST", "/api/v1/totes/T-0002/close", map[string]any{"printer": "desk-1"})).json(t, &closed)
	if closed.Status != station.ToteClosed || len(closed.Jobs) != 1 || closed.Jobs[0].Content.Code.ID != "T-0002" || closed.Jobs[0].Content.Disposition != "open_box" {
		t.Fatalf("closed tote: status %s jobs %+v, want one label job saying open_box", closed.Status, closed.Jobs)
	}
	if p := move(repair1, "T-0002", 409); p.Code != "tote_closed" {
		t.Errorf("a unit into a closed tote: %q (code %q)", p.Detail, p.Code)
	}
	h.must(409, h.do("operator", "POST", "/api/v1/totes/T-0099/close", nil))
	h.must(400, h.do("operator", "GET", "/api/v1/totes/L-01-02", nil))
	var closedEvents []station.ToteClosedData
	for _, e := range h.allEvents() {
		if e.Type == station.EventToteClosed {
			var d station.ToteClosedData
			if err := json.Unmarshal(e.Data, &d); err != nil {
				t.Fatal(err)
			}
			closedEvents = append(closedEvents, d)
		}
	}
	if len(closedEvents) != 1 || closedEvents[0].ToteID != "T-0002" || closedEvents[0].Disposition != "open_box" || len(closedEvents[0].Units) != 1 || closedEvents[0].Units[0] != openBox {
		t.Errorf("tote closed events %+v", closedEvents)
	}

	// Voiding a unit takes it out of its tote, which is free again when empty.
	h.must(200, h.do("supervisor", "POST", "/api/v1/units/"+repair2+"/void", map[string]any{"reason": "counted twice"}))
	if v := h.tote("T-0001"); v.Units != 0 || v.Disposition != "" || len(v.UnitList) != 0 {
		t.Errorf("tote after its last unit was voided: count %d disposition %q units %d", v.Units, v.Disposition, len(v.UnitList))
	}
}
