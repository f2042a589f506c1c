package central_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"returns-station/station"
	"returns-station/sync/central"
	"returns-station/sync/fakecentral"
)

func newPusher(tb testing.TB, c *central.Client, store *memStore, opt central.PushOptions) *central.Pusher {
	tb.Helper()
	p, err := central.NewPusher(c, store, store, opt)
	if err != nil {
		tb.Fatalf("NewPusher: %v", err)
	}
	return p
}

// checkAckedOnCentral makes the store verify, inside every AckPush, that
// the new position passes no event central does not hold (or that is not
// being parked).
func checkAckedOnCentral(store *memStore, fc *fakecentral.Server) {
	store.ackCheck = func(st station.PushState, parked []station.ParkedEvent) error {
		held := map[uint64]bool{}
		for _, e := range fc.Events() {
			held[e.Seq] = true
		}
		for _, p := range parked {
			held[p.Seq] = true
		}
		for seq := store.push.AckedSeq + 1; seq <= st.AckedSeq; seq++ {
			if !held[seq] {
				return fmt.Errorf("acked seq %d, but central does not hold event %d", st.AckedSeq, seq)
			}
		}
		return nil
	}
}

func drained(store *memStore) func() bool {
	return func() bool {
		st, _, _ := store.snapshot()
		return st.AckedSeq == store.LastSeq()
	}
}

