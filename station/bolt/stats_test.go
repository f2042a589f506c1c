package bolt_test

import (
	"context"
	"errors"
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
