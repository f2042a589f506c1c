package bolt

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"returns-station/station"
)

// pinIterations makes each PIN guess cost tens of milliseconds offline; the
// online guard is the lockout in station/web.
const pinIterations = 210_000

// HashPIN returns "pbkdf2-sha256$ITER$SALT$KEY".
func HashPIN(pin string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key, err := pbkdf2.Key(sha256.New, pin, salt, pinIterations, 32)
	if err != nil {
		return "", err
	}
	enc := base64.RawStdEncoding
	return fmt.Sprintf("pbkdf2-sha256$%d$%s$%s", pinIterations, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// CheckPIN compares a PIN with a stored hash in constant time.
func CheckPIN(hash, pin string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 4 || parts[0] != "pbkdf2-sha256" {
		return false
	}
	iter, err := strconv.Atoi(parts[1])
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[2])
	want, err2 := enc.DecodeString(parts[3])
	if err != nil || err1 != nil || err2 != nil {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, pin, salt, iter, len(want))
	return err == nil && subtle.ConstantTimeCompare(got, want) == 1
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// AddUser creates a person's account with a PIN and, optionally, a badge code.
func (d *DB) AddUser(u station.User, pin, badge string) (*station.User, error) {
	if err := station.ValidateNewUser(&u, pin); err != nil {
		return nil, err
	}
	hash, err := HashPIN(pin)
	if err != nil {
		return nil, err
	}
	u.PINHash, u.CreatedAt = hash, d.now()
	if badge != "" {
		u.BadgeHash = sha(strings.TrimSpace(badge))
	}
	err = d.bolt.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bUsers).Get([]byte(u.Username)) != nil {
			return &station.Error{Code: station.EConflict, Message: "a user named " + u.Username + " already exists"}
		}
		if u.BadgeHash != "" {
			if tx.Bucket(bBadges).Get([]byte(u.BadgeHash)) != nil {
				return &station.Error{Code: station.EConflict, Message: "that badge already belongs to another user"}
			}
			if err := tx.Bucket(bBadges).Put([]byte(u.BadgeHash), []byte(u.Username)); err != nil {
				return err
			}
		}
		return put(tx.Bucket(bUsers), []byte(u.Username), u)
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// User returns a user by name, or nil.
func (d *DB) User(username string) (*station.User, error) {
	var u *station.User
	err := d.bolt.View(func(tx *bolt.Tx) (err error) {
		u, err = get[station.User](tx.Bucket(bUsers), []byte(username))
		return err
	})
	return u, err
}

// UserByBadge returns the user whose badge barcode this is, or nil.
func (d *DB) UserByBadge(badge string) (*station.User, error) {
	var u *station.User
	err := d.bolt.View(func(tx *bolt.Tx) (err error) {
		name := tx.Bucket(bBadges).Get([]byte(sha(strings.TrimSpace(badge))))
		if name == nil {
			return nil
		}
		u, err = get[station.User](tx.Bucket(bUsers), name)
		return err
	})
	return u, err
}

// UserCount returns how many users exist (the UI explains first-run set-up at 0).
func (d *DB) UserCount() (int, error) {
	n := 0
	err := d.bolt.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bUsers).Stats().KeyN
		return nil
	})
	return n, err
}

// CreateSession stores a new session for u and returns its secret (the cookie value).
func (d *DB) CreateSession(u *station.User) (string, *station.Session, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, err
	}
	secret := base64.RawURLEncoding.EncodeToString(raw)
	now := d.now()
	s := &station.Session{Hash: sha(secret), Username: u.Username, Role: u.Role, Created: now, LastSeen: now}
	err := d.bolt.Update(func(tx *bolt.Tx) error { return put(tx.Bucket(bSessions), []byte(s.Hash), s) })
	return secret, s, err
}

// Session returns the session for a cookie secret, or nil.
func (d *DB) Session(secret string) (*station.Session, error) {
	var s *station.Session
	err := d.bolt.View(func(tx *bolt.Tx) (err error) {
		s, err = get[station.Session](tx.Bucket(bSessions), []byte(sha(secret)))
		return err
	})
	return s, err
}

// TouchSession records activity; callers limit how often.
func (d *DB) TouchSession(hash string, at time.Time) error {
	return d.bolt.Update(func(tx *bolt.Tx) error {
		s, err := get[station.Session](tx.Bucket(bSessions), []byte(hash))
		if err != nil || s == nil {
			return err
		}
		s.LastSeen = at
		return put(tx.Bucket(bSessions), []byte(hash), s)
	})
}

// DeleteSession signs a session out.
func (d *DB) DeleteSession(hash string) error {
	return d.bolt.Update(func(tx *bolt.Tx) error { return tx.Bucket(bSessions).Delete([]byte(hash)) })
}

// CheckPIN reports whether pin is u's PIN.
func (d *DB) CheckPIN(u *station.User, pin string) bool { return CheckPIN(u.PINHash, pin) }
