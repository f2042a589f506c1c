package central

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"returns-station/station"
)

// PushOptions tunes a Pusher. The zero value is the production default.
type PushOptions struct {
	// BatchSize is the most events per push, at most MaxBatch (the default).
	BatchSize int
	// Backoff is the retry schedule after a failed push.
	Backoff Backoff
	// HaltRecheck is how long a halted push waits, with an unchanged
	// configuration, before trying once more. Default 1 h. The push halts
	// on answers that say the link itself is wrong: 401 and 403 (token),
	// and 3xx, 404, 409, 412, 501, 505 or another unexpected status
	// (URL, station or central). 400, 413 and 422 do not halt it: they
	// refuse a batch for what is in it, so the batch is split until the
	// event at fault is alone, and that event is parked.
	HaltRecheck time.Duration
	// Timing is the clock, timer and randomness; zero for the real ones.
	Timing Timing
	// Logger receives one line per state change, and repeated failures at
	// most once a minute. Default: discard.
	Logger *slog.Logger
	// Registerer, if set, receives the push metrics, including the link
	// state read at scrape time.
	Registerer prometheus.Registerer
}

// Pusher relays the event log to central (central.md §3): one loop that
// sends the events after the acknowledged seq in batches, in seq order, and
// moves the acknowledged seq only over what central stored or rejected for
// good, parking the rejected ones. It never drops or reorders an event; its
// position and retry state live in the PushStore, so a restart resumes
// where it stopped, backoff included.
type Pusher struct {
	client  *Client
	events  EventLog
	store   PushStore
	opt     PushOptions
	log     *slog.Logger
	metrics *pushMetrics
	wake    chan struct{}
	running atomic.Bool
}

// NewPusher returns a Pusher of events to c, keeping its state in store.
// Start it with Run.
func NewPusher(c *Client, events EventLog, store PushStore, opt PushOptions) (*Pusher, error) {
	if c == nil || events == nil || store == nil {
		return nil, errors.New("new pusher: client, event log and store are required")
	}
	if opt.BatchSize <= 0 || opt.BatchSize > MaxBatch {
		opt.BatchSize = MaxBatch
	}
	opt.Backoff = opt.Backoff.withDefaults()
	if opt.HaltRecheck <= 0 {
		opt.HaltRecheck = time.Hour
	}
	opt.Timing = opt.Timing.withDefaults()
	p := &Pusher{
		client: c, events: events, store: store, opt: opt,
		log:  defaultLogger(opt.Logger).With("component", "push"),
		wake: make(chan struct{}, 1),
	}
	m, err := newPushMetrics(opt.Registerer, p)
	if err != nil {
		return nil, fmt.Errorf("new pusher: %w", err)
	}
	p.metrics = m
	return p, nil
}

// Wake makes the loop try now: it cuts a backoff or a halt short (an
// operator's "retry now"). It never blocks.
func (p *Pusher) Wake() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Run pushes until ctx is done, then returns nil. The caller owns the
// goroutine (and its wait group); at most one Run may be active.
func (p *Pusher) Run(ctx context.Context) error {
	if !p.running.CompareAndSwap(false, true) {
		return errors.New("push: already running")
	}
	defer p.running.Store(false)

	st, ok := p.load(ctx)
	if !ok {
		return nil
	}
	r := pushRun{Pusher: p, st: st, size: p.opt.BatchSize, ceil: p.opt.BatchSize, errs: logLimiter{every: time.Minute}}
	r.loop(ctx)
	return nil
}

// load reads the stored state, retrying storage failures until ctx is done.
func (p *Pusher) load(ctx context.Context) (station.PushState, bool) {
	for attempt := 1; ; attempt++ {
		st, err := p.store.PushState(ctx)
		if err == nil {
			return st, true
		}
		if ctx.Err() != nil {
			return st, false
		}
		p.log.Error("read push state", "err", err, "attempt", attempt)
		if wait(ctx, p.opt.Timing, p.opt.Backoff.delay(p.opt.Timing, attempt, 0), nil, p.wake) == wokeDone {
			return st, false
		}
	}
}

