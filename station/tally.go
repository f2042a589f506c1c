package station

import "time"

// Running aggregates. The manager's figures (throughput, dwell, reasons
// against findings, alarms, recovery value) are counters kept in the same
// transaction as the events that move them, so a dashboard reads a few keys
// instead of the whole log, and a counter can never disagree with the log.
//
// A counter is a signed 64-bit number under a string key. Each figure owns a
// key prefix (see the tallies list) and documents its keys beside the code
// that writes them. Keys that fall into time buckets carry the bucket in a
// sortable form, so a range is one prefix scan.

// Counter is one running aggregate read back by Tx.Counts.
type Counter struct {
	Key string
	N   int64
}

// tally updates the running aggregates one event moves. It runs inside the
// command's transaction, after the event is appended: an error fails the
// command like any other storage error. at is the event's time.
type tally func(env Env, tx Tx, at time.Time, d EventData) error

// tallies are the aggregates kept, each owned by the figure it serves.
var tallies = []tally{}

// tallyEvent runs every tally for one event.
func tallyEvent(env Env, tx Tx, at time.Time, d EventData) error {
	for _, t := range tallies {
		if err := t(env, tx, at, d); err != nil {
			return err
		}
	}
	return nil
}
