package bolt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"returns-station/station"
)

// maxGroup bounds how many commands share one journal record. It keeps a
// transaction small when a bulk import floods the queue, and it breaks up
// the convoy a checkpoint makes: while the data file is written, every
// client's next command queues; run as one group, they would all be
// answered at once, come back at once and leave the committer idle while
// they travel. In groups of at most 32, some come back while the rest run:
// at 64 clients the committer was busy 96-97% of the run instead of 91-92%,
// for 3-5% more receives/s in alternating runs, and 256 clients lost nothing.
const maxGroup = 32

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
// result once the command is durable (in the journal, or in the data file).
// Commands that arrive while a group is being written share the next one.
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
	return d.view(func(tx *bolt.Tx) error { return fn(&txn{tx: tx, db: d}) })
}

// view runs fn in a bbolt read transaction that sees every command answered
// before it was called (settle).
func (d *DB) view(fn func(*bolt.Tx) error) error {
	if err := d.settle(); err != nil {
		return err
	}
	return d.bolt.View(fn)
}

// viewOf is view for fn that reads these buckets alone (settleFor).
func (d *DB) viewOf(buckets [][]byte, fn func(*bolt.Tx) error) error {
	if err := d.settleFor(buckets...); err != nil {
		return err
	}
	return d.bolt.View(fn)
}

// settle returns once every command answered so far is in the data file,
// asking the committer for a checkpoint if one is not: what a client was
// told is saved, the next read shows. It fails while the data file cannot
// be written (the answered commands are safe in the journal).
func (d *DB) settle() error { return d.settleTo(d.acked.Load()) }

// settleFor is settle for a read of these buckets alone: it waits only for
// answered commands that wrote one of them. A per-request look-up (a badge,
// a session) so never waits for a checkpoint of the receives around it.
func (d *DB) settleFor(buckets ...[]byte) error {
	var target uint64
	for _, b := range buckets {
		if bit := bucketBit[string(b)]; bit != 0 {
			target = max(target, d.ackedIn[bits.TrailingZeros64(bit)].Load())
		}
	}
	return d.settleTo(target)
}

func (d *DB) settleTo(target uint64) error {
	for d.visible.Load() < target {
		d.mu.Lock()
		ch := d.visibleCh
		d.mu.Unlock()
		if d.visible.Load() >= target {
			break
		}
		select {
		case d.flushReq <- struct{}{}:
		default: // a checkpoint is asked for already
		}
		select {
		case <-ch:
		case <-d.quit:
			if d.visible.Load() < target {
				return errClosed()
			}
		}
		d.mu.Lock()
		err := d.ckptErr
		d.mu.Unlock()
		if err != nil && d.visible.Load() < target {
			return unreadable(err)
		}
	}
	return nil
}

