package bolt

import (
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
)

// counterDeltas gathers the counter changes of the commands in one bbolt
// transaction and writes each counter once, before the commit or before
// the transaction reads counters (Counts), so a read sees every change made
// before it. A re-count batch of thousands of events moving the same days'
// counters then costs one read and one write per counter instead of one per
// event; for a group of receives it made no measurable difference.
type counterDeltas map[string]int64

func (c counterDeltas) add(key string, delta int64) { c[key] += delta }

// flush writes every pending delta into b, in key order, and forgets them.
func (c counterDeltas) flush(b bucket) error {
	for _, key := range slices.Sorted(maps.Keys(c)) {
		if err := addCounter(b, []byte(key), c[key]); err != nil {
			return err
		}
	}
	clear(c)
	return nil
}

// addCounter adds delta to the counter at key, removing it when it comes
// to zero.
func addCounter(b bucket, key []byte, delta int64) error {
	if delta == 0 {
		return nil
	}
	n := delta
	if v := b.Get(key); len(v) == 8 { // anything else is damage: the write replaces it
		n += int64(binary.BigEndian.Uint64(v))
	}
	if n == 0 {
		return b.Delete(key)
	}
	v := make([]byte, 8)
	binary.BigEndian.PutUint64(v, uint64(n))
	return b.Put(key, v)
}

func counterValue(k, v []byte) (int64, error) {
	if len(v) != 8 {
		return 0, fmt.Errorf("decode counter %q: %d bytes, want 8", k, len(v))
	}
	return int64(binary.BigEndian.Uint64(v)), nil
}
