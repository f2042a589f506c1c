package web_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"returns-station/station"
	"returns-station/station/web"
)

// weekUnit is one scripted parcel and its unit: what the test did, and when.
type weekUnit struct {
	tracking, category, who    string // who: the token that started and confirmed the unit
	received, started          time.Time
	confirmed, putAway, moved2 time.Time // zero: not done
	regrades                   []time.Time
	voided                     time.Time
	parcelID, unitID           string
}

// weekAction is one scripted request at its time.
type weekAction struct {
	at time.Time
	do func()
}

var electronicsAnswers = map[string]any{"packaging": "opened", "used": false, "powers_on": true, "functions_ok": true, "cosmetic": "none",
	"liquid_damage": false, "account_locked": false, "accessories_complete": true}
var apparelAnswers = map[string]any{"tags_attached": true, "worn": false, "washed": false, "stains_or_odour": false, "fabric_fault": false, "packaging": "opened"}

// runWeek scripts a week of a warehouse in Shanghai: parcels arriving all
// day, two inspectors starting and confirming units minutes to a day and a
// half later, units put away (one moved on again), a supervisor regrading
// one unit once and another twice, and a confirmed unit voided. It runs
// every request at its scripted time, in time order, and returns the script.
func runWeek(t *testing.T, h *harness, clk *clock, t0 time.Time, end time.Time) []*weekUnit {
	t.Helper()
	for _, who := range []string{"insp-a", "insp-b"} {
		secret, _, err := h.db.CreateToken(who, "operator")
		if err != nil {
			t.Fatal(err)
		}
		h.token[who] = secret
	}
	rng := rand.New(rand.NewPCG(14, 2))
	var units []*weekUnit
	var acts []weekAction
	for day := 0; day < 7; day++ {
		for j := 0; j < 5; j++ {
			u := &weekUnit{tracking: fmt.Sprintf("SF20%02d%02d000000", day, j), category: []string{"electronics", "apparel"}[rng.IntN(2)],
				who: []string{"insp-a", "insp-b"}[rng.IntN(2)]}
			u.received = t0.AddDate(0, 0, day).Add(7*time.Hour + time.Duration(rng.IntN(13*3600))*time.Second)
			u.started = u.received.Add(10*time.Minute + time.Duration(rng.IntN(30*3600))*time.Second)
			if u.started.Before(end) {
				u.confirmed = u.started.Add(2*time.Minute + time.Duration(rng.IntN(40*60))*time.Second)
			}
			if !u.confirmed.IsZero() && j != 3 {
				u.putAway = u.confirmed.Add(time.Duration(1+rng.IntN(90)) * time.Minute)
			}
			units = append(units, u)
		}
	}
	// A supervisor regrades an early unit of each inspector: one once, one twice.
	regraded := 0
	for _, u := range units {
		if u.confirmed.IsZero() || regraded == 2 || u.confirmed.After(t0.AddDate(0, 0, 3)) {
			continue
		}
		u.regrades = append(u.regrades, u.confirmed.Add(30*time.Minute))
		if regraded == 0 {
			u.regrades = append(u.regrades, u.confirmed.Add(50*time.Minute))
		}
		regraded++
	}
	// A confirmed unit is voided before it is put away (scanned twice); one
	// put away is moved on to another location.
	for i := len(units) - 1; i >= 0; i-- {
		if u := units[i]; !u.confirmed.IsZero() && len(u.regrades) == 0 && u.putAway.IsZero() && u.voided.IsZero() {
			u.voided = u.confirmed.Add(20 * time.Minute)
			break
		}
	}
	for _, u := range units {
		if !u.putAway.IsZero() && len(u.regrades) == 0 {
			u.moved2 = u.putAway.Add(3 * time.Hour)
			break
		}
	}
	var ids int
	for _, u := range units {
		u := u
		ids++
		rma := sampleRMA(fmt.Sprintf("RMA-2026W-%03d", ids), u.tracking, "no_reason_7d", u.category, u.received.Add(-72*time.Hour), u.received.Add(-48*time.Hour))
		answers := electronicsAnswers
		if u.category == "apparel" {
			rma.Lines[0].Serials, answers = nil, apparelAnswers
		} else {
			rma.Lines[0].Serials = []string{"SN" + u.tracking}
		}
		clk.set(t0.Add(-96 * time.Hour))
		h.must(201, h.do("supervisor", "POST", "/api/v1/returns", rma))
		acts = append(acts, weekAction{u.received, func() {
			var rec station.ReceiveResult
			h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": u.tracking})).json(t, &rec)
			u.parcelID = rec.Parcel.ID
		}})
		if u.started.After(end) {
			continue
		}
		acts = append(acts, weekAction{u.started, func() {
			var ur station.UnitResult
			h.must(201, h.do(u.who, "POST", "/api/v1/parcels/"+u.parcelID+"/units", map[string]any{"code": "06901234567892"})).json(t, &ur)
			u.unitID = ur.Unit.ID
		}})
		if u.confirmed.IsZero() {
			continue
		}
		acts = append(acts, weekAction{u.confirmed, func() {
			h.must(200, h.do(u.who, "PUT", "/api/v1/units/"+u.unitID+"/inspection", map[string]any{"checklist": answers, "serial": "SN" + u.tracking}))
			h.must(200, h.do(u.who, "POST", "/api/v1/units/"+u.unitID+"/confirm", map[string]any{}))
		}})
		for i, at := range u.regrades {
			grade := []string{"C", "B"}[i]
			acts = append(acts, weekAction{at, func() {
				h.must(200, h.do("supervisor", "POST", "/api/v1/units/"+u.unitID+"/confirm", map[string]any{"grade": grade, "override_reason": "scratch on the back found at the second look"}))
			}})
		}
		if !u.voided.IsZero() {
			acts = append(acts, weekAction{u.voided, func() {
				h.must(200, h.do("supervisor", "POST", "/api/v1/units/"+u.unitID+"/void", map[string]any{"reason": "scanned twice"}))
			}})
		}
		if !u.putAway.IsZero() {
			acts = append(acts, weekAction{u.putAway, func() {
				h.must(200, h.do("operator", "POST", "/api/v1/units/"+u.unitID+"/move", map[string]any{"to": "L-A01"}))
			}})
		}
		if !u.moved2.IsZero() {
			acts = append(acts, weekAction{u.moved2, func() {
				h.must(200, h.do("operator", "POST", "/api/v1/units/"+u.unitID+"/move", map[string]any{"to": "L-B02"}))
			}})
		}
	}
	sort.SliceStable(acts, func(i, j int) bool { return acts[i].at.Before(acts[j].at) })
	for _, a := range acts {
		if a.at.After(end) {
			continue
		}
		clk.set(a.at)
		a.do()
	}
	clk.set(end)
	return units
}

