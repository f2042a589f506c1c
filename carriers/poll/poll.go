package poll

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"returns-station/station"
)

// Provider is the value of station.TrackingUpdate.Provider for updates that
// come from a poll rather than a push.
const Provider = "poll"

// Shipment is one parcel to look up.
type Shipment struct {
	Tracking string // normalised tracking number (station.NormalizeTracking)
	Carrier  string // our carrier code (station.CarrierSF …); Kuaidi100 needs it
	Provider string // whose API to ask: "kuaidi100" or "track17", a key of Poller.Trackers
	Phone    string // last four digits of the sender's or recipient's phone; SF Express needs them
}

// Source says which shipments are due for a look-up.
type Source interface {
	// Due returns the shipments still on their way that have had no tracking
	// update for long enough at now (the policy, such as N hours, is the
	// Source's). An error ends the cycle; the Poller tries again later.
	Due(ctx context.Context, now time.Time) ([]Shipment, error)
}

// Sink stores the updates a poll found.
type Sink interface {
	// ApplyTracking stores updates, applying each DedupKey at most once and
	// never undoing a terminal status with an older event
	// (station.TrackingUpdate.Supersedes). It is called from one goroutine at
	// a time. An error is logged and the cycle counts as failed; the updates
	// are asked for again at a later cycle.
	ApplyTracking(ctx context.Context, u []station.TrackingUpdate) error
}

// Tracker looks shipments up at one provider. Kuaidi100 and Track17 are
// Trackers.
type Tracker interface {
	// Track returns the updates found for ships. Failures for single
	// shipments are joined into the error while the updates found for the
	// others are still returned.
	Track(ctx context.Context, ships []Shipment, now time.Time) ([]station.TrackingUpdate, error)
}

// Poller looks up due shipments every Interval until its context ends. Set
// its fields, then call Run from the goroutine that owns it.
type Poller struct {
	Source   Source
	Sink     Sink
	Trackers map[string]Tracker // by Shipment.Provider

	// Interval is the wait between two cycles; 0 means 15 minutes. After
	// failed cycles the wait doubles, up to MaxBackoff (0 means 2 hours),
	// and is back to Interval after the next cycle that succeeds.
	Interval   time.Duration
	MaxBackoff time.Duration

	Now    func() time.Time // the clock; nil means time.Now
	Logger *slog.Logger     // nil discards
}

// Run polls until ctx is done and then returns nil; a cycle in flight is
// cancelled through ctx. Its own goroutines end before it returns. Failures
// are logged (the first of a streak, then ever more rarely) and slow the
// loop down. It returns an error only when the Poller is not set up.
func (p *Poller) Run(ctx context.Context) error {
	if p.Source == nil || p.Sink == nil {
		return errors.New("poll: Poller needs a Source and a Sink")
	}
	log := p.logger()
	failures := 0
	for {
		err := p.Poll(ctx)
		if ctx.Err() != nil {
			return nil
		}
		switch {
		case err != nil:
			failures++
			if failures&(failures-1) == 0 { // 1, 2, 4, 8 …: a failing provider does not flood the log
				log.Warn("poll cycle failed", "failures", failures, "err", err)
			}
		case failures > 0:
			log.Info("poll cycle succeeded again", "after_failures", failures)
			failures = 0
		}
		if sleep(ctx, Backoff(p.interval(), p.maxBackoff(), failures)) != nil {
			return nil
		}
	}
}

// Backoff returns the wait before the next cycle after failures failed
// cycles in a row: interval, doubled for each failure, capped at limit.
func Backoff(interval, limit time.Duration, failures int) time.Duration {
	d := interval
	for i := 0; i < failures && d < limit; i++ {
		d *= 2
	}
	return min(d, max(limit, interval))
}

// Poll runs one cycle: it asks the Source for due shipments, asks each
// provider's Tracker concurrently, and hands what they found to the Sink,
// one provider after another. The updates found are stored even when some
// look-ups failed; all errors are joined.
func (p *Poller) Poll(ctx context.Context) error {
	now := p.now()
	due, err := p.Source.Due(ctx, now)
	if err != nil {
		return fmt.Errorf("list due shipments: %w", err)
	}
	groups := make(map[string][]Shipment)
	for _, s := range due {
		groups[s.Provider] = append(groups[s.Provider], s)
	}
	providers := make([]string, 0, len(groups))
	for name := range groups {
		providers = append(providers, name)
	}
	slices.Sort(providers)

	type result struct {
		ups []station.TrackingUpdate
		err error
	}
	results := make([]result, len(providers))
	var wg sync.WaitGroup
	for i, name := range providers {
		t := p.Trackers[name]
		if t == nil {
			results[i].err = fmt.Errorf("poll: no tracker for provider %q (%d shipments due)", name, len(groups[name]))
			continue
		}
		wg.Go(func() {
			ups, err := t.Track(ctx, groups[name], now)
			if err != nil {
				err = fmt.Errorf("track %d shipments at %s: %w", len(groups[name]), name, err)
			}
			results[i] = result{ups, err}
		})
	}
	wg.Wait()

	var errs []error
	for _, r := range results {
		if r.err != nil {
			errs = append(errs, r.err)
		}
		if len(r.ups) == 0 {
			continue
		}
		if err := p.Sink.ApplyTracking(ctx, r.ups); err != nil {
			errs = append(errs, fmt.Errorf("apply %d tracking updates: %w", len(r.ups), err))
		}
	}
	return errors.Join(errs...)
}

func (p *Poller) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Poller) interval() time.Duration { return orDefault(p.Interval, 15*time.Minute) }

func (p *Poller) maxBackoff() time.Duration { return orDefault(p.MaxBackoff, 2*time.Hour) }

func (p *Poller) logger() *slog.Logger {
	l := p.Logger
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	return l.With("component", "poll")
}
