package bolt

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// The buffers kept for the next groups' journal records stay bounded: a
// burst of large groups (a bulk import) must not stay in memory, and the
// groups after it still get their writes right.
func TestSpareBuffersStayBounded(t *testing.T) {
	d := openInternal(t)
	ctx := context.Background()
	big := bytes.Repeat([]byte("x"), 600<<10)
	for i := range 40 {
		if _, err := d.write(ctx, func(t *txn) (any, error) {
			return nil, t.b(bTrackSeen).Put(fmt.Appendf(nil, "big%02d", i), big)
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.settle(); err != nil {
		t.Fatal(err)
	}
	if d.spareBytes > maxSpareBytes || len(d.spare) > maxSpare {
		t.Errorf("%d spare buffers of %d bytes kept, want at most %d of %d bytes", len(d.spare), d.spareBytes, maxSpare, maxSpareBytes)
	}
	sum := 0
	for _, b := range d.spare {
		sum += cap(b)
	}
	if sum != d.spareBytes {
		t.Errorf("spare buffers hold %d bytes, counted %d", sum, d.spareBytes)
	}
	for i := range 100 {
		if _, err := d.write(ctx, func(t *txn) (any, error) {
			return nil, t.b(bTrackSeen).Put(fmt.Appendf(nil, "small%03d", i), fmt.Appendf(nil, "v%d", i))
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bTrackSeen)
		for i := range 100 {
			if got := b.Get(fmt.Appendf(nil, "small%03d", i)); string(got) != fmt.Sprintf("v%d", i) {
				return fmt.Errorf("small%03d = %q", i, got)
			}
		}
		for i := range 40 {
			if got := b.Get(fmt.Appendf(nil, "big%02d", i)); !bytes.Equal(got, big) {
				return fmt.Errorf("big%02d: %d bytes", i, len(got))
			}
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
}