// nearestRank is the q-quantile of spans computed here: the ⌈q·n⌉-th
// smallest, as the API documents.
func nearestRank(spans []time.Duration, q float64) float64 {
	s := slices.Clone(spans)
	slices.Sort(s)
	k := max(int(math.Ceil(q*float64(len(s)))), 1)
	return s[k-1].Seconds()
}

// within reports whether the reported seconds are the exact value within the
// stated resolution (and the rounding to the second).
func within(got int64, exact float64) bool {
	return math.Abs(float64(got)-exact) <= exact*station.DwellResolution*1.0001+0.5
}

func TestThroughputAndDwellOfAScriptedWeek(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 30, 0, 0, 0, 0, sh) // a Monday
	end := t0.AddDate(0, 0, 6).Add(20 * time.Hour)
	clk := &clock{t: t0}
	h := newHarness(t, func(c *web.Config) { c.Now = clk.now })
	units := runWeek(t, h, clk, t0, end)
	from, to := t0.Format(time.DateOnly), end.Format(time.DateOnly)

	// The answers, computed here from the script.
	type counts struct{ rcv, ins, put int64 }
	perHour, perDay := map[string]*counts{}, map[string]*counts{}
	at := func(m map[string]*counts, k string) *counts {
		if m[k] == nil {
			m[k] = &counts{}
		}
		return m[k]
	}
	dwellAll := []time.Duration{}
	dwellDay, dwellCat := map[string][]time.Duration{}, map[string][]time.Duration{}
	type insp struct {
		units, regradedUnits, regrades int64
		spans                          []time.Duration
	}
	inspectors := map[string]*insp{}
	for _, u := range units {
		at(perHour, u.received.In(sh).Format("2006-01-02T15")).rcv++
		at(perDay, u.received.In(sh).Format(time.DateOnly)).rcv++
		if !u.putAway.IsZero() && !u.putAway.After(end) {
			at(perHour, u.putAway.In(sh).Format("2006-01-02T15")).put++
			at(perDay, u.putAway.In(sh).Format(time.DateOnly)).put++
		}
		if u.confirmed.IsZero() || !u.voided.IsZero() {
			continue
		}
		day := u.confirmed.In(sh).Format(time.DateOnly)
		at(perHour, u.confirmed.In(sh).Format("2006-01-02T15")).ins++
		at(perDay, day).ins++
		d := u.confirmed.Sub(u.received)
		dwellAll = append(dwellAll, d)
		dwellDay[day] = append(dwellDay[day], d)
		dwellCat[u.category] = append(dwellCat[u.category], d)
		i := inspectors["token:"+u.who]
		if i == nil {
			i = &insp{}
			inspectors["token:"+u.who] = i
		}
		i.units++
		i.spans = append(i.spans, u.confirmed.Sub(u.started))
		if len(u.regrades) > 0 {
			i.regradedUnits++
			i.regrades += int64(len(u.regrades))
		}
	}
	if len(dwellAll) < 20 || len(inspectors) != 2 {
		t.Fatalf("the script confirmed %d units by %d inspectors; it should exercise more", len(dwellAll), len(inspectors))
	}

	t.Logf("script: %d parcels, %d units confirmed and kept, %d inspectors, %d hours with activity", len(units), len(dwellAll), len(inspectors), len(perHour))

	// Per day over the week.
	h.must(403, h.do("operator", "GET", "/api/v1/stats/throughput", nil))
	var week station.ThroughputReport
	h.must(200, h.do("supervisor", "GET", "/api/v1/stats/throughput", nil)).json(t, &week) // default: the last 7 days
	if week.From != from || week.To != to || week.By != "day" || len(week.Periods) != 7 || week.TimeZone != "Asia/Shanghai" {
		t.Fatalf("default range: %s..%s by %s, %d periods in %s; want %s..%s by day, 7 in Asia/Shanghai", week.From, week.To, week.By, len(week.Periods), week.TimeZone, from, to)
	}
	var total counts
	for _, p := range week.Periods {
		w := at(perDay, p.Start)
		total.rcv, total.ins, total.put = total.rcv+w.rcv, total.ins+w.ins, total.put+w.put
		if p.Received != w.rcv || p.Inspected != w.ins || p.PutAway != w.put {
			t.Errorf("day %s: received %d inspected %d put away %d; want %d %d %d", p.Start, p.Received, p.Inspected, p.PutAway, w.rcv, w.ins, w.put)
		}
	}
	if week.Received != total.rcv || week.Inspected != total.ins || week.PutAway != total.put {
		t.Errorf("week totals %d/%d/%d, want %d/%d/%d", week.Received, week.Inspected, week.PutAway, total.rcv, total.ins, total.put)
	}
	checkQ := func(what string, q station.Quantiles, spans []time.Duration) {
		t.Helper()
		if q.Units != int64(len(spans)) {
			t.Errorf("%s: %d units, want %d", what, q.Units, len(spans))
			return
		}
		if len(spans) == 0 {
			return
		}
		med, p90 := nearestRank(spans, 0.5), nearestRank(spans, 0.9)
		if !within(q.MedianSeconds, med) || !within(q.P90Seconds, p90) {
			t.Errorf("%s: median %ds p90 %ds; exact %.0fs %.0fs (resolution %.1f%%)", what, q.MedianSeconds, q.P90Seconds, med, p90, 100*station.DwellResolution)
		}
	}
	checkQ("dwell over the week", week.Dwell, dwellAll)
	if len(week.DwellByDay) != 7 {
		t.Errorf("dwell by day has %d days, want 7", len(week.DwellByDay))
	}
	for _, d := range week.DwellByDay {
		checkQ("dwell on "+d.Day, d.Quantiles, dwellDay[d.Day])
	}
	if len(week.DwellByCategory) != len(dwellCat) {
		t.Errorf("dwell by category: %d categories, want %d", len(week.DwellByCategory), len(dwellCat))
	}
	for _, c := range week.DwellByCategory {
		checkQ("dwell of "+c.Category, c.Quantiles, dwellCat[c.Category])
		if c.Category == "electronics" && c.Name.ZH != "数码电子" {
			t.Errorf("electronics is named %+v", c.Name)
		}
	}

	// Per hour of one busy day, and of a past day asked by name.
	for _, day := range []string{to, t0.AddDate(0, 0, 2).Format(time.DateOnly)} {
		var r station.ThroughputReport
		h.must(200, h.do("supervisor", "GET", "/api/v1/stats/throughput?from="+day+"&to="+day, nil)).json(t, &r)
		if r.By != "hour" || len(r.Periods) != 24 {
			t.Fatalf("one day: by %s with %d periods, want hour and 24", r.By, len(r.Periods))
		}
		for i, p := range r.Periods {
			w := at(perHour, fmt.Sprintf("%sT%02d", day, i))
			if p.Start != fmt.Sprintf("%sT%02d", day, i) || p.Received != w.rcv || p.Inspected != w.ins || p.PutAway != w.put {
				t.Errorf("hour %s: received %d inspected %d put away %d; want %s %d %d %d", p.Start, p.Received, p.Inspected, p.PutAway, fmt.Sprintf("%sT%02d", day, i), w.rcv, w.ins, w.put)
			}
		}
	}

	// Per inspector, supervisors only.
	h.must(403, h.do("operator", "GET", "/api/v1/stats/inspectors", nil))
	var ir station.InspectorReport
	h.must(200, h.do("supervisor", "GET", "/api/v1/stats/inspectors?from="+from+"&to="+to, nil)).json(t, &ir)
	if len(ir.Inspectors) != len(inspectors) {
		t.Fatalf("%d inspectors listed, want %d: %+v", len(ir.Inspectors), len(inspectors), ir.Inspectors)
	}
	regradedSeen := int64(0)
	for _, g := range ir.Inspectors {
		w := inspectors[g.Inspector]
		if w == nil {
			t.Errorf("unknown inspector %q", g.Inspector)
			continue
		}
		regradedSeen += g.Regrades
		rate := float64(w.regradedUnits) / float64(w.units)
		if g.Units != w.units || g.RegradedUnits != w.regradedUnits || g.Regrades != w.regrades || math.Abs(g.OverrideRate-rate) > 1e-9 {
			t.Errorf("%s: units %d regraded %d regrades %d rate %.3f; want %d %d %d %.3f", g.Inspector, g.Units, g.RegradedUnits, g.Regrades, g.OverrideRate, w.units, w.regradedUnits, w.regrades, rate)
		}
		med, p90 := nearestRank(w.spans, 0.5), nearestRank(w.spans, 0.9)
		if !within(g.MedianSecondsPerUnit, med) || !within(g.P90SecondsPerUnit, p90) {
			t.Errorf("%s: time per unit median %ds p90 %ds; exact %.0fs %.0fs", g.Inspector, g.MedianSecondsPerUnit, g.P90SecondsPerUnit, med, p90)
		}
	}
	if regradedSeen != 3 {
		t.Errorf("the script regraded 3 times; the inspectors show %d", regradedSeen)
	}

	// CSV in Chinese: BOM, headings, the same numbers.
	raw := h.must(200, h.do("supervisor", "GET", "/api/v1/stats/throughput.csv?lang=zh", nil)).body
	if !bytes.HasPrefix(raw, []byte("\uFEFF")) {
		t.Error("throughput CSV has no byte order mark")
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\uFEFF")))).ReadAll()
	if err != nil || len(rows) != 8 || strings.Join(rows[0], ",") != "时段,签收包裹,质检件数,上架件数" {
		t.Fatalf("throughput CSV: %v %q", err, rows)
	}
	for i, p := range week.Periods {
		if want := []string{p.Start, strconv.FormatInt(p.Received, 10), strconv.FormatInt(p.Inspected, 10), strconv.FormatInt(p.PutAway, 10)}; !slices.Equal(rows[i+1], want) {
			t.Errorf("CSV row %d: %q, want %q", i+1, rows[i+1], want)
		}
	}
	raw = h.must(200, h.do("supervisor", "GET", "/api/v1/stats/throughput.csv?lang=en&table=categories", nil)).body
	rows, _ = csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\uFEFF")))).ReadAll()
	if len(rows) != 1+len(dwellCat) || rows[0][0] != "category" {
		t.Errorf("category CSV: %q", rows)
	}
	raw = h.must(200, h.do("supervisor", "GET", "/api/v1/stats/inspectors.csv?lang=zh", nil)).body
	rows, _ = csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\uFEFF")))).ReadAll()
	if len(rows) != 3 || rows[0][0] != "质检员账号" || rows[1][0] != ir.Inspectors[0].Inspector || rows[1][2] != strconv.FormatInt(ir.Inspectors[0].Units, 10) {
		t.Errorf("inspectors CSV: %q", rows)
	}

	// The chart, in both languages, one group of three bars per day.
	svg := string(h.must(200, h.do("supervisor", "GET", "/api/v1/stats/throughput.svg?lang=zh", nil)).body)
	if !strings.Contains(svg, "签收包裹、质检与上架件数") || strings.Count(svg, "<rect ") < 1+3+21 {
		t.Errorf("Chinese chart lacks its title or bars:\n%.400s", svg)
	}
	if svg := string(h.must(200, h.do("supervisor", "GET", "/api/v1/stats/throughput.svg?lang=en&from="+to+"&to="+to, nil)).body); !strings.Contains(svg, "put away") {
		t.Errorf("English hourly chart lacks its legend:\n%.400s", svg)
	}

	// Prometheus: all-time counters and the receipt→result histogram (a
	// voided unit stays observed: a counter never goes back).
	metrics := string(h.must(200, h.do("", "GET", "/metrics", nil)).body)
	var confirmed, under24 int
	for _, u := range units {
		if !u.confirmed.IsZero() {
			confirmed++
			if u.confirmed.Sub(u.received) <= 24*time.Hour {
				under24++
			}
		}
	}
	for _, want := range []string{
		fmt.Sprintf("station_parcels_received_total %d", len(units)),
		fmt.Sprintf("station_units_inspected_total %d", confirmed),
		fmt.Sprintf("station_units_put_away_total %d", total.put),
		fmt.Sprintf(`station_receipt_to_result_seconds_bucket{le="86400"} %d`, under24),
		fmt.Sprintf("station_receipt_to_result_seconds_count %d", confirmed),
	} {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("/metrics lacks %q:\n%s", want, grepLines(metrics, "station_(parcels_received|units_|receipt_to)", 30))
		}
	}
}

