package web_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"returns-station/station"
)

// phone is the GS1 DataMatrix of the RMA's phone: GTIN and its serial.
func phone(r station.ReturnAuthorization) string {
	return "]d20106901234567892\x1d21" + r.Lines[0].Serials[0]
}

var electronicsOK = map[string]any{"packaging": "sealed", "used": false, "powers_on": true, "functions_ok": true, "cosmetic": "none",
	"liquid_damage": false, "account_locked": false, "accessories_complete": true}

func with(base map[string]any, over map[string]any) map[string]any {
	m := map[string]any{}
	for k, v := range base {
		m[k] = v
	}
	for k, v := range over {
		m[k] = v
	}
	return m
}

var adviceSeq int

// adviceRMA is an RMA for one unit priced 199.00 with its own tracking number.
func adviceRMA(policy, category string, delivered, requested *time.Time) station.ReturnAuthorization {
	adviceSeq++
	r := sampleRMA(fmt.Sprintf("RMA-ADV-%03d", adviceSeq), fmt.Sprintf("SF%013d", 5500000000000+adviceSeq), policy, category, time.Time{}, time.Time{})
	r.DeliveredAt, r.RequestedAt = delivered, requested
	r.Lines[0].Serials = []string{fmt.Sprintf("SNADV%04d", adviceSeq)} // a serial seen twice would escalate
	return r
}

func cstAt(s string) *time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, cst)
	if err != nil {
		panic(err)
	}
	return &t
}

func inspectPhone(t *testing.T, h *harness, r station.ReturnAuthorization, answers map[string]any) station.Unit {
	t.Helper()
	return inspectOne(t, h, r, phone(r), r.Lines[0].Serials[0], answers)
}

// wantAdvice checks a confirmed unit's result and that the deciding reason
// carries its basis in both languages.
func wantAdvice(t *testing.T, u station.Unit, decision, amount, rule, disposition, basis string) {
	t.Helper()
	rf := u.Result.Refund
	if rf.Decision != decision || rf.Amount != amount || rf.Rule != rule || u.Result.Disposition != disposition {
		t.Errorf("result %s %s by %s, disposition %s; want %s %s by %s, %s\nreasons %+v", rf.Decision, rf.Amount, rf.Rule, u.Result.Disposition,
			decision, amount, rule, disposition, rf.Reasons)
		return
	}
	r := rf.Reasons[0]
	if r.Code != rule || r.Basis == nil || r.Basis.EN == "" || !strings.Contains(r.Basis.ZH, basis) || r.EN == "" || r.ZH == "" {
		t.Errorf("deciding reason %+v: want code %s with a basis citing %q in both languages", r, rule, basis)
	}
}