// TestPusherDownThenUp is T6 in small: central is unreachable (nothing
// listens, or every connection is closed) while events pile up; when it
// comes back every event arrives once, in seq order.
func TestPusherDownThenUp(t *testing.T) {
	tests := []struct {
		name string
		down func(t *testing.T) (url string, up func() *fakecentral.Server)
	}{
		{name: "connection refused", down: func(t *testing.T) (string, func() *fakecentral.Server) {
			url := closedURL(t)
			return url, func() *fakecentral.Server {
				fc := fakecentral.New(fakecentral.Options{StationID: testStation, Token: testToken})
				l, err := net.Listen("tcp", strings.TrimPrefix(url, "http://"))
				if err != nil {
					t.Fatalf("listen again on %s: %v", url, err)
				}
				srv := httptest.NewUnstartedServer(fc.Handler())
				srv.Listener.Close()
				srv.Listener = l
				srv.Start()
				t.Cleanup(srv.Close)
				return fc
			}
		}},
		{name: "connection closed", down: func(t *testing.T) (string, func() *fakecentral.Server) {
			fc, srv := startCentral(t, fakecentral.Knobs{Down: true})
			return srv.URL, func() *fakecentral.Server {
				fc.SetKnobs(fakecentral.Knobs{})
				return fc
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, up := tt.down(t)
			store := newMemStore(testStation)
			store.appendEvents(1200, nil)
			c := newClient(t, url, testToken)
			p := newPusher(t, c, store, central.PushOptions{Backoff: fastBackoff})
			run(t, p.Run)

			eventually(t, 5*time.Second, "three pushes failed", func() bool {
				st, _, _ := store.snapshot()
				return st.Attempts >= 3
			})
			store.appendEvents(300, nil) // the warehouse keeps working
			ls, err := p.Status(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if ls.Online || ls.Backlog != 1500 || ls.AckedSeq != 0 || ls.LastError == "" ||
				!ls.OldestUnackedAt.Equal(baseTime.Add(time.Second)) {
				t.Errorf("during the outage got %+v, want offline, backlog 1500, an error and the oldest event's time", ls)
			}

			fc := up()
			eventually(t, 10*time.Second, "the backlog drained", drained(store))
			if d := sameEvents(fc.Events(), store.log()); d != "" {
				t.Error(d)
			}
			if st := fc.Stats(); st.OutOfOrder != 0 || st.Duplicates != 0 {
				t.Errorf("got %d out of order and %d duplicates, want 0 and 0", st.OutOfOrder, st.Duplicates)
			}
			eventually(t, time.Second, "the link shows online", func() bool {
				ls, err := p.Status(context.Background())
				return err == nil && ls.Online && ls.Backlog == 0 && ls.Attempts == 0 && ls.LastSuccessAt.After(ls.LastErrorAt)
			})
		})
	}
}

// TestPusherFlapping is T7: 30% 5xx, random latency, connections cut after
// central stored the batch, some 429s, while the station keeps committing.
// Central ends up with exactly the log, in order; the acknowledged seq never
// passes an event central does not hold.
func TestPusherFlapping(t *testing.T) {
	fc, srv := startCentral(t, fakecentral.Knobs{ErrorRate: 0.3, ThrottleRate: 0.05, RetryAfter: "0",
		LatencyJitter: 3 * time.Millisecond, CutAfterCommitRate: 0.2})
	store := newMemStore(testStation)
	checkAckedOnCentral(store, fc)
	c := newClient(t, srv.URL, testToken)
	p := newPusher(t, c, store, central.PushOptions{BatchSize: 100, Backoff: fastBackoff})
	run(t, p.Run)

	for range 60 {
		store.appendEvents(50, nil)
		time.Sleep(time.Millisecond)
	}
	eventually(t, 30*time.Second, "3000 events drained", drained(store))
	if d := sameEvents(fc.Events(), store.log()); d != "" {
		t.Error(d)
	}
	st := fc.Stats()
	if st.OutOfOrder != 0 {
		t.Errorf("got %d events out of order, want 0", st.OutOfOrder)
	}
	if st.Cut == 0 || st.Injected == 0 || st.Duplicates == 0 {
		t.Errorf("got stats %+v, want cuts, injected failures and deduplicated re-sends", st)
	}
	if _, parked, errs := store.snapshot(); len(errs) > 0 || len(parked) > 0 {
		t.Errorf("got store violations %v and %d parked, want none", errs, len(parked))
	}
}

// TestPusherParksRejected: a 207 parks exactly the rejected events, never
// sends them again, and the rest go on in order.
func TestPusherParksRejected(t *testing.T) {
	fc, srv := startCentral(t, fakecentral.Knobs{RejectSeqs: []uint64{5}, RejectTypes: []string{station.EventUnitMoved}})
	store := newMemStore(testStation)
	checkAckedOnCentral(store, fc)
	store.appendEvents(30, func(seq uint64) string {
		if seq == 12 || seq == 27 {
			return station.EventUnitMoved
		}
		return station.EventUnitInspected
	})
	reg := prometheus.NewRegistry()
	c := newClient(t, srv.URL, testToken)
	p := newPusher(t, c, store, central.PushOptions{BatchSize: 10, Backoff: fastBackoff, Registerer: reg})
	run(t, p.Run)
	eventually(t, 5*time.Second, "30 events settled", drained(store))

	_, parked, errs := store.snapshot()
	var got []uint64
	for _, pe := range parked {
		got = append(got, pe.Seq)
		if pe.Status != 422 || !strings.Contains(pe.Reason, "invalid event") || len(pe.Problem) == 0 || pe.ID == "" {
			t.Errorf("parked %d: got %+v, want status 422, central's reason and problem", pe.Seq, pe)
		}
	}
	if g, w := fmt.Sprint(got), "[5 12 27]"; g != w {
		t.Errorf("got parked %s, want %s", g, w)
	}
	var want []station.Event
	for _, e := range store.log() {
		if e.Seq != 5 && e.Seq != 12 && e.Seq != 27 {
			want = append(want, e)
		}
	}
	if d := sameEvents(fc.Events(), want); d != "" {
		t.Error(d)
	}
	if st := fc.Stats(); st.Rejected != 3 {
		t.Errorf("got %d rejections, want 3 (each rejected event sent once)", st.Rejected)
	}
	if len(errs) > 0 {
		t.Errorf("got store violations %v", errs)
	}
	ls, err := p.Status(context.Background())
	if err != nil || ls.Parked != 3 || ls.Backlog != 0 {
		t.Errorf("got status %+v %v, want 3 parked and no backlog", ls, err)
	}
	if got := gaugeValue(t, reg, "station_push_parked_events"); got != 3 {
		t.Errorf("got parked gauge %v, want 3", got)
	}
}

// gaugeValue reads a gauge from reg by name.
func gaugeValue(tb testing.TB, reg *prometheus.Registry, name string) float64 {
	tb.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		tb.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	tb.Fatalf("no metric %s", name)
	return 0
}

// TestPusherSplitsRefusedBatches: a batch refused as a whole is split
// rather than re-sent unchanged; an event refused alone is parked; 413
// shrinks the batch and parks nothing.
func TestPusherSplitsRefusedBatches(t *testing.T) {
	tests := []struct {
		name       string
		events     int
		batch      int
		knobs      fakecentral.Knobs
		script     []fakecentral.Reply
		wantBatch  string
		wantParked string
	}{
		{name: "400 down to one event", events: 4, batch: 4,
			script:    []fakecentral.Reply{{Status: 400}, {Status: 400}, {Status: 400}},
			wantBatch: "1-4 1-2 1-1 2-4", wantParked: "[1]"},
		{name: "413 shrinks", events: 10, batch: 8, knobs: fakecentral.Knobs{MaxBatch: 3},
			wantBatch: "1-8 1-4 1-2 3-4 5-6 7-8 9-10", wantParked: "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc, srv := startCentral(t, tt.knobs)
			fc.Script(tt.script...)
			store := newMemStore(testStation)
			store.appendEvents(tt.events, nil)
			c := newClient(t, srv.URL, testToken)
			p := newPusher(t, c, store, central.PushOptions{BatchSize: tt.batch, Backoff: fastBackoff})
			run(t, p.Run)
			eventually(t, 5*time.Second, "all settled", drained(store))
			var batches []string
			for _, r := range fc.Requests() {
				batches = append(batches, strings.TrimPrefix(r.IdempotencyKey, testStation+":"))
			}
			if g := strings.Join(batches, " "); g != tt.wantBatch {
				t.Errorf("got batches %s, want %s", g, tt.wantBatch)
			}
			_, parked, _ := store.snapshot()
			var got []uint64
			for _, pe := range parked {
				got = append(got, pe.Seq)
			}
			if g := fmt.Sprint(got); g != tt.wantParked {
				t.Errorf("got parked %s, want %s", g, tt.wantParked)
			}
		})
	}
}

// TestPusherStopsOnAuthFailure: 401 and 403 stop the push and say so,
// with no retry; a new configuration resumes it.
func TestPusherStopsOnAuthFailure(t *testing.T) {
	tests := []struct {
		name       string
		token, sid string
		wantStatus int
	}{
		{name: "401 bad token", token: "expired", sid: testStation, wantStatus: 401},
		{name: "403 other station", token: testToken, sid: "st-sh-02", wantStatus: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc, srv := startCentral(t, fakecentral.Knobs{})
			store := newMemStore(tt.sid)
			store.appendEvents(20, nil)
			c := newClient(t, srv.URL, tt.token, func(cfg *central.Config) { cfg.StationID = tt.sid })
			p := newPusher(t, c, store, central.PushOptions{Backoff: fastBackoff})
			run(t, p.Run)

			eventually(t, 5*time.Second, "the push halted", func() bool {
				st, _, _ := store.snapshot()
				return st.HaltedStatus == tt.wantStatus
			})
			store.appendEvents(5, nil) // a commit must not wake a halted push
			time.Sleep(100 * time.Millisecond)
			if got := fc.Stats().Requests; got != 1 {
				t.Errorf("got %d requests, want 1: a refused token is not retried", got)
			}
			p.Wake() // an operator's "retry now": one more try, still refused
			eventually(t, 5*time.Second, "a second try", func() bool { return fc.Stats().Requests == 2 })
			ls, err := p.Status(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !ls.AuthFailed || !ls.Halted || ls.HaltedStatus != tt.wantStatus || ls.LastError == "" || ls.Backlog != 25 {
				t.Errorf("got %+v, want auth failed, halted with %d, an error and backlog 25", ls, tt.wantStatus)
			}

			if tt.sid != testStation {
				return // a station id is fixed for a store; only the token can be corrected
			}
			if err := c.Reconfigure(srv.URL, testToken); err != nil {
				t.Fatal(err)
			}
			eventually(t, 5*time.Second, "the push resumed and drained", drained(store))
			ls, err = p.Status(context.Background())
			if err != nil || ls.AuthFailed || ls.Halted {
				t.Errorf("got %+v %v, want no auth failure after reconfiguring", ls, err)
			}
		})
	}
}

// TestPusherRetryAfter: central's Retry-After sets the loop's wait, beyond
// the client's few seconds and up to the configured ceiling.
func TestPusherRetryAfter(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter string
		want       time.Duration
	}{
		{name: "1 s", retryAfter: "1", want: time.Second},
		{name: "60 s", retryAfter: "60", want: time.Minute},
		{name: "3600 s capped at 15 min", retryAfter: "3600", want: 15 * time.Minute},
		{name: "HTTP-date", retryAfter: "date+90", want: 90 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc, srv := startCentral(t, fakecentral.Knobs{})
			ra := tt.retryAfter
			if ra == "date+90" {
				ra = time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
			}
			fc.Script(fakecentral.Reply{Status: 429, RetryAfter: ra})
			store := newMemStore(testStation)
			store.appendEvents(3, nil)
			clock := newFakeClock()
			c := newClient(t, srv.URL, testToken, func(cfg *central.Config) { cfg.RetryMaxWait = 100 * time.Millisecond })
			p := newPusher(t, c, store, central.PushOptions{Timing: clock.timing(noJitter),
				Backoff: central.Backoff{MaxRetryAfter: 15 * time.Minute}})
			run(t, p.Run)
			eventually(t, 5*time.Second, "drained", drained(store))
			waits := clock.recorded()
			if len(waits) != 1 {
				t.Fatalf("got waits %v, want one", waits)
			}
			if d := waits[0] - tt.want; d > 0 || d < -2*time.Second {
				t.Errorf("got wait %s, want %s", waits[0], tt.want)
			}
			if got := len(fc.Requests()); got != 2 {
				t.Errorf("got %d requests, want 2", got)
			}
		})
	}
}

