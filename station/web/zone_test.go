package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"returns-station/station"
	"returns-station/station/web"
)

// The station's days and printed times are the warehouse's, from the rules'
// time_zone, whatever zone the machine runs in: the ageing and alert CSVs,
// the inbound board's today, a closed tote's printed list, the backup's file
// name and the sign-in lockout's "try again at". Two zones on either side of
// UTC, so at least one differs from the machine's wherever the test runs.
func TestWarehouseZoneNotMachineZone(t *testing.T) {
	// Four parcels from 11:30 UTC on 28 February, ten minutes apart, the
	// last far too heavy (a weight alarm); then the clock stands at 17:30
	// UTC on 1 March, already 2 March in Shanghai.
	received := time.Date(2026, 2, 28, 11, 30, 0, 0, time.UTC)
	now := time.Date(2026, 3, 1, 17, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		zone                         string
		received, raised             string // wall times in the CSVs
		today, tomorrow              string // the inbound board's days
		ageingFile, backupFile, lock string
		closed                       string // the tote list's closing time
	}{
		{zone: "Asia/Shanghai", received: "2026-02-28 19:30", raised: "2026-02-28 20:00",
			today: "2026-03-02", tomorrow: "2026-03-03", ageingFile: "ageing-20260302-0130.csv",
			backupFile: "station-st-test-20260302-013000.tar", lock: "01:31:00", closed: "2026-03-02 01:30"},
		{zone: "America/New_York", received: "2026-02-28 06:30", raised: "2026-02-28 07:00",
			today: "2026-03-01", tomorrow: "2026-03-02", ageingFile: "ageing-20260301-1230.csv",
			backupFile: "station-st-test-20260301-123000.tar", lock: "12:31:00", closed: "2026-03-01 12:30"},
	} {
		t.Run(tc.zone, func(t *testing.T) {
			clk := &clock{t: received}
			h := newHarness(t, func(c *web.Config) { c.Now = clk.now })
			var rs station.RuleSet
			h.must(200, h.do("supervisor", "GET", "/api/v1/rules", nil)).json(t, &rs)
			rs.TimeZone = tc.zone
			rs.Alarms.Weight.MinSamples = 2
			h.must(200, h.do("supervisor", "PUT", "/api/v1/rules", rs))

			var first station.Parcel
			for i, grams := range []int{262, 248, 261, 905} {
				tracking := fmt.Sprintf("SF%013d", 1300000000001+i)
				r := sampleRMA(fmt.Sprintf("RMA-20260228-%06d", i+1), tracking, "no_reason_7d", "electronics",
					received.Add(-72*time.Hour), received.Add(-48*time.Hour))
				r.Lines[0].Serials = []string{"SN" + tracking}
				h.must(201, h.do("supervisor", "POST", "/api/v1/returns", r))
				var rec station.ReceiveResult
				h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": tracking, "weight_g": grams})).json(t, &rec)
				if i == 0 {
					first = *rec.Parcel
				}
				clk.set(clk.now().Add(10 * time.Minute))
			}

			// Now: the first parcel's unit is confirmed, put in a tote and
			// the tote closed.
			clk.set(now)
			var ur station.UnitResult
			h.must(201, h.do("operator", "POST", "/api/v1/parcels/"+first.ID+"/units", map[string]any{"code": "06901234567892"})).json(t, &ur)
			answers := map[string]any{"packaging": "opened", "used": false, "powers_on": true, "functions_ok": false, "cosmetic": "none",
				"liquid_damage": false, "account_locked": false, "accessories_complete": true}
			h.must(200, h.do("operator", "PUT", "/api/v1/units/"+ur.Unit.ID+"/inspection", map[string]any{"checklist": answers, "serial": "SN" + first.Tracking}))
			h.must(200, h.do("operator", "POST", "/api/v1/units/"+ur.Unit.ID+"/confirm", map[string]any{}))
			h.must(200, h.do("operator", "POST", "/api/v1/units/"+ur.Unit.ID+"/move", map[string]any{"to": "RS1:T:T-0007"}))
			h.must(200, h.do("operator", "POST", "/api/v1/totes/T-0007/close", map[string]any{}))

			// The inbound board's default day is the warehouse's today.
			var b station.InboundBoard
			h.must(200, h.do("operator", "GET", "/api/v1/inbound", nil)).json(t, &b)
			if b.Day != tc.today {
				t.Errorf("inbound board's today: %s, want %s", b.Day, tc.today)
			}
			h.must(200, h.do("operator", "GET", "/api/v1/inbound?day=tomorrow", nil)).json(t, &b)
			if b.Day != tc.tomorrow {
				t.Errorf("inbound board's tomorrow: %s, want %s", b.Day, tc.tomorrow)
			}
			h.must(200, h.do("operator", "GET", "/api/v1/inbound?day="+tc.tomorrow, nil)).json(t, &b)
			if b.Day != tc.tomorrow {
				t.Errorf("inbound board for day=%s: %s", tc.tomorrow, b.Day)
			}

			// The ageing CSV: named after the warehouse's clock, receipt in
			// its wall time, oldest first.
			r := h.must(200, h.do("supervisor", "GET", "/api/v1/stats/ageing.csv?lang=en", nil))
			if d := r.header.Get("Content-Disposition"); !strings.Contains(d, `"`+tc.ageingFile+`"`) {
				t.Errorf("ageing CSV named %s, want %s", d, tc.ageingFile)
			}
			rows := readCSV(t, r.body)
			if len(rows) != 5 || rows[1][0] != first.ID || rows[1][3] != tc.received {
				t.Errorf("ageing CSV: %q, want 4 parcels, the first %s received %s", rows, first.ID, tc.received)
			}

			// The alert CSV: the weight alarm raised in the warehouse's wall
			// time, the range ending on its today.
			r = h.must(200, h.do("supervisor", "GET", "/api/v1/stats/alerts.csv?lang=en", nil))
			if d := r.header.Get("Content-Disposition"); !strings.HasSuffix(d, "-"+tc.today+`.csv"`) {
				t.Errorf("alert CSV named %s, want the range to end on %s", d, tc.today)
			}
			rows = readCSV(t, r.body)
			if len(rows) != 2 || rows[1][1] != station.AlertWeight || rows[1][5] != tc.raised {
				t.Errorf("alert CSV: %q, want the weight alarm raised at %s", rows, tc.raised)
			}

			// The tote's printed list says when it was closed.
			list := string(h.must(200, h.do("operator", "GET", "/api/v1/totes/T-0007/list", nil)).body)
			if !strings.Contains(list, "closed "+tc.closed) {
				t.Errorf("tote list does not say closed %s: %s", tc.closed, list)
			}

			// The backup's file name.
			r = h.must(200, h.do("admin", "GET", "/api/v1/backup", nil))
			if d := r.header.Get("Content-Disposition"); !strings.Contains(d, `"`+tc.backupFile+`"`) {
				t.Errorf("backup named %s, want %s", d, tc.backupFile)
			}

			// A locked-out sign-in says when to try again on the wall clock.
			if _, err := h.db.AddUser(station.User{Username: "wang.fang", Role: "supervisor"}, "1357", ""); err != nil {
				t.Fatal(err)
			}
			br := newBrowser(t, h)
			for range station.SignInAttempts {
				h.must(401, br.login("wang.fang", "0000"))
			}
			p := h.must(429, br.login("wang.fang", "1357")).problem(t)
			if p.Args["at"] != tc.lock || !strings.Contains(p.Detail, "(at "+tc.lock+")") {
				t.Errorf("lockout says try again at %q (%s), want %s", p.Args["at"], p.Detail, tc.lock)
			}
		})
	}
}
