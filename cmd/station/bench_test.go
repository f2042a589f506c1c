package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// The bench's target lines are what the closing figures are read from: each
// must show the station's figure, the peer's from the same run, the ratio,
// the goal and a verdict. The figures themselves are not checked here.
func TestBenchPrintsTargetsBesidePeers(t *testing.T) {
	if testing.Short() {
		t.Skip("runs six short load runs")
	}
	var out, errs bytes.Buffer
	err := bench(context.Background(), []string{"--duration", "200ms", "--rounds", "2", "--concurrency", "", "--webhooks=false", "--parcels", "0", "--drain", "0", "--dashboard-parcels", "0", "--dir", t.TempDir()}, &out, &errs)
	if err != nil {
		t.Fatalf("bench: %v\n%s%s", err, out.String(), errs.String())
	}
	line := regexp.MustCompile(`^target .+ (peer |limit) +[0-9.]+( ms|/s) +ratio +\d+\.\d\d \[\d+\.\d\d–\d+\.\d\d\] +\(target [≤≥] \d+\.\d\d× .+\) +(met|NOT met)$`)
	var targets int
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "target ") {
			targets++
			if !line.MatchString(l) {
				t.Errorf("target line not in the documented form: %q", l)
			}
		}
	}
	if targets != 5 {
		t.Errorf("want 5 target lines, got %d:\n%s", targets, out.String())
	}
	for _, want := range []string{"station, 64 clients, 10% refused in the tx", "committer, 64 clients:", "group commit without timer"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
