package bolt

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"returns-station/station"
)

// After a restore from backup the event log ends at the backup's last seq
// B, while central may hold this station's events up to some C > B (they
// were committed after the backup and are lost here). Reusing B+1… would
// send central seqs it already holds with other events. So:
//
//  1. Restore marks the copy it puts back as waiting (markRestored), with
//     B as the floor.
//  2. While waiting, the station keeps working: commands append events
//     after B as usual, but those events stay on the station. The pusher
//     does not push, and the feed hands out nothing above B, because
//     their seqs are provisional.
//  3. The pusher reads central's position (central.md §3.1) and calls
//     ResumeAfter in one transaction: if C > B, the events held back move
//     to C+1, C+2, … (same ids and content, new seq) and the log's
//     sequence continues after them, so every later event is above C too.
//     B+1..C is recorded as the range that exists only on central.
//  4. Pushing resumes from the acknowledged seq: events up to B that
//     central already holds are sent again (same seq, same id, same
//     content: central deduplicates), then the moved ones.
//
// Nothing with a provisional seq ever leaves the station, so moving them
// is invisible to central; the log stays strictly increasing, with one gap
// (B+1..C) that central fills from what it holds.

var kRestore = []byte("restore")

// ErrPositionConflict is returned by ResumeAfter when central's last event
// from this station is not the event this log holds at that seq: the data
// is not this station's history as central knows it.
var ErrPositionConflict = errors.New("central holds different events for this station")

// markRestored records, in the copy a restore puts back, that central's
// position must be read before anything is pushed. A backup taken while
// waiting keeps its earlier floor: the events above it never left.
func markRestored(tx *bolt.Tx, now time.Time) error {
	b, err := tx.CreateBucketIfNotExists(bSync)
	if err != nil {
		return err
	}
	var floor uint64
	if ev := tx.Bucket(bEvents); ev != nil {
		if k, _ := ev.Cursor().Last(); k != nil {
			floor = binary.BigEndian.Uint64(k)
		}
	}
	old, err := get[station.Restored](b, kRestore)
	if err != nil {
		return err
	}
	if old != nil && old.Waiting {
		floor = old.BackupLastSeq
	}
	return put(b, kRestore, station.Restored{At: now, BackupLastSeq: floor, Waiting: true})
}

// loadRestored reads the restore state at Open.
func (d *DB) loadRestored(tx *bolt.Tx) error {
	r, err := get[station.Restored](tx.Bucket(bSync), kRestore)
	if err != nil {
		return fmt.Errorf("the stored restore state does not decode: %w", err)
	}
	if r != nil && r.Waiting {
		d.holdFloor.Store(r.BackupLastSeq)
		d.holding.Store(true)
	}
	return nil
}

// Restored returns what the last restore from backup means for the link,
// nil if this data was never restored.
func (d *DB) Restored(context.Context) (*station.Restored, error) {
	var r *station.Restored
	err := d.view(func(tx *bolt.Tx) error {
		var err error
		r, err = get[station.Restored](tx.Bucket(bSync), kRestore)
		return err
	})
	return r, err
}

// ResumeAfter ends the wait after a restore, given central's position for
// this station: its last seq and that event's id. Events committed since
// the restore move to continue after lastSeq when central holds more than
// the backup; see the comment at the top of this file. It returns the new
// state (nil if the data was never restored). ErrPositionConflict means
// central's event at lastSeq is another one than this log's; nothing
// changed then.
func (d *DB) ResumeAfter(ctx context.Context, lastSeq uint64, lastID string) (*station.Restored, error) {
	var out *station.Restored
	_, err := d.write(ctx, func(t *txn) (any, error) {
		r, err := get[station.Restored](t.b(bSync), kRestore)
		if err != nil || r == nil || !r.Waiting {
			out = r
			return nil, err
		}
		ev := t.b(bEvents)
		floor := r.BackupLastSeq
		if lastSeq > 0 && lastSeq <= floor && lastID != "" {
			if v := ev.Get(u64(lastSeq)); v != nil {
				var e station.Event
				if err := json.Unmarshal(v, &e); err != nil {
					return nil, fmt.Errorf("decode event %d: %w", lastSeq, err)
				}
				if e.ID != lastID {
					err := station.Errorf(station.EConflict, "central's last event from this station is seq %d with id %s, but this station's event %d has id %s",
						lastSeq, lastID, lastSeq, e.ID).Coded("position_conflict", "seq", strconv.FormatUint(lastSeq, 10), "central_id", lastID, "station_id", e.ID)
					err.Err = ErrPositionConflict
					return nil, err
				}
			}
		}
		var held []station.Event
		c := ev.Cursor()
		for k, v := c.Seek(u64(floor + 1)); k != nil; k, v = c.Next() {
			var e station.Event
			if err := json.Unmarshal(v, &e); err != nil {
				return nil, fmt.Errorf("decode event %d: %w", binary.BigEndian.Uint64(k), err)
			}
			held = append(held, e)
		}
		r.Waiting, r.CentralLastSeq, r.ResumedAt = false, lastSeq, d.now()
		if lastSeq > floor {
			r.CentralOnlyFrom, r.CentralOnlyTo, r.Renumbered = floor+1, lastSeq, uint64(len(held))
			// Delete all first: the old and new ranges may overlap.
			for _, e := range held {
				if err := ev.Delete(u64(e.Seq)); err != nil {
					return nil, err
				}
			}
			for i := range held {
				held[i].Seq = lastSeq + 1 + uint64(i)
				raw, err := json.Marshal(&held[i])
				if err != nil {
					return nil, fmt.Errorf("encode event: %w", err)
				}
				if err := ev.Put(u64(held[i].Seq), raw); err != nil {
					return nil, err
				}
			}
			next := lastSeq + uint64(len(held))
			if err := ev.SetSequence(next); err != nil {
				return nil, err
			}
			if len(held) > 0 {
				t.lastSeq = next
			}
		}
		out = r
		return nil, put(t.b(bSync), kRestore, r)
	})
	if err != nil {
		return nil, err
	}
	if out != nil && !out.Waiting {
		d.holding.Store(false) // only now: until the commit the feed must not see past the floor
	}
	return out, nil
}

// heldBack trims events whose seq is provisional (above the floor while
// waiting for central's position) from a page about to leave the station.
func (d *DB) heldBack(evs []station.Event) []station.Event {
	if !d.holding.Load() {
		return evs
	}
	floor := d.holdFloor.Load()
	for i, e := range evs {
		if e.Seq > floor {
			return evs[:i]
		}
	}
	return evs
}

// FeedReaderHolds is told by the feed that a reader presented a cursor
// signed before a restore, at seq: the reader holds the events up to seq.
// When central has no push link (Options.ResumeFromFeed) and the station
// waits for central's position, that cursor is the position: the wait ends
// as with ResumeAfter. Otherwise it changes nothing.
func (d *DB) FeedReaderHolds(ctx context.Context, seq uint64) error {
	if !d.resumeFromFeed || !d.holding.Load() {
		return nil
	}
	r, err := d.ResumeAfter(ctx, seq, "")
	if err != nil {
		return err
	}
	if r != nil && r.CentralOnlyTo > 0 {
		d.log.Warn("restored from a backup: the feed reader holds events this station lost; the events committed since the restore continue after them",
			"component", "feed", "central_only_from", r.CentralOnlyFrom, "central_only_to", r.CentralOnlyTo, "renumbered", r.Renumbered)
	} else {
		d.log.Info("restored from a backup: the feed reader holds nothing beyond the backup; the feed goes on", "component", "feed", "reader_seq", seq)
	}
	return nil
}
