package bolt

// Queued returns how many commands wait for the committer, so a test can
// hold the committer until a whole group has queued behind it.
func (d *DB) Queued() int { return len(d.reqs) }
