package web_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"returns-station/station"
	"returns-station/station/bolt"
	"returns-station/station/web"
)

// whyUnit is one confirmed unit as the test knows it: what it scripted (SKU,
// category, channel, reason, day) and what the confirmation answered.
type whyUnit struct {
	id, sku, name, category, channel, reason, day string
	grade, disposition, decision, currency        string
	cents                                         int64
	findings                                      []string
	voided                                        bool
}

// whyScript confirms a scripted set of returns over three warehouse days
// (Asia/Shanghai), regrades one unit a day later and voids another, and
// returns every unit as the confirmations answered.
func whyScript(t *testing.T, h *harness, clk *clock) []*whyUnit {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	day := func(d, hour int) time.Time { return time.Date(2026, 12, d, hour, 0, 0, 0, sh) }
	type line struct {
		sku, name string
		qty       int
		price     string
	}
	type ret struct {
		rma, channel, reason, policy string
		at                           time.Time
		lines                        []line
		answers                      []string // per unit, in line order: clean, defect, worn
	}
	rets := []ret{
		{"RMA-W-1", "tmall", "quality_issue", "quality", day(1, 10), []line{{"TEE-01", "纯棉T恤", 3, "59.00"}, {"JEANS-02", "直筒牛仔裤", 1, "199.00"}}, []string{"defect", "defect", "clean", "clean"}},
		{"RMA-W-2", "jd", "changed_mind", "no_reason_7d", day(1, 15), []line{{"TEE-01", "纯棉T恤", 2, "59.00"}}, []string{"defect", "clean"}},
		{"RMA-W-3", "", "size_fit", "no_reason_7d", day(2, 9), []line{{"JEANS-02", "直筒牛仔裤", 1, "199.00"}, {"SHOE/X 1", "跑步鞋", 1, "399.00"}}, []string{"worn", "clean"}},
		{"RMA-W-4", "douyin", "not_as_described", "quality", day(2, 23), []line{{"TEE-01", "纯棉T恤", 2, "59.00"}}, []string{"clean", "defect"}},
		{"RMA-W-5", "tmall", "", "no_reason_7d", day(3, 1), []line{{"SHOE/X 1", "跑步鞋", 1, "399.00"}}, []string{"defect"}},
	}
	answers := map[string]map[string]any{
		"clean":  {"tags_attached": true, "worn": false, "washed": false, "stains_or_odour": false, "fabric_fault": false, "packaging": "sealed"},
		"defect": {"tags_attached": true, "worn": false, "washed": false, "stains_or_odour": false, "fabric_fault": true, "packaging": "opened"},
		"worn":   {"tags_attached": false, "worn": true, "washed": false, "stains_or_odour": true, "fabric_fault": false, "packaging": "opened"},
	}
	var units []*whyUnit
	for i, r := range rets {
		tracking := fmt.Sprintf("SF20261201%05d", i+1)
		rma := sampleRMA(r.rma, tracking, r.policy, "apparel", r.at.Add(-72*time.Hour), r.at.Add(-48*time.Hour))
		rma.Channel, rma.Reason = r.channel, station.ReturnReason{Code: r.reason}
		rma.Lines = nil
		for j, l := range r.lines {
			rma.Lines = append(rma.Lines, station.RMALine{Line: j + 1, SKU: l.sku, Name: l.name, Category: "apparel", Qty: l.qty, UnitPrice: l.price})
		}
		clk.set(r.at)
		h.must(201, h.do("supervisor", "POST", "/api/v1/returns", rma))
		var rec station.ReceiveResult
		h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": tracking})).json(t, &rec)
		n := 0
		for _, l := range r.lines {
			for k := 0; k < l.qty; k++ {
				clk.set(r.at.Add(time.Duration(n+1) * time.Minute))
				var ur station.UnitResult
				h.must(201, h.do("operator", "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/units", map[string]any{"code": l.sku})).json(t, &ur)
				h.must(200, h.do("operator", "PUT", "/api/v1/units/"+ur.Unit.ID+"/inspection", map[string]any{"checklist": answers[r.answers[n]]}))
				var u station.Unit
				h.must(200, h.do("operator", "POST", "/api/v1/units/"+ur.Unit.ID+"/confirm", map[string]any{})).json(t, &u)
				units = append(units, record(t, &u, l.name, r.channel, r.reason, r.at.Format(time.DateOnly)))
				n++
			}
		}
	}
	// A day later a supervisor regrades the first unit: it stays counted on
	// its own day, with its new grade, disposition and refund.
	clk.set(day(3, 12))
	var u station.Unit
	h.must(200, h.do("supervisor", "POST", "/api/v1/units/"+units[0].id+"/confirm", map[string]any{"grade": "C", "override_reason": "复检：仅轻微开线"})).json(t, &u)
	if u.Result.PreviousGrade == "" {
		t.Fatalf("the second confirmation is no regrade: %+v", u.Result)
	}
	units[0] = record(t, &u, units[0].name, units[0].channel, units[0].reason, units[0].day)
	// And voids a unit of the last parcel, scanned twice: it counts for nothing.
	last := units[len(units)-1]
	h.must(200, h.do("supervisor", "POST", "/api/v1/units/"+last.id+"/void", map[string]any{"reason": "scanned twice"}))
	last.voided = true
	return units
}