// Bad ranges are refused with a problem naming the field.
func TestThroughputRangeRefused(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct{ query, field string }{
		{"from=2026-13-01", "from"},
		{"to=yesterday", "to"},
		{"from=2026-12-08&to=2026-12-01", "from"},
		{"from=2024-01-01&to=2026-12-01", "to"},
		{"from=2026-10-01&to=2026-12-01&by=hour", "by"},
		{"by=minute", "by"},
	} {
		for _, path := range []string{"/api/v1/stats/throughput?", "/api/v1/stats/throughput.csv?", "/api/v1/stats/inspectors?"} {
			if strings.Contains(path, "inspectors") && c.field == "by" {
				continue
			}
			p := h.must(400, h.do("supervisor", "GET", path+c.query, nil)).problem(t)
			if !regexp.MustCompile(`"` + c.field + `"`).MatchString(fmt.Sprintf("%q", fieldNames(p))) {
				t.Errorf("%s%s: problem names %v, want %s", path, c.query, fieldNames(p), c.field)
			}
		}
	}
}

func fieldNames(p web.Problem) []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

// The inspectors' figures name a signed-in person by their display name
// beside the account, in the JSON and the CSV.
func TestInspectorsNamedByAccount(t *testing.T) {
	h := newHarness(t)
	if _, err := h.db.AddUser(station.User{Username: "li.wei", DisplayName: "李伟", Role: "operator"}, "2468", ""); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	rma := sampleRMA("RMA-20261207-1", "SF1000000000777", "no_reason_7d", "electronics", now.Add(-72*time.Hour), now.Add(-48*time.Hour))
	rma.Lines[0].Serials = []string{"SN777"}
	h.must(201, h.do("supervisor", "POST", "/api/v1/returns", rma))
	b := newBrowser(t, h)
	h.must(200, b.login("li.wei", "2468"))
	var rec station.ReceiveResult
	h.must(201, b.do("POST", "/api/v1/parcels/receive", map[string]any{"code": "SF1000000000777"})).json(t, &rec)
	var ur station.UnitResult
	h.must(201, b.do("POST", "/api/v1/parcels/"+rec.Parcel.ID+"/units", map[string]any{"code": "06901234567892"})).json(t, &ur)
	h.must(200, b.do("PUT", "/api/v1/units/"+ur.Unit.ID+"/inspection", map[string]any{"checklist": electronicsAnswers, "serial": "SN777"}))
	h.must(200, b.do("POST", "/api/v1/units/"+ur.Unit.ID+"/confirm", map[string]any{}))

	var ir station.InspectorReport
	h.must(200, h.do("supervisor", "GET", "/api/v1/stats/inspectors", nil)).json(t, &ir)
	if len(ir.Inspectors) != 1 || ir.Inspectors[0].Inspector != "user:li.wei" || ir.Inspectors[0].Name != "李伟" || ir.Inspectors[0].Units != 1 {
		t.Fatalf("inspectors %+v, want user:li.wei named 李伟 with 1 unit", ir.Inspectors)
	}
	raw := h.must(200, h.do("supervisor", "GET", "/api/v1/stats/inspectors.csv?lang=zh", nil)).body
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\uFEFF")))).ReadAll()
	if err != nil || len(rows) != 2 || !slices.Equal(rows[1][:3], []string{"user:li.wei", "李伟", "1"}) {
		t.Errorf("inspectors CSV %q (%v), want li.wei, 李伟, 1 unit", rows, err)
	}
}

