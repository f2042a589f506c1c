package station_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"returns-station/station"
)

func day(d int) *time.Time {
	t := time.Date(2026, 11, 1, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)).Add(time.Duration(d) * 24 * time.Hour)
	return &t
}

func rma(policy string, deliveredDay, requestedDay int, category string) *station.ReturnAuthorization {
	return &station.ReturnAuthorization{RMA: "RMA-1", Version: 1, Status: "approved", OrderID: "SO-1", Policy: policy,
		DeliveredAt: day(deliveredDay), RequestedAt: day(requestedDay), Refund: station.Money{Amount: "199.00", Currency: "CNY"},
		Lines: []station.RMALine{{Line: 1, SKU: "SKU-1", Name: "x", Category: category, Qty: 1, UnitPrice: "199.00"}}}
}

func TestAdvisePolicies(t *testing.T) {
	rs := station.DefaultRules()
	sealed := map[string]any{"packaging": "sealed", "used": false, "powers_on": true, "functions_ok": true, "cosmetic": "none",
		"liquid_damage": false, "account_locked": false, "accessories_complete": true}
	with := func(over map[string]any) map[string]any {
		m := map[string]any{}
		for k, v := range sealed {
			m[k] = v
		}
		for k, v := range over {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name       string
		rma        *station.ReturnAuthorization
		category   string
		answers    map[string]any
		findings   []string
		grade      string
		decision   string
		amount     string
		reasonCode string
	}{
		{"7d intact in window", rma("no_reason_7d", 0, 3, "electronics"), "electronics", sealed, nil, "A", "full", "199.00", "intact"},
		{"7d opened box still intact", rma("no_reason_7d", 0, 3, "electronics"), "electronics", with(map[string]any{"packaging": "opened"}), nil, "B", "full", "199.00", "intact"},
		{"7d asked on day 8", rma("no_reason_7d", 0, 8, "electronics"), "electronics", sealed, nil, "A", "reject", "0.00", "outside_window"},
		{"7d asked exactly at 7 days", rma("no_reason_7d", 0, 7, "electronics"), "electronics", sealed, nil, "A", "full", "199.00", "intact"},
		{"15d asked on day 12", rma("no_reason_15d", 0, 12, "electronics"), "electronics", sealed, nil, "A", "full", "199.00", "intact"},
		{"15d asked on day 16", rma("no_reason_15d", 0, 16, "electronics"), "electronics", sealed, nil, "A", "reject", "0.00", "outside_window"},
		{"7d used goods", rma("no_reason_7d", 0, 3, "electronics"), "electronics", with(map[string]any{"used": true}), nil, "C", "reject", "0.00", "not_intact"},
		{"7d defect found", rma("no_reason_7d", 0, 3, "electronics"), "electronics", with(map[string]any{"functions_ok": false}), nil, "D", "full", "199.00", "defect_found"},
		{"7d late but defect", rma("no_reason_7d", 0, 9, "electronics"), "electronics", with(map[string]any{"powers_on": false}), nil, "D", "escalate", "199.00", "outside_window_defect"},
		{"7d one accessory missing", rma("no_reason_7d", 0, 3, "electronics"), "electronics", with(map[string]any{"accessories_complete": false}), nil, "B", "partial", "179.10", "missing_parts"},
		{"7d three accessories missing", rma("no_reason_7d", 0, 3, "electronics"), "electronics", with(map[string]any{"accessories_complete": false, "missing_parts_count": 3.0}), nil, "B", "partial", "139.30", "missing_parts"},
		{"deduction capped", rma("no_reason_7d", 0, 3, "electronics"), "electronics", with(map[string]any{"accessories_complete": false, "missing_parts_count": 9.0}), nil, "B", "partial", "99.50", "missing_parts"},
		{"quality confirmed", rma("quality", 0, 10, "electronics"), "electronics", with(map[string]any{"functions_ok": false}), nil, "D", "full", "199.00", "defect_confirmed"},
		{"quality no defect", rma("quality", 0, 10, "electronics"), "electronics", sealed, nil, "A", "reject", "0.00", "no_defect_found"},
		{"quality outside 15 days", rma("quality", 0, 20, "electronics"), "electronics", with(map[string]any{"functions_ok": false}), nil, "D", "escalate", "199.00", "outside_quality_window"},
		{"fresh spoiled in 24h", rma("fresh_24h", 0, 0, "fresh"), "fresh", map[string]any{"spoiled": true, "cold_chain_ok": true, "quantity_ok": true, "packaging": "sealed"}, nil, "X", "full", "199.00", "defect_found"},
		{"fresh changed mind", rma("fresh_24h", 0, 0, "fresh"), "fresh", map[string]any{"spoiled": false, "cold_chain_ok": true, "quantity_ok": true, "packaging": "sealed"}, nil, "A", "reject", "0.00", "fresh_no_defect"},
		{"fresh after two days", rma("fresh_24h", 0, 2, "fresh"), "fresh", map[string]any{"spoiled": true, "cold_chain_ok": true, "quantity_ok": true, "packaging": "sealed"}, nil, "X", "reject", "0.00", "outside_window"},
		{"custom without defect", rma("custom_nonreturnable", 0, 2, "apparel"), "apparel", map[string]any{"tags_attached": true, "worn": false, "washed": false, "stains_or_odour": false, "fabric_fault": false, "packaging": "sealed"}, nil, "A", "reject", "0.00", "custom_made"},
		{"custom with defect after the window", rma("custom_nonreturnable", 0, 20, "apparel"), "apparel", map[string]any{"tags_attached": true, "worn": false, "washed": false, "stains_or_odour": false, "fabric_fault": true, "packaging": "sealed"}, nil, "D", "escalate", "199.00", "outside_quality_window"},
		{"custom with defect", rma("custom_nonreturnable", 0, 2, "apparel"), "apparel", map[string]any{"tags_attached": true, "worn": false, "washed": false, "stains_or_odour": false, "fabric_fault": true, "packaging": "sealed"}, nil, "D", "full", "199.00", "defect_found"},
		{"apparel tags removed is not intact", rma("no_reason_7d", 0, 2, "apparel"), "apparel", map[string]any{"tags_attached": false, "worn": false, "washed": false, "stains_or_odour": false, "fabric_fault": false, "packaging": "opened"}, nil, "B", "reject", "0.00", "not_intact"},
		{"beauty seal broken", rma("no_reason_7d", 0, 2, "beauty"), "beauty", map[string]any{"seal_intact": false, "used": false, "expiry_ok": true, "leaking": false, "suspect_counterfeit": false, "packaging": "opened"}, nil, "X", "reject", "0.00", "not_intact"},
		{"wrong item escalates", rma("no_reason_7d", 0, 2, "electronics"), "electronics", sealed, []string{"wrong_item"}, "A", "escalate", "199.00", "finding_needs_review"},
		{"serial mismatch escalates", rma("quality", 0, 2, "electronics"), "electronics", sealed, []string{"serial_mismatch"}, "A", "escalate", "199.00", "finding_needs_review"},
		{"virtual", rma("virtual", 0, 2, "electronics"), "electronics", sealed, nil, "A", "escalate", "199.00", "virtual_policy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := station.GradeInput{RMA: tt.rma, Line: &tt.rma.Lines[0], Category: tt.category, Answers: tt.answers, Findings: tt.findings}
			s := rs.Suggest(in)
			if s.Grade != tt.grade {
				t.Errorf("grade = %s, want %s (reasons %v)", s.Grade, tt.grade, s.Reasons)
			}
			if s.Refund.Decision != tt.decision || s.Refund.Amount != tt.amount {
				t.Errorf("refund = %s %s, want %s %s (reasons %+v)", s.Refund.Decision, s.Refund.Amount, tt.decision, tt.amount, s.Refund.Reasons)
			}
			if len(s.Refund.Reasons) == 0 || s.Refund.Reasons[0].Code != tt.reasonCode {
				t.Errorf("refund reason = %+v, want code %s", s.Refund.Reasons, tt.reasonCode)
			}
			for _, r := range append(s.Refund.Reasons, s.Reasons...) {
				if r.EN == "" || r.ZH == "" {
					t.Errorf("reason %s lacks words for people: %+v", r.Code, r)
				}
			}
			if s.Disposition == "" {
				t.Error("no disposition suggested")
			}
		})
	}
}

