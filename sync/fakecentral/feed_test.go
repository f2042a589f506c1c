package fakecentral_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"returns-station/sync/fakecentral"
)

// stationFeed serves GET /api/v1/feed over a fixed log, with the cursor
// being the last seq delivered; "stale" is refused with 410.
func stationFeed(t *testing.T, total uint64) (*httptest.Server, func() []string) {
	var mu sync.Mutex
	var afters []string
	log := events(1, total)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/feed" || r.Header.Get("Authorization") != "Bearer feed-token" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		after := r.URL.Query().Get("after")
		mu.Lock()
		afters = append(afters, after)
		mu.Unlock()
		if after == "stale" {
			w.WriteHeader(http.StatusGone)
			return
		}
		from, _ := strconv.ParseUint(after, 10, 64)
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		to := min(from+uint64(limit), total)
		page := map[string]any{"events": log[from:to], "next_cursor": strconv.FormatUint(to, 10), "has_more": to < total}
		json.NewEncoder(w).Encode(page)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), afters...)
	}
}

// TestPullFeed: central pulls the station's feed page by page, keeps the
// cursor, holds events pushed and pulled once, and starts over on 410.
func TestPullFeed(t *testing.T) {
	station, afters := stationFeed(t, 7)
	fc, srv := start(t, fakecentral.Options{})
	ok := push{station: sid, auth: "Bearer " + token, ctype: "application/cloudevents-batch+json",
		key: sid + ":1-3", body: events(1, 3)}
	if code, body := ok.do(t, srv.URL); code != 200 {
		t.Fatalf("push: got %d %s", code, body)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := fc.PullFeed(ctx, fakecentral.FeedOptions{StationURL: station.URL, Token: "feed-token",
			Limit: 3, Wait: 0, Retry: 5 * time.Millisecond}); err != nil {
			t.Errorf("PullFeed: %v", err)
		}
	}()
	defer func() { cancel(); wg.Wait() }()

	deadline := time.Now().Add(5 * time.Second)
	for len(fc.Events()) < 7 || fc.FeedStats().Cursor != "7" {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: got %d events, cursor %q", len(fc.Events()), fc.FeedStats().Cursor)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if got := afters()[:3]; got[0] != "" || got[1] != "3" || got[2] != "6" {
		t.Errorf("got cursors sent %q, want \"\", 3, 6", got)
	}
	st := fc.Stats()
	if st.Stored != 7 || st.Duplicates < 3 || st.OutOfOrder != 0 {
		t.Errorf("got %+v, want 7 stored and the 3 pushed ones deduplicated", st)
	}
}

// TestPullFeedExpiredCursor: a cursor the station refuses (410, e.g. after
// a restore from backup) makes central start over, losing nothing.
func TestPullFeedExpiredCursor(t *testing.T) {
	station, afters := stationFeed(t, 4)
	fc, _ := start(t, fakecentral.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		fc.PullFeed(ctx, fakecentral.FeedOptions{StationURL: station.URL, Token: "feed-token", Cursor: "stale",
			Limit: 10, Retry: 5 * time.Millisecond})
	}()
	defer func() { cancel(); wg.Wait() }()
	deadline := time.Now().Add(5 * time.Second)
	for len(fc.Events()) < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: got %d events, %+v", len(fc.Events()), fc.FeedStats())
		}
		time.Sleep(2 * time.Millisecond)
	}
	if fs := fc.FeedStats(); fs.Expired != 1 || fs.Cursor != "4" {
		t.Errorf("got %+v, want one expired cursor and cursor 4", fs)
	}
	if got := afters()[:2]; got[0] != "stale" || got[1] != "" {
		t.Errorf("got cursors sent %q, want stale then the beginning", got)
	}
}
