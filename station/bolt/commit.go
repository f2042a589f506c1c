package bolt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"returns-station/station"
)

// maxGroup bounds how many commands share one commit, so one transaction
// stays small even when a bulk import floods the queue.
const maxGroup = 256

type idemRecord struct {
	Fingerprint string          `json:"fingerprint"`
	Created     bool            `json:"created"`
	Body        json.RawMessage `json:"body"`
	At          time.Time       `json:"at"`
}

type request struct {
	run    func(*txn) (any, error)
	idem   *station.Idempotency
	result any
	err    error
	done   chan struct{}
}

// Update runs fn as one command in a read-write transaction and returns its
// result once the transaction is durably committed. Commands that arrive while
// a commit is under way share the next one.
func (d *DB) Update(ctx context.Context, idem *station.Idempotency, fn func(station.Tx) (any, error)) (any, error) {
	return d.submit(ctx, &request{idem: idem, run: func(t *txn) (any, error) { return fn(t) }})
}

// write runs fn as one command with direct access to the buckets, for the
// store's own bookkeeping (sync cursors, print jobs, accounts) that is not a
// domain command. It shares commits with the domain's commands.
func (d *DB) write(ctx context.Context, fn func(t *txn) (any, error)) (any, error) {
	// Its writes bypass station.Tx, so its failure always counts as one
	// after writing (see commit).
	return d.submit(ctx, &request{run: func(t *txn) (any, error) { t.dirty = true; return fn(t) }})
}

// submit queues r for the committer and waits for its durable commit.
func (d *DB) submit(ctx context.Context, r *request) (any, error) {
	r.done = make(chan struct{})
	// Close takes the write lock before it stops the committer, so a command
	// is either queued while the committer still answers the queue, or
	// refused here: never left waiting for an answer that cannot come.
	d.closing.RLock()
	if d.closed {
		d.closing.RUnlock()
		return nil, errClosed()
	}
	select {
	case d.reqs <- r: // room in the queue: taken even if ctx has just ended
	default:
		select {
		case d.reqs <- r:
		case <-ctx.Done():
			d.closing.RUnlock()
			return nil, station.Errorf(station.EUnavailable, "the station is too busy to take the command; try again").Coded("busy")
		}
	}
	d.closing.RUnlock()
	// Once queued, the command will run; wait for its commit even if the
	// client goes away, so an answer is never "maybe".
	<-r.done
	return r.result, r.err
}

func errClosed() error {
	return station.Errorf(station.EUnavailable, "the station is shutting down; nothing was saved, try again once it is back").Coded("shutting_down")
}

// View runs fn in a read-only transaction. Keep it short and never write to
// the network inside it: an open reader holds old pages.
func (d *DB) View(fn func(station.Tx) error) error {
	return d.bolt.View(func(tx *bolt.Tx) error { return fn(&txn{tx: tx, db: d}) })
}

func (d *DB) committer() {
	defer d.wg.Done()
	for {
		var first *request
		select {
		case first = <-d.reqs:
		case <-d.stop:
			d.drainOnStop()
			return
		}
		group := []*request{first}
	fill:
		for len(group) < maxGroup {
			select {
			case r := <-d.reqs:
				group = append(group, r)
			default:
				break fill
			}
		}
		d.commit(group)
	}
}

func (d *DB) drainOnStop() {
	for {
		select {
		case r := <-d.reqs:
			r.err = errClosed()
			close(r.done)
		default:
			return
		}
	}
}

var errEvict = errors.New("a command failed after writing")

// commit runs a group in one transaction, as one sequential run of its
// commands. A command that fails before writing anything (most refusals:
// validation, not found, wrong state) simply returns its error and the
// group goes on. A command that fails after writing is evicted: the
// transaction rolls back and the rest of the group runs again together,
// as bbolt's own DB.Batch does, so the committed transaction holds no
// write of any failed command and one bad request never serialises the
// others. Only a failure of the commit itself (disk, size cap) makes every
// command run on its own, so each gets its own answer.
func (d *DB) commit(group []*request) {
	for len(group) > 0 {
		var seq uint64
		var rules *station.RuleSet
		evict := -1
		err := d.update(func(tx *bolt.Tx) error {
			counts := counterDeltas{}
			for i, r := range group {
				t := &txn{tx: tx, db: d, write: true, counts: counts}
				r.result, r.err = d.runOne(t, r)
				if r.err != nil {
					r.result = nil
					if t.dirty {
						evict = i
						return errEvict
					}
					continue
				}
				if t.lastSeq > seq {
					seq = t.lastSeq
				}
				if t.newRules != nil {
					rules = t.newRules
				}
			}
			return counts.flush(tx.Bucket(bStats))
		})
		if errors.Is(err, errEvict) {
			d.evictions.Add(1)
			close(group[evict].done)
			group = append(group[:evict:evict], group[evict+1:]...)
			continue
		}
		if err == nil {
			d.publishRules(rules)
			d.committedUpTo(seq)
			for _, r := range group {
				close(r.done)
			}
			return
		}
		d.log.Error("commit failed", "component", "store", "err", err, "commands", len(group))
		if len(group) == 1 {
			d.fail(group[0], err)
			return
		}
		break
	}
	for _, r := range group {
		var seq uint64
		var rules *station.RuleSet
		err := d.update(func(tx *bolt.Tx) error {
			t := &txn{tx: tx, db: d, write: true}
			r.result, r.err = d.runOne(t, r)
			seq, rules = t.lastSeq, t.newRules
			return r.err
		})
		if err == nil {
			d.publishRules(rules)
			d.committedUpTo(seq)
			close(r.done)
			continue
		}
		d.fail(r, err)
	}
}