// pushRun is the state of one Run.
type pushRun struct {
	*Pusher
	st      station.PushState
	resumed bool // the restore state was read and nothing waits for central's position
	size    int  // current batch size; halved on 400/413/422
	ceil    int  // largest batch size; lowered by 413 for the rest of the run
	local   int  // consecutive storage failures
	errs    logLimiter
}

func (r *pushRun) loop(ctx context.Context) {
	t := r.opt.Timing
	ready := false // a wait just ended: try without waiting again
	for ctx.Err() == nil {
		changed := r.client.Changed()
		if !r.client.Configured() {
			wait(ctx, t, 0, changed, r.wake)
			continue
		}
		if !ready {
			now := t.Now()
			if r.st.Halted() && r.st.HaltedConfig == r.client.ConfigID() {
				if d := r.st.HaltedAt.Add(r.opt.HaltRecheck).Sub(now); d > 0 {
					// The link coming back does not lift a halt; a new
					// configuration (seen above) or an operator does.
					if w := wait(ctx, t, min(d, r.opt.HaltRecheck), changed, r.wake); w == wokeTimer || w == wokeSignal {
						ready = true
					}
					continue
				}
			}
			if d := r.st.NextAttemptAt.Sub(now); d > 0 {
				wait(ctx, t, min(d, r.opt.Backoff.longest()), changed, r.wake)
				ready = true
				continue
			}
		}
		ready = false
		if !r.resumed && !r.resume(ctx) {
			continue
		}

		committed := r.events.Committed()
		evs, err := r.events.EventsAfter(ctx, r.st.AckedSeq, r.size)
		if err == nil {
			err = checkBatch(r.st.AckedSeq, evs)
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			r.localFailure(ctx, "read the event log", err)
			ready = true
			continue
		}
		if len(evs) == 0 {
			r.local = 0
			wait(ctx, t, 0, nil, committed, r.wake)
			continue
		}
		config := r.client.ConfigID() // what a refusal refers to, even if it changes meanwhile
		res, err := r.client.PushEvents(ctx, evs)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			r.failed(ctx, evs, err, config)
			continue
		}
		r.settled(ctx, evs, res)
	}
}

// checkBatch guards against a store that breaks the EventLog contract:
// pushing out of order would break central's view for good.
func checkBatch(after uint64, evs []station.Event) error {
	prev := after
	for _, e := range evs {
		if e.Seq <= prev {
			return fmt.Errorf("event log returned seq %d after %d", e.Seq, prev)
		}
		prev = e.Seq
	}
	return nil
}

// localFailure waits out a storage failure; nothing is stored about it.
func (r *pushRun) localFailure(ctx context.Context, what string, err error) {
	r.local++
	r.metrics.batches.WithLabelValues("local").Inc()
	if r.errs.allow(r.opt.Timing.Now()) {
		r.log.Error(what, "err", err, "failures", r.local)
	}
	if d := r.opt.Backoff.delay(r.opt.Timing, r.local, 0); d > 0 {
		wait(ctx, r.opt.Timing, d, nil, r.wake)
	}
}

