package web

import (
	"fmt"
	"log/slog"
	"testing"
	"time"
)

// TestLimiterForgetsExpiredKeys: sign-in attempts under ever new names and
// addresses do not pile up: once a key's minute is over, it is forgotten
// (at the latest when the map has doubled), so the map holds about the
// keys of the last minute.
func TestLimiterForgetsExpiredKeys(t *testing.T) {
	l := newLimiter(5, time.Minute)
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	for i := 0; i < 5000; i++ {
		l.reserve([]string{fmt.Sprintf("user:old-%d", i)}, t0)
	}
	t1 := t0.Add(2 * time.Minute)
	for i := 0; i < 5000; i++ {
		l.reserve([]string{fmt.Sprintf("user:new-%d", i)}, t1)
	}
	if n := l.size(); n != 5000 {
		t.Errorf("the limiter holds %d keys; want the 5000 of the last minute", n)
	}
	// A key still in its minute keeps its count through sweeps.
	for i := 0; i < 5; i++ {
		l.reserve([]string{"user:u3"}, t1)
	}
	for i := 0; i < 20000; i++ {
		l.reserve([]string{fmt.Sprintf("user:burst-%d", i)}, t1.Add(30*time.Second))
	}
	if wait := l.reserve([]string{"user:u3"}, t1.Add(40*time.Second)); wait <= 0 {
		t.Error("a sweep dropped a live lockout")
	}
}

// TestTouchedForgetsOldKeys: the once-a-minute activity marks for sessions
// and tokens are forgotten after their minute.
func TestTouchedForgetsOldKeys(t *testing.T) {
	s := &Server{touched: map[string]time.Time{}, log: slog.New(slog.DiscardHandler)}
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	for i := 0; i < 5000; i++ {
		s.touch(fmt.Sprintf("token:old-%d", i), t0, func() error { return nil })
	}
	for i := 0; i < 5000; i++ {
		s.touch(fmt.Sprintf("token:new-%d", i), t0.Add(2*time.Minute), func() error { return nil })
	}
	if n := len(s.touched); n != 5000 {
		t.Errorf("%d activity marks kept; want the 5000 of the last minute", n)
	}
}