// Every chart is drawn at the width the page asks for (a handheld asks for
// its own), and a width that is not a number of pixels in range is refused
// naming w.
func TestChartsAtTheWidthAsked(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{"/api/v1/stats/ageing.svg", "/api/v1/stats/throughput.svg", "/api/v1/stats/value.svg",
		"/api/v1/stats/returns.svg", "/api/v1/stats/defects.svg"} {
		r := h.must(200, h.do("supervisor", "GET", path+"?lang=zh&w=360", nil))
		if !strings.Contains(string(r.body), `viewBox="0 0 360 260"`) {
			t.Errorf("%s?w=360: not drawn 360 wide: %.200s", path, r.body)
		}
		r = h.must(200, h.do("supervisor", "GET", path, nil))
		if !strings.Contains(string(r.body), `viewBox="0 0 640 260"`) {
			t.Errorf("%s: not drawn at the default 640: %.200s", path, r.body)
		}
		for _, w := range []string{"wide", "100", "5000", "360.5"} {
			p := h.must(400, h.do("supervisor", "GET", path+"?w="+w, nil)).problem(t)
			if names := fieldNames(p); len(names) != 1 || names[0] != "w" {
				t.Errorf("%s?w=%s: problem names %v, want w", path, w, names)
			}
		}
	}
}
