package web_test

import (
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"returns-station/station"
	"returns-station/station/web"
)

// clock is a settable clock for the server.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// ageScript receives a scripted set of parcels at known times, takes each to
// a known stage, and returns what the test expects of each: when it was
// received, why it waits and since when. Closed parcels are not listed.
type scripted struct {
	id, tracking string
	received     time.Time
	waiting      string
	since        time.Time
}

func ageScript(t *testing.T, h *harness, clk *clock, t0 time.Time) []scripted {
	var out []scripted
	receive := func(at time.Duration, tracking string) station.Parcel {
		clk.set(t0.Add(at))
		var rec station.ReceiveResult
		h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": tracking})).json(t, &rec)
		return *rec.Parcel
	}
	rma := func(n, tracking string) {
		r := sampleRMA("RMA-20261122-"+n, tracking, "no_reason_7d", "electronics", t0.Add(-72*time.Hour), t0.Add(-48*time.Hour))
		r.Lines[0].Serials = []string{"SN" + tracking} // a serial seen twice would hold the unit
		h.must(201, h.do("supervisor", "POST", "/api/v1/returns", r))
	}
	confirmUnit := func(p station.Parcel, at time.Duration) station.Unit {
		clk.set(t0.Add(at))
		var ur station.UnitResult
		h.must(201, h.do("operator", "POST", "/api/v1/parcels/"+p.ID+"/units", map[string]any{"code": "06901234567892"})).json(t, &ur)
		serial := "SN" + p.Tracking
		answers := map[string]any{"packaging": "opened", "used": false, "powers_on": true, "functions_ok": false, "cosmetic": "none",
			"liquid_damage": false, "account_locked": false, "accessories_complete": true}
		h.must(200, h.do("operator", "PUT", "/api/v1/units/"+ur.Unit.ID+"/inspection", map[string]any{"checklist": answers, "serial": serial}))
		h.must(200, h.do("operator", "POST", "/api/v1/units/"+ur.Unit.ID+"/confirm", map[string]any{}))
		return *ur.Unit
	}
	for i, tr := range []string{"SF1000000000101", "SF1000000000102", "SF1000000000103", "SF1000000000104", "SF1000000000105"} {
		rma(string(rune('1'+i))+"00001", tr)
	}

	// Received 50 h before "now", matched to nothing: waits on its exception.
	p := receive(0, "YT9000000000001")
	out = append(out, scripted{p.ID, p.Tracking, t0, station.WaitException, t0})
	// 40 h: a unit confirmed at 42 h, not put away.
	p = receive(10*time.Hour, "SF1000000000101")
	confirmUnit(p, 12*time.Hour)
	out = append(out, scripted{p.ID, p.Tracking, t0.Add(10 * time.Hour), station.WaitPutAway, t0.Add(12 * time.Hour)})
	// 30 h: a unit started, not confirmed.
	p = receive(20*time.Hour, "SF1000000000102")
	clk.set(t0.Add(21 * time.Hour))
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/"+p.ID+"/units", map[string]any{"code": "06901234567892"}))
	out = append(out, scripted{p.ID, p.Tracking, t0.Add(20 * time.Hour), station.WaitInspection, t0.Add(20 * time.Hour)})
	// 21 h: untouched, late within 4 hours.
	p = receive(29*time.Hour, "SF1000000000103")
	out = append(out, scripted{p.ID, p.Tracking, t0.Add(29 * time.Hour), station.WaitInspection, t0.Add(29 * time.Hour)})
	// 26 h: confirmed and put away at 30 h, not closed.
	p = receive(24*time.Hour, "SF1000000000104")
	u := confirmUnit(p, 30*time.Hour)
	h.must(200, h.do("operator", "POST", "/api/v1/units/"+u.ID+"/move", map[string]any{"to": "RS1:T:T-0007"}))
	out = append(out, scripted{p.ID, p.Tracking, t0.Add(24 * time.Hour), station.WaitClose, t0.Add(30 * time.Hour)})
	// 60 h ago and closed: off the board.
	p = receive(-10*time.Hour, "SF1000000000105")
	u = confirmUnit(p, -9*time.Hour)
	h.must(200, h.do("operator", "POST", "/api/v1/units/"+u.ID+"/move", map[string]any{"to": "RS1:T:T-0007"}))
	h.must(200, h.do("operator", "POST", "/api/v1/parcels/"+p.ID+"/close", nil))
	// 5 h: on time.
	p = receive(45*time.Hour, "YT9000000000002")
	out = append(out, scripted{p.ID, p.Tracking, t0.Add(45 * time.Hour), station.WaitException, t0.Add(45 * time.Hour)})
	return out
}

