package labels

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"returns-station/station"
)

// JobStore is the durable print queue a [Spooler] works through. It speaks
// only station types so that the storage package implements it without
// importing labels.
//
// Every method may fail because the store is unavailable for the moment; the
// spooler then pauses with back-off and reads the queue again, so a failed
// Mark call is never taken for done. A Mark call for a job that no longer
// exists should return a station error with code ENotFound: the spooler then
// moves on.
type JobStore interface {
	// NextJob returns the oldest job for printer that is queued or sending
	// (a job left sending by a crash or a shutdown is sent again), or ok
	// false when the printer's queue is empty. Jobs done or failed are
	// never returned.
	NextJob(ctx context.Context, printer string) (job station.PrintJob, ok bool, err error)
	// MarkSending records, before the first byte goes out, that job id is
	// being sent.
	MarkSending(ctx context.Context, id string) error
	// MarkDone records that job id went to its printer at at, and appends
	// the "label printed" event in the same transaction.
	MarkDone(ctx context.Context, id string, at time.Time) error
	// MarkRetry records a failed attempt on job id: attempts so far, the
	// error to show, and the time of the next attempt. The job stays queued
	// and first in its printer's queue.
	MarkRetry(ctx context.Context, id string, attempts int, lastErr string, next time.Time) error
	// MarkFailed records that job id can never print as it is (its content
	// does not make a label), so its printer's queue moves on. A reprint
	// queues a new job.
	MarkFailed(ctx context.Context, id string, lastErr string, at time.Time) error
	// Printers returns the printers configured now.
	Printers(ctx context.Context) ([]station.Printer, error)
}

// Spooler prints queued jobs: one goroutine per printer, each taking its
// printer's jobs strictly in queue order. A job that cannot be sent stays
// first in its queue, and the jobs behind it wait, while the spooler retries
// with capped exponential back-off and jitter; the next attempt time is
// stored with the job, so a restart keeps the back-off.
//
// Jobs for a printer that is not in the store's printer list wait until it
// is (re)added.
//
// A job is sent again if the station stops between sending it and recording
// it done (a crash, or a shutdown during the send): a duplicate label rather
// than a lost one.
//
// Set the exported fields, if at all, before Run.
type Spooler struct {
	// Send delivers one job's bytes; [Send] by default.
	Send func(ctx context.Context, addr string, data []byte) error
	// Now is the clock; time.Now by default.
	Now func() time.Time
	// After waits for a duration; time.After by default.
	After func(d time.Duration) <-chan time.Time
	// Jitter spreads a back-off delay d; by default a random delay between
	// d/2 and d, so that printers coming back do not all retry at once.
	Jitter func(d time.Duration) time.Duration
	// MinBackoff is the delay after the first failed attempt (default 1 s);
	// it doubles with each further failure up to MaxBackoff (default 1 min).
	// A failure that is not retryable (a bad address) waits MaxBackoff at
	// once: the queue is held until the printer's configuration is fixed.
	MinBackoff, MaxBackoff time.Duration
	// Rescan is how often the printer list is read again without a Kick
	// (default 30 s).
	Rescan time.Duration
	// Logger gets one warning when a printer becomes unreachable and one
	// note when it is back, not one per attempt.
	Logger *slog.Logger

	store JobStore
	kick  chan struct{}
}

// NewSpooler returns a Spooler over store with the defaults above. A nil
// logger discards.
func NewSpooler(store JobStore, logger *slog.Logger) *Spooler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Spooler{
		Send:       Send,
		Now:        time.Now,
		After:      time.After,
		Jitter:     func(d time.Duration) time.Duration { return d/2 + rand.N(d/2+1) },
		MinBackoff: time.Second,
		MaxBackoff: time.Minute,
		Rescan:     30 * time.Second,
		Logger:     logger.With("component", "labels.spooler"),
		store:      store,
		kick:       make(chan struct{}, 1),
	}
}

// Kick wakes the spooler: call it after queueing a job, changing a job's
// next attempt time (retry now) or changing the printers. It never blocks.
func (s *Spooler) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Run prints until ctx ends, then waits for every printer's goroutine and
// returns nil. It fails at once only if the first read of the printer list
// does; later store errors are logged and retried. Call Run once.
func (s *Spooler) Run(ctx context.Context) error {
	ps, err := s.store.Printers(ctx)
	if err != nil {
		return fmt.Errorf("list printers: %w", err)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	workers := make(map[string]*worker)
	apply := func(ps []station.Printer) {
		for _, w := range workers {
			w.set(ps)
		}
		for _, p := range ps {
			if _, ok := workers[p.Name]; ok {
				continue
			}
			w := &worker{name: p.Name, kick: make(chan struct{}, 1)}
			w.set(ps)
			workers[p.Name] = w
			wg.Go(func() { s.work(ctx, w) })
		}
	}
	apply(ps)

	t := time.NewTicker(s.Rescan)
	defer t.Stop()
	storeDown := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.kick:
		case <-t.C:
		}
		ps, err := s.store.Printers(ctx)
		if err != nil {
			if ctx.Err() == nil && !storeDown {
				s.Logger.Warn("cannot read printers; keeping the last list", "err", err)
			}
			storeDown = true
		} else {
			storeDown = false
			apply(ps)
		}
		for _, w := range workers {
			w.wake()
		}
	}
}

// worker is the goroutine of one printer. A printer removed from the list
// keeps its (idle) worker, so a printer added back never has two.
type worker struct {
	name string
	kick chan struct{}

	mu  sync.Mutex
	cfg station.Printer
	ok  bool // listed now
}

