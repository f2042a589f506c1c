package central

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"
)

// Timing is the clock, timer and randomness a loop runs on. The zero value
// uses the real ones; tests inject their own so that schedules are exact
// and instant.
type Timing struct {
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// After returns a channel that receives once d has passed, like
	// time.After; every wait of a loop goes through it. Default time.After.
	After func(d time.Duration) <-chan time.Time
	// Jitter returns a random duration in [0, d], uniformly by default:
	// "full jitter", which spreads a fleet of stations coming back after an
	// outage better than any other variant.
	Jitter func(d time.Duration) time.Duration
}

func (t Timing) withDefaults() Timing {
	if t.Now == nil {
		t.Now = time.Now
	}
	if t.After == nil {
		t.After = time.After
	}
	if t.Jitter == nil {
		t.Jitter = func(d time.Duration) time.Duration {
			if d <= 0 {
				return 0
			}
			return time.Duration(rand.Int64N(int64(d) + 1))
		}
	}
	return t
}

// Backoff is the retry schedule of a loop: full-jitter exponential backoff
// from Base up to Cap, and central's Retry-After honoured up to
// MaxRetryAfter (not clamped to a client's few seconds).
type Backoff struct {
	// Base is the ceiling of the first wait. Default 1 s.
	Base time.Duration
	// Cap is the largest ceiling. Default 5 min.
	Cap time.Duration
	// MaxRetryAfter bounds how long a Retry-After can make a loop wait.
	// Default 1 h.
	MaxRetryAfter time.Duration
}

func (b Backoff) withDefaults() Backoff {
	if b.Base <= 0 {
		b.Base = time.Second
	}
	if b.Cap <= 0 {
		b.Cap = 5 * time.Minute
	}
	if b.Cap < b.Base {
		b.Cap = b.Base
	}
	if b.MaxRetryAfter <= 0 {
		b.MaxRetryAfter = time.Hour
	}
	return b
}

// delay is the wait after the attempt-th consecutive failure: a random
// duration up to min(Cap, Base·2^(attempt-1)), and never less than
// retryAfter (bounded by MaxRetryAfter).
func (b Backoff) delay(t Timing, attempt int, retryAfter time.Duration) time.Duration {
	d := t.Jitter(backoffCeiling(b.Base, b.Cap, attempt))
	if retryAfter > 0 {
		d = max(d, min(retryAfter, b.MaxRetryAfter))
	}
	return d
}

// longest is the most a stored next-attempt time may make a loop wait, so a
// clock that jumped back cannot stall it.
func (b Backoff) longest() time.Duration { return max(b.Cap, b.MaxRetryAfter) }

// wakeReason says why a wait ended.
type wakeReason int

const (
	wokeDone    wakeReason = iota // ctx is done
	wokeTimer                     // the wait is over
	wokeChanged                   // the link came back or its configuration changed
	wokeSignal                    // Wake, Trigger or a commit
)

// wait blocks until d passes (no timer when d ≤ 0), ctx is done, or one of
// the channels fires. Nil channels never fire.
func wait(ctx context.Context, t Timing, d time.Duration, changed <-chan struct{}, signals ...<-chan struct{}) wakeReason {
	var timer <-chan time.Time
	if d > 0 {
		timer = t.After(d)
	}
	var s0, s1 <-chan struct{}
	if len(signals) > 0 {
		s0 = signals[0]
	}
	if len(signals) > 1 {
		s1 = signals[1]
	}
	select {
	case <-ctx.Done():
		return wokeDone
	case <-timer:
		return wokeTimer
	case <-changed:
		return wokeChanged
	case <-s0:
		return wokeSignal
	case <-s1:
		return wokeSignal
	}
}

// logLimiter lets a loop log a repeated failure once per interval instead
// of once per attempt.
type logLimiter struct {
	every time.Duration
	last  time.Time
}

func (l *logLimiter) allow(now time.Time) bool {
	if !l.last.IsZero() && now.Sub(l.last) < l.every && now.Sub(l.last) >= 0 {
		return false
	}
	l.last = now
	return true
}

func (l *logLimiter) reset() { l.last = time.Time{} }

func defaultLogger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