// TestPusherBackoffSchedule is T6's request count: while central is down,
// one attempt per full-jitter step, the steps doubling from 1 s to the cap
// and staying there — no hot loop.
func TestPusherBackoffSchedule(t *testing.T) {
	fc, srv := startCentral(t, fakecentral.Knobs{Down: true})
	store := newMemStore(testStation)
	store.appendEvents(10, nil)
	clock := newFakeClock()
	const steps = 12
	clock.onAfter = func(time.Duration) {
		if len(clock.recorded()) == steps {
			fc.SetKnobs(fakecentral.Knobs{})
		}
	}
	c := newClient(t, srv.URL, testToken, func(cfg *central.Config) { cfg.RetryCount = -1 })
	p := newPusher(t, c, store, central.PushOptions{Timing: clock.timing(fullCeiling),
		Backoff: central.Backoff{Cap: time.Minute}})
	run(t, p.Run)
	eventually(t, 10*time.Second, "drained after the outage", drained(store))

	want := []time.Duration{1, 2, 4, 8, 16, 32, 60, 60, 60, 60, 60, 60}
	waits := clock.recorded()
	if len(waits) != steps {
		t.Fatalf("got %d waits %v, want %d", len(waits), waits, steps)
	}
	for i, w := range want {
		if waits[i] != w*time.Second {
			t.Errorf("wait %d: got %s, want %s", i+1, waits[i], w*time.Second)
		}
	}
	if got := fc.Stats().Requests; got != steps+1 {
		t.Errorf("got %d requests, want %d: one per backoff step and the one that got through", got, steps+1)
	}
}