// expectBoard is the board computed here, independently of station.Ageing.
func expectBoard(ps []scripted, now time.Time, target, alarm time.Duration) (late, alarms, due int, want []scripted) {
	for _, p := range ps {
		age := now.Sub(p.received)
		if age >= target {
			late++
		}
		if age >= alarm {
			alarms++
		}
		if age >= target-4*time.Hour && age < target {
			due++
		}
		if age >= target-4*time.Hour {
			want = append(want, p)
		}
	}
	for i := 1; i < len(want); i++ { // insertion sort, oldest first
		for j := i; j > 0 && want[j].received.Before(want[j-1].received); j-- {
			want[j], want[j-1] = want[j-1], want[j]
		}
	}
	return
}

func TestAgeingBoard(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	clk := &clock{t: t0}
	for _, tc := range []struct {
		name          string
		target, alarm time.Duration
	}{{"defaults", 0, 0}, {"configured 30h/40h", 30 * time.Hour, 40 * time.Hour}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(c *web.Config) {
				c.Now = clk.now
				c.Ageing = station.AgeTargets{Target: tc.target, Alarm: tc.alarm}
			})
			ps := ageScript(t, h, clk, t0)
			now := t0.Add(50 * time.Hour)
			clk.set(now)
			target, alarm := tc.target, tc.alarm
			if target == 0 {
				target, alarm = 24*time.Hour, 48*time.Hour
			}
			late, alarms, due, want := expectBoard(ps, now, target, alarm)

			h.must(403, h.do("operator", "GET", "/api/v1/stats/ageing", nil))
			var b station.AgeingBoard
			h.must(200, h.do("supervisor", "GET", "/api/v1/stats/ageing", nil)).json(t, &b)
			if b.Open != len(ps) || b.Late != late || b.Alarm != alarms || b.DueSoon != due || b.OldestSeconds != 50*3600 {
				t.Errorf("counts: open %d late %d alarm %d due %d oldest %ds; want %d %d %d %d %ds", b.Open, b.Late, b.Alarm, b.DueSoon, b.OldestSeconds, len(ps), late, alarms, due, 50*3600)
			}
			if b.TargetSeconds != int64(target/time.Second) || b.AlarmSeconds != int64(alarm/time.Second) {
				t.Errorf("targets %d/%d s, want %v/%v", b.TargetSeconds, b.AlarmSeconds, target, alarm)
			}
			if len(b.Parcels) != len(want) {
				t.Fatalf("board lists %d parcels, want %d: %+v", len(b.Parcels), len(want), b.Parcels)
			}
			for i, w := range want {
				g := b.Parcels[i]
				age := now.Sub(w.received)
				state := "due_soon"
				if age >= alarm {
					state = "alarm"
				} else if age >= target {
					state = "late"
				}
				if g.ParcelID != w.id || g.Tracking != w.tracking || g.Waiting != w.waiting || !g.StageSince.Equal(w.since) ||
					g.AgeSeconds != int64(age/time.Second) || g.StageSeconds != int64(now.Sub(w.since)/time.Second) ||
					g.State != state || g.LateInSecs != int64((target-age)/time.Second) {
					t.Errorf("row %d: got %+v\nwant %s %s waiting %s since %v age %v state %s", i, g, w.id, w.tracking, w.waiting, w.since, age, state)
				}
				if w.waiting == station.WaitException && len(g.Exceptions) == 0 {
					t.Errorf("row %d waits on an exception but names none", i)
				}
			}
			// Age bands of every open parcel: on time, due within 4 h, late, alarm.
			bands := make([]int, 4)
			for _, p := range ps {
				switch a := now.Sub(p.received); {
				case a >= alarm:
					bands[3]++
				case a >= target:
					bands[2]++
				case a >= target-4*time.Hour:
					bands[1]++
				default:
					bands[0]++
				}
			}
			edges := []int64{0, int64((target - 4*time.Hour) / time.Second), int64(target / time.Second), int64(alarm / time.Second), 0}
			for i, bk := range b.Buckets {
				if bk.Count != bands[i] || bk.FromSeconds != edges[i] || bk.ToSeconds != edges[i+1] {
					t.Errorf("band %d: %+v, want %d parcels from %d to %d s", i, bk, bands[i], edges[i], edges[i+1])
				}
			}

			// The CSV: BOM, the columns, Chinese text, one row per board row.
			r := h.must(200, h.do("supervisor", "GET", "/api/v1/stats/ageing.csv?lang=zh", nil))
			if !strings.HasPrefix(string(r.body), "\uFEFF") || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
				t.Fatalf("CSV without BOM or as %q: %q", r.header.Get("Content-Type"), r.body[:min(len(r.body), 40)])
			}
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(r.body), "\uFEFF"))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(rows[0], ",") != "包裹,运单号,退货单号,签收时间,已过小时,状态,等待原因,本阶段小时,异常" || len(rows) != len(want)+1 {
				t.Fatalf("CSV heading %v and %d rows, want %d", rows[0], len(rows)-1, len(want))
			}
			zh := map[string]string{"alarm": "告警", "late": "已超时", "due_soon": "即将超时"}
			for i, g := range b.Parcels {
				if rows[i+1][0] != g.ParcelID || rows[i+1][5] != zh[g.State] || rows[i+1][4] != strconv.FormatFloat(now.Sub(want[i].received).Hours(), 'f', 1, 64) {
					t.Errorf("CSV row %d: %v, board %+v", i+1, rows[i+1], g)
				}
			}
			// The chart: well-formed SVG with each band's count and the words in Chinese.
			r = h.must(200, h.do("supervisor", "GET", "/api/v1/stats/ageing.svg?lang=zh", nil))
			if err := xml.Unmarshal(r.body, new(struct{})); err != nil {
				t.Fatalf("chart is not well-formed SVG: %v", err)
			}
			svg := string(r.body)
			for i, n := range bands {
				want := fmt.Sprintf(">%d</text>", n)
				if !strings.Contains(svg, want) {
					t.Errorf("chart lacks band %d count %d", i, n)
				}
			}
			if !strings.Contains(svg, "告警") || !strings.Contains(svg, "已超时") || strings.Contains(svg, "<script") {
				t.Errorf("chart in Chinese lacks its words or carries a script: %s", svg)
			}
			// The gauges say the same.
			metrics := string(h.must(200, h.do("", "GET", "/metrics", nil)).body)
			for _, want := range []string{
				fmt.Sprintf("station_parcels_open %d\n", len(ps)),
				fmt.Sprintf("station_parcels_late %d\n", late),
				fmt.Sprintf("station_parcels_alarm %d\n", alarms),
				fmt.Sprintf("station_parcels_due_soon %d\n", due),
				fmt.Sprintf("station_parcel_oldest_age_seconds %d\n", 50*3600),
			} {
				if !strings.Contains(metrics, want) {
					t.Errorf("/metrics lacks %q; it has:\n%s", want, grepLines(metrics, "station_parcel", 20))
				}
			}
			p := h.must(400, h.do("supervisor", "GET", "/api/v1/stats/ageing.csv?lang=fr", nil)).problem(t)
			if len(p.Errors) == 0 || p.Errors[0].Field != "lang" {
				t.Errorf("bad lang: %+v, want the field lang named", p)
			}
		})
	}
}

