package bolt

import (
	"context"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"returns-station/station"
)

// liveToken finds the live (not revoked) token named name.
func liveToken(b bucket, name string) (*station.Token, error) {
	var found *station.Token
	err := b.ForEach(func(_, v []byte) error {
		var t station.Token
		if err := json.Unmarshal(v, &t); err != nil {
			return err
		}
		if t.Name == name && t.Live() {
			found = &t
		}
		return nil
	})
	return found, err
}

// RevokeToken revokes the live token named name; it stops working at once.
func (d *DB) RevokeToken(name, by string) (*station.Token, error) {
	var tok *station.Token
	// Emptied after the revoke commits (a request in between is refused by
	// the file) and before the answer, so the caller's next request is refused.
	defer d.forgetTokens()
	_, err := d.write(context.Background(), func(t *txn) (any, error) {
		b := t.b(bTokens)
		var err error
		if tok, err = liveToken(b, name); err != nil {
			return nil, err
		}
		if tok == nil {
			return nil, station.TokenNotFound(name)
		}
		tok.Revoke(by, d.now())
		if err := put(b, []byte(tok.Hash), tok); err != nil {
			return nil, err
		}
		return nil, d.systemEnv(by).Emit(t, "token/"+name, station.TokenRevokedData{Name: name, Role: tok.Role})
	})
	return tok, err
}

// RotateToken revokes the live token named name and creates a new one with
// the same name and role, returning the new secret (shown once).
func (d *DB) RotateToken(name, by string) (string, *station.Token, error) {
	old, err := d.RevokeToken(name, by)
	if err != nil {
		return "", nil, err
	}
	return d.CreateTokenAs(by, name, old.Role)
}

// TouchToken records when a token was last used; callers limit how often.
func (d *DB) TouchToken(hash string, at time.Time) error {
	return d.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bTokens)
		t, err := get[station.Token](b, []byte(hash))
		if err != nil || t == nil {
			return err
		}
		t.LastUsedAt = &at
		return put(b, []byte(hash), t)
	})
}