// TestPusherResumesBackoff: the retry state survives a restart, so a
// station that restarts during an outage does not storm central.
func TestPusherResumesBackoff(t *testing.T) {
	fc, srv := startCentral(t, fakecentral.Knobs{})
	store := newMemStore(testStation)
	store.appendEvents(3, nil)
	clock := newFakeClock()
	store.push = station.PushState{Attempts: 6, NextAttemptAt: clock.Now().Add(4 * time.Minute),
		LastError: "push events: no answer from central"}
	var requestsAtWait atomic.Int64
	requestsAtWait.Store(-1)
	clock.onAfter = func(time.Duration) { requestsAtWait.CompareAndSwap(-1, int64(fc.Stats().Requests)) }
	c := newClient(t, srv.URL, testToken)
	p := newPusher(t, c, store, central.PushOptions{Timing: clock.timing(fullCeiling)})
	run(t, p.Run)
	eventually(t, 5*time.Second, "drained", drained(store))
	waits := clock.recorded()
	if len(waits) == 0 || waits[0] != 4*time.Minute {
		t.Errorf("got waits %v, want first 4m0s, the stored next attempt", waits)
	}
	if got := requestsAtWait.Load(); got != 0 {
		t.Errorf("got %d requests before the stored next attempt, want 0", got)
	}
	if st, _, _ := store.snapshot(); st.Attempts != 0 || st.LastError != "" || st.LastSuccessAt.IsZero() {
		t.Errorf("got state %+v, want the failure cleared by the success", st)
	}
}