func record(t *testing.T, u *station.Unit, name, channel, reason, day string) *whyUnit {
	t.Helper()
	if u.Result == nil {
		t.Fatalf("unit %s has no result after confirming", u.ID)
	}
	c, err := station.ParseAmount(u.Result.Refund.Amount)
	if err != nil {
		t.Fatal(err)
	}
	return &whyUnit{id: u.ID, sku: u.SKU, name: name, category: u.Category, channel: channel, reason: reason, day: day,
		grade: u.Result.Grade, disposition: u.Result.Disposition, decision: u.Result.Refund.Decision,
		currency: u.Result.Refund.Currency, cents: int64(c), findings: u.Result.Findings}
}

// whyExpect are the figures computed here from the scripted units and the
// rules' finding definitions, independently of station/why.go.
type whyExpect struct {
	units, defects, faultNone, noFaultDefect int64
	cells                                    map[string]int64 // reason|outcome
	grades, disps, decisions, findings       map[string]int64
	cents                                    map[string]int64 // currency
}

func expectWhy(rs *station.RuleSet, units []*whyUnit, keep func(*whyUnit) bool) *whyExpect {
	e := &whyExpect{cells: map[string]int64{}, grades: map[string]int64{}, disps: map[string]int64{}, decisions: map[string]int64{},
		findings: map[string]int64{}, cents: map[string]int64{}}
	flags := map[string]station.FindingDef{}
	for _, f := range rs.Findings {
		flags[f.Code] = f
	}
	for _, u := range units {
		if u.voided || !keep(u) {
			continue
		}
		defect, fault, missing, damage, other := false, false, false, false, false
		for _, f := range u.findings {
			d := flags[f]
			switch {
			case d.Defect:
				defect = true
			case d.SellerFault:
				fault = true
			case d.Missing != nil:
				missing = true
			case d.CustomerDamage:
				damage = true
			default:
				other = true
			}
			e.findings[f]++
		}
		outcome := "none"
		switch {
		case defect:
			outcome = "defect"
		case fault:
			outcome = "seller_fault"
		case missing:
			outcome = "missing"
		case damage:
			outcome = "customer_damage"
		case other:
			outcome = "other"
		}
		e.units++
		e.cells[u.reason+"|"+outcome]++
		if defect {
			e.defects++
		}
		saidFault := u.reason == "quality_issue" || u.reason == "not_as_described" || u.reason == "damaged_in_transit" || u.reason == "missing_parts" || u.reason == "wrong_item_sent"
		if saidFault && !defect && !fault && !missing {
			e.faultNone++
		}
		if (u.reason == "changed_mind" || u.reason == "no_reason_7d" || u.reason == "size_fit") && defect {
			e.noFaultDefect++
		}
		e.grades[u.grade]++
		e.disps[u.disposition]++
		e.decisions[u.decision]++
		e.cents[u.currency] += u.cents
	}
	return e
}

