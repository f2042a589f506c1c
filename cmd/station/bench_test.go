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
	// How each side makes a receive durable: the peer's commit writes a
	// few pages; the station's journal record of one receive (a parcel, its
	// exception, two events and their indexes) is some kilobytes, and its
	// checkpoints, each holding many receives, write more pages than one
	// commit of the peer; the bare 8-bucket commit at least one page per
	// bucket besides the meta.
	m := regexp.MustCompile(`durability at 1 client: peer ([0-9.]+) pages per commit \(meta included\); station ([0-9.]+) KB of journal per group and ([0-9.]+) checkpoints of the data file per second, ([0-9.]+) pages each; .*, ([0-9.]+) pages: p50 +[0-9.]+ ms, [0-9.]+× \[`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no durability line in the documented form:\n%s", out.String())
	}
	f := func(i int) float64 { v, _ := strconv.ParseFloat(m[i], 64); return v }
	peer, kb, perSec, ckptPages, bare := f(1), f(2), f(3), f(4), f(5)
	if peer < 3 || kb < 1 || perSec <= 0 || ckptPages <= peer || bare < 9 {
		t.Errorf("durability: peer %.1f pages per commit, station %.2f KB per group, %.1f checkpoints/s of %.1f pages, bare 8-bucket commit %.1f pages; "+
			"want the peer at least 3, a journal record of at least 1 KB, checkpoints that write more than the peer's commit, the bare commit at least 9", peer, kb, perSec, ckptPages, bare)
	}
}
