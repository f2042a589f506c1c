// Package bolt stores the station's domain in one bbolt file: state, indexes,
// the event log, idempotency records, tokens and sync cursors.
//
// Every command runs in exactly one read-write transaction that validates,
// changes state and appends its events, so state and events never disagree.
// Concurrent commands share one durable write (group commit): one goroutine
// takes every command that is waiting, runs them one after the other, appends
// their writes to the journal with one fdatasync and answers them, with no
// timer, so a lone scan never waits and a busy desk shares fdatasyncs. The
// journal's records reach the data file at checkpoints (journal.go).
package bolt