// check compares one row of the report with the expectation.
func (e *whyExpect) check(t *testing.T, what string, f station.WhyFigures) {
	t.Helper()
	if f.Units != e.units || f.DefectUnits != e.defects || f.SaidFaultNoneFound != e.faultNone || f.SaidNoFaultDefectFound != e.noFaultDefect {
		t.Errorf("%s: units %d, defects %d, said fault none found %d, said no fault defect found %d; want %d %d %d %d",
			what, f.Units, f.DefectUnits, f.SaidFaultNoneFound, f.SaidNoFaultDefectFound, e.units, e.defects, e.faultNone, e.noFaultDefect)
	}
	cells := map[string]int64{}
	for _, c := range f.Reasons {
		cells[c.Reason+"|"+c.Outcome] = c.Units
	}
	same := func(name string, got []station.CodeCount, want map[string]int64) {
		m := map[string]int64{}
		for _, c := range got {
			m[c.Code] = c.Units
		}
		if fmt.Sprint(m) != fmt.Sprint(want) {
			t.Errorf("%s %s: got %v, want %v", what, name, m, want)
		}
	}
	if fmt.Sprint(cells) != fmt.Sprint(e.cells) {
		t.Errorf("%s reason against finding: got %v, want %v", what, cells, e.cells)
	}
	same("grades", f.Grades, e.grades)
	same("dispositions", f.Dispositions, e.disps)
	same("decisions", f.Decisions, e.decisions)
	same("findings", f.Findings, e.findings)
	money := map[string]int64{}
	for _, r := range f.Refunds {
		c, err := station.ParseAmount(r.Amount)
		if err != nil {
			t.Fatal(err)
		}
		money[r.Currency] += int64(c)
	}
	for k, v := range e.cents {
		if v == 0 {
			delete(e.cents, k)
		}
	}
	if fmt.Sprint(money) != fmt.Sprint(e.cents) {
		t.Errorf("%s refund recommended (cents): got %v, want %v", what, money, e.cents)
	}
}

