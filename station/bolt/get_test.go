package bolt

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// openInternal opens a fresh store for a test inside the package, closed at
// cleanup.
func openInternal(t *testing.T) *DB {
	t.Helper()
	d, err := Open(filepath.Join(t.TempDir(), "station.db"), Options{StationID: "st-t"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// A command's reads in the committer go through cursors its group reuses
// (bucket.Get). They must see what the group wrote just before, and
// nothing it deleted, wherever the key falls in the tree.
func TestGroupGetSeesItsOwnWrites(t *testing.T) {
	d := openInternal(t)
	ctx := context.Background()
	key := func(i int) []byte { return fmt.Appendf(nil, "k%06d", i) }
	// Enough keys that the bucket has many pages before the test group.
	if _, err := d.write(ctx, func(t *txn) (any, error) {
		b := t.b(bTrackSeen)
		for i := 0; i < 5000; i += 2 {
			if err := b.Put(key(i), []byte("old")); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := d.settle(); err != nil { // the keys reach the data file's pages
		t.Fatal(err)
	}
	if _, err := d.write(ctx, func(tx *txn) (any, error) {
		b := tx.b(bTrackSeen)
		check := func(i int, want string) {
			t.Helper()
			if got := b.Get(key(i)); string(got) != want || (want == "") != (got == nil) {
				t.Errorf("Get(%s) = %q, want %q", key(i), got, want)
			}
		}
		check(0, "old")
		check(4998, "old")
		check(4999, "")  // past the last key
		check(1, "")     // between two keys
		check(-1, "")    // before the first ("k-00001" sorts first)
		check(99999, "") // past everything
		for _, i := range []int{3, 2501, 4999, 6000} {
			if err := b.Put(key(i), []byte("new")); err != nil {
				return nil, err
			}
			check(i, "new")
		}
		if err := b.Put(key(2500), []byte("changed")); err != nil {
			return nil, err
		}
		check(2500, "changed")
		if err := b.Delete(key(2)); err != nil {
			return nil, err
		}
		check(2, "")
		check(4, "old")
		// Another bucket's reads use a cursor of their own.
		if got := tx.b(bParcels).Get(key(0)); got != nil {
			t.Errorf("parcels Get = %q, want nothing", got)
		}
		check(3, "new")
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
}
