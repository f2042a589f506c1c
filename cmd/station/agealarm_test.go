package main

import (
	"context"
	"crypto/rand"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"returns-station/station"
	"returns-station/station/bolt"
)

// The age alarm needs a worker, as time passing emits no event: one pass
// before the threshold raises nothing, the pass at it raises the alarm once,
// later passes neither repeat it nor open a write transaction.
func TestAgeAlarmPassRaisesOnce(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	set := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	clk := station.NewClock(clock, rand.Reader)
	db, err := bolt.Open(filepath.Join(t.TempDir(), "station.db"), bolt.Options{StationID: "st-w", Now: clk.Now, NewID: clk.NewID})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.Update(ctx, nil, func(tx station.Tx) (any, error) {
		return station.Receive(tx, clk.Env("st-w", "user:dock", station.RoleOperator), station.ReceiveInput{Code: "SF1234567890123", Force: true})
	}); err != nil {
		t.Fatal(err)
	}
	received := clock()
	env := systemEnv(db, clk, "system:risk")
	alarm := 30 * time.Hour // a station configured with --age-alarm 30h
	for _, c := range []struct {
		after time.Duration
		want  int
	}{{alarm - time.Minute, 0}, {alarm, 1}, {alarm + time.Minute, 0}, {2 * alarm, 0}} {
		set(received.Add(c.after))
		before := db.Commits()
		n, err := ageAlarmPass(ctx, db, env, alarm)
		if err != nil || n != c.want {
			t.Fatalf("pass %s after receipt: %d raised (%v), want %d", c.after, n, err, c.want)
		}
		if c.want == 0 && db.Commits() != before {
			t.Errorf("pass %s after receipt raised nothing yet committed %d write transactions", c.after, db.Commits()-before)
		}
	}
	var open map[string]int64
	db.View(func(tx station.Tx) (err error) { open, err = station.OpenAlertCounts(tx); return err })
	if open[station.AlertAge] != 1 {
		t.Errorf("open age alarms: %d, want 1", open[station.AlertAge])
	}
	if err := db.Check(); err != nil {
		t.Errorf("integrity check: %v", err)
	}
}