// failed handles a push that central did not settle.
func (r *pushRun) failed(ctx context.Context, evs []station.Event, err error, config string) {
	var ce *Error
	if !errors.As(err, &ce) {
		r.localFailure(ctx, "push events", err)
		return
	}
	now := r.opt.Timing.Now()
	switch {
	case ce.Retryable():
		r.retryLater(ctx, ce, now)
		r.metrics.batches.WithLabelValues("retry").Inc()
		if r.errs.allow(now) {
			r.log.Warn("central did not take the events; retrying", "err", ce.Error(),
				"first_seq", evs[0].Seq, "attempt", r.st.Attempts, "next_attempt_at", r.st.NextAttemptAt)
		}
	case splittable(ce.StatusCode) && len(evs) > 1:
		// The batch as a whole was refused: find the event at fault by
		// halving, rather than resending it unchanged.
		r.size = max(len(evs)/2, 1)
		if ce.StatusCode == http.StatusRequestEntityTooLarge {
			r.ceil = r.size
		}
		r.metrics.batches.WithLabelValues("shrunk").Inc()
		r.log.Warn("central refused a batch; splitting it", "status", ce.StatusCode,
			"first_seq", evs[0].Seq, "events", len(evs), "next_size", r.size)
	case splittable(ce.StatusCode):
		e := evs[0]
		pe := parked(e, ce.StatusCode, ce.Problem, nil, now)
		next := r.st
		next.AckedSeq, next.Attempts, next.NextAttemptAt = e.Seq, 0, time.Time{}
		next.HaltedStatus, next.HaltedAt, next.HaltedConfig = 0, time.Time{}, ""
		next.LastError, next.LastErrorAt = fmt.Sprintf("event %d parked: %s", e.Seq, pe.Reason), now
		if err := r.store.AckPush(ctx, next, []station.ParkedEvent{pe}); err != nil {
			if ctx.Err() == nil {
				r.localFailure(ctx, "park a rejected event", err)
			}
			return
		}
		r.st, r.size = next, r.ceil
		r.metrics.parked.Inc()
		r.log.Warn("central rejected an event; parked it for a supervisor", "seq", e.Seq, "id", e.ID,
			"type", e.Type, "reason", pe.Reason)
	default:
		r.halt(ctx, ce.StatusCode, ce.Error(), config, now)
	}
}

// retryLater stores a retryable failure and when to try again.
func (r *pushRun) retryLater(ctx context.Context, ce *Error, now time.Time) {
	r.st.HaltedStatus, r.st.HaltedAt, r.st.HaltedConfig = 0, time.Time{}, ""
	r.st.Attempts++
	r.st.NextAttemptAt = now.Add(r.opt.Backoff.delay(r.opt.Timing, r.st.Attempts, ce.RetryAfter))
	r.st.LastError, r.st.LastErrorAt = ce.Error(), now
	r.save(ctx)
}

// halt stops the push until the configuration changes, an operator asks,
// or the recheck interval passes.
func (r *pushRun) halt(ctx context.Context, status int, why, config string, now time.Time) {
	r.st.HaltedStatus, r.st.HaltedAt, r.st.HaltedConfig = status, now, config
	r.st.Attempts, r.st.NextAttemptAt = 0, time.Time{}
	r.st.LastError, r.st.LastErrorAt = why, now
	r.metrics.batches.WithLabelValues("halted").Inc()
	r.log.Error("central refused the push; stopped until the central link configuration changes",
		"err", why, "recheck_at", now.Add(r.opt.HaltRecheck))
	r.save(ctx)
}

