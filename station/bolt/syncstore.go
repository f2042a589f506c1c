package bolt

import (
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"returns-station/station"
)

var (
	kPushState    = []byte("push_state")
	kReturnCursor = []byte("return_cursor")
)

func (d *DB) systemEnv(actor string) station.Env {
	return d.Clock().Env(d.stationID, actor, station.RoleAdmin)
}

// Clock is the clock and id source the store was opened with (Options.Now
// and NewID), for a command-line tool that writes through the store and
// must not start a second id source beside it.
func (d *DB) Clock() station.Clock { return station.Clock{Now: d.now, NewID: d.newID} }

// PushState returns the event push's durable state.
func (d *DB) PushState(context.Context) (station.PushState, error) {
	var st station.PushState
	err := d.view(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bSync).Get(kPushState); v != nil {
			return json.Unmarshal(v, &st)
		}
		return nil
	})
	return st, err
}

// AckPush stores the new push position and parks the events central
// rejected, in one transaction.
func (d *DB) AckPush(ctx context.Context, st station.PushState, parked []station.ParkedEvent) error {
	_, err := d.write(ctx, func(t *txn) (any, error) {
		for _, p := range parked {
			if err := put(t.b(bParked), u64(p.Seq), p); err != nil {
				return nil, err
			}
		}
		return nil, put(t.b(bSync), kPushState, st)
	})
	return err
}

// SavePushState stores the push's retry state after a failure.
func (d *DB) SavePushState(ctx context.Context, st station.PushState) error {
	_, err := d.write(ctx, func(t *txn) (any, error) { return nil, put(t.b(bSync), kPushState, st) })
	return err
}

// CountParked returns how many rejected events wait for a supervisor.
func (d *DB) CountParked(context.Context) (int, error) {
	n := 0
	err := d.view(func(tx *bolt.Tx) error {
		n = tx.Bucket(bParked).Stats().KeyN
		return nil
	})
	return n, err
}

// Parked lists the events central rejected, oldest first.
func (d *DB) Parked(limit int) ([]station.ParkedEvent, error) {
	var out []station.ParkedEvent
	err := d.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bParked).Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			var p station.ParkedEvent
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("decode parked event: %w", err)
			}
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// ReturnCursor returns the RMA pull cursor ("" before the first pull).
func (d *DB) ReturnCursor(context.Context) (string, error) {
	var c string
	err := d.view(func(tx *bolt.Tx) error {
		c = string(tx.Bucket(bSync).Get(kReturnCursor))
		return nil
	})
	return c, err
}

// ApplyReturns applies one pulled page (higher versions replace lower ones,
// waiting parcels match) and saves the cursor in the same transaction.
func (d *DB) ApplyReturns(ctx context.Context, page []station.ReturnAuthorization, next string) error {
	env := d.systemEnv("system:pull")
	_, err := d.write(ctx, func(t *txn) (any, error) {
		for i := range page {
			if _, err := station.PutReturn(t, env, &page[i], "later_pull"); err != nil {
				return nil, fmt.Errorf("apply RMA %s: %w", page[i].RMA, err)
			}
		}
		return nil, t.b(bSync).Put(kReturnCursor, []byte(next))
	})
	return err
}

// FeedEventsAfter is EventsAfter for the feed central pulls (central.md §4).
// After a restore, until central's position is known, it hands out nothing
// above the backup's last seq (resume.go). The first time it hands out an event it records durably, before
// answering, that events have left the station (the station id is then
// fixed).
func (d *DB) FeedEventsAfter(ctx context.Context, after uint64, limit int) ([]station.Event, error) {
	evs, err := d.EventsAfter(ctx, after, limit)
	evs = d.heldBack(evs)
	if err != nil || len(evs) == 0 || d.feedRead.Load() {
		return evs, err
	}
	if _, err := d.write(ctx, func(t *txn) (any, error) { return nil, t.b(bMeta).Put(kFeedRead, []byte{1}) }); err != nil {
		return nil, err
	}
	d.feedRead.Store(true)
	return evs, nil
}
