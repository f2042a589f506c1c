package central

import (
	"context"

	"returns-station/station"
)

// EventLog is the station's event log as the Pusher reads it. station/bolt
// implements it.
type EventLog interface {
	// EventsAfter returns up to limit events with seq > after, in seq
	// order, with no gaps: the log is gap-free, so the first has seq
	// after+1 unless it was pruned. It returns an empty slice, not an
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
