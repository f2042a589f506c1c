package station

import (
	"encoding/binary"
	"io"
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
	var out [26]byte
	// 128 bits into 26 base32 characters, most significant first (2 pad bits).
	hi := binary.BigEndian.Uint64(b[0:8])
	lo := binary.BigEndian.Uint64(b[8:16])
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:]), nil
}