// The board is read from an index the commands keep: right after each
// command the parcel's row shows its new stage, with no delay or cache.
func TestAgeingBoardFollowsEachCommand(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	clk := &clock{t: t0}
	h := newHarness(t, func(c *web.Config) { c.Now = clk.now })
	const tracking = "SF1000000000201"
	row := func(step string, wantWaiting string, wantSince time.Time, wantExc string) {
		t.Helper()
		clk.set(t0.Add(30 * time.Hour)) // late: listed
		var b station.AgeingBoard
		h.must(200, h.do("supervisor", "GET", "/api/v1/stats/ageing", nil)).json(t, &b)
		if b.Open != 1 || len(b.Parcels) != 1 {
			t.Fatalf("%s: board has %d open, %d rows; want the one parcel", step, b.Open, len(b.Parcels))
		}
		g := b.Parcels[0]
		if g.Tracking != tracking || g.Waiting != wantWaiting || !g.StageSince.Equal(wantSince) || strings.Join(g.Exceptions, ",") != wantExc {
			t.Errorf("%s: row %+v; want waiting %s since %v, exceptions %q", step, g, wantWaiting, wantSince, wantExc)
		}
	}

	clk.set(t0)
	var rec station.ReceiveResult
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": tracking})).json(t, &rec)
	row("received, no RMA", station.WaitException, t0, "unmatched")

	clk.set(t0.Add(time.Hour)) // the RMA arrives: the unmatched exception resolves itself
	r := sampleRMA("RMA-20261120-201", tracking, "no_reason_7d", "electronics", t0.Add(-72*time.Hour), t0.Add(-48*time.Hour))
	r.Lines[0].Serials = []string{"SN" + tracking}
	h.must(201, h.do("supervisor", "POST", "/api/v1/returns", r))
	row("RMA matched", station.WaitInspection, t0, "")

	clk.set(t0.Add(2 * time.Hour))
	var ur station.UnitResult
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/units", map[string]any{"code": "06901234567892"})).json(t, &ur)
	row("unit added", station.WaitInspection, t0, "")

	clk.set(t0.Add(3 * time.Hour))
	answers := map[string]any{"packaging": "opened", "used": false, "powers_on": true, "functions_ok": false, "cosmetic": "none",
		"liquid_damage": false, "account_locked": false, "accessories_complete": true}
	h.must(200, h.do("operator", "PUT", "/api/v1/units/"+ur.Unit.ID+"/inspection", map[string]any{"checklist": answers, "serial": "SN" + tracking}))
	h.must(200, h.do("operator", "POST", "/api/v1/units/"+ur.Unit.ID+"/confirm", map[string]any{}))
	row("unit confirmed", station.WaitPutAway, t0.Add(3*time.Hour), "")

	clk.set(t0.Add(4 * time.Hour))
	h.must(200, h.do("operator", "POST", "/api/v1/units/"+ur.Unit.ID+"/move", map[string]any{"to": "RS1:T:T-0007"}))
	row("unit put away", station.WaitClose, t0.Add(3*time.Hour), "")

	h.must(200, h.do("operator", "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/close", nil))
	var b station.AgeingBoard
	h.must(200, h.do("supervisor", "GET", "/api/v1/stats/ageing", nil)).json(t, &b)
	if b.Open != 0 || len(b.Parcels) != 0 {
		t.Errorf("after closing: %d open, rows %+v; want none", b.Open, b.Parcels)
	}
}

