package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// The manager's-view benchmark, at a small size: every target line shows the
// figure, what it is held against, the ratio, the goal and a verdict; every
// JSON figure under /api/v1/stats/ is measured; a second run reuses the
// station the first one built. The figures themselves are not checked here.
func TestDashboardBenchPrintsTargets(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a small station and runs four short load runs")
	}
	dir := t.TempDir()
	args := []string{"--duration", "200ms", "--targets=false", "--concurrency", "", "--webhooks=false", "--parcels", "0", "--drain", "0",
		"--dashboard-parcels", "300", "--dashboard-open", "60", "--dashboard-csv-rows", "400", "--dir", dir}
	line := regexp.MustCompile(`^target .+ +[0-9.]+( ms|/s) +(limit|without) +[0-9.]+( ms|/s) +ratio +\d+\.\d\d +\(target [≤≥] \d+\.\d\d× .+\) +(met|NOT met)$`)
	for run, want := range []string{"dashboard: 300 parcels over 200 days (60 open", "dashboard: reusing"} {
		var out, errs bytes.Buffer
		if err := bench(context.Background(), args, &out, &errs); err != nil {
			t.Fatalf("run %d: bench: %v\n%s%s", run, err, out.String(), errs.String())
		}
		text := out.String()
		if !strings.Contains(text, want) {
			t.Errorf("run %d: output lacks %q:\n%s", run, want, text)
		}
		var targets []string
		for _, l := range strings.Split(text, "\n") {
			if strings.HasPrefix(l, "target ") {
				targets = append(targets, l)
				if !line.MatchString(l) {
					t.Errorf("target line not in the documented form: %q", l)
				}
			}
		}
		for _, want := range []string{"target /api/v1/stats/ageing p95", "target /api/v1/stats/ageing (30 days) p95",
			"target CSV export of 400 rows: rows/s", "target 64 clients: receives/s with the counters", "target /metrics p95"} {
			found := false
			for _, l := range targets {
				found = found || strings.HasPrefix(l, want+" ")
			}
			if !found {
				t.Errorf("run %d: no target line %q in:\n%s", run, want, text)
			}
		}
	}
}
