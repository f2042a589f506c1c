package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"returns-station/carriers"
	"returns-station/carriers/poll"
	"returns-station/labels"
	"returns-station/station"
	"returns-station/station/bolt"
	"returns-station/station/web"
	"returns-station/sync/central"
)

// workers owns the station's background loops; Stop waits for all of them.
// A loop that ends before shutdown, or keeps failing, is reported in the log
// and by /readyz (ready), so the station never looks healthy with its push,
// printing or pruning silently gone.
type workers struct {
	wg     sync.WaitGroup
	cancel context.CancelFunc

	mu       sync.Mutex
	problems map[string]error // worker name → why it is not working
}

func (w *workers) start(ctx context.Context, name string, log *slog.Logger, run func(context.Context) error) {
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		log.Debug("worker started", "component", name)
		err := w.runSafe(ctx, run)
		if ctx.Err() != nil { // shutting down: ending is expected
			log.Debug("worker stopped", "component", name)
			return
		}
		if err == nil {
			err = errors.New("it returned without an error")
		}
		log.Error("background work stopped; restart the station, and if it repeats run `station check`",
			"component", name, "err", err)
		w.report(name, fmt.Errorf("stopped: %w", err))
	}()
}

// runSafe runs one loop; a panic in it (a bug, or a page damaged on disk)
// stops this loop, not the station that desks are using.
func (w *workers) runSafe(ctx context.Context, run func(context.Context) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return run(ctx)
}

// report records the state of worker name (nil: working again).
func (w *workers) report(name string, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err == nil {
		delete(w.problems, name)
		return
	}
	if w.problems == nil {
		w.problems = map[string]error{}
	}
	w.problems[name] = err
}

// ready is nil while every background loop works, else what is wrong
// (web.Config.Ready, shown by /readyz).
func (w *workers) ready() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(w.problems)) {
		errs = append(errs, fmt.Errorf("background work %q %w", name, w.problems[name]))
	}
	return errors.Join(errs...)
}

func (w *workers) stop() {
	if w.cancel != nil {
		w.cancel()
	}
	w.wg.Wait()
}

// passError is what a periodic loop reports after one pass.
func passError(err error) error {
	if err != nil {
		return fmt.Errorf("failing (retried every minute; see the log): %w", err)
	}
	return nil
}

// carrierHooks builds a verifier for every provider with a secret configured.
func carrierHooks(getenv func(string) string) (map[string]web.CarrierHook, error) {
	hooks := map[string]web.CarrierHook{}
	for provider, secrets := range carriers.SecretsFromEnv(getenv) {
		h, err := carriers.New(provider, secrets)
		if err != nil {
			return nil, usageError{carriers.EnvName(provider) + ": " + err.Error()}
		}
		hooks[provider] = h
	}
	return hooks, nil
}

// systemEnv is the Env of the station's own background work.
func systemEnv(db *bolt.DB, clk station.Clock, actor string) station.Env {
	return clk.Env(db.StationID(), actor, station.RoleAdmin)
}

// sweepInbound raises "not found at dock" and "stuck" exceptions every minute.
func sweepInbound(db *bolt.DB, clk station.Clock, pol station.InboundPolicy, log *slog.Logger, report func(error)) func(context.Context) error {
	env := systemEnv(db, clk, "system:inbound")
	return func(ctx context.Context) error {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			n, err := db.Update(ctx, nil, func(tx station.Tx) (any, error) { return station.SweepInbound(tx, env, pol) })
			report(passError(err))
			if err != nil {
				log.Error("inbound sweep failed; retrying in a minute", "component", "inbound", "err", err)
			} else if n.(int) > 0 {
				log.Info("inbound exceptions raised", "component", "inbound", "count", n)
			}
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	}
}

// maxAgeAlarmParcels bounds the open parcels one age-alarm pass reads.
const maxAgeAlarmParcels = 100000

// alarmAgedParcels raises the age alarm of each open parcel crossing the
// alarm threshold, once, checking every minute: time passing emits no event.
func alarmAgedParcels(db *bolt.DB, clk station.Clock, alarm time.Duration, log *slog.Logger, report func(error)) func(context.Context) error {
	env := systemEnv(db, clk, "system:risk")
	return func(ctx context.Context) error {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			n, err := ageAlarmPass(ctx, db, env, alarm)
			report(passError(err))
			if err != nil {
				log.Error("age alarm pass failed; parcels past the alarm are not flagged until it works again; retrying in a minute",
					"component", "risk", "err", err)
			} else if n > 0 {
				log.Warn("parcels crossed the age alarm; see the dashboard's alarms", "component", "risk", "count", n, "alarm", alarm)
			}
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	}
}

// ageAlarmPass reads the open-parcel index (no record decoded), looks in a
// read transaction for parcels whose alarm is due, and raises those in one
// write transaction: a backlog already alarmed costs no write each minute.
func ageAlarmPass(ctx context.Context, db *bolt.DB, env station.Env, alarm time.Duration) (int, error) {
	now := env.Now()
	open, err := db.OpenParcels(time.Unix(0, 0), maxAgeAlarmParcels)
	if err != nil {
		return 0, err
	}
	var due []station.OpenParcel
	if len(open) > 0 && now.Sub(open[0].ReceivedAt) >= alarm {
		err = db.View(func(tx station.Tx) (err error) { due, err = station.AgeAlarmsDue(tx, open, now, alarm); return err })
	}
	if err != nil || len(due) == 0 {
		return 0, err
	}
	n, err := db.Update(ctx, nil, func(tx station.Tx) (any, error) { return station.AlarmAgedParcels(tx, env, due, now, alarm) })
	if err != nil {
		return 0, err
	}
	return n.(int), nil
}