// fail answers r after its transaction did not commit.
func (d *DB) fail(r *request, err error) {
	if r.err == nil {
		r.err = d.storageError(err)
	}
	r.result = nil
	close(r.done)
}

// update runs one bbolt write transaction. A panic inside bbolt (a page
// damaged on disk while the station runs) rolls the transaction back and
// becomes an error, so the committer goroutine, and with it the process,
// lives to answer "could not save" and to log what happened.
func (d *DB) update(fn func(*bolt.Tx) error) (err error) {
	start := time.Now()
	defer func() {
		d.busy.Add(int64(time.Since(start)))
		if p := recover(); p != nil {
			d.log.Error("panic in a write transaction: the data file may be damaged; stop the station and run `station check`",
				"component", "store", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("panic in write transaction: %v", p)
		}
	}()
	return d.bolt.Update(fn)
}

func (d *DB) storageError(err error) error {
	d.log.Error("write transaction failed", "component", "store", "err", err)
	if errors.Is(err, bolterrors.ErrMaxSizeReached) {
		return &station.Error{Code: station.EUnavailable, Key: "data_full", Message: "the station's data file has reached its size limit (--max-db-mb), so nothing was saved; " +
			"raise --max-db-mb if the disk has room, or move the station to a larger disk (take a backup, restore it there), then try again", Err: err}
	}
	return &station.Error{Code: station.EUnavailable, Key: "disk_error", Message: "the station could not save to disk; nothing was changed. Check free disk space and the station log", Err: err}
}

func (d *DB) runOne(t *txn, r *request) (res any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &station.Error{Code: station.EInternal, Key: "internal", Message: "internal error", Err: fmt.Errorf("panic in command: %v", p)}
		}
	}()
	run := func(t *txn) (any, error) {
		res, err := r.run(t)
		if err == nil {
			err = t.refreshOpen()
		}
		return res, err
	}
	if r.idem == nil {
		return run(t)
	}
	b := t.tx.Bucket(bIdem)
	k := key(r.idem.Principal, r.idem.Key)
	if rec, err := get[idemRecord](b, k); err != nil {
		return nil, err
	} else if rec != nil {
		if rec.Fingerprint != r.idem.Fingerprint {
			return nil, &station.Error{Code: station.EInvalid, Key: "idempotency_key_reused", Message: "this Idempotency-Key was already used for a different request; use a new key for a new request",
				Fields: []station.FieldError{{Field: "Idempotency-Key", Detail: "reused with a different body"}}}
		}
		return &station.Replayed{Created: rec.Created, Body: rec.Body}, nil
	}
	res, err = run(t)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(res)
	if err != nil {
		return nil, fmt.Errorf("encode result: %w", err)
	}
	created := false
	if c, ok := res.(interface{ Created() bool }); ok {
		created = c.Created()
	}
	t.dirty = true
	raw, err := encodeIdem(idemRecord{Fingerprint: r.idem.Fingerprint, Created: created, Body: body, At: d.now()})
	if err != nil {
		return nil, err
	}
	if err := b.Put(k, raw); err != nil {
		return nil, err
	}
	return res, nil
}

// encodeIdem writes the bytes json.Marshal(rec) would, without encoding/json
// scanning and copying rec.Body (the whole answer) again: json.Marshal made it.
func encodeIdem(rec idemRecord) ([]byte, error) {
	head, err := json.Marshal(struct {
		Fingerprint string `json:"fingerprint"`
		Created     bool   `json:"created"`
	}{rec.Fingerprint, rec.Created})
	if err != nil {
		return nil, err
	}
	at, err := rec.At.MarshalJSON()
	if err != nil {
		return nil, err
	}
	body := []byte(rec.Body)
	if len(body) == 0 {
		body = []byte("null")
	}
	out := make([]byte, 0, len(head)+len(body)+len(at)+16)
	out = append(out, head[:len(head)-1]...)
	out = append(out, `,"body":`...)
	out = append(out, body...)
	out = append(out, `,"at":`...)
	out = append(out, at...)
	return append(out, '}'), nil
}

func (d *DB) committedUpTo(seq uint64) {
	d.commits.Add(1)
	if seq == 0 {
		return
	}
	d.lastSeq.Store(seq)
	d.mu.Lock()
	close(d.committed)
	d.committed = make(chan struct{})
	d.mu.Unlock()
}

func (d *DB) publishRules(rs *station.RuleSet) {
	if rs != nil {
		d.rules.Store(rs)
	}
}