func TestAdviseWithoutRMA(t *testing.T) {
	rs := station.DefaultRules()
	s := rs.Suggest(station.GradeInput{Category: "whatever", Answers: map[string]any{}})
	if s.Refund.Decision != station.RefundEscalate || s.Category != "default" {
		t.Errorf("unmatched unit: decision %s category %s, want escalate default", s.Refund.Decision, s.Category)
	}
	r := rma("no_reason_7d", 0, 1, "electronics")
	r.DeliveredAt = nil
	s = rs.Suggest(station.GradeInput{RMA: r, Line: &r.Lines[0], Category: "electronics", Answers: map[string]any{}})
	if s.Refund.Decision != station.RefundEscalate || s.Refund.Reasons[0].Code != "no_delivery_date" {
		t.Errorf("no delivered_at: %+v, want escalate no_delivery_date", s.Refund)
	}
}

func TestTemplateMatching(t *testing.T) {
	rs := station.DefaultRules()
	tests := []struct{ category, want string }{
		{"electronics", "electronics"}, {"数码/耳机", "electronics"}, {"Mobile Phones", "electronics"},
		{"女装/连衣裙", "apparel"}, {"美妆护肤", "beauty"}, {"生鲜水果", "fresh"}, {"家居日用", "home"}, {"图书", "default"}, {"", "default"},
	}
	for _, tt := range tests {
		if got := rs.Template(tt.category).ID; got != tt.want {
			t.Errorf("Template(%q) = %s, want %s", tt.category, got, tt.want)
		}
	}
}