// The board's JSON lists the oldest ?limit= parcels (500 by default) and
// still counts them all; the CSV lists them all; a bad limit names the field.
func TestAgeingBoardLimit(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	clk := &clock{t: t0}
	h := newHarness(t, func(c *web.Config) { c.Now = clk.now })
	ps := ageScript(t, h, clk, t0)
	now := t0.Add(50 * time.Hour)
	clk.set(now)
	late, _, due, want := expectBoard(ps, now, 24*time.Hour, 48*time.Hour)
	if len(want) < 3 {
		t.Fatalf("the script lists %d parcels; the test needs 3 or more", len(want))
	}
	var all, two station.AgeingBoard
	h.must(200, h.do("supervisor", "GET", "/api/v1/stats/ageing", nil)).json(t, &all)
	h.must(200, h.do("supervisor", "GET", "/api/v1/stats/ageing?limit=2", nil)).json(t, &two)
	if len(all.Parcels) != len(want) {
		t.Errorf("default limit lists %d parcels, want all %d", len(all.Parcels), len(want))
	}
	if len(two.Parcels) != 2 || two.Parcels[0].ParcelID != want[0].id || two.Parcels[1].ParcelID != want[1].id {
		t.Errorf("limit=2 lists %+v, want the two oldest %s and %s", two.Parcels, want[0].id, want[1].id)
	}
	if two.Open != len(ps) || two.Late != late || two.DueSoon != due || two.Late+two.DueSoon != len(want) {
		t.Errorf("limit=2 counts open %d late %d due %d; want %d %d %d", two.Open, two.Late, two.DueSoon, len(ps), late, due)
	}
	if len(two.Parcels) == 2 && fmt.Sprint(two.Parcels[0]) != fmt.Sprint(all.Parcels[0]) {
		t.Errorf("limited row %+v differs from the full board's %+v", two.Parcels[0], all.Parcels[0])
	}
	for _, q := range []string{"limit=0", "limit=x", "limit=100001"} {
		p := h.must(400, h.do("supervisor", "GET", "/api/v1/stats/ageing?"+q, nil)).problem(t)
		if len(p.Errors) != 1 || p.Errors[0].Field != "limit" {
			t.Errorf("%s: problem %+v, want one naming limit", q, p)
		}
	}
}
