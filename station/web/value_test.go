package web_test

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"time"

	"returns-station/station"
	"returns-station/station/web"
)

// Cost and recovery over HTTP: a supervisor sets the shares, a scripted
// few days of returns go through receive (with freight), inspect and
// confirm at known times, and /stats/value, its CSV and its chart show the
// figures worked out here from the script.
func TestValueFiguresOverHTTP(t *testing.T) {
	clk := &clock{}
	sh := time.FixedZone("CST", 8*3600)
	clk.set(time.Date(2026, 11, 20, 9, 0, 0, 0, sh))
	h := newHarness(t, func(c *web.Config) { c.Now = clk.now })

	// The supervisor's shares: restock 80 %, open box 50 %, anything else 5 %; 48.00 an hour.
	var rs station.RuleSet
	h.must(200, h.do("supervisor", "GET", "/api/v1/rules", nil)).json(t, &rs)
	share := map[string]int{"restock": 80, "open_box": 50}
	rs.Value = &station.ValueRules{Currency: "CNY", HandlingPerHour: "48.00"}
	for _, d := range rs.Dispositions {
		pct, ok := share[d.Code]
		if !ok {
			pct = 5
		}
		rs.Value.Recovery = append(rs.Value.Recovery, station.RecoveryFactor{Disposition: d.Code, Pct: pct})
	}
	h.must(200, h.do("supervisor", "PUT", "/api/v1/rules", rs))
	bad := rs
	bad.Value = &station.ValueRules{Currency: "CNY", Recovery: []station.RecoveryFactor{{Disposition: "restock", Pct: 101}}}
	pr := h.must(400, h.do("supervisor", "PUT", "/api/v1/rules", bad)).problem(t)
	if !hasField(pr, "value.recovery[0].pct") || !hasField(pr, "value.recovery") {
		t.Errorf("bad shares: problem %+v, want value.recovery[0].pct and value.recovery named", pr.Errors)
	}

	type unit struct {
		day, category string
		price         int64
		disposition   string
		minutes       int64
	}
	var units []unit
	freight := map[string]int64{} // category → cents paid at the dock
	step := func(at time.Time) { clk.set(at) }
	n := 0
	// One return: an RMA, its parcel received at recv (freight if given),
	// one unit started at start and confirmed after min minutes.
	scriptReturn := func(category, sku, price string, answers map[string]any, recv time.Time, fr string, startAfter, min time.Duration) {
		t.Helper()
		n++
		tracking := fmt.Sprintf("SF10000000%05d", n)
		r := sampleRMA(fmt.Sprintf("RMA-V-%03d", n), tracking, "no_reason_7d", category, recv.Add(-72*time.Hour), recv.Add(-48*time.Hour))
		r.Lines[0].SKU, r.Lines[0].UnitPrice, r.Lines[0].GTIN, r.Lines[0].Serials = sku, price, "", nil
		if category == "electronics" {
			r.Lines[0].Serials = []string{"SN" + tracking}
		}
		h.must(201, h.do("supervisor", "POST", "/api/v1/returns", r))
		step(recv)
		body := map[string]any{"code": tracking}
		if fr != "" {
			body["freight"] = fr
		}
		var rec station.ReceiveResult
		h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", body)).json(t, &rec)
		step(recv.Add(startAfter))
		var ur station.UnitResult
		h.must(201, h.do("operator", "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/units", map[string]any{"code": sku})).json(t, &ur)
		in := map[string]any{"checklist": answers}
		if category == "electronics" {
			in["serial"] = "SN" + tracking
		}
		h.must(200, h.do("operator", "PUT", "/api/v1/units/"+ur.Unit.ID+"/inspection", in))
		step(recv.Add(startAfter + min))
		var u station.Unit
		h.must(200, h.do("operator", "POST", "/api/v1/units/"+ur.Unit.ID+"/confirm", map[string]any{})).json(t, &u)
		cents, _ := station.ParseAmount(price)
		units = append(units, unit{day: recv.Add(startAfter + min).Format(time.DateOnly), category: category, price: int64(cents),
			disposition: u.Result.Disposition, minutes: int64(min / time.Minute)})
		if fr != "" {
			c, _ := station.ParseAmount(fr)
			freight[category] += int64(c)
		}
	}
	phone := map[string]any{"packaging": "sealed", "used": false, "powers_on": true, "functions_ok": true, "cosmetic": "none",
		"liquid_damage": false, "account_locked": false, "accessories_complete": true}
	brokenPhone := map[string]any{"packaging": "opened", "used": true, "powers_on": false, "functions_ok": false, "cosmetic": "heavy",
		"liquid_damage": false, "account_locked": false, "accessories_complete": true}
	dress := map[string]any{"tags_attached": true, "worn": false, "washed": false, "stains_or_odour": false, "fabric_fault": false, "packaging": "opened"}

	d1 := time.Date(2026, 11, 21, 10, 0, 0, 0, sh)
	scriptReturn("electronics", "PHN-X12", "2999.00", phone, d1, "18.00", 10*time.Minute, 14*time.Minute)
	scriptReturn("electronics", "PHN-X13", "1999.00", brokenPhone, d1.Add(time.Hour), "", 5*time.Minute, 25*time.Minute)
	scriptReturn("apparel", "DRS-SUM", "259.00", dress, d1.Add(2*time.Hour), "", 0, 6*time.Minute)
	d2 := time.Date(2026, 11, 22, 23, 30, 0, 0, sh) // late in the evening: confirmed after midnight, on the 23rd
	scriptReturn("apparel", "DRS-WIN", "399.00", dress, d2, "12.50", 20*time.Minute, 15*time.Minute)
	step(time.Date(2026, 11, 24, 8, 0, 0, 0, sh))

	// The figures a person works out from the script.
	type sums struct{ units, price, recovery, minutes, handling, freight int64 }
	cats := map[string]*sums{}
	total := &sums{}
	pct := func(disp string) int64 {
		if p, ok := share[disp]; ok {
			return int64(p)
		}
		return 5
	}
	for _, u := range units {
		if cats[u.category] == nil {
			cats[u.category] = &sums{}
		}
		for _, s := range []*sums{cats[u.category], total} {
			s.units++
			s.price += u.price
			s.recovery += (u.price*pct(u.disposition) + 50) / 100
			s.minutes += u.minutes
			s.handling += (u.minutes*4800 + 30) / 60
		}
	}
	for cat, c := range freight {
		cats[cat].freight += c
		total.freight += c
	}

	var rep station.ValueReport
	h.must(200, h.do("supervisor", "GET", "/api/v1/stats/value", nil)).json(t, &rep)
	if rep.From != "2026-11-18" || rep.To != "2026-11-24" || rep.Currency != "CNY" {
		t.Fatalf("default range %s..%s %s, want the 7 days to 2026-11-24 in CNY", rep.From, rep.To, rep.Currency)
	}
	if len(rep.Categories) != 2 || len(rep.Totals) != 1 {
		t.Fatalf("got %d categories and %d totals, want 2 and 1: %+v", len(rep.Categories), len(rep.Totals), rep)
	}
	same := func(what string, r *station.ValueRow, s *sums) {
		t.Helper()
		if r.Units != s.units || r.Price != money(s.price) || r.Recovery != money(s.recovery) || r.HandlingMin != s.minutes ||
			r.HandlingCost != money(s.handling) || r.Freight != money(s.freight) || r.Cost != money(s.freight+s.handling) ||
			r.Net != money(s.recovery-s.freight-s.handling) {
			t.Errorf("%s: got %+v, want %+v", what, *r, *s)
		}
	}
	for _, r := range rep.Categories {
		same(r.Category, r, cats[r.Category])
	}
	same("total", rep.Totals[0], total)
	if rep.Categories[0].Category != "electronics" || rep.Categories[0].Name == nil || rep.Categories[0].Name.ZH == "" {
		t.Errorf("first category %q (name %v), want electronics, most recovered, with its names", rep.Categories[0].Category, rep.Categories[0].Name)
	}
	var days []string
	for _, d := range rep.Days {
		days = append(days, d.Day)
	}
	if strings.Join(days, " ") != "2026-11-21 2026-11-22 2026-11-23" {
		t.Errorf("days %v, want 21 (three units), 22 (freight at receipt) and 23 (the unit confirmed after midnight)", days)
	}

	// A range with only the 23rd: the late dress and nothing else.
	h.must(200, h.do("supervisor", "GET", "/api/v1/stats/value?from=2026-11-23&to=2026-11-23", nil)).json(t, &rep)
	if len(rep.Categories) != 1 || rep.Categories[0].Units != 1 || rep.Categories[0].Price != "399.00" || rep.Categories[0].Freight != "0.00" {
		t.Errorf("the 23rd alone: %+v", rep.Categories)
	}

	// CSV in Chinese: BOM, headings, the category's Chinese name, a total row.
	res := h.must(200, h.do("supervisor", "GET", "/api/v1/stats/value.csv?lang=zh&from=2026-11-18&to=2026-11-24", nil))
	if !bytes.HasPrefix(res.body, []byte("\uFEFF")) {
		t.Fatal("the CSV has no byte order mark: Excel would show Chinese as mojibake")
	}
	rows, err := csv.NewReader(bytes.NewReader(res.body[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0][0] != "类别" || rows[0][6] != "预计回收" || rows[3][1] != "合计" || rows[3][6] != money(total.recovery) {
		t.Errorf("CSV rows %v", rows)
	}
	var zhName string
	for _, r := range rows[1:3] {
		if r[0] == "apparel" {
			zhName = r[1]
		}
	}
	if zhName == "" || zhName == "apparel" || !strings.ContainsFunc(zhName, func(r rune) bool { return r >= 0x4E00 }) {
		t.Errorf("the apparel row's Chinese name is %q", zhName)
	}

	// The chart: well-formed SVG naming the categories and both series.
	res = h.must(200, h.do("supervisor", "GET", "/api/v1/stats/value.svg?lang=en&from=2026-11-18&to=2026-11-24", nil))
	if err := xml.Unmarshal(res.body, new(struct{})); err != nil {
		t.Fatalf("chart is not XML: %v", err)
	}
	for _, s := range []string{"estimated recovery", "cost", money(total.recovery)[:2]} {
		if !strings.Contains(string(res.body), s) {
			t.Errorf("chart lacks %q", s)
		}
	}

	// Bad ranges and languages are problems naming the field; operators may not look.
	for q, field := range map[string]string{"from=2026-13-01": "from", "to=yesterday": "to", "from=2026-11-24&to=2026-11-20": "from",
		"from=2025-01-01&to=2026-11-24": "to"} {
		if pr := h.must(400, h.do("supervisor", "GET", "/api/v1/stats/value?"+q, nil)).problem(t); !hasField(pr, field) {
			t.Errorf("%s: problem %+v, want the field %s", q, pr.Errors, field)
		}
	}
	if pr := h.must(400, h.do("supervisor", "GET", "/api/v1/stats/value.csv?lang=fr", nil)).problem(t); !hasField(pr, "lang") {
		t.Errorf("lang=fr: %+v", pr.Errors)
	}
	h.must(403, h.do("operator", "GET", "/api/v1/stats/value", nil))
}

func hasField(p web.Problem, field string) bool {
	for _, e := range p.Errors {
		if e.Field == field {
			return true
		}
	}
	return false
}

func money(c int64) string {
	if c < 0 {
		return "-" + money(-c)
	}
	return fmt.Sprintf("%d.%02d", c/100, c%100)
}
