package central_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"returns-station/sync/central"
	"returns-station/sync/fakecentral"
)

func newPuller(tb testing.TB, c *central.Client, store *memStore, opt central.PullOptions) *central.Puller {
	tb.Helper()
	p, err := central.NewPuller(c, store, opt)
	if err != nil {
		tb.Fatalf("NewPuller: %v", err)
	}
	return p
}

// TestPullerPagesWithCursor: every page is applied with its own next
// cursor, the pull keeps going while has_more, and an on-demand pull
// brings what central published since — including a higher version.
func TestPullerPagesWithCursor(t *testing.T) {
	fc, srv := startCentral(t, fakecentral.Knobs{})
	for i := 1; i <= 450; i++ {
		if err := fc.AddReturns(rma(i, 1)); err != nil {
			t.Fatal(err)
		}
	}
	store := newMemStore(testStation)
	c := newClient(t, srv.URL, testToken)
	p := newPuller(t, c, store, central.PullOptions{Limit: 200, Interval: time.Hour, Backoff: fastBackoff})
	run(t, p.Run)

	eventually(t, 5*time.Second, "450 returns pulled", func() bool {
		_, rs, _ := store.pullState()
		return len(rs) == 450
	})
	cursor, _, applies := store.pullState()
	if g, w := pageSizes(applies), "200 200 50"; g != w {
		t.Errorf("got pages %s, want %s", g, w)
	}
	if cursor == "" || cursor != applies[len(applies)-1].cursor {
		t.Errorf("got stored cursor %q, want the last page's %q", cursor, applies[len(applies)-1].cursor)
	}

	if err := fc.AddReturns(rma(451, 1), rma(7, 2)); err != nil {
		t.Fatal(err)
	}
	p.Trigger()
	eventually(t, 5*time.Second, "the new and the changed return pulled", func() bool {
		_, rs, _ := store.pullState()
		return len(rs) == 451 && rs["RMA-20261122-000007"].Version == 2
	})
	p.Trigger()
	eventually(t, 5*time.Second, "an empty page pulled", func() bool {
		_, _, applies := store.pullState()
		return len(applies) == 5
	})
	_, _, applies = store.pullState()
	if g, w := pageSizes(applies), "200 200 50 2 0"; g != w {
		t.Errorf("got pages %s, want %s", g, w)
	}
	if applies[4].cursor == "" {
		t.Error("got an empty cursor saved with the empty page, want central's next_cursor")
	}
}

func pageSizes(applies []applyCall) string {
	var s []string
	for _, a := range applies {
		s = append(s, fmt.Sprint(a.n))
	}
	return strings.Join(s, " ")
}

// scripted is a central that answers GET …/returns from a list of bodies
// and records the cursors it was sent.
type scripted struct {
	mu      sync.Mutex
	bodies  []string
	cursors []string
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cursors = append(s.cursors, r.URL.Query().Get("cursor"))
	body := `{"returns": [], "next_cursor": "end", "has_more": false}`
	if len(s.bodies) > 0 {
		body, s.bodies = s.bodies[0], s.bodies[1:]
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, body)
}

func (s *scripted) sent() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.cursors...)
}

// TestPullerEmptyPageSavesCursor: next_cursor is kept even when returns is
// empty, and sent next time.
func TestPullerEmptyPageSavesCursor(t *testing.T) {
	sc := &scripted{bodies: []string{`{"returns": [], "next_cursor": "c-2", "has_more": false}`}}
	srv := httptest.NewServer(sc)
	defer srv.Close()
	store := newMemStore(testStation)
	p := newPuller(t, newClient(t, srv.URL, testToken), store, central.PullOptions{Interval: time.Hour})
	run(t, p.Run)
	eventually(t, 5*time.Second, "the first page applied", func() bool {
		cursor, _, _ := store.pullState()
		return cursor == "c-2"
	})
	p.Trigger()
	eventually(t, 5*time.Second, "a second pull", func() bool { return len(sc.sent()) == 2 })
	if g, w := strings.Join(sc.sent(), ","), ",c-2"; g != w {
		t.Errorf("got cursors sent %q, want %q", g, w)
	}
}

