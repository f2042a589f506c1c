package station

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// PINIterations makes each PIN guess cost tens of milliseconds offline,
// for someone holding a copy of the data file; the online guard is Lockout.
const PINIterations = 210_000

// HashPIN returns the stored form of pin, "pbkdf2-sha256$ITER$SALT$KEY",
// under salt: 16 random bytes the caller draws (crypto/rand), so that two
// people with one PIN store different hashes.
func HashPIN(pin string, salt []byte) (string, error) {
	key, err := pbkdf2.Key(sha256.New, pin, salt, PINIterations, 32)
	if err != nil {
		return "", err
	}
	enc := base64.RawStdEncoding
	return fmt.Sprintf("pbkdf2-sha256$%d$%s$%s", PINIterations, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// CheckPIN compares pin with a stored hash in constant time. A hash that is
// not of HashPIN's form matches no PIN.
func CheckPIN(hash, pin string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 4 || parts[0] != "pbkdf2-sha256" {
		return false
	}
	iter, err := strconv.Atoi(parts[1])
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[2])
	want, err2 := enc.DecodeString(parts[3])
	if err != nil || err1 != nil || err2 != nil || iter < 1 || len(want) == 0 {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, pin, salt, iter, len(want))
	return err == nil && subtle.ConstantTimeCompare(got, want) == 1
}

// CheckUserPIN reports whether pin is u's. A user with no PIN hash is the
// stand-in for a name nobody has: checking it costs a full check against a
// stand-in hash and is false, so the time of a wrong answer does not tell
// which names exist.
func CheckUserPIN(u *User, pin string) bool {
	if u == nil || u.PINHash == "" {
		CheckPIN(standInPINHash(), pin)
		return false
	}
	return CheckPIN(u.PINHash, pin)
}

// standInPINHash is a hash of no one's PIN at full cost, made at first use.
// Its salt need not be secret: it is never compared to decide anything.
var standInPINHash = sync.OnceValue(func() string {
	h, err := HashPIN("no user has this PIN", make([]byte, 16))
	if err != nil {
		return "pbkdf2-sha256$" + strconv.Itoa(PINIterations) + "$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	}
	return h
})