// resume makes sure no push happens while a restore waits for central's
// position: it reads the restore state and, while waiting, central's
// position, and has the store continue the log after it. It returns true
// when pushing may go on; otherwise it has recorded why not (a retry
// later, or a halt) and the loop waits.
func (r *pushRun) resume(ctx context.Context) bool {
	rs, err := r.store.Restored(ctx)
	if err != nil {
		if ctx.Err() == nil {
			r.localFailure(ctx, "read the restore state", err)
		}
		return false
	}
	if rs == nil || !rs.Waiting {
		r.resumed = true
		return true
	}
	config := r.client.ConfigID()
	pos, err := r.client.Position(ctx)
	if ctx.Err() != nil {
		return false
	}
	now := r.opt.Timing.Now()
	if err != nil {
		var ce *Error
		switch {
		case !errors.As(err, &ce):
			r.localFailure(ctx, "read central's position", err)
		case ce.Retryable():
			r.retryLater(ctx, ce, now)
			if r.errs.allow(now) {
				r.log.Warn("restored from a backup: central's position is needed before pushing; retrying", "err", ce.Error(),
					"attempt", r.st.Attempts, "next_attempt_at", r.st.NextAttemptAt)
			}
		default:
			r.halt(ctx, ce.StatusCode, "restored from a backup, the station pushes nothing until it knows how far central holds its events: "+ce.Error(), config, now)
		}
		return false
	}
	rs, err = r.store.ResumeAfter(ctx, pos.LastSeq, pos.LastID)
	if err != nil {
		switch {
		case ctx.Err() != nil:
		case station.ErrorCode(err) == station.EConflict:
			r.halt(ctx, http.StatusConflict, station.ErrorMessage(err)+
				"; the data is not this station's history as central knows it (a backup of another station, or two stations with one id?): "+
				"check the station id and the backup, then retry", config, now)
		default:
			r.localFailure(ctx, "continue the event log after central's position", err)
		}
		return false
	}
	r.resumed = true
	if rs != nil && rs.CentralOnlyTo > 0 {
		r.log.Warn("restored from a backup: events exist only on central; the events committed since the restore continue after central's last seq",
			"central_only_from", rs.CentralOnlyFrom, "central_only_to", rs.CentralOnlyTo, "renumbered", rs.Renumbered, "central_count", pos.Count)
	} else {
		r.log.Info("restored from a backup: central holds nothing beyond the backup; pushing resumes", "central_last_seq", pos.LastSeq)
	}
	if r.st.Attempts > 0 || r.st.Halted() {
		r.st.Attempts, r.st.NextAttemptAt = 0, time.Time{}
		r.st.HaltedStatus, r.st.HaltedAt, r.st.HaltedConfig = 0, time.Time{}, ""
		r.save(ctx)
	}
	return true
}

// splittable statuses refuse a batch for what is in it: a smaller batch,
// or parking the one event at fault, changes the request.
func splittable(code int) bool {
	return code == http.StatusBadRequest || code == http.StatusRequestEntityTooLarge ||
		code == http.StatusUnprocessableEntity
}

// save stores the failure state; if that fails the loop goes on with it in
// memory (the worst case is an earlier retry after a restart).
func (r *pushRun) save(ctx context.Context) {
	if err := r.store.SavePushState(ctx, r.st); err != nil && ctx.Err() == nil {
		r.log.Error("save push state", "err", err)
	}
}

// settled applies a 2xx answer: the acknowledged seq moves over the
// contiguous prefix of the batch that central stored (seq ≤ last_seq) or
// rejected; rejected ones are parked in the same store call.
func (r *pushRun) settled(ctx context.Context, evs []station.Event, res PushResult) {
	now := r.opt.Timing.Now()
	upTo, parkedEvs := settle(r.st.AckedSeq, evs, res, now)
	if upTo == r.st.AckedSeq {
		r.failed(ctx, evs, &Error{Op: "push events", StatusCode: res.StatusCode, Malformed: true,
			Err: fmt.Errorf("central acknowledged none of the events %d-%d (last_seq %d)",
				evs[0].Seq, evs[len(evs)-1].Seq, res.LastSeq)}, "")
		return
	}
	next := station.PushState{AckedSeq: upTo, LastSuccessAt: now}
	if err := r.store.AckPush(ctx, next, parkedEvs); err != nil {
		if ctx.Err() == nil {
			r.localFailure(ctx, "store the push acknowledgement", err)
		}
		return
	}
	if r.st.Attempts > 0 || r.st.Halted() {
		r.log.Info("central takes events again", "acked_seq", upTo, "after_attempts", r.st.Attempts)
	}
	for _, pe := range parkedEvs {
		r.log.Warn("central rejected an event; parked it for a supervisor", "seq", pe.Seq, "id", pe.ID,
			"type", pe.Type, "reason", pe.Reason)
	}
	acked := 0
	for _, e := range evs {
		if e.Seq <= upTo {
			acked++
		}
	}
	r.metrics.pushed.Add(float64(acked - len(parkedEvs)))
	r.metrics.parked.Add(float64(len(parkedEvs)))
	r.metrics.batches.WithLabelValues("ok").Inc()
	r.st, r.local = next, 0
	r.errs.reset()
	r.size = min(r.size*2, r.ceil)
}

