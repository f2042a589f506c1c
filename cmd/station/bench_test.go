package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
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
	// The pages each commit wrote: a receive of an unknown parcel puts into
	// 8 buckets, the peer into 2, and the bare 8-bucket commit at least one
	// page per bucket besides the meta.
	m := regexp.MustCompile(`pages written per commit at 1 client \(meta included\): peer ([0-9.]+), station ([0-9.]+); .*, ([0-9.]+) pages: p50 +[0-9.]+ ms, [0-9.]+× \[`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no pages-written line in the documented form:\n%s", out.String())
	}
	peer, _ := strconv.ParseFloat(m[1], 64)
	station, _ := strconv.ParseFloat(m[2], 64)
	bare, _ := strconv.ParseFloat(m[3], 64)
	if peer < 3 || station <= peer || bare < 9 {
		t.Errorf("pages per commit: peer %.1f, station %.1f, bare 8-bucket commit %.1f; want the peer at least 3, the station above the peer, the bare commit at least 9", peer, station, bare)
	}
}
