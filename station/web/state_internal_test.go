package web

import (
	"fmt"
	"log/slog"
	"testing"
	"time"
)

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
