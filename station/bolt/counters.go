package bolt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// counterDeltas gathers the counter changes of every command in one bbolt
// transaction and writes each counter once, just before the commit. A
// group of receives all moving the same hour's counters then costs one
// read and one write per counter instead of one per command; the counters
// were a tenth of a receive's cost. Reads in the transaction (Counts) see
// stored value plus delta, so a command reads what it would have read had
// every earlier command written straight through.
type counterDeltas map[string]int64

func (c counterDeltas) add(key string, delta int64) { c[key] += delta }

// merged visits, in key order, every counter under prefix as the
// transaction sees it: b's stored value plus its pending delta, counters
// that come to zero left out (a zero counter is not stored).
func (c counterDeltas) merged(b *bolt.Bucket, prefix string, visit func(key string, n int64) error) error {
	var pend []string
	for k := range c {
		if strings.HasPrefix(k, prefix) {
			pend = append(pend, k)
		}
	}
	slices.Sort(pend)
	cur := b.Cursor()
	p := []byte(prefix)
	k, v := cur.Seek(p)
	for {
		stored := k != nil && bytes.HasPrefix(k, p)
		if !stored && len(pend) == 0 {
			return nil
		}
		var key string
		var n int64
		switch {
		case stored && (len(pend) == 0 || string(k) < pend[0]):
			n, err := counterValue(k, v)
			if err != nil {
				return err
			}
			if err := visit(string(k), n); err != nil {
				return err
			}
			k, v = cur.Next()
			continue
		case stored && string(k) == pend[0]:
			var err error
			if n, err = counterValue(k, v); err != nil {
				return err
			}
			key, n = pend[0], n+c[pend[0]]
			k, v = cur.Next()
		default:
			key, n = pend[0], c[pend[0]]
		}
		pend = pend[1:]
		if n == 0 {
			continue
		}
		if err := visit(key, n); err != nil {
			return err
		}
	}
}

// flush writes every pending delta into b, in key order, and forgets them.
func (c counterDeltas) flush(b *bolt.Bucket) error {
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
func addCounter(b *bolt.Bucket, key []byte, delta int64) error {
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
