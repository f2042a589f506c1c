package station

import (
	"encoding/json"
	"time"
)

// PushState is the durable position and retry state of the event push to the
// central platform (central.md §3). It is stored so that a restart neither
// re-sends what central already holds nor retries at once after a long
// backoff: a fleet of stations coming back after an outage must not storm.
type PushState struct {
	// AckedSeq is the last seq settled with central: every event up to it is
	// stored on central or parked. Push resumes with the event after it.
	AckedSeq uint64 `json:"acked_seq"`
	// Attempts counts consecutive failed pushes; it drives the backoff and is
	// reset by the next success.
	Attempts int `json:"attempts,omitempty"`
	// NextAttemptAt is the earliest time of the next push; zero means now.
	NextAttemptAt time.Time `json:"next_attempt_at,omitzero"`
	// LastSuccessAt is when central last accepted a batch.
	LastSuccessAt time.Time `json:"last_success_at,omitzero"`
	// LastError says, for a person, why the last push failed; empty after a success.
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	// HaltedStatus is the HTTP status that stopped the push (401 or 403 for a
	// refused token, or another answer meaning "do not send this again
	// unchanged"); 0 while pushing. A halted push waits for the
	// configuration to change, or for a long recheck interval.
	HaltedStatus int       `json:"halted_status,omitempty"`
	HaltedAt     time.Time `json:"halted_at,omitzero"`
	// HaltedConfig identifies the link configuration central refused (a
	// digest, never the token itself); a different one resumes the push.
	HaltedConfig string `json:"halted_config,omitempty"`
}

// Halted reports whether the push is stopped until its configuration
// changes or its recheck comes.
func (s PushState) Halted() bool { return s.HaltedStatus != 0 }

// ParkedEvent is an event central rejected as invalid (a 207 answer, or a
// 400/413/422 to that event alone). It will never be accepted as it is, so
// it is not re-sent; it stays in the event log, and this record keeps it
// visible to a supervisor with central's reason.
type ParkedEvent struct {
	Seq      uint64    `json:"seq"`
	ID       string    `json:"id"`
	Type     string    `json:"type"`
	Subject  string    `json:"subject,omitempty"`
	ParkedAt time.Time `json:"parked_at"`
	// Status is the HTTP status of central's problem (often 422 or 400).
	Status int `json:"status,omitempty"`
	// Reason is central's title and detail, for a person.
	Reason string `json:"reason"`
	// Problem is central's RFC 9457 problem as it sent it, if any.
	Problem json.RawMessage `json:"problem,omitempty"`
}

// LinkState is the link to the central platform as people see it (GET
// /api/v1/sync, the UI status bar): is it up, since when, how much is
// waiting, and what went wrong last.
type LinkState struct {
	// Configured is false when the station has no central URL: it is
	// offline by choice and events simply wait.
	Configured bool `json:"configured"`
	// Online is true while central answers; Since is when that last
	// changed (zero: no answer or failure yet since the station started).
	Online bool      `json:"online"`
	Since  time.Time `json:"since,omitzero"`
	// AuthFailed is true when central refused the station's token (401 or
	// 403) and the station stopped talking to it until that is fixed.
	AuthFailed bool `json:"auth_failed"`
	// Halted is true when the push is stopped (see PushState.HaltedStatus).
	Halted       bool `json:"halted"`
	HaltedStatus int  `json:"halted_status,omitempty"`

	// LastSuccessAt is central's last good answer. LastError is the most
	// recent failure, for a person, kept after a later success so that
	// what happened stays visible; compare LastErrorAt with LastSuccessAt.
	LastSuccessAt time.Time `json:"last_success_at,omitzero"`
	LastError     string    `json:"last_error,omitempty"`
	LastErrorAt   time.Time `json:"last_error_at,omitzero"`

	// LastSeq is the last committed event; AckedSeq the last settled with
	// central; Backlog = LastSeq - AckedSeq events wait to be pushed.
	LastSeq  uint64 `json:"last_seq"`
	AckedSeq uint64 `json:"acked_seq"`
	Backlog  uint64 `json:"backlog"`
	// OldestUnackedAt is the station time of the oldest waiting event, and
	// OldestUnackedAgeSeconds its age; zero when nothing waits.
	OldestUnackedAt         time.Time `json:"oldest_unacked_at,omitzero"`
	OldestUnackedAgeSeconds float64   `json:"oldest_unacked_age_seconds"`
	// Parked counts events central rejected, kept for a supervisor.
	Parked int `json:"parked"`
	// Attempts and NextAttemptAt describe the push's current backoff.
	Attempts      int       `json:"attempts,omitempty"`
	NextAttemptAt time.Time `json:"next_attempt_at,omitzero"`

	// LastPullAt is when expected returns were last pulled from central.
	LastPullAt time.Time `json:"last_pull_at,omitzero"`

	// Restore is what the last restore from a backup meant for the link;
	// nil if the data was never restored.
	Restore *Restored `json:"restore,omitempty"`
}

// Restored is what a restore from a backup means for the event log and the
// link to central. Events committed after the backup was taken are lost
// with the replaced file but may already be on central; the restored log
// ends at BackupLastSeq. Until central says how far it holds this
// station's log (its position, central.md §3.1), the events committed
// since the restore wait: they are neither pushed nor handed out by the
// feed, because their seq may still change. When the position is known,
// those events move to continue right after central's last seq, so no seq
// is ever sent with other content than central holds.
type Restored struct {
	// At is when the restore ran; BackupLastSeq is the last event of the
	// backup (the log's end at that moment).
	At            time.Time `json:"at"`
	BackupLastSeq uint64    `json:"backup_last_seq"`
	// Waiting is true until central's position is known.
	Waiting bool `json:"waiting"`
	// CentralLastSeq is central's last seq from this station when the
	// position was read.
	CentralLastSeq uint64 `json:"central_last_seq,omitempty"`
	// CentralOnlyFrom..CentralOnlyTo are the seqs of the events that exist
	// only on central: committed after the backup, lost here. Both 0 when
	// central held nothing beyond the backup.
	CentralOnlyFrom uint64 `json:"central_only_from,omitempty"`
	CentralOnlyTo   uint64 `json:"central_only_to,omitempty"`
	// Renumbered counts the events committed while waiting that moved to
	// continue after CentralLastSeq.
	Renumbered uint64 `json:"renumbered,omitempty"`
	// ResumedAt is when the position was read and pushing resumed.
	ResumedAt time.Time `json:"resumed_at,omitzero"`
}
