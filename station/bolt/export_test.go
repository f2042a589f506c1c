package bolt

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

// HoldCheckpoints makes the committer checkpoint only when a reader or
// Close asks (or the journal fills), so a test can copy the files as a kill
// would leave them: answered commands in the journal, not in the data file.
// Close still checkpoints.
func (d *DB) HoldCheckpoints() {
	d.write(context.Background(), func(*txn) (any, error) { d.every = time.Hour; d.tick.Reset(d.every); return nil, nil })
}

// BreakJournal closes the journal file under the committer, as a failing
// disk would make every journal write fail.
func (d *DB) BreakJournal() {
	d.write(context.Background(), func(*txn) (any, error) { return nil, d.jr.f.Close() })
}

// CapDataFile sets bbolt's own size cap of the data file to n bytes behind
// the station's back (its --max-db-mb stays unset), so a checkpoint that
// must grow the file fails as on a full disk.
func CapDataFile(d *DB, n int) {
	d.write(context.Background(), func(*txn) (any, error) { d.bolt.MaxSize = n; return nil, nil })
}

// Queued returns how many commands wait for the committer, so a test can
// hold the committer until a whole group has queued behind it.
func (d *DB) Queued() int { return len(d.reqs) }

// MaxGroup is how many commands at most share one journal record.
const MaxGroup = maxGroup

// InterruptRetally makes the next re-counts of the counters stop with err
// after each batch for which stop(through) is true, as a killed station
// would, and counts batch events at a time.
func InterruptRetally(batch int, stop func(through uint64) bool, err error) (restore func()) {
	oldBatch, oldHook := retallyBatch, retallyInterrupt
	retallyBatch = batch
	retallyInterrupt = func(through uint64) error {
		if stop(through) {
			return err
		}
		return nil
	}
	return func() { retallyBatch, retallyInterrupt = oldBatch, oldHook }
}

// JournalHead is the journal header of the data file whose journal id is id.
func JournalHead(id []byte) []byte { return journalHead(id) }

// AppendJournalRecord appends the journal record numbered lsn of payload.
func AppendJournalRecord(dst []byte, lsn uint64, payload []byte) []byte {
	n := len(dst)
	dst = append(append(dst, make([]byte, recordHead)...), payload...)
	sealRecord(dst[n:], lsn)
	return dst
}

// ReplayJournal runs Open's journal step alone on the closed data file at
// path (opened by bbolt without fsync, for a fuzzer's speed), then bbolt's
// consistency check of the result. It returns how many records were
// applied, the replay's error and what the check found.
func ReplayJournal(path string) (applied int, err, checkErr error) {
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		return 0, err, nil
	}
	defer bdb.Close()
	applied, err = replayJournal(bdb, path, slog.New(slog.DiscardHandler), time.Now())
	return applied, err, bdb.View(func(tx *bolt.Tx) error {
		var errs []error
		for e := range tx.Check() {
			errs = append(errs, e)
		}
		return errors.Join(errs...)
	})
}

// ApplyJournalPayload applies payload as one journal record's operations to
// the closed data file at path, in a transaction that is rolled back.
func ApplyJournalPayload(path string, payload []byte) error {
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		return err
	}
	defer bdb.Close()
	tx, err := bdb.Begin(true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return applyOps(tx, payload)
}

// SetDataFileCap is CapDataFile for a committer that refuses commands
// after a failed checkpoint: it sets the cap directly. Call it only while
// the committer is idle, after a read reported the failed checkpoint.
func SetDataFileCap(d *DB, n int) { d.bolt.MaxSize = n }

// FailJournalFlush makes every later flush of the journal fail after its
// write reached the file, as a disk whose fdatasync fails with EIO.
func (d *DB) FailJournalFlush() {
	d.write(context.Background(), func(*txn) (any, error) {
		d.jr.sync = func(*os.File) error { return errors.New("fdatasync: input/output error (a test's failing disk)") }
		return nil, nil
	})
}