func (w *worker) set(ps []station.Printer) {
	i := slices.IndexFunc(ps, func(p station.Printer) bool { return p.Name == w.name })
	w.mu.Lock()
	defer w.mu.Unlock()
	w.ok = i >= 0
	if w.ok {
		w.cfg = ps[i]
	}
}

func (w *worker) printer() (station.Printer, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cfg, w.ok
}

func (w *worker) wake() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// wait returns after d (never, for d == 0), on a kick, or when ctx ends.
func (s *Spooler) wait(ctx context.Context, w *worker, d time.Duration) {
	var after <-chan time.Time
	if d > 0 {
		after = s.After(d)
	}
	select {
	case <-ctx.Done():
	case <-w.kick:
	case <-after:
	}
}

// backoff returns the delay before attempt n+1 after n failed attempts.
func (s *Spooler) backoff(n int) time.Duration {
	d := s.MinBackoff
	for i := 1; i < n && d < s.MaxBackoff; i++ {
		d *= 2
	}
	return s.Jitter(min(d, s.MaxBackoff))
}

// work takes one printer's jobs in order until ctx ends.
func (s *Spooler) work(ctx context.Context, w *worker) {
	log := s.Logger.With("printer", w.name)
	st := &state{log: log}
	for ctx.Err() == nil {
		p, listed := w.printer()
		if !listed {
			s.wait(ctx, w, 0)
			continue
		}
		job, ok, err := s.store.NextJob(ctx, p.Name)
		if err != nil {
			s.storeFailed(ctx, w, st, "read the queue", err)
			continue
		}
		if !ok {
			st.storeOK()
			s.wait(ctx, w, 0)
			continue
		}
		if d := job.NextAttemptAt.Sub(s.Now()); d > 0 {
			s.wait(ctx, w, d)
			continue
		}
		s.print(ctx, w, st, p, job)
	}
}

// state is what a worker remembers between jobs so that it logs the start
// and the end of an outage once each.
type state struct {
	log         *slog.Logger
	printerDown bool
	storeErrs   int
	storeWarned bool
}

func (st *state) storeOK() {
	if st.storeWarned {
		st.log.Info("print queue readable again")
	}
	st.storeErrs, st.storeWarned = 0, false
}

func (s *Spooler) storeFailed(ctx context.Context, w *worker, st *state, what string, err error) {
	if ctx.Err() != nil {
		return
	}
	st.storeErrs++
	if !st.storeWarned {
		st.log.Warn("print queue: cannot "+what, "err", err)
		st.storeWarned = true
	}
	s.wait(ctx, w, s.backoff(st.storeErrs))
}

// print renders and sends one job and records the outcome.
func (s *Spooler) print(ctx context.Context, w *worker, st *state, p station.Printer, job station.PrintJob) {
	data, err := ZPL(job.Content, p.Size, p.DPI, p.Font)
	if err != nil {
		if f := station.Fields(err); len(f) > 0 && f[0].Field == "code" {
			// The job's own content is at fault: it will never print.
			if err := s.store.MarkFailed(ctx, job.ID, err.Error(), s.Now()); err != nil && station.ErrorCode(err) != station.ENotFound {
				s.storeFailed(ctx, w, st, "mark a job failed", err)
				return
			}
			st.storeOK()
			st.log.Warn("print job cannot be rendered; marked failed", "job", job.ID, "err", err)
			return
		}
		// The printer's configuration is at fault (size, dpi, font): hold
		// the queue until it is fixed.
		s.retry(ctx, w, st, job, err, s.MaxBackoff)
		return
	}
	if err := s.store.MarkSending(ctx, job.ID); err != nil {
		if station.ErrorCode(err) != station.ENotFound {
			s.storeFailed(ctx, w, st, "mark a job sending", err)
		}
		return
	}
	if err := s.Send(ctx, p.Addr, data); err != nil {
		if ctx.Err() != nil {
			return // shutting down: the job stays sending and goes out on start
		}
		delay := s.MaxBackoff
		if Retryable(err) {
			delay = s.backoff(job.Attempts + 1)
		}
		s.retry(ctx, w, st, job, err, delay)
		return
	}
	if st.printerDown {
		st.log.Info("printer is back", "addr", p.Addr)
		st.printerDown = false
	}
	// The label is out: record it even if the store needs a few tries, so
	// that it is not sent twice.
	for {
		err := s.store.MarkDone(ctx, job.ID, s.Now())
		if err == nil || station.ErrorCode(err) == station.ENotFound {
			st.storeOK()
			return
		}
		if ctx.Err() != nil {
			return
		}
		s.storeFailed(ctx, w, st, "mark a job done", err)
	}
}

// retry records a failed attempt on job, to be tried again after delay.
func (s *Spooler) retry(ctx context.Context, w *worker, st *state, job station.PrintJob, cause error, delay time.Duration) {
	if !st.printerDown {
		st.log.Warn("printer cannot print; holding its queue", "job", job.ID, "err", cause)
		st.printerDown = true
	} else {
		st.log.Debug("print attempt failed", "job", job.ID, "attempt", job.Attempts+1, "err", cause)
	}
	next := s.Now().Add(delay)
	if err := s.store.MarkRetry(ctx, job.ID, job.Attempts+1, cause.Error(), next); err != nil && station.ErrorCode(err) != station.ENotFound {
		s.storeFailed(ctx, w, st, "record a failed attempt", err)
		return
	}
	st.storeOK()
}
