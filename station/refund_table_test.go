package station_test

import (
	"strings"
	"testing"
	"time"

	"returns-station/station"
)

// clean answers per template: everything as it should be.
var clean = map[string]map[string]any{
	"electronics": {"packaging": "sealed", "used": false, "powers_on": true, "functions_ok": true, "cosmetic": "none",
		"liquid_damage": false, "account_locked": false, "accessories_complete": true},
	"accessories":     {"packaging": "sealed", "used": false, "damaged": false, "works": true},
	"apparel":         {"packaging": "sealed", "tags_attached": true, "worn": false, "washed": false, "stains_or_odour": false, "fabric_fault": false},
	"intimate":        {"packaging": "sealed", "hygiene_seal": "intact", "tried_on": false, "tags_attached": true, "stains_or_odour": false, "fabric_fault": false},
	"beauty":          {"packaging": "sealed", "seal_intact": true, "used": false, "expiry_ok": true, "leaking": false, "suspect_counterfeit": false},
	"fresh":           {"packaging": "sealed", "spoiled": false, "cold_chain_ok": true, "quantity_ok": true},
	"groceries":       {"packaging": "sealed", "seal_intact": true, "expiry_ok": true, "spoiled": false, "quantity_ok": true},
	"home":            {"packaging": "sealed", "used": false, "damaged": false, "works": true, "accessories_complete": true},
	"large_appliance": {"packaging": "sealed", "installed": false, "powers_on": true, "functions_ok": true, "cosmetic": "none", "accessories_complete": true},
	"jewellery":       {"packaging": "sealed", "certificate": true, "authentication": "passed", "worn": false, "damaged": false, "fault": false},
	"books_media":     {"packaging": "sealed", "media_unsealed": false, "written_in": false, "damaged": false, "print_fault": false},
	"toys":            {"packaging": "sealed", "used": false, "tags_attached": true, "damaged": false, "works": true, "safety_issue": false, "accessories_complete": true},
	"default":         {"packaging": "sealed", "used": false, "damaged": false, "works": true, "accessories_complete": true},
}

// Times in the warehouse's zone (Asia/Shanghai). Signed 3/1 20:00: the seven
// days run 3/2–3/8, the fifteen 3/2–3/16.
const (
	signed   = "2026-03-01T20:00:00+08:00"
	day8     = "2026-03-08T21:00:00+08:00" // last day of seven: in time
	day9     = "2026-03-09T09:00:00+08:00" // late for seven
	day10    = "2026-03-10T09:00:00+08:00"
	day16    = "2026-03-16T23:59:00+08:00" // last day of fifteen
	day17    = "2026-03-17T00:10:00+08:00" // late for fifteen
	fresh23h = "2026-03-02T19:00:00+08:00"
	fresh25h = "2026-03-02T21:00:00+08:00"
	early    = "2026-03-01T00:30:00+08:00" // 2/28 in UTC
	early7   = "2026-03-08T10:00:00+08:00" // seventh day after 3/1 in Shanghai, eighth after 2/28 in UTC
)

type refundCase struct {
	name             string
	policy, category string // category as central sends it
	delivered, asked string // "" = missing
	answers          map[string]any
	findings         []string // known before the checklist
	reason           string   // the customer's reason code
	line             func(*station.RMALine)
	noRMA, noLine    bool
	rules            func(*station.RuleSet)
	override         string // a supervisor's grade; the refund is recomputed
	decision, amount string
	rule             string // the deciding rule
	disposition      string // "" = not checked
	basis            string // a phrase the deciding rule's basis contains
	why              string // the rule that gives the expectation
}

func tmplOf(category string) string {
	return station.DefaultRules().Template(category).ID
}

func answersFor(category string, over map[string]any) map[string]any {
	m := map[string]any{}
	for k, v := range clean[tmplOf(category)] {
		m[k] = v
	}
	for k, v := range over {
		m[k] = v
	}
	return m
}