// TestIssueCases tries each of the nine reported cases on the real server:
// the advice, its rule and basis, and what happens to the unit.
func TestIssueCases(t *testing.T) {
	h := newHarness(t)
	signed := cstAt("2026-03-01 20:00")

	t.Run("1 calendar-day window from the day after signing", func(t *testing.T) {
		u := inspectPhone(t, h, adviceRMA("no_reason_7d", "electronics", signed, cstAt("2026-03-08 21:00")), electronicsOK)
		wantAdvice(t, u, "full", "199.00", "intact", "restock", "第八条")
		u = inspectPhone(t, h, adviceRMA("no_reason_7d", "electronics", signed, cstAt("2026-03-09 08:00")), electronicsOK)
		wantAdvice(t, u, "reject", "0.00", "outside_window", "return_to_customer", "第十条")
		if !strings.Contains(u.Result.Refund.Reasons[0].ZH, "03-02至03-08") {
			t.Errorf("the reason does not say which days counted: %s", u.Result.Refund.Reasons[0].ZH)
		}
	})

	t.Run("2 a date missing escalates", func(t *testing.T) {
		r := adviceRMA("no_reason_7d", "electronics", cstAt("2025-01-10 10:00"), nil)
		u := inspectPhone(t, h, r, electronicsOK)
		wantAdvice(t, u, "escalate", "0.00", "window_unknown", "quarantine", "期限无法核对")
		if exs := openExceptionsOf(t, h, u.ID); len(exs) != 1 || exs[0].Code != "needs_review" {
			t.Errorf("exceptions %+v, want one needs_review", exs)
		}
	})

	t.Run("3 no defect under a quality claim is rejected whatever is missing", func(t *testing.T) {
		u := inspectPhone(t, h, adviceRMA("quality", "electronics", signed, cstAt("2026-03-05 10:00")),
			with(electronicsOK, map[string]any{"accessories_complete": false, "missing_parts_count": 2.0}))
		wantAdvice(t, u, "reject", "0.00", "no_defect_found", "return_to_customer", "第二十四条")
	})

	t.Run("4 customer damage with a defect escalates", func(t *testing.T) {
		u := inspectPhone(t, h, adviceRMA("quality", "electronics", signed, cstAt("2026-03-05 10:00")),
			with(electronicsOK, map[string]any{"liquid_damage": true, "powers_on": false}))
		wantAdvice(t, u, "escalate", "0.00", "damage_and_defect", "quarantine", "第二十三条")
	})

	t.Run("5 an escalating finding holds the unit", func(t *testing.T) {
		u := inspectOne(t, h, adviceRMA("no_reason_7d", "electronics", signed, cstAt("2026-03-05 10:00")),
			"]d20106901234567892\x1d21SN0000XX", "SN0000XX", electronicsOK)
		wantAdvice(t, u, "escalate", "0.00", "finding_needs_review", "quarantine", "序列号")
		if u.Result.Grade != "A" {
			t.Errorf("grade %s: the condition is still as new", u.Result.Grade)
		}
		h.must(409, h.do("operator", "POST", "/api/v1/units/"+u.ID+"/move", map[string]any{"to": "T-0100"}))
		h.must(200, h.do("operator", "POST", "/api/v1/units/"+u.ID+"/move", map[string]any{"to": "L-Q-02"}))
	})

	t.Run("6 fresh: 24-hour no-reason and seller fault", func(t *testing.T) {
		freshOK := map[string]any{"packaging": "sealed", "spoiled": false, "cold_chain_ok": true, "quantity_ok": true}
		u := inspectOne(t, h, adviceRMA("fresh_24h", "生鲜水果", signed, cstAt("2026-03-02 19:00")), "06901234567892", "", freshOK)
		wantAdvice(t, u, "full", "199.00", "fresh_no_reason", "destroy", "24小时")
		u = inspectOne(t, h, adviceRMA("fresh_24h", "生鲜水果", signed, cstAt("2026-03-02 19:00")), "06901234567892", "", with(freshOK, map[string]any{"quantity_ok": false}))
		wantAdvice(t, u, "full", "199.00", "seller_fault", "destroy", "第五百八十二条")
		u = inspectOne(t, h, adviceRMA("quality", "home", signed, cstAt("2026-03-05 10:00")), "06901234567892", "",
			map[string]any{"packaging": "opened", "used": false, "damaged": false, "works": true, "accessories_complete": true, "as_ordered": "wrong_item_sent"})
		wantAdvice(t, u, "full", "199.00", "seller_fault", "open_box", "第五百八十二条")
	})

	t.Run("7 categories reach the right checklist", func(t *testing.T) {
		for category, want := range map[string]string{"面包": "groceries", "衣柜": "home", "鞋柜": "home", "手机壳": "accessories", "冰箱": "large_appliance", "内衣": "intimate"} {
			r := adviceRMA("no_reason_7d", category, signed, cstAt("2026-03-05 10:00"))
			h.must(201, h.do("supervisor", "POST", "/api/v1/returns", r))
			var rec station.ReceiveResult
			h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": r.ReturnShipments[0].Tracking})).json(t, &rec)
			var ur station.UnitResult
			h.must(201, h.do("operator", "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/units", map[string]any{"code": "06901234567892"})).json(t, &ur)
			if ur.Unit.Category != want || ur.Template.ID != want {
				t.Errorf("%s went to %s, want %s", category, ur.Unit.Category, want)
			}
			for _, q := range ur.Template.Questions {
				if q.ID == "account_locked" && want != "electronics" {
					t.Errorf("%s is asked about account locks", category)
				}
			}
		}
		// A phone case needs no serial: it can be confirmed.
		u := inspectOne(t, h, adviceRMA("no_reason_7d", "手机壳", signed, cstAt("2026-03-05 10:00")), "06901234567892", "",
			map[string]any{"packaging": "sealed", "used": false, "damaged": false, "works": true})
		wantAdvice(t, u, "full", "199.00", "intact", "restock", "第八条")
	})

	t.Run("8 an override is always consistent", func(t *testing.T) {
		r := adviceRMA("quality", "electronics", signed, cstAt("2026-03-05 10:00"))
		h.must(201, h.do("supervisor", "POST", "/api/v1/returns", r))
		var rec station.ReceiveResult
		h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": r.ReturnShipments[0].Tracking})).json(t, &rec)
		var ur station.UnitResult
		h.must(201, h.do("operator", "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/units", map[string]any{"code": phone(r)})).json(t, &ur)
		id := ur.Unit.ID
		h.must(200, h.do("operator", "PUT", "/api/v1/units/"+id+"/inspection", map[string]any{"checklist": electronicsOK, "serial": r.Lines[0].Serials[0]}))
		before := len(h.allEvents())

		// A / restock while the refund is refused: refused, field named, nothing changes.
		p := h.must(400, h.do("supervisor", "POST", "/api/v1/units/"+id+"/confirm", map[string]any{"grade": "A", "disposition": "restock", "override_reason": "looks new"})).problem(t)
		if len(p.Errors) != 1 || p.Errors[0].Field != "disposition" {
			t.Errorf("inconsistent override: %+v, want a problem naming disposition", p)
		}
		for _, body := range []map[string]any{
			{"refund_decision": "partial", "refund_amount": "199.00", "refund_reason": "goodwill"},
			{"refund_decision": "partial", "refund_reason": "goodwill"},
			{"refund_decision": "full"},
			{"refund_decision": "maybe", "refund_reason": "x"},
			{"refund_decision": "reject", "refund_amount": "5.00", "refund_reason": "x"},
		} {
			p := h.must(400, h.do("supervisor", "POST", "/api/v1/units/"+id+"/confirm", body)).problem(t)
			if len(p.Errors) == 0 || !strings.HasPrefix(p.Errors[0].Field, "refund_") {
				t.Errorf("bad refund override %v: %+v, want a problem naming the refund field", body, p)
			}
		}
		h.must(403, h.do("operator", "POST", "/api/v1/units/"+id+"/confirm", map[string]any{"refund_decision": "full", "refund_reason": "goodwill"}))
		if n := len(h.allEvents()); n != before {
			t.Fatalf("refused confirmations wrote %d events", n-before)
		}
		var u station.Unit
		h.must(200, h.do("operator", "GET", "/api/v1/units/"+id, nil)).json(t, &u)
		if u.Status != station.UnitInspecting || u.Result != nil {
			t.Fatalf("a refused confirmation changed the unit: %s %+v", u.Status, u.Result)
		}

		// The supervisor decides the refund too: consistent, with its own reason.
		h.must(200, h.do("supervisor", "POST", "/api/v1/units/"+id+"/confirm", map[string]any{"grade": "A", "disposition": "restock",
			"refund_decision": "full", "refund_reason": "goodwill: VIP customer, intermittent fault seen on video"})).json(t, &u)
		rf := u.Result.Refund
		if u.Result.Grade != "A" || u.Result.Disposition != "restock" || rf.Decision != "full" || rf.Amount != "199.00" || rf.Rule != "supervisor_override" ||
			!u.Result.Override || !strings.Contains(rf.Reasons[0].EN, "goodwill") || rf.Reasons[1].Code != "station_advice" || !strings.Contains(rf.Reasons[1].EN, "reject") {
			t.Fatalf("override result %+v", u.Result)
		}
		evs := h.allEvents()
		last := evs[len(evs)-1]
		var data struct {
			Grade, Disposition string
			Refund             station.RefundAdvice
			OverrideReason     string `json:"override_reason"`
		}
		json.Unmarshal(last.Data, &data)
		if last.Type != "returns.unit.inspected" || data.Refund.Decision != "full" || data.Disposition != "restock" || data.OverrideReason == "" {
			t.Errorf("last event %s %+v, want unit.inspected full/restock with the reason", last.Type, data)
		}

		// A regrade without a refund decision recomputes the refund from the grade.
		h.must(200, h.do("supervisor", "POST", "/api/v1/units/"+id+"/confirm", map[string]any{"grade": "D", "override_reason": "on the bench it fails after ten minutes"})).json(t, &u)
		if u.Result.Grade != "D" || u.Result.Refund.Decision != "reject" || u.Result.Disposition != "return_to_customer" {
			t.Errorf("regrade to D without a defect finding: %s %s %s, want D reject return_to_customer (a defect needs a finding or a refund decision)",
				u.Result.Grade, u.Result.Refund.Decision, u.Result.Disposition)
		}
		h.must(200, h.do("supervisor", "POST", "/api/v1/units/"+id+"/confirm", map[string]any{"refund_decision": "partial", "refund_amount": "150.00",
			"refund_reason": "agreed with the customer: 49.00 for the scratch"})).json(t, &u)
		if u.Result.Refund.Decision != "partial" || u.Result.Refund.Amount != "150.00" || u.Result.Disposition != "repair" {
			t.Errorf("partial override: %s %s %s, want partial 150.00 repair", u.Result.Refund.Decision, u.Result.Refund.Amount, u.Result.Disposition)
		}
	})

	t.Run("9 deductions by the value of what is missing", func(t *testing.T) {
		r := adviceRMA("no_reason_7d", "electronics", signed, cstAt("2026-03-05 10:00"))
		r.Lines[0].Accessories = []station.LineItem{{Item: "charger", Name: "充电器", Value: "25.00"}}
		r.Lines[0].Gifts = []station.LineItem{{Name: "保护套", Value: "20.00"}}
		u := inspectPhone(t, h, r, with(electronicsOK, map[string]any{"packaging": "opened", "accessories_complete": false,
			"missing_accessories": []any{"charger", "cable"}, "gift_returned": "no"}))
		wantAdvice(t, u, "partial", "148.03", "intact", "open_box", "第八条")
		got := map[string]string{}
		for _, d := range u.Result.Refund.Deductions {
			got[d.Finding] = d.Amount + "/" + d.Source
		}
		if got["missing_charger"] != "25.00/line" || got["missing_cable"] != "5.97/rules" || got["gift_missing"] != "20.00/line" {
			t.Errorf("deductions %v: want charger 25.00 from the line, cable 5.97 (3%%) from the rules, gift 20.00 from the line", got)
		}
		u = inspectPhone(t, h, adviceRMA("no_reason_7d", "electronics", signed, cstAt("2026-03-05 10:00")),
			with(electronicsOK, map[string]any{"accessories_complete": false, "missing_parts_count": 1.0}))
		wantAdvice(t, u, "escalate", "0.00", "missing_value_unknown", "quarantine", "")
		r = adviceRMA("no_reason_7d", "electronics", signed, cstAt("2026-03-05 10:00"))
		r.Lines[0].Accessories = []station.LineItem{{Item: "charger", Value: "twenty"}}
		p := h.must(400, h.do("supervisor", "POST", "/api/v1/returns", r)).problem(t)
		if len(p.Errors) != 1 || p.Errors[0].Field != "lines[0].accessories[0].value" {
			t.Errorf("bad accessory value: %+v", p)
		}
	})
}