func TestRulesValidation(t *testing.T) {
	base, err := json.Marshal(station.DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := station.ParseRules(base); err != nil {
		t.Fatalf("the default rules, re-serialised, are refused: %v", err)
	}
	tests := []struct {
		name, from, to, field string
	}{
		{"unknown grade in a rule", `"grade":"D"`, `"grade":"Z"`, ".grade"},
		{"unknown question", `"q":"powers_on"`, `"q":"power_on"`, ".q"},
		{"bool condition on a choice", `"q":"packaging","is":"opened"`, `"q":"packaging","is":true`, "when"},
		{"unknown finding", `"findings":["not_working"]`, `"findings":["broken"]`, ".findings"},
		{"unknown field", `"version":`, `"versoin":`, "body"},
		{"disposition missing", `"A":"restock","B":"open_box","C":"refurbish","D":"repair","X":"recycle"`, `"A":"restock","B":"open_box","C":"refurbish","D":"repair"`, "dispositions.X"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := strings.Replace(string(base), tt.from, tt.to, 1)
			if doc == string(base) {
				t.Fatalf("test setup: %q not found in the default rules", tt.from)
			}
			_, err := station.ParseRules([]byte(doc))
			if station.ErrorCode(err) != station.EInvalid {
				t.Fatalf("ParseRules accepted a broken document (err %v)", err)
			}
			found := false
			for _, f := range station.Fields(err) {
				found = found || strings.Contains(f.Field, tt.field)
			}
			if !found {
				t.Errorf("errors %+v do not name a field containing %q", station.Fields(err), tt.field)
			}
		})
	}
}

func TestCheckAnswers(t *testing.T) {
	tpl := station.DefaultRules().Template("electronics")
	err := tpl.CheckAnswers(map[string]any{"packaging": "shiny", "used": "no", "missing_parts_count": 99.0, "colour": "red"}, true)
	want := []string{"checklist.colour", "checklist.missing_parts_count", "checklist.packaging", "checklist.used", "checklist.powers_on"}
	got := map[string]bool{}
	for _, f := range station.Fields(err) {
		got[f.Field] = true
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("CheckAnswers did not flag %s; got %+v", w, station.Fields(err))
		}
	}
}

func FuzzParseRules(f *testing.F) {
	base, _ := json.Marshal(station.DefaultRules())
	f.Add(base)
	f.Add([]byte(`{"version":1,"grades":[{"code":"A","rank":0}],"categories":[{"id":"default","quality_days":1,"dispositions":{"A":"x"}}],"dispositions":[{"code":"x"}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := station.ParseRules(data)
		if err != nil {
			if station.ErrorCode(err) != station.EInvalid {
				t.Fatalf("error %v has code %s, want invalid", err, station.ErrorCode(err))
			}
			return
		}
		// An accepted document must be usable: suggesting never panics.
		for _, c := range rs.Categories {
			rs.Suggest(station.GradeInput{Category: c.ID, Answers: map[string]any{}})
		}
	})
}

func FuzzReturnAuthorizationJSON(f *testing.F) {
	f.Add([]byte(`{"rma":"RMA-1","version":1,"status":"approved","order_id":"SO-1","policy":"quality","lines":[{"line":1,"sku":"A","qty":1,"unit_price":"1.00"}]}`))
	f.Add([]byte(`{"rma":"","lines":[{"gtin":"123"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r station.ReturnAuthorization
		if json.Unmarshal(data, &r) != nil {
			return
		}
		err := r.Validate()
		if err != nil && station.ErrorCode(err) != station.EInvalid {
			t.Fatalf("Validate error %v has code %s", err, station.ErrorCode(err))
		}
		if err == nil {
			for _, l := range r.Lines {
				if _, perr := station.ParseAmount(l.UnitPrice); perr != nil {
					t.Fatalf("valid RMA with unparsable price %q", l.UnitPrice)
				}
			}
		}
	})
}