func at(s string) *time.Time {
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

type A = map[string]any

func refundCases() []refundCase {
	gift := func(l *station.RMALine) { l.Gifts = []station.LineItem{{Name: "保护套", Value: "20.00"}} }
	charger := func(l *station.RMALine) {
		l.Accessories = []station.LineItem{{Item: "charger", Name: "充电器", Value: "25.00"}}
	}
	invoice6 := func(rs *station.RuleSet) { six := 6; rs.Refund.InvoicePct = &six }
	return []refundCase{
		// ---- seven-day no-reason: the window (calendar days from the day after signing, warehouse zone)
		{name: "7d intact, asked on the seventh day in the evening", policy: "no_reason_7d", category: "electronics", delivered: signed, asked: day8,
			decision: "full", amount: "199.00", rule: "intact", disposition: "restock", basis: "第八条", why: "intact within 3/2–3/8"},
		{name: "7d intact, asked on the eighth day", policy: "no_reason_7d", category: "electronics", delivered: signed, asked: day9,
			decision: "reject", amount: "0.00", rule: "outside_window", disposition: "return_to_customer", basis: "第十条", why: "3/9 is after 3/8; refused goods go back to the customer"},
		{name: "7d signed just after midnight, counted in Shanghai", policy: "no_reason_7d", category: "electronics", delivered: early, asked: early7,
			decision: "full", amount: "199.00", rule: "intact", why: "signed 3/1 in Shanghai, 3/8 is the seventh day"},
		{name: "7d the same case counted in UTC", policy: "no_reason_7d", category: "electronics", delivered: early, asked: early7,
			rules:    func(rs *station.RuleSet) { rs.TimeZone = "UTC" },
			decision: "reject", amount: "0.00", rule: "outside_window", why: "a UTC warehouse: signed 2/28, seven days end 3/7"},
		{name: "7d no requested_at", policy: "no_reason_7d", category: "electronics", delivered: signed,
			decision: "escalate", amount: "0.00", rule: "window_unknown", disposition: "quarantine", basis: "期限无法核对", why: "a window that cannot be checked is never in time"},
		{name: "7d no delivered_at (delivered 14 months ago)", policy: "no_reason_7d", category: "electronics", asked: day8,
			decision: "escalate", amount: "0.00", rule: "window_unknown", disposition: "quarantine", why: "missing date: escalate, never pay"},
		{name: "7d opened to inspect is still intact", policy: "no_reason_7d", category: "electronics", delivered: signed, asked: day8, answers: A{"packaging": "opened"},
			decision: "full", amount: "199.00", rule: "intact", disposition: "open_box", why: "art. 8: opening to inspect does not count against intact"},
		{name: "7d used", policy: "no_reason_7d", category: "electronics", delivered: signed, asked: day8, answers: A{"used": true},
			decision: "reject", amount: "0.00", rule: "not_intact", disposition: "return_to_customer", basis: "第九条", why: "art. 9: marks of use"},
		{name: "7d liquid damage, works", policy: "no_reason_7d", category: "electronics", delivered: signed, asked: day8, answers: A{"liquid_damage": true},
			decision: "reject", amount: "0.00", rule: "not_intact", why: "customer damage: not intact, no defect claimed or found"},
		{name: "7d tampered", policy: "no_reason_7d", category: "electronics", delivered: signed, asked: day8, answers: A{"tampered": true},
			decision: "reject", amount: "0.00", rule: "not_intact", why: "art. 9: unauthorised repair"},
		{name: "7d defect in time", policy: "no_reason_7d", category: "electronics", delivered: signed, asked: day8, answers: A{"functions_ok": false},
			decision: "full", amount: "199.00", rule: "defect_found", disposition: "repair", basis: "第二十四条", why: "a defect is refunded"},
		{name: "7d defect asked late", policy: "no_reason_7d", category: "electronics", delivered: signed, asked: day10, answers: A{"powers_on": false},
			decision: "escalate", amount: "0.00", rule: "outside_window_defect_found", disposition: "quarantine", why: "a late defect: repair/exchange/refund is a person's call"},
		{name: "7d defect with liquid damage", policy: "no_reason_7d", category: "electronics", delivered: signed, asked: day8, answers: A{"powers_on": false, "liquid_damage": true},
			decision: "escalate", amount: "0.00", rule: "damage_and_defect", basis: "第二十三条", why: "customer damage and a defect: cause unknown"},
		{name: "7d account lock", policy: "no_reason_7d", category: "electronics", delivered: signed, asked: day8, answers: A{"account_locked": true},
			decision: "escalate", amount: "0.00", rule: "finding_needs_review", disposition: "quarantine", why: "review finding holds the unit"},
		{name: "7d serial mismatch", policy: "no_reason_7d", category: "electronics", delivered: signed, asked: day8, findings: []string{"serial_mismatch"},
			decision: "escalate", amount: "0.00", rule: "finding_needs_review", disposition: "quarantine", why: "review finding, grade A notwithstanding"},
		{name: "7d item on no line", policy: "no_reason_7d", category: "electronics", delivered: signed, asked: day8, noLine: true, findings: []string{"wrong_item"},
			decision: "escalate", amount: "0.00", rule: "not_on_rma", disposition: "quarantine", why: "nothing to price it by"},
		{name: "7d charger missing, rules' share", policy: "no_reason_7d", category: "electronics", delivered: signed, asked: day8,
			answers:  A{"accessories_complete": false, "missing_accessories": []any{"charger"}},
			decision: "partial", amount: "183.08", rule: "intact", disposition: "open_box", why: "charger share 8% of 199.00 = 15.92"},
		{name: "7d charger missing, line's value", policy: "no_reason_7d", category: "electronics", delivered: signed, asked: day8, line: charger,
			answers:  A{"accessories_complete": false, "missing_accessories": []any{"charger"}},
			decision: "partial", amount: "174.00", rule: "intact", why: "the line says the charger is worth 25.00"},
		{name: "7d charger and cable missing", policy: "no_reason_7d", category: "electronics", delivered: signed, asked: day8,
			answers:  A{"accessories_complete": false, "missing_accessories": []any{"charger", "cable"}},
			decision: "partial", amount: "177.11", rule: "intact", why: "15.92 + 5.97"},
		{name: "7d accessories incomplete, none named", policy: "no_reason_7d", category: "electronics", delivered: signed, asked: day8,
			answers:  A{"accessories_complete": false},
			decision: "escalate", amount: "0.00", rule: "missing_value_unknown", disposition: "quarantine", why: "unknown value: never guess"},
		{name: "7d 'other' accessory missing", policy: "no_reason_7d", category: "electronics", delivered: signed, asked: day8,
			answers:  A{"accessories_complete": false, "missing_accessories": []any{"other"}},
			decision: "escalate", amount: "0.00", rule: "missing_value_unknown", why: "unknown value"},
		{name: "7d two parts counted, one named", policy: "no_reason_7d", category: "electronics", delivered: signed, asked: day8,
			answers:  A{"accessories_complete": false, "missing_accessories": []any{"charger"}, "missing_parts_count": 2.0},
			decision: "escalate", amount: "0.00", rule: "missing_value_unknown", why: "the second part has no value"},
		{name: "7d gift not returned, value on the line", policy: "no_reason_7d", category: "electronics", delivered: signed, asked: day8, line: gift,
			answers:  A{"gift_returned": "no"},
			decision: "partial", amount: "179.00", rule: "intact", basis: "第八条", why: "art. 13: gift at its stated 20.00"},
		{name: "7d gift not returned, value unknown", policy: "no_reason_7d", category: "electronics", delivered: signed, asked: day8,
			answers:  A{"gift_returned": "no"},
			decision: "escalate", amount: "0.00", rule: "missing_value_unknown", why: "no stated gift value"},
		{name: "7d only some gifts back", policy: "no_reason_7d", category: "electronics", delivered: signed, asked: day8, line: gift,
			answers:  A{"gift_returned": "partly"},
			decision: "escalate", amount: "0.00", rule: "missing_value_unknown", why: "which gift is missing is not known"},
		{name: "7d invoice not returned, no share set", policy: "no_reason_7d", category: "electronics", delivered: signed, asked: day8,
			answers:  A{"invoice_returned": "no"},
			decision: "escalate", amount: "0.00", rule: "missing_value_unknown", why: "the rules set no invoice share"},
		{name: "7d invoice not returned, 6% set", policy: "no_reason_7d", category: "electronics", delivered: signed, asked: day8, rules: invoice6,
			answers:  A{"invoice_returned": "no"},
			decision: "partial", amount: "187.06", rule: "intact", why: "6% of 199.00 = 11.94"},
		{name: "7d seller sent the wrong variant", policy: "no_reason_7d", category: "electronics", delivered: signed, asked: day8,
			answers:  A{"as_ordered": "wrong_item_sent", "packaging": "opened"},
			decision: "full", amount: "199.00", rule: "seller_fault", basis: "第五百八十二条", why: "seller fault: full under every policy"},
		{name: "7d customer said parts were missing at delivery", policy: "no_reason_7d", category: "electronics", delivered: signed, asked: day8, reason: "missing_parts",
			answers:  A{"accessories_complete": false, "missing_accessories": []any{"charger"}},
			decision: "escalate", amount: "0.00", rule: "missing_claimed", why: "the packing record decides, not the bench"},

		// ---- fifteen-day no-reason
		{name: "15d asked on the fifteenth day", policy: "no_reason_15d", category: "electronics", delivered: signed, asked: day16,
			decision: "full", amount: "199.00", rule: "intact", why: "3/2–3/16"},
		{name: "15d asked on the sixteenth day", policy: "no_reason_15d", category: "electronics", delivered: signed, asked: day17,
			decision: "reject", amount: "0.00", rule: "outside_window", why: "3/17 is late"},

		// ---- quality claims
		{name: "quality defect confirmed", policy: "quality", category: "electronics", delivered: signed, asked: day10, answers: A{"powers_on": false},
			decision: "full", amount: "199.00", rule: "defect_found", disposition: "repair", basis: "第二十四条", why: "defect within 15 days"},
		{name: "quality no defect, complete", policy: "quality", category: "electronics", delivered: signed, asked: day10,
			decision: "reject", amount: "0.00", rule: "no_defect_found", disposition: "return_to_customer", why: "no defect, no quality refund"},
		{name: "quality no defect, two parts missing", policy: "quality", category: "electronics", delivered: signed, asked: day10,
			answers:  A{"accessories_complete": false, "missing_parts_count": 2.0},
			decision: "reject", amount: "0.00", rule: "no_defect_found", why: "returning less never earns more"},
		{name: "quality liquid damage and will not power on", policy: "quality", category: "electronics", delivered: signed, asked: day10,
			answers:  A{"powers_on": false, "liquid_damage": true},
			decision: "escalate", amount: "0.00", rule: "damage_and_defect", disposition: "quarantine", why: "a defect does not outrank customer damage"},
		{name: "quality liquid damage, works", policy: "quality", category: "electronics", delivered: signed, asked: day10, answers: A{"liquid_damage": true},
			decision: "escalate", amount: "0.00", rule: "damage_and_defect", why: "claimed defect plus customer damage"},
		{name: "quality defect asked late", policy: "quality", category: "electronics", delivered: signed, asked: day17, answers: A{"functions_ok": false},
			decision: "escalate", amount: "0.00", rule: "outside_window_defect_found", why: "after the 15-day window"},
		{name: "quality defect, no requested_at", policy: "quality", category: "electronics", delivered: signed, answers: A{"functions_ok": false},
			decision: "escalate", amount: "0.00", rule: "window_unknown", why: "cannot check the window"},
		{name: "quality no defect, no dates", policy: "quality", category: "electronics",
			decision: "reject", amount: "0.00", rule: "no_defect_found", why: "nothing is due whatever the dates"},
		{name: "quality defect, charger kept", policy: "quality", category: "electronics", delivered: signed, asked: day10,
			answers:  A{"functions_ok": false, "accessories_complete": false, "missing_accessories": []any{"charger"}},
			decision: "partial", amount: "183.08", rule: "defect_found", why: "the charger's value is still held back"},
		{name: "quality defect, gift kept", policy: "quality", category: "electronics", delivered: signed, asked: day10, line: gift,
			answers:  A{"functions_ok": false, "gift_returned": "no"},
			decision: "full", amount: "199.00", rule: "defect_found", why: "a defect return is not charged for gifts"},
		{name: "quality not as described", policy: "quality", category: "home", delivered: signed, asked: day10, answers: A{"as_ordered": "not_as_described"},
			decision: "full", amount: "199.00", rule: "seller_fault", why: "seller fault"},
		{name: "quality home item cracked", policy: "quality", category: "家居日用", delivered: signed, asked: day10, answers: A{"damaged": true},
			decision: "escalate", amount: "0.00", rule: "damage_and_defect", why: "damage under a quality claim: who caused it?"},

		// ---- fresh, 24 hours
		{name: "fresh intact within 24 h", policy: "fresh_24h", category: "生鲜水果", delivered: signed, asked: fresh23h,
			decision: "full", amount: "199.00", rule: "fresh_no_reason", disposition: "destroy", basis: "24小时", why: "the seeds' 24-hour no-reason return"},
		{name: "fresh intact after 25 h", policy: "fresh_24h", category: "生鲜水果", delivered: signed, asked: fresh25h,
			decision: "reject", amount: "0.00", rule: "outside_window", why: "more than 24 hours"},
		{name: "fresh short weight within 24 h", policy: "fresh_24h", category: "生鲜水果", delivered: signed, asked: fresh23h, answers: A{"quantity_ok": false},
			decision: "full", amount: "199.00", rule: "seller_fault", why: "short weight is the seller's fault"},
		{name: "fresh short weight after 25 h", policy: "fresh_24h", category: "生鲜水果", delivered: signed, asked: fresh25h, answers: A{"quantity_ok": false},
			decision: "escalate", amount: "0.00", rule: "outside_window_seller_fault", why: "late: a person decides"},
		{name: "fresh spoiled within 24 h", policy: "fresh_24h", category: "海鲜", delivered: signed, asked: fresh23h, answers: A{"spoiled": true},
			decision: "full", amount: "199.00", rule: "defect_found", why: "quality problem"},
		{name: "fresh partly eaten", policy: "fresh_24h", category: "水果", delivered: signed, asked: fresh23h, answers: A{"consumed": true},
			decision: "reject", amount: "0.00", rule: "not_intact", why: "not as delivered"},
		{name: "fresh no requested_at", policy: "fresh_24h", category: "水果", delivered: signed,
			decision: "escalate", amount: "0.00", rule: "window_unknown", why: "cannot check 24 h"},

		// ---- groceries
		{name: "bread goes to groceries, sealed, 7d", policy: "no_reason_7d", category: "面包", delivered: signed, asked: day8,
			decision: "full", amount: "199.00", rule: "intact", why: "面包 is food, not apparel"},
		{name: "groceries seal broken, 7d", policy: "no_reason_7d", category: "零食", delivered: signed, asked: day8, answers: A{"seal_intact": false},
			decision: "reject", amount: "0.00", rule: "not_intact", basis: "一次性密封包装", why: "art. 9(1)"},
		{name: "groceries short quantity, 7d", policy: "no_reason_7d", category: "零食", delivered: signed, asked: day8, answers: A{"quantity_ok": false, "seal_intact": false},
			decision: "escalate", amount: "0.00", rule: "damage_and_defect", why: "seller fault with a seal the customer broke: a person decides"},
		{name: "groceries expired, quality", policy: "quality", category: "食品饮料", delivered: signed, asked: day8, answers: A{"expiry_ok": false},
			decision: "full", amount: "199.00", rule: "defect_found", why: "quality within 7 days"},

		// ---- made to order, virtual, no RMA
		{name: "custom without defect", policy: "custom_nonreturnable", category: "home", delivered: signed, asked: day8,
			decision: "reject", amount: "0.00", rule: "custom_made", basis: "定作", why: "art. 6(1)"},
		{name: "custom with defect in time", policy: "custom_nonreturnable", category: "home", delivered: signed, asked: day10, answers: A{"works": false},
			decision: "full", amount: "199.00", rule: "defect_found", why: "defects are refunded"},
		{name: "custom with defect late", policy: "custom_nonreturnable", category: "home", delivered: signed, asked: day17, answers: A{"works": false},
			decision: "escalate", amount: "0.00", rule: "outside_window_defect_found", why: "late"},
		{name: "custom not as described", policy: "custom_nonreturnable", category: "home", delivered: signed, asked: day8, answers: A{"as_ordered": "not_as_described"},
			decision: "full", amount: "199.00", rule: "seller_fault", why: "seller fault under every policy"},
		{name: "virtual", policy: "virtual", category: "electronics", delivered: signed, asked: day8,
			decision: "escalate", amount: "0.00", rule: "virtual_policy", why: "goods for a virtual return"},
		{name: "no RMA", policy: "no_reason_7d", category: "electronics", noRMA: true,
			decision: "escalate", amount: "0.00", rule: "no_rma", disposition: "quarantine", why: "unmatched parcel"},

		// ---- apparel, intimate, beauty, toys, books, accessories
		{name: "apparel intact", policy: "no_reason_7d", category: "女装/连衣裙", delivered: signed, asked: day8,
			decision: "full", amount: "199.00", rule: "intact", disposition: "restock", why: "intact"},
		{name: "apparel tags removed", policy: "no_reason_7d", category: "女装/连衣裙", delivered: signed, asked: day8, answers: A{"tags_attached": false},
			decision: "reject", amount: "0.00", rule: "not_intact", why: "art. 9(3)"},
		{name: "apparel worn", policy: "no_reason_7d", category: "运动鞋", delivered: signed, asked: day8, answers: A{"worn": true},
			decision: "reject", amount: "0.00", rule: "not_intact", why: "marks of wear"},
		{name: "intimate sealed", policy: "no_reason_7d", category: "内衣", delivered: signed, asked: day8,
			decision: "full", amount: "199.00", rule: "intact", why: "intact"},
		{name: "intimate tried on", policy: "no_reason_7d", category: "内衣", delivered: signed, asked: day8, answers: A{"tried_on": true},
			decision: "reject", amount: "0.00", rule: "not_intact", why: "hygiene"},
		{name: "intimate seal broken with a seam fault, quality", policy: "quality", category: "内衣", delivered: signed, asked: day8,
			answers:  A{"hygiene_seal": "broken", "fabric_fault": true},
			decision: "escalate", amount: "0.00", rule: "damage_and_defect", why: "seal broken by use plus a defect"},
		{name: "beauty sealed", policy: "no_reason_7d", category: "美妆护肤", delivered: signed, asked: day8,
			decision: "full", amount: "199.00", rule: "intact", why: "intact"},
		{name: "beauty used", policy: "no_reason_7d", category: "美妆护肤", delivered: signed, asked: day8, answers: A{"used": true},
			decision: "reject", amount: "0.00", rule: "not_intact", why: "hygiene"},
		{name: "toys tags removed", policy: "no_reason_7d", category: "玩具", delivered: signed, asked: day8, answers: A{"tags_attached": false},
			decision: "reject", amount: "0.00", rule: "not_intact", why: "art. 9(3)"},
		{name: "toys safety problem, quality", policy: "quality", category: "积木", delivered: signed, asked: day10, answers: A{"safety_issue": true},
			decision: "full", amount: "199.00", rule: "defect_found", disposition: "recycle", why: "a defect, grade X"},
		{name: "books unsealed software", policy: "no_reason_7d", category: "软件", delivered: signed, asked: day8, answers: A{"media_unsealed": true},
			decision: "reject", amount: "0.00", rule: "not_intact", basis: "第六条", why: "art. 6(3)"},
		{name: "books printing fault, quality", policy: "quality", category: "图书", delivered: signed, asked: day10, answers: A{"print_fault": true},
			decision: "full", amount: "199.00", rule: "defect_found", why: "defect"},
		{name: "phone case: accessories template, intact", policy: "no_reason_7d", category: "手机壳", delivered: signed, asked: day8,
			decision: "full", amount: "199.00", rule: "intact", why: "no serial needed"},

		// ---- large appliances, jewellery
		{name: "large appliance installed", policy: "no_reason_7d", category: "冰箱", delivered: signed, asked: day8, answers: A{"installed": true},
			decision: "reject", amount: "0.00", rule: "not_intact", why: "installed"},
		{name: "large appliance will not power on, quality", policy: "quality", category: "大家电", delivered: signed, asked: day10, answers: A{"powers_on": false},
			decision: "full", amount: "199.00", rule: "defect_found", disposition: "repair", why: "defect"},
		{name: "large appliance remote missing", policy: "no_reason_7d", category: "洗衣机", delivered: signed, asked: day8,
			answers:  A{"accessories_complete": false, "missing_accessories": []any{"remote"}},
			decision: "partial", amount: "193.03", rule: "intact", why: "remote 3% = 5.97"},
		{name: "jewellery authenticated, intact", policy: "no_reason_7d", category: "钻戒", delivered: signed, asked: day8,
			decision: "full", amount: "199.00", rule: "intact", why: "intact"},
		{name: "jewellery not authenticated", policy: "no_reason_7d", category: "珠宝首饰", delivered: signed, asked: day8, answers: A{"authentication": "not_checked"},
			decision: "escalate", amount: "0.00", rule: "finding_needs_review", disposition: "quarantine", why: "no refund before authentication"},
		{name: "jewellery doubtful", policy: "no_reason_7d", category: "珠宝首饰", delivered: signed, asked: day8, answers: A{"authentication": "doubtful"},
			decision: "escalate", amount: "0.00", rule: "finding_needs_review", why: "counterfeit suspicion"},
		{name: "jewellery certificate missing", policy: "no_reason_7d", category: "珠宝首饰", delivered: signed, asked: day8, answers: A{"certificate": false},
			decision: "escalate", amount: "0.00", rule: "missing_value_unknown", why: "certificate value unknown"},

		// ---- supervisor grade overrides: the refund follows the new grade
		{name: "override D→A under a quality claim", policy: "quality", category: "electronics", delivered: signed, asked: day10, answers: A{"functions_ok": false}, override: "A",
			decision: "reject", amount: "0.00", rule: "no_defect_found", disposition: "return_to_customer", why: "grade A says no defect"},
		{name: "override X→A for unused beauty", policy: "no_reason_7d", category: "美妆护肤", delivered: signed, asked: day8, answers: A{"used": true}, override: "A",
			decision: "full", amount: "199.00", rule: "intact", disposition: "restock", why: "grade A says unused"},
		{name: "override A→C in a no-reason return", policy: "no_reason_7d", category: "electronics", delivered: signed, asked: day8, override: "C",
			decision: "reject", amount: "0.00", rule: "not_intact", disposition: "return_to_customer", why: "grade C is not intact"},
		{name: "override D→A clears an account lock", policy: "no_reason_7d", category: "electronics", delivered: signed, asked: day8, answers: A{"account_locked": true}, override: "A",
			decision: "full", amount: "199.00", rule: "intact", disposition: "restock", why: "the supervisor says the lock is gone"},
		{name: "override to A keeps a serial mismatch", policy: "no_reason_7d", category: "electronics", delivered: signed, asked: day8, findings: []string{"serial_mismatch"}, answers: A{"used": true}, override: "A",
			decision: "escalate", amount: "0.00", rule: "finding_needs_review", disposition: "quarantine", why: "findings from before the checklist stand"},
		{name: "override D keeps damage and defect", policy: "quality", category: "electronics", delivered: signed, asked: day10, answers: A{"powers_on": false, "liquid_damage": true}, override: "D",
			decision: "escalate", amount: "0.00", rule: "damage_and_defect", why: "both findings are grade D"},
	}
}

// TestRefundTable checks the advice for each case against the rules of the
// README's refund section: decision, amount, the rule that decided, its
// basis, and where the unit goes.
func TestRefundTable(t *testing.T) {
	cases := refundCases()
	if len(cases) < 60 {
		t.Fatalf("%d cases, want at least 60", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs := station.DefaultRules()
			if c.rules != nil {
				c.rules(rs)
				if err := rs.Validate(); err != nil {
					t.Fatal(err)
				}
			}
			r := &station.ReturnAuthorization{RMA: "RMA-T", Version: 1, Status: "approved", OrderID: "SO-T", Policy: c.policy,
				Reason: station.ReturnReason{Code: c.reason}, DeliveredAt: at(c.delivered), RequestedAt: at(c.asked),
				Refund: station.Money{Amount: "199.00", Currency: "CNY"},
				Lines:  []station.RMALine{{Line: 1, SKU: "SKU-T", Name: "x", Category: c.category, Qty: 1, UnitPrice: "199.00"}}}
			if c.line != nil {
				c.line(&r.Lines[0])
			}
			in := station.GradeInput{RMA: r, Line: &r.Lines[0], Category: c.category, Answers: answersFor(c.category, c.answers), Findings: c.findings}
			if c.noLine {
				in.Line = nil
			}
			if c.noRMA {
				in.RMA, in.Line = nil, nil
			}
			tpl := rs.Template(c.category)
			if err := tpl.CheckAnswers(in.Answers, true); err != nil {
				t.Fatalf("test answers for %s: %v", tpl.ID, err)
			}
			s := rs.Suggest(in)
			adv, disp := s.Refund, s.Disposition
			if c.override != "" {
				adv = rs.Advise(in, c.override, rs.FindingsAtGrade(in, c.override))
				disp = rs.DispositionFor(tpl, c.override, adv.Decision)
			}
			if adv.Decision != c.decision || adv.Amount != c.amount || adv.Rule != c.rule {
				t.Errorf("advice %s %s by %s, want %s %s by %s (%s)\nreasons: %+v", adv.Decision, adv.Amount, adv.Rule, c.decision, c.amount, c.rule, c.why, adv.Reasons)
			}
			if c.disposition != "" && disp != c.disposition {
				t.Errorf("disposition %s, want %s", disp, c.disposition)
			}
			if len(adv.Reasons) == 0 || adv.Reasons[0].Code != adv.Rule || adv.Reasons[0].Basis == nil ||
				adv.Reasons[0].Basis.ZH == "" || adv.Reasons[0].Basis.EN == "" || adv.Reasons[0].EN == "" || adv.Reasons[0].ZH == "" {
				t.Fatalf("the deciding reason must come first with its words and basis in both languages: %+v", adv.Reasons)
			}
			if c.basis != "" && !strings.Contains(adv.Reasons[0].Basis.ZH, c.basis) {
				t.Errorf("basis %q does not cite %q", adv.Reasons[0].Basis.ZH, c.basis)
			}
			// What a partial refund holds back adds up, item by item.
			if adv.Decision == station.RefundPartial {
				total, _ := station.ParseAmount(adv.Amount)
				for _, d := range adv.Deductions {
					v, _ := station.ParseAmount(d.Amount)
					total += v
				}
				if total.String() != "199.00" || len(adv.Deductions) == 0 {
					t.Errorf("partial %s plus deductions %+v is %s, want 199.00", adv.Amount, adv.Deductions, total)
				}
			}
		})
	}
}

