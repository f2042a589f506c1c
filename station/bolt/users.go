package bolt

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"returns-station/station"
)

// HashPIN returns the stored form of pin (station.HashPIN) under a fresh
// random salt.
func HashPIN(pin string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	return station.HashPIN(pin, salt)
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// AddUser creates a person's account with a PIN and, optionally, a badge code.
// The audit trail records it under the actor "system:cli".
func (d *DB) AddUser(u station.User, pin, badge string) (*station.User, error) {
	return d.AddUserAs("system:cli", u, pin, badge)
}

// AddUserAs is AddUser recorded under actor.
func (d *DB) AddUserAs(actor string, u station.User, pin, badge string) (*station.User, error) {
	return d.addUser(actor, u, pin, badge, false)
}

// AddFirstAdmin adds u as an admin only if no account exists yet, checked in
// the same transaction, so that two set-ups racing cannot both succeed. With
// any account present it fails with EConflict and changes nothing.
func (d *DB) AddFirstAdmin(actor string, u station.User, pin string) (*station.User, error) {
	u.Role = station.RoleAdmin
	return d.addUser(actor, u, pin, "", true)
}

func (d *DB) addUser(actor string, u station.User, pin, badge string, first bool) (*station.User, error) {
	if err := station.ValidateNewUser(&u, pin); err != nil {
		return nil, err
	}
	hash, err := HashPIN(pin)
	if err != nil {
		return nil, err
	}
	u.PINHash, u.CreatedAt = hash, d.now()
	if badge != "" {
		u.BadgeHash = station.BadgeHash(badge)
	}
	_, err = d.write(context.Background(), func(t *txn) (any, error) {
		if first {
			if k, _ := t.b(bUsers).Cursor().First(); k != nil {
				return nil, station.SetupDone()
			}
		}
		if t.b(bUsers).Get([]byte(u.Username)) != nil {
			return nil, station.UserExists(u.Username)
		}
		if u.BadgeHash != "" {
			if t.b(bBadges).Get([]byte(u.BadgeHash)) != nil {
				return nil, station.BadgeTaken()
			}
			if err := t.b(bBadges).Put([]byte(u.BadgeHash), []byte(u.Username)); err != nil {
				return nil, err
			}
		}
		if err := put(t.b(bUsers), []byte(u.Username), u); err != nil {
			return nil, err
		}
		return nil, d.systemEnv(actor).Emit(t, "user/"+u.Username,
			station.UserAddedData{Username: u.Username, Role: u.Role, DisplayName: u.DisplayName, Badge: u.BadgeHash != ""})
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// Users lists every account (PIN and badge hashes blanked).
func (d *DB) Users() ([]station.User, error) {
	var out []station.User
	err := d.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bUsers).ForEach(func(_, v []byte) error {
			var u station.User
			if err := json.Unmarshal(v, &u); err != nil {
				return err
			}
			u.PINHash, u.BadgeHash = "", ""
			out = append(out, u)
			return nil
		})
	})
	return out, err
}

// UpdateUser applies an admin's change to an account (station.User.Apply
// decides what changes); a change that signs it out ends its sessions in
// the same transaction.
func (d *DB) UpdateUser(actor, username string, ch station.UserChange) (*station.User, error) {
	if err := ch.Validate(); err != nil {
		return nil, err
	}
	var pinHash string
	if ch.PIN != nil {
		h, err := HashPIN(*ch.PIN)
		if err != nil {
			return nil, err
		}
		pinHash = h
	}
	res, err := d.write(context.Background(), func(t *txn) (any, error) {
		u, err := get[station.User](t.b(bUsers), []byte(username))
		if err != nil {
			return nil, err
		}
		if u == nil {
			return nil, station.UserNotFound(username)
		}
		var badgeHash string
		if ch.Badge != nil && *ch.Badge != "" {
			badgeHash = station.BadgeHash(*ch.Badge)
			if other := t.b(bBadges).Get([]byte(badgeHash)); other != nil && string(other) != username {
				return nil, station.BadgeTaken()
			}
		}
		oldBadge := u.BadgeHash
		changed, signOut := u.Apply(ch, pinHash, badgeHash, d.now())
		if ch.Badge != nil {
			if oldBadge != "" {
				if err := t.b(bBadges).Delete([]byte(oldBadge)); err != nil {
					return nil, err
				}
			}
			if u.BadgeHash != "" {
				if err := t.b(bBadges).Put([]byte(u.BadgeHash), []byte(username)); err != nil {
					return nil, err
				}
			}
		}
		if signOut {
			if err := deleteSessionsOf(t.b(bSessions), username); err != nil {
				return nil, err
			}
		}
		if err := put(t.b(bUsers), []byte(username), u); err != nil {
			return nil, err
		}
		if err := d.systemEnv(actor).Emit(t, "user/"+username, changed); err != nil {
			return nil, err
		}
		u.PINHash, u.BadgeHash = "", ""
		return u, nil
	})
	if err != nil {
		return nil, err
	}
	return res.(*station.User), nil
}

func deleteSessionsOf(b bucket, username string) error {
	var doomed [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var s station.Session
		if json.Unmarshal(v, &s) == nil && s.Username == username {
			doomed = append(doomed, append([]byte(nil), k...))
		}
		return nil
	})
	for _, k := range doomed {
		if err == nil {
			err = b.Delete(k)
		}
	}
	return err
}

// User returns a user by name, or nil.
func (d *DB) User(username string) (*station.User, error) {
	var u *station.User
	err := d.viewOf([][]byte{bUsers}, func(tx *bolt.Tx) (err error) {
		u, err = get[station.User](tx.Bucket(bUsers), []byte(username))
		return err
	})
	return u, err
}

// UserByBadge returns the user whose badge barcode this is, or nil.
func (d *DB) UserByBadge(badge string) (*station.User, error) {
	var u *station.User
	err := d.viewOf([][]byte{bBadges, bUsers}, func(tx *bolt.Tx) (err error) {
		name := tx.Bucket(bBadges).Get([]byte(station.BadgeHash(badge)))
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
	err := d.view(func(tx *bolt.Tx) error {
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
	err := d.viewOf([][]byte{bSessions}, func(tx *bolt.Tx) (err error) {
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

// CheckPIN reports whether pin is u's (station.CheckUserPIN: a user with no
// hash costs the same and is refused).
func (d *DB) CheckPIN(u *station.User, pin string) bool { return station.CheckUserPIN(u, pin) }