func TestWhyReturnsAgainstAScriptedWeek(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	h := newHarness(t, func(c *web.Config) { c.Now = clk.now })
	units := whyScript(t, h, clk)
	var rs station.RuleSet
	h.must(200, h.do("operator", "GET", "/api/v1/rules", nil)).json(t, &rs)
	all := func(*whyUnit) bool { return true }
	want := expectWhy(&rs, units, all)
	if want.defects == 0 || want.faultNone == 0 || want.noFaultDefect == 0 || len(want.cells) < 4 {
		t.Fatalf("the script does not exercise the figures: %+v", want)
	}
	clk.set(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)) // today is 12-04: the default 7 days hold all three
	h.must(403, h.do("operator", "GET", "/api/v1/stats/returns", nil))

	var r station.WhyReport
	h.must(200, h.do("supervisor", "GET", "/api/v1/stats/returns", nil)).json(t, &r)
	if r.From != "2026-11-28" || r.To != "2026-12-04" {
		t.Errorf("default range %s..%s, want the 7 days to today 2026-11-28..2026-12-04", r.From, r.To)
	}
	want.check(t, "total", r.Total.WhyFigures)
	for _, row := range r.Categories {
		expectWhy(&rs, units, func(u *whyUnit) bool { return u.category == row.Key }).check(t, "category "+row.Key, row.WhyFigures)
	}
	chans := map[string]bool{}
	for _, u := range units {
		if !u.voided {
			chans[u.channel] = true
		}
	}
	if len(r.Channels) != len(chans) {
		t.Errorf("%d channel rows, want %d (%v)", len(r.Channels), len(chans), chans)
	}
	for _, row := range r.Channels {
		expectWhy(&rs, units, func(u *whyUnit) bool { return u.channel == row.Key }).check(t, "channel "+strconv.Quote(row.Key), row.WhyFigures)
	}
	skuUnits := map[string]int64{}
	for _, u := range units {
		if !u.voided {
			skuUnits[u.sku]++
		}
	}
	var skus []string
	for _, row := range r.SKUs {
		skus = append(skus, row.Key)
		expectWhy(&rs, units, func(u *whyUnit) bool { return u.sku == row.Key }).check(t, "sku "+row.Key, row.WhyFigures)
	}
	var wantSKUs []string
	for k := range skuUnits {
		wantSKUs = append(wantSKUs, k)
	}
	sort.Slice(wantSKUs, func(i, j int) bool {
		a, b := wantSKUs[i], wantSKUs[j]
		return skuUnits[a] > skuUnits[b] || (skuUnits[a] == skuUnits[b] && a < b)
	})
	if fmt.Sprint(skus) != fmt.Sprint(wantSKUs) {
		t.Errorf("SKU rows %v, want the most returned first %v", skus, wantSKUs)
	}

	// One day: the regraded unit stays on its first day, the others of
	// later days are out.
	h.must(200, h.do("supervisor", "GET", "/api/v1/stats/returns?from=2026-12-01&to=2026-12-01", nil)).json(t, &r)
	expectWhy(&rs, units, func(u *whyUnit) bool { return u.day == "2026-12-01" }).check(t, "day 12-01", r.Total.WhyFigures)
	// Each filter.
	for _, f := range []struct {
		q    string
		keep func(*whyUnit) bool
	}{
		{"category=apparel", func(u *whyUnit) bool { return u.category == "apparel" }},
		{"channel=tmall", func(u *whyUnit) bool { return u.channel == "tmall" }},
		{"channel=", func(u *whyUnit) bool { return u.channel == "" }},
		{"sku=" + url.QueryEscape("SHOE/X 1"), func(u *whyUnit) bool { return u.sku == "SHOE/X 1" }},
		{"sku=TEE-01&from=2026-12-02&to=2026-12-03", func(u *whyUnit) bool { return u.sku == "TEE-01" && u.day >= "2026-12-02" }},
	} {
		h.must(200, h.do("supervisor", "GET", "/api/v1/stats/returns?"+f.q, nil)).json(t, &r)
		expectWhy(&rs, units, f.keep).check(t, f.q, r.Total.WhyFigures)
	}

	// The product team's list: SKUs by units with a confirmed defect.
	var d station.DefectList
	h.must(200, h.do("supervisor", "GET", "/api/v1/stats/defects", nil)).json(t, &d)
	type defectRow struct {
		sku           string
		units, defect int64
	}
	var wantD []defectRow
	for sku := range skuUnits {
		e := expectWhy(&rs, units, func(u *whyUnit) bool { return u.sku == sku })
		if e.defects > 0 {
			wantD = append(wantD, defectRow{sku, e.units, e.defects})
		}
	}
	sort.Slice(wantD, func(i, j int) bool {
		return wantD[i].defect > wantD[j].defect || (wantD[i].defect == wantD[j].defect && wantD[i].sku < wantD[j].sku)
	})
	if len(d.SKUs) != len(wantD) {
		t.Fatalf("defect list %+v, want %+v", d.SKUs, wantD)
	}
	names := map[string]string{}
	for _, u := range units {
		names[u.sku] = u.name
	}
	for i, w := range wantD {
		g := d.SKUs[i]
		if g.SKU != w.sku || g.Units != w.units || g.DefectUnits != w.defect || g.Name != names[w.sku] || g.Category != "apparel" {
			t.Errorf("defect list row %d: %+v, want %+v named %q", i, g, w, names[w.sku])
		}
		if rate := float64(w.defect) / float64(w.units); g.DefectRate < rate-1e-9 || g.DefectRate > rate+1e-9 {
			t.Errorf("%s defect rate %v, want %v", g.SKU, g.DefectRate, rate)
		}
		if len(g.Findings) == 0 || len(g.Findings) > 3 {
			t.Errorf("%s: most frequent findings %v, want 1 to 3", g.SKU, g.Findings)
		}
	}

	// Refusals name the field and change nothing.
	for q, field := range map[string]string{
		"from=2026-13-01":               "from",
		"from=2026-12-05&to=2026-12-01": "from",
		"from=2025-01-01&to=2026-12-01": "to",
		"category=apparel&sku=TEE-01":   "sku",
		"limit=0":                       "limit",
	} {
		p := h.must(400, h.do("supervisor", "GET", "/api/v1/stats/returns?"+q, nil)).problem(t)
		if len(p.Errors) != 1 || p.Errors[0].Field != field {
			t.Errorf("%s: problem %+v, want one naming %s", q, p, field)
		}
	}
	p := h.must(400, h.do("supervisor", "GET", "/api/v1/stats/defects?channel=tmall", nil)).problem(t)
	if len(p.Errors) != 1 || p.Errors[0].Field != "channel" {
		t.Errorf("defects by channel: %+v, want a problem naming channel", p)
	}
}

