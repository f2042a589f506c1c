package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A background loop that dies (error or panic) or keeps failing shows in
// the log and in ready (what /readyz answers); one ended by shutdown does not.
func TestWorkerFailuresReachLogAndReadiness(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	ctx, cancel := context.WithCancel(context.Background())
	w := &workers{cancel: cancel}
	w.start(ctx, "print", log, func(context.Context) error { return errors.New("list printers: disk I/O error") })
	w.start(ctx, "push", log, func(context.Context) error { panic("page 42 out of range") })
	w.start(ctx, "pull", log, func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
	report := func(err error) { w.report("prune", err) }
	report(passError(errors.New("database not open")))

	deadline := time.Now().Add(5 * time.Second)
	for w.ready() == nil || strings.Count(w.ready().Error(), "\n") < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("ready after 5 s: %v", w.ready())
		}
		time.Sleep(5 * time.Millisecond)
	}
	got := w.ready().Error()
	for _, want := range []string{`background work "print" stopped: list printers: disk I/O error`,
		`background work "push" stopped: panic: page 42 out of range`,
		`background work "prune" failing (retried every minute; see the log): database not open`} {
		if !strings.Contains(got, want) {
			t.Errorf("ready says %q, missing %q", got, want)
		}
	}
	if strings.Contains(got, "pull") {
		t.Errorf("a working loop reported: %q", got)
	}
	for _, want := range []string{"component=print", "disk I/O error", "component=push", "page 42 out of range"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
	report(nil) // the next pass worked
	w.stop()
	if got := w.ready().Error(); strings.Contains(got, "prune") || strings.Contains(got, "pull") {
		t.Errorf("after a good pass and shutdown, ready still says %q", got)
	}
}