// TestPullerSkipsInvalidReturns: an RMA the station cannot use does not
// stall the pull; the valid ones and the cursor are stored.
func TestPullerSkipsInvalidReturns(t *testing.T) {
	good := rma(1, 1)
	bad := rma(2, 1)
	bad.Status = "lost"
	page := fmt.Sprintf(`{"returns": [%s, %s, {"rma": "RMA-3", "version": 1, "delivered_at": "yesterday"}],
		"next_cursor": "c-9", "has_more": false}`, mustJSON(t, good), mustJSON(t, bad))
	srv := httptest.NewServer(&scripted{bodies: []string{page}})
	defer srv.Close()
	store := newMemStore(testStation)
	p := newPuller(t, newClient(t, srv.URL, testToken), store, central.PullOptions{Interval: time.Hour})
	run(t, p.Run)
	eventually(t, 5*time.Second, "the page applied", func() bool {
		cursor, _, _ := store.pullState()
		return cursor == "c-9"
	})
	_, rs, _ := store.pullState()
	if _, ok := rs[good.RMA]; len(rs) != 1 || !ok {
		t.Errorf("got returns %v, want only %s", keys(rs), good.RMA)
	}
}

// TestPullerStopsOnAuthFailure: 401 stops the pull — no retries, not even
// on a trigger — until the token changes.
func TestPullerStopsOnAuthFailure(t *testing.T) {
	fc, srv := startCentral(t, fakecentral.Knobs{})
	if err := fc.AddReturns(rma(1, 1)); err != nil {
		t.Fatal(err)
	}
	store := newMemStore(testStation)
	c := newClient(t, srv.URL, "revoked")
	p := newPuller(t, c, store, central.PullOptions{Interval: time.Hour, Backoff: fastBackoff})
	run(t, p.Run)
	eventually(t, 5*time.Second, "the first pull refused", func() bool { return fc.Stats().Requests == 1 })
	p.Trigger()
	time.Sleep(100 * time.Millisecond)
	if got := fc.Stats().Requests; got != 1 {
		t.Errorf("got %d requests, want 1", got)
	}
	if ls := c.Link(); !ls.AuthFailed || !ls.Online {
		t.Errorf("got link %+v, want central reachable and the token refused", ls)
	}
	if err := c.Reconfigure(srv.URL, testToken); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "pulled after the token changed", func() bool {
		_, rs, _ := store.pullState()
		return len(rs) == 1
	})
	if ls := c.Link(); ls.AuthFailed {
		t.Errorf("got link %+v, want no auth failure", ls)
	}
}

// TestPullerRetryAfter: 429 and 503 make the pull wait as central asks.
func TestPullerRetryAfter(t *testing.T) {
	tests := []struct {
		name  string
		reply fakecentral.Reply
		want  time.Duration
	}{
		{name: "429", reply: fakecentral.Reply{Status: 429, RetryAfter: "30"}, want: 30 * time.Second},
		{name: "503", reply: fakecentral.Reply{Status: 503, RetryAfter: "120"}, want: 2 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc, srv := startCentral(t, fakecentral.Knobs{})
			if err := fc.AddReturns(rma(1, 1)); err != nil {
				t.Fatal(err)
			}
			fc.Script(tt.reply)
			store := newMemStore(testStation)
			clock := newFakeClock()
			block := make(chan time.Time)
			pulled := false
			p := newPuller(t, newClient(t, srv.URL, testToken), store, central.PullOptions{Interval: time.Hour,
				Timing: central.Timing{Now: clock.Now, Jitter: noJitter, After: func(d time.Duration) <-chan time.Time {
					if pulled {
						return block // the interval wait after success: stay there
					}
					pulled = true
					return clock.After(d)
				}}})
			run(t, p.Run)
			eventually(t, 5*time.Second, "pulled after the wait", func() bool {
				_, rs, _ := store.pullState()
				return len(rs) == 1
			})
			if got := clock.recorded(); len(got) != 1 || got[0] != tt.want {
				t.Errorf("got waits %v, want [%s]", got, tt.want)
			}
		})
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
