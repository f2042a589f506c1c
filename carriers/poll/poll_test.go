package poll_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"returns-station/carriers/poll"
	"returns-station/station"
)

// source hands out the same due shipments, or an error, and counts calls.
type source struct {
	mu    sync.Mutex
	due   []poll.Shipment
	err   error
	calls int
	at    []time.Time
}

func (s *source) Due(_ context.Context, now time.Time) ([]poll.Shipment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	s.at = append(s.at, now)
	return s.due, s.err
}

func (s *source) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// sink records what it is given, and fails when told to.
type sink struct {
	mu      sync.Mutex
	applied [][]station.TrackingUpdate
	err     error
}

func (s *sink) ApplyTracking(_ context.Context, u []station.TrackingUpdate) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.applied = append(s.applied, u)
	return s.err
}

// tracker answers one update per shipment, or an error.
type tracker struct {
	err error
}

func (t tracker) Track(_ context.Context, ships []poll.Shipment, now time.Time) ([]station.TrackingUpdate, error) {
	var ups []station.TrackingUpdate
	for _, s := range ships {
		ups = append(ups, station.TrackingUpdate{Provider: poll.Provider, DedupKey: s.Tracking, Tracking: s.Tracking, Status: station.TrackInTransit, OccurredAt: now})
	}
	return ups, t.err
}

func TestPoll(t *testing.T) {
	due := []poll.Shipment{
		{Tracking: "A1", Provider: "kuaidi100"},
		{Tracking: "B1", Provider: "track17"},
		{Tracking: "A2", Provider: "kuaidi100"},
		{Tracking: "C1", Provider: "nobody"},
	}
	boom := errors.New("provider down")
	tests := []struct {
		name     string
		trackers map[string]poll.Tracker
		sinkErr  error
		srcErr   error
		applied  [][]string // trackings per ApplyTracking call
		wantErrs []string
	}{
		{name: "groups by provider; unknown provider is an error", trackers: map[string]poll.Tracker{"kuaidi100": tracker{}, "track17": tracker{}},
			applied: [][]string{{"A1", "A2"}, {"B1"}}, wantErrs: []string{"no tracker for provider \"nobody\""}},
		{name: "updates found are applied even when a tracker fails", trackers: map[string]poll.Tracker{"kuaidi100": tracker{err: boom}, "track17": tracker{}, "nobody": tracker{}},
			applied: [][]string{{"A1", "A2"}, {"C1"}, {"B1"}}, wantErrs: []string{"provider down"}},
		{name: "sink failure is reported", trackers: map[string]poll.Tracker{"kuaidi100": tracker{}, "track17": tracker{}, "nobody": tracker{}}, sinkErr: boom,
			applied: [][]string{{"A1", "A2"}, {"C1"}, {"B1"}}, wantErrs: []string{"apply 2 tracking updates", "apply 1 tracking updates"}},
		{name: "source failure ends the cycle", srcErr: boom, wantErrs: []string{"list due shipments"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snk := &sink{err: tt.sinkErr}
			p := &poll.Poller{Source: &source{due: due, err: tt.srcErr}, Sink: snk, Trackers: tt.trackers, Now: func() time.Time { return now }}
			err := p.Poll(context.Background())
			var got [][]string
			for _, ups := range snk.applied {
				var ts []string
				for _, u := range ups {
					ts = append(ts, u.Tracking)
					if !u.OccurredAt.Equal(now) {
						t.Errorf("got time %v, want the injected now", u.OccurredAt)
					}
				}
				got = append(got, ts)
			}
			if !slices.EqualFunc(got, tt.applied, slices.Equal) {
				t.Errorf("got applied %v, want %v", got, tt.applied)
			}
			if len(tt.wantErrs) == 0 && err != nil {
				t.Errorf("got %v, want no error", err)
			}
			for _, w := range tt.wantErrs {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("got error %v, want one mentioning %q", err, w)
				}
			}
		})
	}
}

func TestRun(t *testing.T) {
	src := &source{due: []poll.Shipment{{Tracking: "A1", Provider: "kuaidi100"}}}
	snk := &sink{}
	p := &poll.Poller{Source: src, Sink: snk, Trackers: map[string]poll.Tracker{"kuaidi100": tracker{}}, Interval: 5 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for src.count() < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("got %v, want nil after cancel", err)
		}
	case <-time.After(time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if n := src.count(); n < 3 {
		t.Errorf("got %d cycles, want at least 3", n)
	}
}

func TestRunBacksOff(t *testing.T) {
	src := &source{err: errors.New("store closed")}
	p := &poll.Poller{Source: src, Sink: &sink{}, Interval: 20 * time.Millisecond, MaxBackoff: 80 * time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	// Waits of 40, 80, 80, 80 … ms after failures: about 5 cycles in 400 ms, not 20.
	if n := src.count(); n < 3 || n > 8 {
		t.Errorf("got %d cycles in 400 ms, want about 5 with backoff", n)
	}
}

func TestRunNeedsSourceAndSink(t *testing.T) {
	if err := (&poll.Poller{}).Run(context.Background()); err == nil {
		t.Error("got no error for a Poller without Source and Sink")
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		name            string
		interval, limit time.Duration
		failures        int
		want            time.Duration
	}{
		{"no failure", time.Minute, time.Hour, 0, time.Minute},
		{"one failure", time.Minute, time.Hour, 1, 2 * time.Minute},
		{"three failures", time.Minute, time.Hour, 3, 8 * time.Minute},
		{"capped", time.Minute, time.Hour, 10, time.Hour},
		{"many failures stay capped", time.Minute, time.Hour, 1000, time.Hour},
		{"cap below interval", time.Hour, time.Minute, 2, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := poll.Backoff(tt.interval, tt.limit, tt.failures); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