// readCSV checks the byte order mark and reads the rest.
func readCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("CSV does not start with a UTF-8 byte order mark: %q", body[:min(len(body), 20)])
	}
	rows, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestWhyCSVAndCharts(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	h := newHarness(t, func(c *web.Config) { c.Now = clk.now })
	units := whyScript(t, h, clk)
	var rs station.RuleSet
	h.must(200, h.do("operator", "GET", "/api/v1/rules", nil)).json(t, &rs)
	clk.set(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC))
	want := expectWhy(&rs, units, func(*whyUnit) bool { return true })

	// The reasons table in Chinese: headings and the customer's reasons in Chinese.
	res := h.must(200, h.do("supervisor", "GET", "/api/v1/stats/returns.csv?table=reasons&lang=zh", nil))
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("content type %q", ct)
	}
	rows := readCSV(t, res.body)
	if strings.Join(rows[0], ",") != "原因代码,顾客退货原因,结论代码,质检结论,件数" {
		t.Errorf("zh headings %v", rows[0])
	}
	var sum int64
	got := map[string]int64{}
	for _, r := range rows[1:] {
		n, err := strconv.ParseInt(r[4], 10, 64)
		if err != nil {
			t.Fatalf("row %v: %v", r, err)
		}
		got[r[0]+"|"+r[2]] = n
		sum += n
		if r[0] == "quality_issue" && r[1] != "质量问题" || r[0] == "changed_mind" && r[1] != "不想要了" || r[2] == "defect" && r[3] != "确认缺陷" {
			t.Errorf("row %v: Chinese names expected", r)
		}
	}
	if sum != want.units || fmt.Sprint(got) != fmt.Sprint(want.cells) {
		t.Errorf("reasons CSV %v (sum %d), want %v (%d)", got, sum, want.cells, want.units)
	}

	// Every SKU, in English, with its name; the SKU with a slash survives.
	rows = readCSV(t, h.must(200, h.do("supervisor", "GET", "/api/v1/stats/returns.csv?table=skus&lang=en", nil)).body)
	if rows[0][0] != "sku" || rows[0][1] != "name" || rows[0][2] != "units" || rows[0][3] != "defect_units" {
		t.Errorf("en headings %v", rows[0])
	}
	bySKU := map[string][]string{}
	for _, r := range rows[1:] {
		bySKU[r[0]] = r
	}
	for _, sku := range []string{"TEE-01", "JEANS-02", "SHOE/X 1"} {
		e := expectWhy(&rs, units, func(u *whyUnit) bool { return u.sku == sku })
		r := bySKU[sku]
		if r == nil || r[2] != strconv.FormatInt(e.units, 10) || r[3] != strconv.FormatInt(e.defects, 10) {
			t.Errorf("SKU %s row %v, want %d units %d defects", sku, r, e.units, e.defects)
		}
	}
	if r := bySKU["TEE-01"]; r == nil || r[1] != "纯棉T恤" {
		t.Errorf("TEE-01 row %v: want its name 纯棉T恤", r)
	}

	// Categories and channels in Chinese, the mix and the defect list.
	rows = readCSV(t, h.must(200, h.do("supervisor", "GET", "/api/v1/stats/returns.csv?table=channels&lang=zh", nil)).body)
	if rows[0][0] != "渠道" || rows[0][1] != "退回件数" || len(rows) != 5 { // tmall, jd, douyin, none
		t.Errorf("channels CSV %v", rows)
	}
	rows = readCSV(t, h.must(200, h.do("supervisor", "GET", "/api/v1/stats/returns.csv?table=categories&lang=zh", nil)).body)
	if len(rows) != 2 || rows[0][0] != "品类" || rows[0][1] != "品类名称" || rows[1][0] != "apparel" || rows[1][1] != "服装鞋包" ||
		rows[1][2] != strconv.FormatInt(want.units, 10) {
		t.Errorf("categories CSV %v, want apparel named 服装鞋包 with %d units", rows, want.units)
	}
	rows = readCSV(t, h.must(200, h.do("supervisor", "GET", "/api/v1/stats/returns.csv?table=mix&lang=zh", nil)).body)
	grades := int64(0)
	for _, r := range rows[1:] {
		if r[0] == "等级" {
			n, _ := strconv.ParseInt(r[3], 10, 64)
			grades += n
			if r[1] != "" && r[2] == r[1] {
				t.Errorf("grade %s has no Chinese name in the mix: %v", r[1], r)
			}
		}
	}
	if grades != want.units {
		t.Errorf("grades in the mix add to %d, want %d", grades, want.units)
	}
	rows = readCSV(t, h.must(200, h.do("supervisor", "GET", "/api/v1/stats/defects.csv?lang=zh", nil)).body)
	if strings.Join(rows[0], ",") != "SKU,商品名称,品类,退回件数,缺陷件数,缺陷率%,主要发现" || len(rows) < 2 {
		t.Errorf("defects CSV %v", rows)
	}
	h.must(400, h.do("supervisor", "GET", "/api/v1/stats/returns.csv?table=nope", nil))
	h.must(400, h.do("supervisor", "GET", "/api/v1/stats/returns.csv?table=channels&category=apparel", nil))

	// The charts: SVG in the language asked.
	for _, c := range []struct{ path, words string }{
		{"/api/v1/stats/returns.svg?lang=zh", "顾客退货原因与质检结论对比"},
		{"/api/v1/stats/returns.svg?lang=en", "Customer&#39;s reason against the inspector&#39;s finding"},
		{"/api/v1/stats/defects.svg?lang=zh", "确认缺陷最多的SKU"},
	} {
		res := h.must(200, h.do("supervisor", "GET", c.path, nil))
		if !strings.Contains(string(res.body), c.words) || !strings.HasPrefix(res.header.Get("Content-Type"), "image/svg+xml") {
			t.Errorf("%s: no %q in %.200s", c.path, c.words, res.body)
		}
	}
}

