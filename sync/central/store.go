package central

import (
	"context"

	"returns-station/station"
)

// EventLog is the station's event log as the Pusher reads it. station/bolt
// implements it.
type EventLog interface {
	// EventsAfter returns up to limit events with seq > after, in seq
	// order. The log is gap-free except where it was pruned and, after a
	// restore from backup, over the seqs that exist only on central
	// (station.Restored), which central already holds. It returns an empty slice, not an
	// error, when none is newer. Errors are storage failures (the Pusher
	// retries with backoff).
	EventsAfter(ctx context.Context, after uint64, limit int) ([]station.Event, error)
	// LastSeq returns the seq of the last committed event, 0 for an empty
	// log. It is read often (status, metrics), so it should be cheap.
	LastSeq() uint64
	// Committed returns a channel that is closed at the next commit that
	// appends events. Call it again for the one after. The Pusher calls it
	// before EventsAfter, so a commit in between is never missed.
	Committed() <-chan struct{}
}

// PushStore keeps the push's durable state. A single Pusher writes it.
type PushStore interface {
	// PushState returns the stored state; the zero PushState before the
	// first push. Errors are storage failures.
	PushState(ctx context.Context) (station.PushState, error)
	// AckPush stores st, whose AckedSeq has moved past a batch central
	// settled, and parks the events central rejected — in ONE transaction,
	// so the position never passes an event that is neither on central
	// nor parked. parked may be empty; its events all have seq ≤
	// st.AckedSeq. Errors are storage failures; then nothing changed and
	// the batch is pushed again (central deduplicates).
	AckPush(ctx context.Context, st station.PushState, parked []station.ParkedEvent) error
	// SavePushState stores st after a failure (attempts, next attempt,
	// halt, last error); st.AckedSeq is unchanged. Errors are storage
	// failures.
	SavePushState(ctx context.Context, st station.PushState) error
	// CountParked returns how many parked events wait for a supervisor.
	// Errors are storage failures.
	CountParked(ctx context.Context) (int, error)
	// Restored returns what the last restore from a backup means for the
	// push, nil if the data was never restored. While it is Waiting the
	// Pusher pushes nothing: the seqs of the events committed since the
	// restore are provisional. Errors are storage failures.
	Restored(ctx context.Context) (*station.Restored, error)
	// ResumeAfter ends the wait with central's position (central.md §3.1),
	// in ONE transaction: when central holds more than the backup, the
	// events committed since the restore move to continue after lastSeq
	// and every later event comes after them, so no seq central holds is
	// ever sent with other content. It returns the new state. An error
	// with code station.EConflict means central's event at lastSeq is not
	// this log's (nothing changed; pushing must not go on); other errors
	// are storage failures.
	ResumeAfter(ctx context.Context, lastSeq uint64, lastID string) (*station.Restored, error)
}

// ReturnStore keeps the expected returns pulled from central and the pull
// cursor.
type ReturnStore interface {
	// ReturnCursor returns the stored pull cursor, "" before the first
	// pull. Errors are storage failures.
	ReturnCursor(ctx context.Context) (string, error)
	// ApplyReturns applies one page — each RMA replaces the stored one
	// only if its version is higher (central.md §1), and matches waiting
	// parcels — and stores next as the cursor, in ONE transaction: a page
	// is never applied without its cursor nor the cursor saved without its
	// page. page may be empty; next is then still saved. The RMAs have
	// passed ReturnAuthorization.Validate. Errors are storage failures;
	// then nothing changed and the page is pulled again.
	ApplyReturns(ctx context.Context, page []station.ReturnAuthorization, next string) error
}
