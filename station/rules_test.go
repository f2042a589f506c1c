package station_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"returns-station/station"
)

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
		{"refunded goods sent back", `"A":"restock","B":"open_box","C":"refurbish","D":"repair","X":"recycle"`, `"A":"return_to_customer","B":"open_box","C":"refurbish","D":"repair","X":"recycle"`, "dispositions.A"},
		{"a single character as a word", `"words":["electronics"`, `"words":["衣","electronics"`, "words[0]"},
		{"upper-case word", `"words":["electronics"`, `"words":["Electronics"`, "words[0]"},
		{"a word of two templates", `"words":["accessories"`, `"words":["手机","accessories"`, "words[0]"},
		{"category map to no template", `"面包":"groceries"`, `"面包":"bakery"`, "category_map.面包"},
		{"unknown time zone", `"time_zone":"Asia/Shanghai"`, `"time_zone":"Mars/Olympus"`, "time_zone"},
		{"a basis missing", `"no_reason_window":{`, `"no_reason_window_x":{`, "bases.no_reason_window"},
		{"unknown reject disposition", `"reject_disposition":"return_to_customer"`, `"reject_disposition":"burn"`, "refund.reject_disposition"},
		{"share over 100", `"share_pct":8`, `"share_pct":800`, "missing.share_pct"},
		{"multi without options", `"type":"multi","label"`, `"type":"multi","optionz":1,"label"`, "body"},
		{"newer schema", `"schema":2`, `"schema":3`, "schema"},
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

// TestSchema1Migrates: today's schema 1 built-in document (as a supervisor
// may still PUT it, or an older station stored it) becomes today's built-in
// rules; an edited one keeps its edits and gains the new templates, without
// the single-character keywords.
func TestSchema1Migrates(t *testing.T) {
	old, err := os.ReadFile("testdata/rules_schema1.json")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := station.ParseRules(old)
	if err != nil {
		t.Fatalf("today's document does not load: %v", err)
	}
	want, _ := json.Marshal(station.DefaultRules())
	if got, _ := json.Marshal(rs); string(got) != string(want) {
		t.Error("the untouched schema 1 document did not become the built-in rules")
	}
	stored, migrated, err := station.LoadStoredRules(old)
	if err != nil || !migrated || stored.Schema != station.RulesSchema {
		t.Fatalf("stored schema 1: migrated %v schema %d err %v", migrated, stored.Schema, err)
	}

	var doc map[string]any
	json.Unmarshal(old, &doc)
	cats := doc["categories"].([]any)
	cats[0].(map[string]any)["quality_days"] = 30 // electronics
	mine := map[string]any{"id": "garden", "name": map[string]any{"en": "Garden", "zh": "园艺"}, "match": []any{"园", "园艺", "garden", "手机"},
		"quality_days": 10, "questions": []any{map[string]any{"id": "works", "type": "bool", "label": map[string]any{"en": "Works?", "zh": "正常？"}}},
		"rules": []any{}, "dispositions": map[string]any{"A": "restock", "B": "open_box", "C": "refurbish", "D": "repair", "X": "recycle"}}
	doc["categories"] = append(cats, mine)
	edited, _ := json.Marshal(doc)
	rs, err = station.ParseRules(edited)
	if err != nil {
		t.Fatalf("an edited schema 1 document does not load: %v", err)
	}
	if rs.Template("electronics").QualityDays != 30 {
		t.Error("the supervisor's quality window was lost")
	}
	g := rs.Template("garden")
	if g.ID != "garden" || strings.Join(g.Words, ",") != "园艺,garden" {
		t.Errorf("garden words %v, want 园艺,garden (no single characters, no word of another template)", g.Words)
	}
	if rs.Template("园艺工具").ID != "garden" || rs.Template("手机壳").ID != "accessories" || rs.Template("面包").ID != "groceries" {
		t.Error("migrated document does not map categories by words and table")
	}
}

func TestCheckAnswers(t *testing.T) {
	tpl := station.DefaultRules().Template("electronics")
	err := tpl.CheckAnswers(map[string]any{"packaging": "shiny", "used": "no", "missing_parts_count": 99.0, "colour": "red", "missing_accessories": []any{"charger", "charger"}}, true)
	want := []string{"checklist.colour", "checklist.missing_parts_count", "checklist.packaging", "checklist.used", "checklist.powers_on", "checklist.missing_accessories"}
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
	if old, err := os.ReadFile("testdata/rules_schema1.json"); err == nil {
		f.Add(old) // the migration path
	}
	f.Add([]byte(`{"version":1,"grades":[{"code":"A","rank":0}],"categories":[{"id":"default","quality_days":1,"dispositions":{"A":"x"}}],"dispositions":[{"code":"x"}]}`))
	f.Add([]byte(`{}`))
	alarms := station.DefaultRules()
	alarms.Alarms = station.AlarmRules{Customer: station.CustomerAlarm{Count: -1}, SKU: station.SKUAlarm{Factor: 0.5, Off: true}, Weight: station.WeightAlarm{TolerancePct: 1000}}
	odd, _ := json.Marshal(alarms)
	f.Add(odd)
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
		// Its alarm thresholds, defaults filled in, can all trip and never
		// divide by zero.
		a := rs.Alarms.Effective()
		if a.Customer.Count < 2 || a.Customer.WindowDays < 1 || a.SKU.Factor < 1 || a.SKU.MinCount < 1 || a.SKU.TrailingDays < 7 ||
			a.Weight.MinSamples < 1 || a.Weight.TolerancePct < 1 || a.Weight.MinDiffG < 1 ||
			a.Override.WindowDays < 1 || a.Override.MinUnits < 1 || a.Override.Factor < 1 || a.Override.MinRatePct < 1 {
			t.Fatalf("accepted alarm thresholds %+v", a)
		}
	})
}

func FuzzReturnAuthorizationJSON(f *testing.F) {
	f.Add([]byte(`{"rma":"RMA-1","version":1,"status":"approved","order_id":"SO-1","policy":"quality","lines":[{"line":1,"sku":"A","qty":1,"unit_price":"1.00"}]}`))
	f.Add([]byte(`{"rma":"","lines":[{"gtin":"123"}]}`))
	f.Add([]byte(`{"rma":"RMA-2","version":1,"status":"approved","order_id":"SO-2","policy":"no_reason_7d","lines":[{"line":1,"sku":"A","qty":1,"unit_price":"199.00","accessories":[{"item":"charger","value":"25.00"}],"gifts":[{"name":"保护套","value":"20"}]}]}`))
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
				for _, x := range append(append([]station.LineItem(nil), l.Accessories...), l.Gifts...) {
					if _, perr := station.ParseAmount(x.Value); perr != nil {
						t.Fatalf("valid RMA with an unparsable accessory or gift value %q", x.Value)
					}
				}
			}
		}
	})
}