// whyCounters reads every counter under why/.
func whyCounters(t *testing.T, db *bolt.DB) map[string]int64 {
	t.Helper()
	m := map[string]int64{}
	if err := db.View(func(tx station.Tx) error {
		return tx.Counts("why/", func(c station.Counter) error { m[c.Key] = c.N; return nil })
	}); err != nil {
		t.Fatal(err)
	}
	return m
}

// The counters kept live and those counted again from the event log (an
// upgraded station) are the same: the tally reads only what events carry.
func TestWhyCountersRebuiltFromTheLogMatch(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	h := newHarness(t, func(c *web.Config) { c.Now = clk.now })
	whyScript(t, h, clk)
	live := whyCounters(t, h.db)
	if len(live) < 50 {
		t.Fatalf("only %d counters under why/", len(live))
	}
	for k, n := range live {
		if n < 0 && !strings.Contains(k, "/a/") {
			t.Errorf("counter %s is %d: a regrade or void took away more than was counted", k, n)
		}
	}
	// A copy of the file (nothing is being written now) told its counters
	// were kept by an older station counts them again at open.
	src, err := os.ReadFile(h.db.Path())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(path, src, 0o600); err != nil {
		t.Fatal(err)
	}
	raw, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := raw.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("tally_version"), []byte("an older station"))
	}); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	db, err := bolt.Open(path, bolt.Options{StationID: "st-test"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	again := whyCounters(t, db)
	if fmt.Sprint(again) != fmt.Sprint(live) {
		for k, n := range live {
			if again[k] != n {
				t.Errorf("%s: %d live, %d counted again from the log", k, n, again[k])
			}
		}
		for k, n := range again {
			if _, ok := live[k]; !ok {
				t.Errorf("%s: %d counted again from the log, absent live", k, n)
			}
		}
	}
}

// tickingClock moves a day forward at every reading: each reading of the
// clock in a command falls on another warehouse day.
type tickingClock struct {
	clock
	ticking bool
}

func (c *tickingClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	if c.ticking {
		c.t = c.t.Add(24 * time.Hour)
	}
	return t
}

// A confirmation is one instant: the unit counts on the day of its result's
// first confirmation time, so its regrade moves it within that day and no
// counter goes below zero, however the clock moves while the command runs.
func TestWhyConfirmationIsOneInstant(t *testing.T) {
	clk := &tickingClock{clock: clock{t: time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)}}
	h := newHarness(t, func(c *web.Config) { c.Now = clk.now })
	at := clk.t
	r := sampleRMA("RMA-TICK-1", "SF2026120199999", "quality", "apparel", at.Add(-72*time.Hour), at.Add(-48*time.Hour))
	r.Lines[0].Serials, r.Lines[0].GTIN = nil, ""
	h.must(201, h.do("supervisor", "POST", "/api/v1/returns", r))
	var rec station.ReceiveResult
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": "SF2026120199999"})).json(t, &rec)
	var ur station.UnitResult
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/units", map[string]any{"code": "EAR-BT-01"})).json(t, &ur)
	clk.mu.Lock()
	clk.ticking = true
	clk.mu.Unlock()
	var u station.Unit
	h.must(200, h.do("operator", "PUT", "/api/v1/units/"+ur.Unit.ID+"/inspection", map[string]any{"checklist": map[string]any{
		"tags_attached": true, "worn": false, "washed": false, "stains_or_odour": false, "fabric_fault": true, "packaging": "opened"}}))
	h.must(200, h.do("operator", "POST", "/api/v1/units/"+ur.Unit.ID+"/confirm", map[string]any{})).json(t, &u)
	h.must(200, h.do("supervisor", "POST", "/api/v1/units/"+ur.Unit.ID+"/confirm", map[string]any{"grade": "C", "override_reason": "复检"})).json(t, &u)
	sh, _ := time.LoadLocation("Asia/Shanghai")
	day := u.Result.FirstAt().In(sh).Format(time.DateOnly)
	counters := whyCounters(t, h.db)
	units := int64(0)
	for k, n := range counters {
		if n < 0 {
			t.Errorf("counter %s is %d after the regrade", k, n)
		}
		if strings.HasPrefix(k, "why/") && strings.Contains(k, "/c/") && strings.Contains(k, "/r/") {
			units += n
			if !strings.HasPrefix(k, "why/"+day+"/") {
				t.Errorf("counter %s is not on the day of the unit's first confirmation %s", k, day)
			}
		}
	}
	if units != 1 {
		t.Errorf("the unit counts %d times, want once", units)
	}
}