// TestTemplateTable: central's categories reach the right checklist, through
// the explicit table or the Chinese words, never by a single character.
func TestTemplateTable(t *testing.T) {
	rs := station.DefaultRules()
	for category, want := range map[string]string{
		"electronics": "electronics", "数码/耳机": "electronics", "Mobile Phones": "electronics", "手机": "electronics",
		"手机壳": "accessories", "苹果手机壳 透明": "accessories", "手机配件": "accessories", "数据线": "accessories",
		"面包": "groceries", "全麦面包": "groceries", "零食/坚果": "groceries",
		"衣柜": "home", "鞋柜": "home", "实木衣柜": "home", "家居日用": "home",
		"女装/连衣裙": "apparel", "运动鞋": "apparel", "双肩包": "apparel",
		"大家电": "large_appliance", "冰箱": "large_appliance", "家电/空调": "large_appliance",
		"内衣": "intimate", "女士内裤": "intimate", "珠宝首饰": "jewellery", "钻戒": "jewellery",
		"图书": "books_media", "儿童绘本": "books_media", "玩具": "toys", "积木": "toys",
		"生鲜水果": "fresh", "生鲜食品": "fresh", "美妆护肤": "beauty", "": "default", "园艺工具": "default",
	} {
		if got := rs.Template(category).ID; got != want {
			t.Errorf("Template(%q) = %s, want %s", category, got, want)
		}
	}
	if rs.Template("手机壳").RequiresSerial {
		t.Error("a phone case asks for a serial number")
	}
	for _, q := range rs.Template("冰箱").Questions {
		if q.ID == "account_locked" {
			t.Error("large appliances are asked about account locks")
		}
	}
	// A supervisor's table entry wins over the words.
	rs.CategoryMap["智能手表"] = "jewellery"
	if got := rs.Template("智能手表").ID; got != "jewellery" {
		t.Errorf("mapped category went to %s", got)
	}
}
