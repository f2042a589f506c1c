package bolt

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"returns-station/station"
)

// Keys of the re-count of the running aggregates, in the meta bucket.
var (
	kTallyVersion = []byte("tally_version") // the TallyVersion the counters were kept by
	kTallyRebuild = []byte("tally_rebuild") // the TallyVersion a re-count in progress is for
	kTallyThrough = []byte("tally_through") // the last seq that re-count has counted
)

// retallyBatch is how many events one re-count transaction counts: small
// enough that a transaction stays short and a killed re-count resumes near
// where it stopped.
var retallyBatch = 5000

// retallyInterrupt, when set by a test, stops a re-count after a batch as a
// killed station would.
var retallyInterrupt func(through uint64) error

// retally re-counts the running aggregates from the event log when the file's
// counters were kept by another set of tallies, or by none (a file written
// before the dashboard kept them). It clears the counters, then counts every
// event in seq order, a batch per transaction; a station killed part way
// resumes after the last counted batch at its next open.
func (d *DB) retally() error {
	var done bool
	var through uint64
	err := d.bolt.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		if string(meta.Get(kTallyVersion)) == station.TallyVersion {
			done = true
			return nil
		}
		if string(meta.Get(kTallyRebuild)) == station.TallyVersion {
			if v := meta.Get(kTallyThrough); len(v) == 8 {
				through = binary.BigEndian.Uint64(v)
			}
			return nil
		}
		if err := tx.DeleteBucket(bStats); err != nil {
			return err
		}
		if _, err := tx.CreateBucket(bStats); err != nil {
			return err
		}
		if err := meta.Put(kTallyRebuild, []byte(station.TallyVersion)); err != nil {
			return err
		}
		return meta.Put(kTallyThrough, u64(0))
	})
	if err != nil || done {
		return err
	}
	start, last, from := time.Now(), d.lastSeq.Load(), through
	if through < last {
		d.log.Info("counting the dashboard's figures again from the event log (this binary keeps new figures, or the file is from an older station); the station starts serving when it is done, about 3 minutes per million parcels on 2 cores",
			"component", "store", "events", last-through, "resumed_after_seq", through)
	}
	skipped, lastLog := 0, start
	skip := func(msg string, args ...any) {
		if skipped++; skipped <= 5 {
			d.log.Warn(msg, append([]any{"component", "store"}, args...)...)
		}
	}
	for through < last {
		err := d.bolt.Update(func(tx *bolt.Tx) error {
			t := &txn{tx: tx, db: d, write: true, counts: counterDeltas{}}
			var raws [][]byte
			var seqs []uint64
			c := tx.Bucket(bEvents).Cursor()
			for k, v := c.Seek(u64(through + 1)); k != nil && len(raws) < retallyBatch; k, v = c.Next() {
				through = binary.BigEndian.Uint64(k)
				raws, seqs = append(raws, v), append(seqs, through)
			}
			n := len(raws)
			for i, e := range decodeForRetally(raws) {
				if e.err != nil {
					skip("an event in the log does not decode; the dashboard's figures leave it out", "seq", seqs[i], "err", e.err)
				} else if err := station.RetallyEvent(t, d.stationID, &e.Event, e.data); err != nil {
					skip("an event could not be counted again; the dashboard's figures leave it out", "seq", e.Seq, "type", e.Type, "err", err)
				}
			}
			if n == 0 {
				through = last
			}
			if err := t.counts.flush(rawBucket(tx, bStats)); err != nil {
				return err
			}
			return tx.Bucket(bMeta).Put(kTallyThrough, u64(through))
		})
		if err != nil {
			return fmt.Errorf("count the dashboard's figures again from the event log (at seq %d): %w", through, err)
		}
		if retallyInterrupt != nil {
			if err := retallyInterrupt(through); err != nil {
				return err
			}
		}
		if now := time.Now(); now.Sub(lastLog) >= 10*time.Second && through < last {
			lastLog = now
			done := float64(through-from) / float64(last-from)
			left := time.Duration(float64(now.Sub(start)) * (1 - done) / done).Round(time.Second)
			d.log.Info("still counting the dashboard's figures from the event log; the station starts serving when it is done",
				"component", "store", "seq", through, "of", last, "percent", int(100*done), "time_left", left.String())
		}
	}
	if skipped > 0 {
		d.log.Warn("events left out of the dashboard's figures (the first five are logged above); the figures undercount by them",
			"component", "store", "events", skipped)
	}
	if last > from {
		d.log.Info("the dashboard's figures are counted", "component", "store", "events", last-from, "took", time.Since(start).Round(time.Millisecond).String())
	}
	return d.bolt.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		if err := meta.Delete(kTallyRebuild); err != nil {
			return err
		}
		if err := meta.Delete(kTallyThrough); err != nil {
			return err
		}
		return meta.Put(kTallyVersion, []byte(station.TallyVersion))
	})
}

// retallied is one logged event decoded for the re-count.
type retallied struct {
	station.Event
	data station.EventData
	err  error
}

// decodeForRetally decodes the events raws (in log order) on every core:
// decoding is most of a re-count's work, counting must stay in order.
// The raw values are the mapped file's, valid while their transaction is.
func decodeForRetally(raws [][]byte) []retallied {
	out := make([]retallied, len(raws))
	workers := min(runtime.GOMAXPROCS(0), max(len(raws)/64, 1))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(raws); i += workers {
				e := &out[i]
				if e.err = json.Unmarshal(raws[i], &e.Event); e.err == nil {
					e.data, e.err = station.TalliedData(&e.Event)
				}
			}
		})
	}
	wg.Wait()
	return out
}
