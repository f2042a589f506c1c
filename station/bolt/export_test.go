package bolt

import (
	"context"
	"time"
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
