package station

import (
	"encoding/binary"
	"io"
	"sync"
	"time"
)

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewULID returns a 26-character ULID: 48 bits of milliseconds since the Unix
// epoch, then 80 bits read from entropy. IDs sort by creation time, which keeps
// bbolt keys that use them append-mostly. The caller hands in the clock and the
// randomness, so tests can make IDs exact.
func NewULID(t time.Time, entropy io.Reader) (string, error) {
	var b [16]byte
	ms := uint64(t.UnixMilli())
	binary.BigEndian.PutUint16(b[0:2], uint16(ms>>32))
	binary.BigEndian.PutUint32(b[2:6], uint32(ms))
	if _, err := io.ReadFull(entropy, b[6:]); err != nil {
		return "", err
	}
	return encodeULID(b), nil
}

// encodeULID writes 128 bits as 26 Crockford base32 characters (2 pad bits).
func encodeULID(b [16]byte) string {
	var out [26]byte
	hi := binary.BigEndian.Uint64(b[0:8])
	lo := binary.BigEndian.Uint64(b[8:16])
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}

// IDSource hands out ULIDs that strictly increase, even within one
// millisecond (the random part is incremented), so records keyed by them list
// in the order they were made. It is safe for concurrent use.
type IDSource struct {
	mu      sync.Mutex
	now     func() time.Time
	entropy io.Reader
	lastMS  uint64
	last    [10]byte
}

// NewIDSource returns an IDSource over a clock and a source of randomness.
func NewIDSource(now func() time.Time, entropy io.Reader) *IDSource {
	return &IDSource{now: now, entropy: entropy}
}

// New returns the next ULID.
func (s *IDSource) New() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ms := uint64(s.now().UnixMilli())
	if ms <= s.lastMS {
		ms = s.lastMS
		for i := len(s.last) - 1; i >= 0; i-- { // increment the 80-bit random part
			s.last[i]++
			if s.last[i] != 0 {
				break
			}
		}
	} else {
		if _, err := io.ReadFull(s.entropy, s.last[:]); err != nil {
			panic("station: entropy source failed: " + err.Error())
		}
		s.last[0] &= 0x7f // leave room to increment within the millisecond
		s.lastMS = ms
	}
	var b [16]byte
	binary.BigEndian.PutUint16(b[0:2], uint16(ms>>32))
	binary.BigEndian.PutUint32(b[2:6], uint32(ms))
	copy(b[6:], s.last[:])
	return encodeULID(b)
}
