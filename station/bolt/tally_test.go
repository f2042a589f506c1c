package bolt_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"returns-station/station"
	"returns-station/station/bolt"
)

// A station upgraded from a binary that kept no (or other) counters counts
// its history again at open: the counters it rebuilds from the event log are
// exactly those kept live, command by command, for the same days — and a
// re-count killed part way resumes to the same result.
func TestCountersRebuiltFromTheLogMatchThoseKeptLive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "station.db")
	db, err := bolt.Open(path, bolt.Options{StationID: "st-t"})
	if err != nil {
		t.Fatal(err)
	}
	scriptDays(t, db, 3, 7)
	if n := db.LastSeq(); n < 128 {
		t.Fatalf("only %d events: too few for the re-count to decode them on more than one core", n)
	}
	live := counters(t, db)
	t.Logf("%d counters kept live", len(live))
	if len(live) == 0 {
		t.Fatal("three scripted days moved no counter: nothing to compare")
	}
	for _, k := range []string{"val/2026-11-02/freight/CNY/home", "val/2026-11-02/recovery/CNY/home"} {
		if live[k] == 0 {
			t.Errorf("no live counter %s: the re-count would not be checked for cost and recovery", k)
		}
	}
	db.Close()

	reopen := func(t *testing.T) map[string]int64 {
		t.Helper()
		db, err := bolt.Open(path, bolt.Options{StationID: "st-t"})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		return counters(t, db)
	}
	editMeta := func(t *testing.T, edit func(meta, stats *bbolt.Bucket) error) {
		t.Helper()
		b, err := bbolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if err := b.Update(func(tx *bbolt.Tx) error { return edit(tx.Bucket([]byte("meta")), tx.Bucket([]byte("stats"))) }); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("file from before the counters", func(t *testing.T) {
		editMeta(t, func(meta, stats *bbolt.Bucket) error {
			if err := stats.Put([]byte("zz/stale"), []byte{0, 0, 0, 0, 0, 0, 0, 9}); err != nil {
				return err
			}
			return meta.Delete([]byte("tally_version"))
		})
		if got := reopen(t); !reflect.DeepEqual(got, live) {
			t.Errorf("re-counted counters differ from those kept live:\nlive:    %v\nrecount: %v", live, got)
		}
	})
	t.Run("counters of another version", func(t *testing.T) {
		editMeta(t, func(meta, stats *bbolt.Bucket) error {
			if err := stats.Put([]byte("zz/stale"), []byte{0, 0, 0, 0, 0, 0, 0, 9}); err != nil {
				return err
			}
			return meta.Put([]byte("tally_version"), []byte("0"))
		})
		if got := reopen(t); !reflect.DeepEqual(got, live) {
			t.Errorf("re-counted counters differ from those kept live:\nlive:    %v\nrecount: %v", live, got)
		}
	})
	t.Run("re-count killed part way resumes", func(t *testing.T) {
		editMeta(t, func(meta, stats *bbolt.Bucket) error { return meta.Delete([]byte("tally_version")) })
		killed := errors.New("killed")
		restore := bolt.InterruptRetally(7, func(through uint64) bool { return through >= 14 }, killed)
		if _, err := bolt.Open(path, bolt.Options{StationID: "st-t"}); !errors.Is(err, killed) {
			restore()
			t.Fatalf("open with the re-count interrupted: %v", err)
		}
		restore()
		if got := reopen(t); !reflect.DeepEqual(got, live) {
			t.Errorf("counters after a resumed re-count differ from those kept live:\nlive:    %v\nrecount: %v", live, got)
		}
	})
	t.Run("a damaged event is left out and named", func(t *testing.T) {
		b, err := bbolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Update(func(tx *bbolt.Tx) error {
			if err := tx.Bucket([]byte("meta")).Delete([]byte("tally_version")); err != nil {
				return err
			}
			return tx.Bucket([]byte("events")).Put([]byte{0, 0, 0, 0, 0, 0, 0, 5}, []byte(`{"type":`))
		}); err != nil {
			t.Fatal(err)
		}
		b.Close()
		var logs bytes.Buffer
		db, err := bolt.Open(path, bolt.Options{StationID: "st-t", Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			t.Fatalf("open with one damaged event in the log: %v", err)
		}
		db.Close()
		if !strings.Contains(logs.String(), "an event in the log does not decode") || !strings.Contains(logs.String(), "seq=5 ") {
			t.Errorf("the re-count did not name the damaged event (seq 5):\n%s", logs.String())
		}
	})
}

// counters reads every running aggregate.
func counters(t *testing.T, db *bolt.DB) map[string]int64 {
	t.Helper()
	m := map[string]int64{}
	if err := db.View(func(tx station.Tx) error {
		return tx.Counts("", func(c station.Counter) error { m[c.Key] = c.N; return nil })
	}); err != nil {
		t.Fatal(err)
	}
	return m
}

// scriptDays runs perDay returns a day for days days through receipt,
// inspection, confirmation (some regraded) and put-away, each on its own
// day's clock.
func scriptDays(t testing.TB, db *bolt.DB, days, perDay int) {
	t.Helper()
	ctx := context.Background()
	day0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	answers := map[string]any{"packaging": "sealed", "used": false, "damaged": false, "works": true, "accessories_complete": true}
	for d := 0; d < days; d++ {
		for i := 0; i < perDay; i++ {
			at := day0.Add(time.Duration(d)*24*time.Hour + time.Duration(i)*37*time.Minute)
			clock := func(off time.Duration) func() time.Time { return func() time.Time { return at.Add(off) } }
			e := station.Env{StationID: "st-t", Actor: fmt.Sprintf("user:inspector-%d", i%3), Role: station.RoleSupervisor, Now: clock(0), NewID: ids.New}
			n := d*100 + i
			delivered, requested := at.Add(-72*time.Hour), at.Add(-24*time.Hour)
			tracking := fmt.Sprintf("SF%013d", n)
			rma := &station.ReturnAuthorization{RMA: fmt.Sprintf("RMA-T-%05d", n), Version: 1, Status: station.RMAApproved,
				OrderID: fmt.Sprintf("SO-T-%05d", n), Policy: station.PolicyNoReason7d, DeliveredAt: &delivered, RequestedAt: &requested,
				Refund:          station.Money{Amount: "99.00", Currency: "CNY"},
				ReturnShipments: []station.ReturnShipment{{Carrier: "SF", Tracking: tracking}},
				Lines:           []station.RMALine{{Line: 1, SKU: fmt.Sprintf("SKU-%d", i%4), Name: "水杯", Category: "home", Qty: 1, UnitPrice: "99.00"}}}
			step := func(what string, off time.Duration, fn func(tx station.Tx, e station.Env) (any, error)) any {
				t.Helper()
				e.Now = clock(off)
				res, err := db.Update(ctx, nil, func(tx station.Tx) (any, error) { return fn(tx, e) })
				if err != nil {
					t.Fatalf("day %d return %d: %s: %v", d, i, what, err)
				}
				return res
			}
			step("put RMA", -time.Hour, func(tx station.Tx, e station.Env) (any, error) { return station.PutReturn(tx, e, rma, "push") })
			res := step("receive", 0, func(tx station.Tx, e station.Env) (any, error) {
				freight := "" // freight paid at the dock for every other parcel: counted at receipt (val/)
				if i%2 == 0 {
					freight = "12.00"
				}
				return station.Receive(tx, e, station.ReceiveInput{Code: tracking, Freight: freight})
			})
			pid := res.(*station.ReceiveResult).Parcel.ID
			res = step("add unit", 2*time.Hour, func(tx station.Tx, e station.Env) (any, error) {
				return station.AddUnit(tx, e, pid, station.AddUnitInput{Code: rma.Lines[0].SKU})
			})
			uid := res.(*station.UnitResult).Unit.ID
			step("inspect", 2*time.Hour+5*time.Minute, func(tx station.Tx, e station.Env) (any, error) {
				return station.Inspect(tx, e, uid, station.InspectInput{Checklist: answers})
			})
			step("confirm", 2*time.Hour+6*time.Minute, func(tx station.Tx, e station.Env) (any, error) {
				return station.Confirm(tx, e, uid, station.ConfirmInput{})
			})
			if i%3 == 0 {
				step("regrade", 3*time.Hour, func(tx station.Tx, e station.Env) (any, error) {
					return station.Confirm(tx, e, uid, station.ConfirmInput{Grade: "B", Disposition: "restock", OverrideReason: "scratch on the lid"})
				})
			}
			step("put away", 4*time.Hour, func(tx station.Tx, e station.Env) (any, error) {
				return station.Move(tx, e, uid, station.MoveInput{To: fmt.Sprintf("L-A-%02d-01", i%5+1)})
			})
		}
	}
}

// BenchmarkRecount is the re-count an upgrade runs before the station
// serves: a log of scripted days counted again from the start. It reports
// events counted per second; an upgrade of a station with N events waits
// N divided by that.
func BenchmarkRecount(b *testing.B) {
	path := filepath.Join(b.TempDir(), "station.db")
	db, err := bolt.Open(path, bolt.Options{StationID: "st-t"})
	if err != nil {
		b.Fatal(err)
	}
	scriptDays(b, db, 30, 100)
	events := db.LastSeq()
	db.Close()
	for b.Loop() {
		b.StopTimer()
		raw, err := bbolt.Open(path, 0o600, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := raw.Update(func(tx *bbolt.Tx) error { return tx.Bucket([]byte("meta")).Delete([]byte("tally_version")) }); err != nil {
			b.Fatal(err)
		}
		raw.Close()
		b.StartTimer()
		db, err := bolt.Open(path, bolt.Options{StationID: "st-t"})
		if err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
	b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
