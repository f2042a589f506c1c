package station

import (
	"io"
	"time"
)

// Clock is the time and the ids that one running station shares. The
// program makes one (cmd/station) and hands it to the store, the web server
// and every background loop, so that a test can give all of them the same
// fake time (a session's idle timeout, a job's back-off, an event's time
// agree) and ids made anywhere in the process sort in the order they were
// made: one IDSource, not one per part.
type Clock struct {
	// Now tells the time.
	Now func() time.Time
	// NewID returns a new ULID, later than every one before it.
	NewID func() string
}

// NewClock returns a Clock over now whose ids come from one IDSource over
// the same now and entropy (crypto/rand in production).
func NewClock(now func() time.Time, entropy io.Reader) Clock {
	return Clock{Now: now, NewID: NewIDSource(now, entropy).New}
}

// Env is the Env of an actor acting under this clock.
func (c Clock) Env(stationID, actor, role string) Env {
	return Env{StationID: stationID, Actor: actor, Role: role, Now: c.Now, NewID: c.NewID}
}
