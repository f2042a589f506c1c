package web_test

import (
	"strings"
	"testing"
	"time"

	"returns-station/station"
)

// inspectOne receives the RMA's parcel, adds its one unit, answers the
// checklist and confirms the suggestion; it returns the confirmed unit.
func inspectOne(t *testing.T, h *harness, r station.ReturnAuthorization, code, serial string, answers map[string]any) station.Unit {
	t.Helper()
	h.must(201, h.do("supervisor", "POST", "/api/v1/returns", r))
	var rec station.ReceiveResult
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": r.ReturnShipments[0].Tracking})).json(t, &rec)
	var ur station.UnitResult
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/units", map[string]any{"code": code})).json(t, &ur)
	h.must(200, h.do("operator", "PUT", "/api/v1/units/"+ur.Unit.ID+"/inspection", map[string]any{"checklist": answers, "serial": serial}))
	var u station.Unit
	h.must(200, h.do("operator", "POST", "/api/v1/units/"+ur.Unit.ID+"/confirm", map[string]any{})).json(t, &u)
	return u
}

func openExceptionsOf(t *testing.T, h *harness, unitID string) []station.Exception {
	t.Helper()
	var ex struct{ Exceptions []station.Exception }
	h.must(200, h.do("supervisor", "GET", "/api/v1/exceptions?state=open&limit=1000", nil)).json(t, &ex)
	var out []station.Exception
	for _, e := range ex.Exceptions {
		if e.UnitID == unitID {
			out = append(out, e)
		}
	}
	return out
}

// TestHeldUnitGoesOnlyToQuarantine: a finding that escalates (an account
// lock) holds the unit in quarantine with an open exception; put-away into a
// tote or an ordinary location is refused and nothing moves; a quarantine
// location takes it. Resolving the exception alone does not release it; a
// supervisor's regrade gives it its final disposition, and then it moves on.
func TestHeldUnitGoesOnlyToQuarantine(t *testing.T) {
	h := newHarness(t)
	r := sampleRMA("RMA-HOLD-1", "SF1000000000001", "no_reason_7d", "electronics",
		time.Date(2026, 11, 15, 10, 0, 0, 0, cst), time.Date(2026, 11, 18, 21, 0, 0, 0, cst))
	u := inspectOne(t, h, r, "]d20106901234567892\x1d21SN8842AA", "SN8842AA", map[string]any{
		"packaging": "sealed", "used": false, "powers_on": true, "functions_ok": true, "cosmetic": "none",
		"liquid_damage": false, "account_locked": true, "accessories_complete": true})
	if u.Result.Disposition != "quarantine" || u.Result.Refund.Decision != "escalate" {
		t.Fatalf("account-locked unit confirmed as %s / %s, want quarantine / escalate", u.Result.Disposition, u.Result.Refund.Decision)
	}
	exs := openExceptionsOf(t, h, u.ID)
	if len(exs) != 1 || exs[0].Code != "needs_review" {
		t.Fatalf("open exceptions on the unit: %+v, want one needs_review", exs)
	}
	for _, to := range []string{"T-0001", "L-A-01-01"} {
		p := h.must(409, h.do("operator", "POST", "/api/v1/units/"+u.ID+"/move", map[string]any{"to": to})).problem(t)
		if len(p.Errors) != 1 || p.Errors[0].Field != "to" || !strings.Contains(p.Detail, "L-Q") {
			t.Errorf("move of a held unit to %s: %+v, want a problem naming field to and the quarantine locations", to, p)
		}
	}
	var got station.Unit
	h.must(200, h.do("operator", "GET", "/api/v1/units/"+u.ID, nil)).json(t, &got)
	if got.Location != "" {
		t.Fatalf("a refused move left the unit at %q", got.Location)
	}
	h.must(200, h.do("operator", "POST", "/api/v1/units/"+u.ID+"/move", map[string]any{"to": "L-Q-01"}))

	// The supervisor clears the lock with the customer and resolves the exception.
	h.must(200, h.do("supervisor", "POST", "/api/v1/exceptions/"+exs[0].ID+"/resolve", map[string]any{"action": "accept", "note": "customer removed the account lock remotely"}))
	h.must(409, h.do("operator", "POST", "/api/v1/units/"+u.ID+"/move", map[string]any{"to": "L-A-01-01"}))

	// The regrade gives the final disposition; now it may go to stock.
	var re station.Unit
	h.must(200, h.do("supervisor", "POST", "/api/v1/units/"+u.ID+"/confirm", map[string]any{"grade": "A", "override_reason": "lock removed, device as new"})).json(t, &re)
	if re.Result.Disposition != "restock" || re.Result.Refund.Decision != "full" {
		t.Fatalf("after the regrade: %s / %s, want restock / full", re.Result.Disposition, re.Result.Refund.Decision)
	}
	h.must(200, h.do("operator", "POST", "/api/v1/units/"+u.ID+"/move", map[string]any{"to": "L-A-01-01"}))
}
