package bolt_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"returns-station/station"

	bbolt "go.etcd.io/bbolt"
)

// BenchmarkReceiveCommit is one unknown-parcel receive per durable commit,
// beside BenchmarkPlainPut (one 512-byte put per bbolt Update) on the same disk.
func BenchmarkReceiveCommit(b *testing.B) {
	db := openDB(b)
	i := 0
	for b.Loop() {
		i++
		if _, err := db.Update(context.Background(), nil, receive(fmt.Sprintf("SF%013d", i))); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlainPut(b *testing.B) {
	db, err := bbolt.Open(filepath.Join(b.TempDir(), "plain.db"), 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	val := make([]byte, 512)
	for b.Loop() {
		db.Update(func(tx *bbolt.Tx) error {
			bk, _ := tx.CreateBucketIfNotExists([]byte("b"))
			seq, _ := bk.NextSequence()
			return bk.Put([]byte(fmt.Sprint(seq)), val)
		})
	}
}

// BenchmarkCycle64 runs 64 desks doing receive, add unit, inspect and confirm
// in process (no HTTP), to show what the store itself sustains with group commit.
func BenchmarkCycle64(b *testing.B) {
	db := openDB(b)
	answers := map[string]any{"packaging": "sealed", "used": false, "damaged": false, "works": true, "accessories_complete": true}
	var n atomic.Int64
	b.SetParallelism(32) // × GOMAXPROCS(2) = 64 goroutines
	c0 := db.Commits()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		e := env(station.RoleSupervisor)
		for pb.Next() {
			i := n.Add(1)
			res, err := db.Update(ctx, nil, receive(fmt.Sprintf("SF%013d", i)))
			if err != nil {
				b.Fatal(err)
			}
			pid := res.(*station.ReceiveResult).Parcel.ID
			res, err = db.Update(ctx, nil, func(tx station.Tx) (any, error) {
				return station.AddUnit(tx, e, pid, station.AddUnitInput{Code: "SKU-1"})
			})
			if err != nil {
				b.Fatal(err)
			}
			uid := res.(*station.UnitResult).Unit.ID
			if _, err := db.Update(ctx, nil, func(tx station.Tx) (any, error) {
				return station.Inspect(tx, e, uid, station.InspectInput{Checklist: answers})
			}); err != nil {
				b.Fatal(err)
			}
			if _, err := db.Update(ctx, nil, func(tx station.Tx) (any, error) { return station.Confirm(tx, e, uid, station.ConfirmInput{}) }); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(4*n.Load())/b.Elapsed().Seconds(), "cmds/s")
	b.ReportMetric(float64(4*n.Load())/float64(db.Commits()-c0), "cmds/commit")
}

// BenchmarkFailureIsolation64 runs the same receive workload from 64
// concurrent callers three times in one run: all valid, 10% refused before
// writing (a parcel label of a parcel this station never had), and 10%
// failing after writing (evicted from their group). It prints each
// throughput and its ratio to the all-valid run.
func BenchmarkFailureIsolation64(b *testing.B) {
	const callers = 64
	run := func(fail func(i int) func(station.Tx) (any, error)) float64 {
		db := openDB(b)
		var next atomic.Int64
		n := int64(b.N)
		var wg sync.WaitGroup
		start := time.Now()
		for range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := next.Add(1); i <= n; i = next.Add(1) {
					fn := receive(fmt.Sprintf("SF%013d", i))
					if i%10 == 0 && fail != nil {
						fn = fail(int(i))
					}
					db.Update(context.Background(), nil, fn)
				}
			}()
		}
		wg.Wait()
		return float64(n) / time.Since(start).Seconds()
	}
	b.ResetTimer()
	valid := run(nil)
	before := run(unknownLabel)
	after := run(func(i int) func(station.Tx) (any, error) { return failAfterWrite(fmt.Sprintf("SF%013d", i)) })
	b.ReportMetric(valid, "valid_cmds/s")
	b.ReportMetric(before, "refused10%_cmds/s")
	b.ReportMetric(before/valid, "refused10%/valid")
	b.ReportMetric(after, "failing_after_write10%_cmds/s")
	b.ReportMetric(after/valid, "failing_after_write10%/valid")
}

// BenchmarkReceiveInGroup is the committer's own work per receive of an
// unknown parcel: 64 receives share one transaction, so one commit is
// spread over them, as at a busy dock. "checked" validates each scan before
// the transaction, as the web layer does; "inside" leaves that to Receive.
// It reports µs per receive; compare with BenchmarkPlainPut's commit.
func BenchmarkReceiveInGroup(b *testing.B) {
	for _, checked := range []bool{false, true} {
		b.Run(map[bool]string{false: "inside", true: "checked"}[checked], func(b *testing.B) {
			db := openDB(b)
			ctx := context.Background()
			e := env(station.RoleOperator)
			i := 0
			ins := make([]station.ReceiveInput, 64)
			scans := make([]station.Scan, 64)
			for b.Loop() {
				for j := range ins {
					i++
					ins[j] = station.ReceiveInput{Code: fmt.Sprintf("SF%013d", i)}
					if checked {
						var err error
						if scans[j], err = station.ValidateReceive(&ins[j]); err != nil {
							b.Fatal(err)
						}
						ins[j].Validated = &scans[j]
					}
				}
				if _, err := db.Update(ctx, nil, func(tx station.Tx) (any, error) {
					for _, in := range ins {
						if _, err := station.Receive(tx, e, in); err != nil {
							return nil, err
						}
					}
					return nil, nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(i), "µs/receive")
		})
	}
}