// TestPusherWakesOnCommit: an idle push sends a new event promptly, and
// survives a store that fails to record the acknowledgement once.
func TestPusherWakesOnCommit(t *testing.T) {
	fc, srv := startCentral(t, fakecentral.Knobs{})
	store := newMemStore(testStation)
	store.failAck = 1
	c := newClient(t, srv.URL, testToken)
	p := newPusher(t, c, store, central.PushOptions{Backoff: fastBackoff})
	run(t, p.Run)
	time.Sleep(20 * time.Millisecond)
	start := time.Now()
	store.appendEvents(1, nil)
	eventually(t, 2*time.Second, "the event was acknowledged", drained(store))
	if el := time.Since(start); el > 500*time.Millisecond {
		t.Errorf("got the event acknowledged after %s, want promptly", el)
	}
	if st := fc.Stats(); st.Stored != 1 || st.Duplicates != 1 {
		t.Errorf("got %+v, want the event stored once and re-sent once after the failed ack", st)
	}
}

func TestPusherRunsOnce(t *testing.T) {
	_, srv := startCentral(t, fakecentral.Knobs{})
	store := newMemStore(testStation)
	p := newPusher(t, newClient(t, srv.URL, testToken), store, central.PushOptions{})
	run(t, p.Run)
	time.Sleep(50 * time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Run(ctx); err == nil {
		t.Error("got a second Run accepted, want it refused")
	}
}

// TestPusherWakesWhenLinkReturns: a push waiting out a long backoff tries
// at once when another call finds central reachable again.
func TestPusherWakesWhenLinkReturns(t *testing.T) {
	fc, srv := startCentral(t, fakecentral.Knobs{Down: true})
	store := newMemStore(testStation)
	store.appendEvents(10, nil)
	c := newClient(t, srv.URL, testToken)
	p := newPusher(t, c, store, central.PushOptions{
		Backoff: central.Backoff{Base: time.Hour, Cap: time.Hour},
		Timing:  central.Timing{Jitter: fullCeiling},
	})
	run(t, p.Run)
	eventually(t, 5*time.Second, "the push failed", func() bool {
		st, _, _ := store.snapshot()
		return st.Attempts == 1
	})
	fc.SetKnobs(fakecentral.Knobs{})
	if _, err := c.Lookup(context.Background(), "SF1", ""); station.ErrorCode(err) != station.ENotFound {
		t.Fatalf("lookup: got %v, want not found", err)
	}
	eventually(t, 5*time.Second, "drained long before the hour", drained(store))
}