// settle returns the new acknowledged seq and the events to park for a
// batch central answered with res. It walks the batch in order and stops at
// the first event that is neither stored (seq ≤ last_seq) nor rejected, so
// the position never passes an unsettled event.
func settle(acked uint64, evs []station.Event, res PushResult, now time.Time) (uint64, []station.ParkedEvent) {
	bySeq := make(map[uint64]Rejection, len(res.Rejected))
	byID := make(map[string]Rejection, len(res.Rejected))
	for _, rj := range res.Rejected {
		if rj.Seq != 0 {
			bySeq[rj.Seq] = rj
		} else {
			byID[rj.ID] = rj
		}
	}
	upTo := acked
	var out []station.ParkedEvent
	for _, e := range evs {
		rj, ok := bySeq[e.Seq]
		if ok && rj.ID != "" && rj.ID != e.ID {
			ok = false // names a different event: not ours to park
		}
		if !ok {
			rj, ok = byID[e.ID]
		}
		switch {
		case ok:
			out = append(out, parked(e, 0, rj.Problem, rj.RawProblem, now))
		case e.Seq <= res.LastSeq:
		default:
			return upTo, out
		}
		upTo = e.Seq
	}
	return upTo, out
}

// parked describes a rejected event for the supervisor.
func parked(e station.Event, status int, p *Problem, raw []byte, now time.Time) station.ParkedEvent {
	pe := station.ParkedEvent{Seq: e.Seq, ID: e.ID, Type: e.Type, Subject: e.Subject, ParkedAt: now,
		Status: status, Problem: raw}
	if p != nil {
		if p.Status != 0 {
			pe.Status = p.Status
		}
		pe.Reason = p.Summary()
	}
	if pe.Reason == "" {
		pe.Reason = "rejected by the central platform without a reason"
		if pe.Status != 0 {
			pe.Reason = fmt.Sprintf("rejected by the central platform (%d %s)", pe.Status, http.StatusText(pe.Status))
		}
	}
	return pe
}

// Status returns the link as people see it: the client's view of central,
// the push position, the backlog and its oldest event, and parked events.
func (p *Pusher) Status(ctx context.Context) (station.LinkState, error) {
	ls := p.client.Link()
	st, err := p.store.PushState(ctx)
	if err != nil {
		return ls, fmt.Errorf("link status: %w", err)
	}
	last := p.events.LastSeq()
	parked, err := p.store.CountParked(ctx)
	if err != nil {
		return ls, fmt.Errorf("link status: %w", err)
	}
	now := p.opt.Timing.Now()
	ls.LastSeq, ls.AckedSeq, ls.Parked = last, st.AckedSeq, parked
	if ls.Restore, err = p.store.Restored(ctx); err != nil {
		return ls, fmt.Errorf("link status: %w", err)
	}
	if last > st.AckedSeq {
		ls.Backlog = last - st.AckedSeq
		evs, err := p.events.EventsAfter(ctx, st.AckedSeq, 1)
		if err != nil {
			return ls, fmt.Errorf("link status: %w", err)
		}
		if len(evs) > 0 {
			ls.OldestUnackedAt = evs[0].Time
			ls.OldestUnackedAgeSeconds = max(now.Sub(evs[0].Time).Seconds(), 0)
		}
	}
	ls.Attempts = st.Attempts
	if st.NextAttemptAt.After(now) {
		ls.NextAttemptAt = st.NextAttemptAt
	}
	if st.Halted() && st.HaltedConfig == p.client.ConfigID() {
		ls.Halted, ls.HaltedStatus = true, st.HaltedStatus
		if st.HaltedStatus == http.StatusUnauthorized || st.HaltedStatus == http.StatusForbidden {
			ls.AuthFailed = true
		}
	}
	if st.LastSuccessAt.After(ls.LastSuccessAt) {
		ls.LastSuccessAt = st.LastSuccessAt
	}
	if st.LastErrorAt.After(ls.LastErrorAt) {
		ls.LastError, ls.LastErrorAt = st.LastError, st.LastErrorAt
	}
	return ls, nil
}
