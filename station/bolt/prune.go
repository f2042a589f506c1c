package bolt

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"returns-station/station"
)

// MinIdempotency is the least time an Idempotency-Key is remembered: a client
// retrying a write within a day always gets the first answer back.
const MinIdempotency = 24 * time.Hour

// PrunePolicy says how long housekeeping keeps each kind of record.
type PrunePolicy struct {
	// SessionIdle drops staff sessions unused this long (they no longer sign
	// anyone in: the web layer's idle timeout).
	SessionIdle time.Duration
	// Idempotency drops Idempotency-Key records older than this; less than
	// MinIdempotency counts as MinIdempotency.
	Idempotency time.Duration
	// TrackingSeen drops the keys that deduplicate carrier deliveries after
	// this long; carriers redeliver within hours, not weeks.
	TrackingSeen time.Duration
	// Batch is how many records of each kind one pass looks at (default 2000),
	// so a pass is short whatever the file holds.
	Batch int
}

// PruneResult counts what one pass removed.
type PruneResult struct {
	Sessions, Idempotency, TrackingSeen int
}

// Total is everything one pass removed.
func (r PruneResult) Total() int { return r.Sessions + r.Idempotency + r.TrackingSeen }

// Pruner removes expired sessions, idempotency records and carrier
// delivery keys a batch at a time. Each pass continues where the last one
// stopped and starts over at the end, so every record is looked at again
// after (records / Batch) passes. A Pruner is used by one goroutine.
type Pruner struct {
	db     *DB
	policy PrunePolicy
	next   map[string][]byte // bucket → first key of the next pass
}

// NewPruner prepares housekeeping of d under p.
func (d *DB) NewPruner(p PrunePolicy) *Pruner {
	if p.Idempotency < MinIdempotency {
		p.Idempotency = MinIdempotency
	}
	if p.Batch <= 0 {
		p.Batch = 2000
	}
	return &Pruner{db: d, policy: p, next: map[string][]byte{}}
}

// Pass removes, in one write transaction, the expired records among the next
// Batch of each kind, judged at now.
func (p *Pruner) Pass(now time.Time) (PruneResult, error) {
	var res PruneResult
	err := p.db.bolt.Update(func(tx *bolt.Tx) error {
		var err error
		if p.policy.SessionIdle > 0 {
			res.Sessions, err = p.sweep(tx, bSessions, func(v []byte) bool {
				var s station.Session
				return json.Unmarshal(v, &s) == nil && s.Ended(now, p.policy.SessionIdle)
			})
			if err != nil {
				return err
			}
		}
		cut := now.Add(-p.policy.Idempotency)
		res.Idempotency, err = p.sweep(tx, bIdem, func(v []byte) bool {
			var r idemRecord
			return json.Unmarshal(v, &r) == nil && !r.At.IsZero() && r.At.Before(cut)
		})
		if err != nil {
			return err
		}
		if p.policy.TrackingSeen > 0 {
			cut := now.Add(-p.policy.TrackingSeen).Unix()
			res.TrackingSeen, err = p.sweep(tx, bTrackSeen, func(v []byte) bool {
				return len(v) == 8 && int64(binary.BigEndian.Uint64(v)) < cut
			})
		}
		return err
	})
	return res, err
}

// sweep looks at up to Batch records of bucket from where the last pass
// stopped and deletes the expired ones.
func (p *Pruner) sweep(tx *bolt.Tx, bucket []byte, expired func(v []byte) bool) (int, error) {
	b := tx.Bucket(bucket)
	c := b.Cursor()
	var k, v []byte
	if start := p.next[string(bucket)]; start != nil {
		k, v = c.Seek(start)
	} else {
		k, v = c.First()
	}
	var doomed [][]byte
	for n := 0; k != nil && n < p.policy.Batch; n++ {
		if expired(v) {
			doomed = append(doomed, bytes.Clone(k))
		}
		k, v = c.Next()
	}
	if k == nil {
		delete(p.next, string(bucket)) // the end: start over next time
	} else {
		p.next[string(bucket)] = bytes.Clone(k)
	}
	for _, k := range doomed {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(doomed), nil
}