func (d *DB) committer() {
	defer d.wg.Done()
	defer close(d.quit)
	for {
		var first *request
		var due <-chan time.Time
		if d.tx != nil {
			due = d.tick.C
		}
		select {
		case first = <-d.reqs:
		case <-d.flushReq:
			d.checkpoint()
			continue
		case <-due:
			d.checkpoint()
			continue
		case <-d.stop:
			if err := d.checkpoint(); err != nil {
				d.log.Error("the last checkpoint at shutdown failed: the journal keeps what was answered, and the next start applies it",
					"component", "store", "err", err)
			}
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
		if d.tx != nil {
			select {
			case <-d.flushReq:
				d.checkpoint()
			default:
				if time.Since(d.txAt) >= d.every {
					d.checkpoint()
				}
			}
		}
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

// commit runs a group in the open transaction, as one sequential run of its
// commands, appends their writes to the journal as one record and answers
// them. A command that fails before writing anything (most refusals:
// validation, not found, wrong state) simply returns its error and the
// group goes on. A command that fails after writing is evicted: the
// transaction rolls back to the last answered group and the rest of the
// group runs again together, as bbolt's own DB.Batch does, so nothing of a
// failed command is ever kept and one bad request never serialises the
// others.
//
// Near the size cap (--max-db-mb) the group is committed to the data file
// before it is answered instead, so a command the file has no room for is
// refused, not answered and then stranded in the journal; a failed commit
// then makes every command run on its own, so each gets its own answer.
func (d *DB) commit(group []*request) {
	direct := d.nearCap()
	if direct || d.lsn != d.visible.Load() && d.tx == nil {
		// Near the cap, what was answered before goes to the data file
		// first; after a failed checkpoint, it must get there before
		// anything else is taken.
		if err := d.checkpoint(); err != nil {
			for _, r := range group {
				d.fail(r, err)
			}
			return
		}
	}
	for len(group) > 0 {
		var seq uint64
		var rules *station.RuleSet
		evict := -1
		b := d.newBatch()
		err := d.inTx(func(tx *bolt.Tx) error {
			counts := counterDeltas{}
			for i, r := range group {
				t := &txn{tx: tx, db: d, write: true, counts: counts, batch: b}
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
			return counts.flush(journaled(tx, bStats, b))
		})
		if err != nil {
			d.discard()
			if !errors.Is(err, errEvict) {
				d.log.Error("a group of commands failed in its transaction", "component", "store", "err", err, "commands", len(group))
				break
			}
			d.evictions.Add(1)
			close(group[evict].done)
			group = append(group[:evict:evict], group[evict+1:]...)
			if err := d.checkpoint(); err != nil { // answered groups, without the evicted writes
				for _, r := range group {
					d.fail(r, err)
				}
				return
			}
			continue
		}
		d.batchHint = len(b.buf) + len(b.buf)/4
		if len(b.ops()) == 0 {
			for _, r := range group {
				close(r.done)
			}
			return
		}
		if off, ok := d.reserve(len(b.ops()), direct); ok {
			if err := d.journal(off, b); err == nil {
				d.saved(group, seq, rules)
				return
			}
			// The group is still in the transaction: the data file takes it.
		}
		// Near the cap, or the journal is full: into the data file.
		if err := d.checkpoint(); err != nil {
			if direct && len(group) > 1 {
				break
			}
			for _, r := range group {
				d.fail(r, err)
			}
			return
		}
		d.saved(group, seq, rules)
		return
	}
	// Each command on its own, committed to the data file before its answer.
	for _, r := range group {
		var seq uint64
		var rules *station.RuleSet
		b := newBatch(nil)
		err := d.inTx(func(tx *bolt.Tx) error {
			t := &txn{tx: tx, db: d, write: true, batch: b}
			r.result, r.err = d.runOne(t, r)
			seq, rules = t.lastSeq, t.newRules
			return r.err
		})
		if err == nil {
			err = d.checkpoint()
		} else {
			d.discard()
		}
		if err == nil {
			d.saved([]*request{r}, seq, rules)
			continue
		}
		d.fail(r, err)
	}
}

// saved answers a group whose writes are durable: events up to seq are
// announced, rules (if the group replaced them) take effect.
func (d *DB) saved(group []*request, seq uint64, rules *station.RuleSet) {
	d.commits.Add(1)
	d.publishRules(rules)
	d.committedUpTo(seq)
	for _, r := range group {
		close(r.done)
	}
}

// reserve is the journal's place for a payload of n bytes; false when the
// group goes to the data file instead (direct, or the journal is full).
func (d *DB) reserve(n int, direct bool) (int64, bool) {
	if direct {
		return 0, false
	}
	return d.jr.reserve(n)
}

// journal writes b as the next journal record at off and flushes it. On
// success b is answered: the next start applies it if no checkpoint did.
// A failed write is logged; the caller then commits the transaction to the
// data file instead, recording b's number as done so that a start never
// applies what reached the disk of the record (and its head is erased, for
// when that commit fails too).
func (d *DB) journal(off int64, b *batch) error {
	d.lsn++
	start := time.Now()
	rec := b.record(d.lsn)
	err := d.jr.write(off, rec)
	d.busy.Add(int64(time.Since(start)))
	n := len(rec)
	if err != nil {
		// The record may be in the file even so (a flush that failed after
		// the write): erase its head, or a start after a kill would apply
		// it even when the checkpoint that follows fails too and the
		// group's commands are told nothing was saved.
		_, _ = d.jr.f.WriteAt(make([]byte, recordHead), off)
		d.log.Error("could not write the journal; saving to the data file instead", "component", "store", "err", err)
		return err
	}
	d.journaled.Add(uint64(n))
	d.pending = append(d.pending, b)
	for m := b.buckets; m != 0; m &= m - 1 {
		d.ackedIn[bits.TrailingZeros64(m)].Store(b.lsn)
	}
	d.acked.Store(b.lsn)
	return nil
}

// begin opens the committer's transaction if none is open, applying the
// groups answered since the last checkpoint when an earlier one was rolled
// back.
func (d *DB) begin() error {
	if d.tx != nil {
		return nil
	}
	return d.guard(func() error {
		tx, err := d.bolt.Begin(true)
		if err != nil {
			return err
		}
		for _, b := range d.pending {
			if err := applyOps(tx, b.ops()); err != nil {
				_ = tx.Rollback()
				return fmt.Errorf("apply the journal's records again: %w", err)
			}
		}
		d.tx, d.txAt = tx, time.Now()
		d.tick.Reset(d.every)
		return nil
	})
}

// inTx runs fn in the committer's transaction.
func (d *DB) inTx(fn func(*bolt.Tx) error) error {
	if err := d.begin(); err != nil {
		return err
	}
	return d.guard(func() error { return fn(d.tx) })
}

// discard rolls the open transaction back; the answered groups in it are
// applied again from memory by the next begin.
func (d *DB) discard() {
	if d.tx != nil {
		_ = d.tx.Rollback()
		d.tx = nil
		d.tick.Stop()
	}
}

// checkpoint commits everything answered to the data file; after it, the
// journal starts over. It is also how the committer retries after a failed
// one.
func (d *DB) checkpoint() error {
	if d.tx == nil && d.lsn == d.visible.Load() {
		return nil
	}
	err := d.begin()
	if err == nil {
		err = d.guard(func() error {
			if err := d.tx.Bucket(bMeta).Put(kJournalLSN, u64(d.lsn)); err != nil {
				return err
			}
			return d.tx.Commit()
		})
	}
	d.discard() // after a failed Commit; a committed transaction is closed already
	if err != nil {
		err = d.storageError(err)
		d.log.Error("could not write the data file: the commands answered since the last checkpoint are safe in the journal; "+
			"the station takes no new commands until it can write the data file again, and applies the journal at its next start",
			"component", "store", "err", err, "answered_in_journal", len(d.pending))
	} else {
		d.checkpoints.Add(1)
		d.jr.rewind()
		d.recycle()
		d.visible.Store(d.lsn)
	}
	// Readers waiting for this checkpoint learn how it went.
	d.mu.Lock()
	d.ckptErr = err
	close(d.visibleCh)
	d.visibleCh = make(chan struct{})
	d.mu.Unlock()
	return err
}

// nearCap reports whether the data file is close enough to its size cap
// that a checkpoint could fail for room: then each group is committed to
// the data file before it is answered. bbolt grows the file 16 MiB at a
// time; twice the journal's bytes bound what they take as pages.
func (d *DB) nearCap() bool {
	if d.maxSize <= 0 {
		return false
	}
	st, err := os.Stat(d.path)
	if err != nil {
		return true
	}
	return st.Size()+2*(d.jr.off-journalHeader)+32<<20 >= d.maxSize
}

// fail answers r after its writes were not saved.
func (d *DB) fail(r *request, err error) {
	if r.err == nil {
		r.err = err
		var se *station.Error
		if !errors.As(err, &se) {
			r.err = d.storageError(err)
		}
	}
	r.result = nil
	close(r.done)
}

// guard runs fn, which uses the committer's bbolt transaction. A panic
// inside bbolt (a page damaged on disk while the station runs) becomes an
// error, so the committer goroutine, and with it the process, lives to
// answer "could not save" and to log what happened.
func (d *DB) guard(fn func() error) (err error) {
	start := time.Now()
	defer func() {
		d.busy.Add(int64(time.Since(start)))
		if p := recover(); p != nil {
			d.log.Error("panic in a write transaction: the data file may be damaged; stop the station and run `station check`",
				"component", "store", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("panic in write transaction: %v", p)
		}
	}()
	return fn()
}

// unreadable is the error of a read that cannot show what was answered
// because the data file cannot be written (err, from the checkpoint): the
// same key as for a command, with what is true of a read.
func unreadable(err error) error {
	key := "disk_error"
	var se *station.Error
	if errors.As(err, &se) {
		key = se.Key
	}
	return &station.Error{Code: station.EUnavailable, Key: key, Err: err,
		Message: "the station cannot write its data file (disk full or --max-db-mb reached), so it cannot show its latest changes; they are safe in its journal. " +
			"Free disk space (the station then carries on by itself), or raise --max-db-mb and restart it: the start applies the journal"}
}

func (d *DB) storageError(err error) error {
	var se *station.Error
	if errors.As(err, &se) && (se.Key == "data_full" || se.Key == "disk_error") {
		return err
	}
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
	b := t.b(bIdem)
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
	at, err := rec.At.MarshalJSON()
	if err != nil {
		return nil, err
	}
	body := []byte(rec.Body)
	if len(body) == 0 {
		body = []byte("null")
	}
	out := make([]byte, 0, len(rec.Fingerprint)+len(body)+len(at)+64)
	out = append(out, `{"fingerprint":`...)
	out = appendJSONString(out, rec.Fingerprint)
	out = append(out, `,"created":`...)
	out = strconv.AppendBool(out, rec.Created)
	out = append(out, `,"body":`...)
	out = append(out, body...)
	out = append(out, `,"at":`...)
	out = append(out, at...)
	return append(out, '}'), nil
}

func (d *DB) committedUpTo(seq uint64) {
	if seq == 0 || seq <= d.lastSeq.Load() {
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

// newBatch returns the next group's batch, on the buffer of a checkpointed
// one when there is one, so a batch is not allocated and cleared anew for
// every group; a new buffer is sized like the last group's, so it seldom
// grows by copying (it did: a quarter of all bytes allocated at 64 clients).
func (d *DB) newBatch() *batch {
	if n := len(d.spare); n > 0 {
		buf := d.spare[n-1]
		d.spare = d.spare[:n-1]
		d.spareBytes -= cap(buf)
		return newBatch(buf)
	}
	return newBatch(make([]byte, 0, d.batchHint))
}

// recycle forgets the journal records a checkpoint put in the data file
// and keeps their buffers for the next groups. Only now: until the
// checkpoint, a transaction that applied them again (begin) holds their
// values, which bbolt does not copy.
func (d *DB) recycle() {
	for _, b := range d.pending {
		if len(d.spare) < maxSpare && d.spareBytes+cap(b.buf) <= maxSpareBytes {
			d.spare = append(d.spare, b.buf)
			d.spareBytes += cap(b.buf)
		}
	}
	clear(d.pending)
	d.pending = d.pending[:0]
}

// The buffers recycle keeps: enough for a checkpoint interval of groups at
// 64 clients (some 40 groups of about 50 KB), and never more bytes than
// the journal holds, so a burst of large groups (a bulk import) does not
// stay in memory.
const (
	maxSpare      = 64
	maxSpareBytes = journalSize
)
