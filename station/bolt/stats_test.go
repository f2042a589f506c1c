package bolt_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"returns-station/station"
)

// Running aggregates change with the command that moves them, roll back with
// it, and read back by prefix in key order.
func TestCountersCommitAndRollBackWithTheirCommand(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	add := func(key string, d int64, fail error) error {
		_, err := db.Update(ctx, nil, func(tx station.Tx) (any, error) {
			if err := tx.Count(key, d); err != nil {
				return nil, err
			}
			return nil, fail
		})
		return err
	}
	for _, c := range []struct {
		key string
		d   int64
	}{{"t/2026-12-07/b", 3}, {"t/2026-12-07/a", 2}, {"t/2026-12-08/a", 5}, {"u/x", 1}, {"t/2026-12-07/b", -1}} {
		if err := add(c.key, c.d, nil); err != nil {
			t.Fatal(err)
		}
	}
	refused := errors.New("refused")
	if err := add("t/2026-12-07/a", 100, refused); !errors.Is(err, refused) {
		t.Fatalf("failing command: %v", err)
	}
	if err := add("t/2026-12-08/a", -5, nil); err != nil { // back to zero: gone
		t.Fatal(err)
	}
	var got []station.Counter
	if err := db.View(func(tx station.Tx) error {
		return tx.Counts("t/", func(c station.Counter) error { got = append(got, c); return nil })
	}); err != nil {
		t.Fatal(err)
	}
	want := []station.Counter{{Key: "t/2026-12-07/a", N: 2}, {Key: "t/2026-12-07/b", N: 2}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("counters under t/: got %v, want %v (the failed command's +100 must be rolled back, a zero removed)", got, want)
	}
}

// A command reads the counters as it has moved them: the transaction keeps
// counter changes in memory, and Counts sees them added to what is stored,
// in key order, a counter that nets to zero left out, both inside the
// transaction and once committed.
func TestCountersReadBackInsideTheirTransaction(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	if _, err := db.Update(ctx, nil, func(tx station.Tx) (any, error) {
		for _, c := range []station.Counter{{Key: "a/1", N: 5}, {Key: "a/3", N: 2}, {Key: "a/5", N: 7}, {Key: "b/1", N: 1}} {
			if err := tx.Count(c.Key, c.N); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	read := func(tx station.Tx) []station.Counter {
		var got []station.Counter
		if err := tx.Counts("a/", func(c station.Counter) error { got = append(got, c); return nil }); err != nil {
			t.Fatal(err)
		}
		return got
	}
	want := []station.Counter{{Key: "a/0", N: 9}, {Key: "a/1", N: 6}, {Key: "a/2", N: 4}, {Key: "a/5", N: 7}, {Key: "a/6", N: 1}}
	var inside []station.Counter
	if _, err := db.Update(ctx, nil, func(tx station.Tx) (any, error) {
		for _, c := range []station.Counter{{Key: "a/2", N: 4}, {Key: "a/3", N: -2}, {Key: "a/1", N: 1}, {Key: "a/0", N: 9}, {Key: "a/6", N: 1}, {Key: "a/4", N: 3}, {Key: "a/4", N: -3}} {
			if err := tx.Count(c.Key, c.N); err != nil {
				return nil, err
			}
		}
		inside = read(tx)
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(inside, want) {
		t.Errorf("inside the transaction: got %v, want %v", inside, want)
	}
	var after []station.Counter
	if err := db.View(func(tx station.Tx) error { after = read(tx); return nil }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(after, want) {
		t.Errorf("after the commit: got %v, want %v (a/3 came to zero and must be gone)", after, want)
	}
}
