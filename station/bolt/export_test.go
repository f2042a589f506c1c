package bolt

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