// pollSource adapts the store to the carrier poller.
type pollSource struct {
	db       *bolt.DB
	quiet    time.Duration
	provider string
}

func (p pollSource) Due(_ context.Context, now time.Time) ([]poll.Shipment, error) {
	list, err := p.db.DueShipments(now, p.quiet)
	if err != nil {
		return nil, err
	}
	out := make([]poll.Shipment, 0, len(list))
	for _, s := range list {
		out = append(out, poll.Shipment{Tracking: s.Tracking, Carrier: s.Carrier, Provider: p.provider})
	}
	return out, nil
}

// pollSink applies polled updates like pushed ones.
type pollSink struct {
	db  *bolt.DB
	env station.Env
}

func (p pollSink) ApplyTracking(ctx context.Context, updates []station.TrackingUpdate) error {
	_, err := p.db.Update(ctx, nil, func(tx station.Tx) (any, error) {
		for _, u := range updates {
			if _, err := station.ApplyTracking(tx, p.env, u); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	return err
}

// carrierPoller returns the poller for the tracking API configured, or nil.
func carrierPoller(db *bolt.DB, clk station.Clock, getenv func(string) string, quiet time.Duration, log *slog.Logger) *poll.Poller {
	trackers := map[string]poll.Tracker{}
	provider := ""
	if c, k := getenv("STATION_POLL_KUAIDI100_CUSTOMER"), getenv("STATION_POLL_KUAIDI100_KEY"); c != "" && k != "" {
		trackers["kuaidi100"], provider = poll.NewKuaidi100(c, k, poll.Options{Logger: log}), "kuaidi100"
	}
	if tok := getenv("STATION_POLL_TRACK17_TOKEN"); tok != "" {
		trackers["track17"] = poll.NewTrack17(tok, poll.Options{Logger: log})
		if provider == "" {
			provider = "track17"
		}
	}
	if provider == "" {
		return nil
	}
	return &poll.Poller{Source: pollSource{db: db, quiet: quiet, provider: provider}, Sink: pollSink{db: db, env: systemEnv(db, clk, "system:poll")},
		Trackers: trackers, Logger: log, Now: clk.Now}
}

// syncLink is the central link as the web layer shows it.
type syncLink struct {
	db     *bolt.DB
	pusher *central.Pusher
	puller *central.Puller
}

func (s syncLink) Status(ctx context.Context) (station.LinkState, error) { return s.pusher.Status(ctx) }
func (s syncLink) Retry()                                                { s.pusher.Wake(); s.puller.Trigger() }
func (s syncLink) Parked(limit int) ([]station.ParkedEvent, error)       { return s.db.Parked(limit) }

// startSync builds the central client, the event push and the RMA pull.
// Without a central URL they run too, report "not configured" and keep the
// backlog counted, so configuring central later needs only a restart.
func startSync(w *workers, ctx context.Context, db *bolt.DB, clk station.Clock, cfg Config, reg prometheus.Registerer, log *slog.Logger) (*central.Client, syncLink, error) {
	client, err := central.New(central.Config{BaseURL: cfg.CentralURL, StationID: db.StationID(), Token: cfg.CentralToken,
		Logger: log, Registerer: reg, Now: clk.Now})
	if err != nil {
		return nil, syncLink{}, err
	}
	pusher, err := central.NewPusher(client, db, db, central.PushOptions{Logger: log, Registerer: reg,
		Backoff: central.Backoff{Cap: cfg.SyncBackoff}, Timing: central.Timing{Now: clk.Now}})
	if err != nil {
		return nil, syncLink{}, err
	}
	puller, err := central.NewPuller(client, db, central.PullOptions{Logger: log, Registerer: reg,
		Interval: cfg.PullEvery, Backoff: central.Backoff{Cap: cfg.SyncBackoff}, Timing: central.Timing{Now: clk.Now}})
	if err != nil {
		return nil, syncLink{}, err
	}
	w.start(ctx, "push", log, pusher.Run)
	w.start(ctx, "pull", log, puller.Run)
	return client, syncLink{db: db, pusher: pusher, puller: puller}, nil
}

// labelRenderer adapts the labels package to the web layer.
type labelRenderer struct{}

func (labelRenderer) PNG(c station.LabelContent, size string, dpi int) ([]byte, error) {
	return labels.PNG(c, size, dpi)
}

func (labelRenderer) ZPL(c station.LabelContent, size string, dpi int, font string) ([]byte, error) {
	return labels.ZPL(c, size, dpi, font)
}

func (labelRenderer) Sheet(w io.Writer, list []station.LabelContent, size string) error {
	return labels.Sheet(w, list, size)
}

// pruneState removes expired sessions, idempotency records (kept two days,
// never under one) and carrier delivery keys (kept 30 days) once a minute, a
// bounded batch of each per pass, so the data file does not grow with them.
func pruneState(db *bolt.DB, clk station.Clock, log *slog.Logger, report func(error)) func(context.Context) error {
	p := db.NewPruner(bolt.PrunePolicy{SessionIdle: station.DefaultSessionIdle, Idempotency: 48 * time.Hour, TrackingSeen: 30 * 24 * time.Hour})
	return func(ctx context.Context) error {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			res, err := p.Pass(clk.Now())
			report(passError(err))
			if err != nil {
				log.Error("pruning expired records failed; retrying in a minute", "component", "prune", "err", err)
			} else if res.Total() > 0 {
				log.Info("expired records removed", "component", "prune", "sessions", res.Sessions, "idempotency_keys", res.Idempotency, "tracking_keys", res.TrackingSeen)
			}
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	}
}
