package main_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"testing"

	"returns-station/station"
)

// TestFeedUnderRestarts interleaves writes with paged pulls of random sizes;
// the consumer sometimes forgets its last cursor (as after a crash before
// saving it) and the station is SIGKILLed and restarted. What was delivered
// must be exactly what was committed: no gap, strictly increasing seq within
// each page, duplicates only from cursors the consumer did not keep.
func TestFeedUnderRestarts(t *testing.T) {
	data := t.TempDir()
	op := newToken(t, data, "desk", "operator")
	feedTok := newToken(t, data, "central", "central")
	rng := rand.New(rand.NewPCG(1, 2))
	p := startStation(t, data)
	delivered := map[uint64]string{} // seq → id
	saved := ""                      // the consumer's durable cursor
	n := 0
	for round := 0; round < 60; round++ {
		switch rng.IntN(10) {
		case 0: // the station dies and comes back
			p.kill(t)
			p = startStation(t, data)
		case 1, 2, 3: // a desk scans a few parcels
			for i := rng.IntN(5); i >= 0; i-- {
				n++
				if st, err := call(http.DefaultClient, p.url, op, "POST", "/api/v1/parcels/receive", map[string]any{"code": fmt.Sprintf("SF77%011d", n)}, nil); err != nil || st != 201 {
					t.Fatalf("receive: %d %v", st, err)
				}
			}
		default: // central pulls a page
			var page struct {
				Events     []station.Event `json:"events"`
				NextCursor string          `json:"next_cursor"`
			}
			q := url.Values{"limit": {fmt.Sprint(1 + rng.IntN(7))}}
			if saved != "" {
				q.Set("after", saved)
			}
			if st, err := call(http.DefaultClient, p.url, feedTok, "GET", "/api/v1/feed?"+q.Encode(), nil, &page); err != nil || st != 200 {
				t.Fatalf("feed: %d %v", st, err)
			}
			for i, e := range page.Events {
				if i > 0 && e.Seq != page.Events[i-1].Seq+1 {
					t.Fatalf("page not contiguous: %d after %d", e.Seq, page.Events[i-1].Seq)
				}
				if id, ok := delivered[e.Seq]; ok && id != e.ID {
					t.Fatalf("seq %d delivered as %s and as %s", e.Seq, id, e.ID)
				}
				delivered[e.Seq] = e.ID
			}
			if rng.IntN(4) != 0 { // usually the consumer keeps its cursor
				saved = page.NextCursor
			}
		}
	}
	// Drain what is left, then compare with the log.
	for {
		var page struct {
			Events     []station.Event `json:"events"`
			NextCursor string          `json:"next_cursor"`
			HasMore    bool            `json:"has_more"`
		}
		call(http.DefaultClient, p.url, feedTok, "GET", "/api/v1/feed?limit=1000&after="+url.QueryEscape(saved), nil, &page)
		for _, e := range page.Events {
			delivered[e.Seq] = e.ID
		}
		saved = page.NextCursor
		if !page.HasMore {
			break
		}
	}
	p.kill(t)
	log := stationLog(t, data)
	if len(delivered) != len(log) {
		t.Fatalf("delivered %d distinct events, committed %d", len(delivered), len(log))
	}
	for _, e := range log {
		if delivered[e.Seq] != e.ID {
			t.Fatalf("seq %d: delivered %q, committed %q", e.Seq, delivered[e.Seq], e.ID)
		}
	}
	t.Logf("%d events delivered through restarts and forgotten cursors", len(log))
}
