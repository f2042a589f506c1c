package central

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// PullOptions tunes a Puller. The zero value is the production default.
type PullOptions struct {
	// Interval is the time between pulls once central has nothing more.
	// Default 1 min.
	Interval time.Duration
	// Limit is the page size asked of central, 1..1000. Default 200.
	Limit int
	// Backoff is the retry schedule after a failed pull.
	Backoff Backoff
	// HaltRecheck is how long a pull stopped by 401, 403 or another
	// permanent answer waits, with an unchanged configuration, before
	// trying once more. Default 1 h.
	HaltRecheck time.Duration
	// Timing is the clock, timer and randomness; zero for the real ones.
	Timing Timing
	// Logger receives one line per state change, and repeated failures at
	// most once a minute. Default: discard.
	Logger *slog.Logger
	// Registerer, if set, receives the pull metrics.
	Registerer prometheus.Registerer
}

// Puller brings expected returns from central into the ReturnStore
// (central.md §1), periodically and on demand. Each page is applied
// together with its next cursor, so a pull interrupted anywhere resumes
// without a gap. Its retry state is kept in memory: a restart simply pulls
// again, which is idempotent.
type Puller struct {
	client  *Client
	store   ReturnStore
	opt     PullOptions
	log     *slog.Logger
	metrics *pullMetrics
	trigger chan struct{}
	running atomic.Bool
}

// NewPuller returns a Puller from c into store. Start it with Run.
func NewPuller(c *Client, store ReturnStore, opt PullOptions) (*Puller, error) {
	if c == nil || store == nil {
		return nil, errors.New("new puller: client and store are required")
	}
	if opt.Interval <= 0 {
		opt.Interval = time.Minute
	}
	if opt.Limit <= 0 || opt.Limit > 1000 {
		opt.Limit = 200
	}
	opt.Backoff = opt.Backoff.withDefaults()
	if opt.HaltRecheck <= 0 {
		opt.HaltRecheck = time.Hour
	}
	opt.Timing = opt.Timing.withDefaults()
	m, err := newPullMetrics(opt.Registerer)
	if err != nil {
		return nil, fmt.Errorf("new puller: %w", err)
	}
	return &Puller{
		client: c, store: store, opt: opt, metrics: m,
		log:     defaultLogger(opt.Logger).With("component", "pull"),
		trigger: make(chan struct{}, 1),
	}, nil
}

// Trigger asks for a pull now instead of at the next interval (a
// supervisor's "refresh", or an unknown parcel scanned). It never blocks;
// triggers while a pull runs merge into one more pull. It does not cut a
// backoff or a stop after 401/403 short: central asked for the wait.
func (p *Puller) Trigger() {
	select {
	case p.trigger <- struct{}{}:
	default:
	}
}

// Run pulls until ctx is done, then returns nil. The caller owns the
// goroutine (and its wait group); at most one Run may be active.
func (p *Puller) Run(ctx context.Context) error {
	if !p.running.CompareAndSwap(false, true) {
		return errors.New("pull: already running")
	}
	defer p.running.Store(false)

	t := p.opt.Timing
	errs := logLimiter{every: time.Minute}
	var (
		attempts     int
		haltedAt     time.Time
		haltedConfig string
		ready        bool // a wait just ended: try without waiting again
	)
	for ctx.Err() == nil {
		changed := p.client.Changed()
		if !p.client.Configured() {
			wait(ctx, t, 0, changed, p.trigger)
			continue
		}
		if !ready && haltedConfig != "" && haltedConfig == p.client.ConfigID() {
			if d := haltedAt.Add(p.opt.HaltRecheck).Sub(t.Now()); d > 0 {
				// Only a new configuration (seen above) or the recheck
				// time lifts the halt; a trigger (a scan) must not hammer
				// central with a refused token.
				if wait(ctx, t, min(d, p.opt.HaltRecheck), changed) == wokeTimer {
					ready = true
				}
				continue
			}
		}
		ready = false

		config := p.client.ConfigID() // what a refusal refers to, even if it changes meanwhile
		more, err := p.pullPage(ctx)
		if ctx.Err() != nil {
			return nil
		}
		var ce *Error
		switch {
		case err == nil:
			if attempts > 0 || haltedConfig != "" {
				p.log.Info("pulling returns from central again", "after_attempts", attempts)
			}
			attempts, haltedConfig = 0, ""
			errs.reset()
			if more {
				continue
			}
			wait(ctx, t, p.opt.Interval, nil, p.trigger)
		case errors.As(err, &ce) && !ce.Retryable():
			haltedAt, haltedConfig = t.Now(), config
			p.metrics.failures.WithLabelValues("halted").Inc()
			p.log.Error("central refused the pull; stopped until the central link configuration changes",
				"err", err, "recheck_at", haltedAt.Add(p.opt.HaltRecheck))
		default:
			attempts++
			kind := "retry"
			if ce == nil {
				kind = "local"
			}
			p.metrics.failures.WithLabelValues(kind).Inc()
			d := p.opt.Backoff.delay(t, attempts, RetryAfter(err))
			if errs.allow(t.Now()) {
				p.log.Warn("pull returns failed; retrying", "err", err, "attempt", attempts, "wait", d)
			}
			// The link coming back (a push got through) ends the wait;
			// a trigger does not.
			wait(ctx, t, d, changed)
		}
	}
	return nil
}

// pullPage pulls and stores one page; more says another is ready now.
func (p *Puller) pullPage(ctx context.Context) (more bool, err error) {
	cursor, err := p.store.ReturnCursor(ctx)
	if err != nil {
		return false, fmt.Errorf("read the returns cursor: %w", err)
	}
	page, err := p.client.PullReturns(ctx, cursor, p.opt.Limit)
	if err != nil {
		return false, err
	}
	for _, inv := range page.Invalid {
		p.log.Warn("central sent a return the station cannot use; skipped it",
			"rma", inv.RMA, "version", inv.Version, "err", inv.Err)
	}
	next := page.NextCursor
	if next == "" {
		next = cursor // central sent none: keep our place rather than start over
	}
	if err := p.store.ApplyReturns(ctx, page.Returns, next); err != nil {
		return false, fmt.Errorf("store pulled returns: %w", err)
	}
	p.metrics.pages.Inc()
	p.metrics.returns.Add(float64(len(page.Returns)))
	p.metrics.invalid.Add(float64(len(page.Invalid)))
	// A page that did not move the cursor cannot lead to more, whatever
	// has_more says: asking again would fetch the same page.
	return page.HasMore && next != cursor, nil
}
