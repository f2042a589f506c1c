package ui_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"returns-station/station"
)

// TestBrowserRefundOverride works the refund override on the inspect page in
// headless Chromium: accessories picked from a several-answer question reach
// the API as a list; a supervisor's A / restock while the refund is refused
// is turned down with the reason in the page and nothing confirmed; the same
// override with the refund decided too confirms a consistent result.
func TestBrowserRefundOverride(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	st := startStation(t, nil)
	if _, err := st.db.AddUser(station.User{Username: supUser, DisplayName: "张敏", Role: station.RoleSupervisor}, supPIN, supBadge); err != nil {
		t.Fatal(err)
	}
	const tracking = "SF7100000000001"
	st.mustCall(201, "POST", "/api/v1/returns", rma("RMA-R001", tracking, "数码/耳机"), nil) // a quality claim
	var rec station.ReceiveResult
	st.mustCall(201, "POST", "/api/v1/parcels/receive", map[string]string{"code": tracking}, &rec)
	var ur station.UnitResult
	st.mustCall(201, "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/units", map[string]string{"code": "]d20106901234567892\x1d21SN8842AA"}, &ur)
	st.mustCall(200, "PUT", "/api/v1/units/"+ur.Unit.ID+"/inspection", map[string]any{"serial": "SN8842AA", "checklist": map[string]any{
		"packaging": "opened", "used": false, "powers_on": true, "functions_ok": true, "cosmetic": "none",
		"liquid_damage": false, "account_locked": false, "accessories_complete": false}}, nil)

	b := newBrowser(t, st.url)
	b.acceptLanguage("en-US,en;q=0.9")
	// nothing breaks in the page (the refused override is an answer, not an error)
	b.reportProblems(t)
	b.viewport(1366, 900)
	b.open(fmt.Sprintf("/inspect?parcel=%s&unit=%s", rec.Parcel.ID, ur.Unit.ID))
	b.until("sign-in page", `location.pathname === '/' && !document.getElementById('signin').hidden`)
	b.wedge(supBadge)
	b.until("the unit", `location.pathname === '/inspect' && document.body.dataset.ready === 'true' && !!document.getElementById('override-box')`)

	// Charger and cable missing: two presses on the several-answer question.
	b.click(`fieldset[data-q=missing_accessories] button[data-m=charger]`)
	b.click(`fieldset[data-q=missing_accessories] button[data-m=cable]`)
	b.until("both pressed", `document.querySelectorAll('fieldset[data-q=missing_accessories] button[aria-pressed=true]').length === 2`)
	var u station.Unit
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		st.mustCall(200, "GET", "/api/v1/units/"+ur.Unit.ID, nil, &u)
		if fmt.Sprint(u.Checklist["missing_accessories"]) == "[charger cable]" {
			break
		}
	}
	if got := fmt.Sprint(u.Checklist["missing_accessories"]); got != "[charger cable]" {
		t.Errorf("missing_accessories in the API = %s, want [charger cable]", got)
	}
	if u.Suggestion == nil || u.Suggestion.Refund.Decision != "reject" || u.Suggestion.Disposition != "return_to_customer" {
		t.Fatalf("suggestion %+v: want no refund, back to the customer (a quality claim without a defect)", u.Suggestion)
	}
	b.wantText("#suggestion", "Consumer Rights Protection Law") // the basis under the reason

	// A / restock while the refund is refused: refused, said in the page.
	b.click("#override-box summary")
	b.click(`#override button[data-grade="A"]`)
	eval[bool](b, `(document.getElementById('ov-disp').value = 'restock', true)`)
	b.typeInto("#ov-reason", "looks new to me")
	b.click("#override-go")
	b.until("refusal shown", `document.getElementById('confirm-msg').innerText.length > 0`)
	b.wantText("#confirm-msg", "still the customer's")
	st.mustCall(200, "GET", "/api/v1/units/"+ur.Unit.ID, nil, &u)
	if u.Status != station.UnitInspecting || u.Result != nil {
		t.Fatalf("the refused override changed the unit: %s %+v", u.Status, u.Result)
	}

	// The same with the refund decided: partial, with its own reason.
	eval[bool](b, `(() => { const s = document.getElementById('ov-refund'); s.value = 'partial'; s.dispatchEvent(new Event('change')); return true; })()`)
	if eval[bool](b, `document.getElementById('ov-amount').hidden`) {
		t.Fatal("no amount field for a partial refund")
	}
	b.typeInto("#ov-amount", "170.00")
	b.typeInto("#ov-refund-reason", "customer keeps charger and cable, agreed by phone")
	b.click("#override-go")
	b.until("confirmed", `!!document.querySelector('#suggestion .gradebox.final')`)
	b.wantText("#suggestion", "partial refund", "170.00", "customer keeps charger")
	st.mustCall(200, "GET", "/api/v1/units/"+ur.Unit.ID, nil, &u)
	rf := u.Result.Refund
	if u.Result.Grade != "A" || u.Result.Disposition != "restock" || rf.Decision != "partial" || rf.Amount != "170.00" || rf.Rule != "supervisor_override" ||
		!strings.Contains(rf.Reasons[0].EN, "charger and cable") {
		t.Errorf("result %+v: want A / restock / partial 170.00 by supervisor_override with its reason", u.Result)
	}
}
