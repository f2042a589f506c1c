package bolt_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"returns-station/station"
	"returns-station/station/bolt"
)

// fakeClock is a settable clock for the store.
type fakeClock struct{ t atomic.Pointer[time.Time] }

func (c *fakeClock) Now() time.Time      { return *c.t.Load() }
func (c *fakeClock) Set(t time.Time)     { c.t.Store(&t) }
func (c *fakeClock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

func openClocked(t *testing.T) (*bolt.DB, *fakeClock) {
	t.Helper()
	clock := &fakeClock{}
	clock.Set(time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC))
	db, err := bolt.Open(filepath.Join(t.TempDir(), "station.db"), bolt.Options{StationID: "st-t", Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Check(); err != nil {
			t.Errorf("integrity check: %v", err)
		}
		db.Close()
	})
	return db, clock
}

func markSeen(t *testing.T, db *bolt.DB, key string, at time.Time) {
	t.Helper()
	if _, err := db.Update(context.Background(), nil, func(tx station.Tx) (any, error) { return nil, tx.MarkTrackingSeen(key, at) }); err != nil {
		t.Fatal(err)
	}
}

func seen(t *testing.T, db *bolt.DB, key string) bool {
	t.Helper()
	var ok bool
	if err := db.View(func(tx station.Tx) (err error) { ok, err = tx.TrackingSeen(key); return err }); err != nil {
		t.Fatal(err)
	}
	return ok
}

// TestPruneKeepsWhatIsStillNeeded: sessions go after their idle time,
// idempotency records after their retention but never within 24 hours (a
// retry the next morning still gets its first answer), carrier delivery keys
// after theirs; everything younger stays.
func TestPruneKeepsWhatIsStillNeeded(t *testing.T) {
	db, clock := openClocked(t)
	t0 := clock.Now()
	u, err := db.AddUser(station.User{Username: "li.wei", Role: "operator"}, "2468", "")
	if err != nil {
		t.Fatal(err)
	}
	old, _, err := db.CreateSession(u)
	if err != nil {
		t.Fatal(err)
	}
	idemOld := &station.Idempotency{Principal: "token:a", Key: "k-old", Fingerprint: "f"}
	if _, err := db.Update(context.Background(), idemOld, receive("SF1000000000001")); err != nil {
		t.Fatal(err)
	}
	markSeen(t, db, "delivery-old", t0)

	clock.Add(40 * time.Minute)
	fresh, _, err := db.CreateSession(u)
	if err != nil {
		t.Fatal(err)
	}
	p := db.NewPruner(bolt.PrunePolicy{SessionIdle: 30 * time.Minute, Idempotency: time.Hour, TrackingSeen: 30 * 24 * time.Hour})

	clock.Add(10 * time.Minute) // old session idle 50 min, fresh 10 min
	res, err := p.Pass(clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if res != (bolt.PruneResult{Sessions: 1}) {
		t.Errorf("first pass removed %+v, want the one idle session", res)
	}
	if s, _ := db.Session(old); s != nil {
		t.Error("the session idle for 50 minutes is still stored")
	}
	if s, _ := db.Session(fresh); s == nil {
		t.Error("the session used 10 minutes ago was removed")
	}

	// A policy of one hour still keeps idempotency records for a day.
	clock.Set(t0.Add(23 * time.Hour))
	idemNew := &station.Idempotency{Principal: "token:a", Key: "k-new", Fingerprint: "f"}
	if _, err := db.Update(context.Background(), idemNew, receive("SF1000000000002")); err != nil {
		t.Fatal(err)
	}
	if res, _ := p.Pass(clock.Now()); res.Idempotency != 0 {
		t.Errorf("after 23 h a pass removed %d idempotency records", res.Idempotency)
	}
	clock.Set(t0.Add(25 * time.Hour))
	if res, _ := p.Pass(clock.Now()); res.Idempotency != 1 {
		t.Errorf("after 25 h a pass removed %d idempotency records, want 1", res.Idempotency)
	}
	again, err := db.Update(context.Background(), idemNew, receive("SF1000000000002"))
	if _, ok := again.(*station.Replayed); err != nil || !ok {
		t.Errorf("the 2-hour-old key no longer replays: %T %v", again, err)
	}

	markSeen(t, db, "delivery-new", clock.Now())
	clock.Set(t0.Add(31 * 24 * time.Hour))
	if res, _ := p.Pass(clock.Now()); res.TrackingSeen != 1 {
		t.Errorf("after 31 days a pass removed %d delivery keys, want 1", res.TrackingSeen)
	}
	if seen(t, db, "delivery-old") || !seen(t, db, "delivery-new") {
		t.Errorf("delivery keys after pruning: old %v (want gone), new %v (want kept)", seen(t, db, "delivery-old"), seen(t, db, "delivery-new"))
	}
}

// TestPruneWorkPerPassIsBounded: a pass looks at no more than Batch records
// of a kind; the next pass continues where it stopped, so all expired
// records go in a few passes.
func TestPruneWorkPerPassIsBounded(t *testing.T) {
	db, clock := openClocked(t)
	for i := 0; i < 25; i++ {
		markSeen(t, db, fmt.Sprintf("delivery-%02d", i), clock.Now())
	}
	clock.Add(48 * time.Hour)
	p := db.NewPruner(bolt.PrunePolicy{TrackingSeen: 24 * time.Hour, Batch: 10})
	var got []int
	for i := 0; i < 4; i++ {
		res, err := p.Pass(clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, res.TrackingSeen)
	}
	if fmt.Sprint(got) != "[10 10 5 0]" {
		t.Errorf("removed per pass %v, want [10 10 5 0]", got)
	}
}
