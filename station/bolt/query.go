package bolt

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"returns-station/station"
)

// ListParcels returns parcels newest first. cursor is the id of the last
// parcel of the previous page ("" for the first page); next is "" at the end.
func (d *DB) ListParcels(f station.ParcelFilter, cursor string, limit int) (out []*station.Parcel, next string, err error) {
	err = d.view(func(tx *bolt.Tx) error {
		t := &txn{tx: tx, db: d}
		if f.Tracking != "" {
			p, err := t.ParcelByKey(station.NormalizeTracking(f.Tracking))
			if p != nil && (f.Status == "" || p.Status == f.Status) && (f.RMA == "" || p.RMA == f.RMA) {
				out = append(out, p)
			}
			return err
		}
		if f.RMA != "" {
			ps, err := t.ParcelsByRMA(f.RMA)
			for i := len(ps) - 1; i >= 0; i-- {
				if f.Status == "" || ps[i].Status == f.Status {
					out = append(out, ps[i])
				}
			}
			return err
		}
		c := tx.Bucket(bParcels).Cursor()
		var k, v []byte
		if cursor == "" {
			k, v = c.Last()
		} else {
			c.Seek([]byte(cursor))
			k, v = c.Prev()
		}
		for ; k != nil; k, v = c.Prev() {
			var p station.Parcel
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("decode parcel %s: %w", k, err)
			}
			if f.Status != "" && p.Status != f.Status {
				continue
			}
			if len(out) == limit {
				next = out[len(out)-1].ID
				break
			}
			out = append(out, &p)
		}
		return nil
	})
	return out, next, err
}

// ListExceptions returns exceptions newest first; open ones come from their
// own index so the supervisor's queue stays fast however long history grows.
func (d *DB) ListExceptions(state string, limit int) (out []*station.Exception, err error) {
	err = d.view(func(tx *bolt.Tx) error {
		t := &txn{tx: tx, db: d}
		bucket := bExceptions
		if state == station.ExOpen {
			bucket = bExcOpen
		}
		c := tx.Bucket(bucket).Cursor()
		for k, _ := c.Last(); k != nil && len(out) < limit; k, _ = c.Prev() {
			e, err := t.Exception(string(k))
			if err != nil {
				return err
			}
			if e != nil && (state == "" || e.State == state) {
				out = append(out, e)
			}
		}
		return nil
	})
	return out, err
}

// EventsAfter returns up to limit events with seq > after, in seq order. It
// copies them out of a short read transaction.
func (d *DB) EventsAfter(_ context.Context, after uint64, limit int) ([]station.Event, error) {
	var out []station.Event
	err := d.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bEvents).Cursor()
		for k, v := c.Seek(u64(after + 1)); k != nil && len(out) < limit; k, v = c.Next() {
			var e station.Event
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("decode event %d: %w", binary.BigEndian.Uint64(k), err)
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// FirstSeq returns the seq of the oldest event kept (0 when the log is empty).
func (d *DB) FirstSeq() (uint64, error) {
	var seq uint64
	err := d.view(func(tx *bolt.Tx) error {
		if k, _ := tx.Bucket(bEvents).Cursor().First(); k != nil {
			seq = binary.BigEndian.Uint64(k)
		}
		return nil
	})
	return seq, err
}

// HashToken returns the stored form of a token secret.
func HashToken(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// CreateToken makes a new token and returns its secret, which is shown once.
// The audit trail records it under the actor "system:cli".
func (d *DB) CreateToken(name, role string) (string, *station.Token, error) {
	return d.CreateTokenAs("system:cli", name, role)
}

// CreateTokenAs is CreateToken recorded under actor.
func (d *DB) CreateTokenAs(actor, name, role string) (string, *station.Token, error) {
	if err := station.ValidateNewToken(name, role); err != nil {
		return "", nil, err
	}
	raw := make([]byte, 20)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, err
	}
	secret := "rs_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw))
	tok := &station.Token{Name: name, Role: role, Hash: HashToken(secret), CreatedAt: d.now()}
	defer d.forgetTokens()
	_, err := d.write(context.Background(), func(t *txn) (any, error) {
		b := t.b(bTokens)
		if live, err := liveToken(b, name); err != nil {
			return nil, err
		} else if live != nil {
			return nil, station.TokenExists(name)
		}
		if err := put(b, []byte(tok.Hash), tok); err != nil {
			return nil, err
		}
		return nil, d.systemEnv(actor).Emit(t, "token/"+name, station.TokenCreatedData{Name: name, Role: role})
	})
	if err != nil {
		return "", nil, err
	}
	return secret, tok, nil
}

// TokenBySecret finds the live token for a presented secret, or nil. Every
// API request asks, so live tokens are kept in memory after their first
// use (a read transaction per request cost more than the command's own
// reads); creating, revoking or rotating a token empties that cache before
// its answer, so a revoked token is refused from the next request on.
func (d *DB) TokenBySecret(secret string) (*station.Token, error) {
	hash := HashToken(secret)
	d.tokMu.RLock()
	tok, ok := d.tokens[hash]
	gen := d.tokGen
	d.tokMu.RUnlock()
	if ok {
		t := tok
		return &t, nil
	}
	var found *station.Token
	err := d.viewOf([][]byte{bTokens}, func(tx *bolt.Tx) error {
		var err error
		found, err = get[station.Token](tx.Bucket(bTokens), []byte(hash))
		return err
	})
	if err != nil || !found.Live() {
		return nil, err // unknown secrets are not remembered: guessing must not fill memory
	}
	d.tokMu.Lock()
	// A revoke that emptied the cache while this read ran must not be undone
	// by storing what the read saw before it.
	if d.tokGen == gen {
		if d.tokens == nil {
			d.tokens = map[string]station.Token{}
		}
		d.tokens[hash] = *found
	}
	d.tokMu.Unlock()
	return found, nil
}

// forgetTokens empties the token cache; callers hold no lock.
func (d *DB) forgetTokens() {
	d.tokMu.Lock()
	d.tokens = nil
	d.tokGen++
	d.tokMu.Unlock()
}

// Tokens lists every token (hashes only).
func (d *DB) Tokens() ([]station.Token, error) {
	var out []station.Token
	err := d.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bTokens).ForEach(func(_, v []byte) error {
			var t station.Token
			if err := json.Unmarshal(v, &t); err != nil {
				return err
			}
			out = append(out, t)
			return nil
		})
	})
	return out, err
}

// FeedKey is the secret that signs feed cursors, kept in the file.
func (d *DB) FeedKey() []byte { return d.cursorKey }

// DueShipments lists shipments still on their way (not received, not in a
// terminal state) that have had no carrier update for quiet.
func (d *DB) DueShipments(now time.Time, quiet time.Duration) ([]station.Shipment, error) {
	var out []station.Shipment
	err := d.View(func(tx station.Tx) error {
		return tx.Shipments(func(s *station.Shipment) error {
			if s.ParcelID == "" && !station.TerminalTracking(s.Status) && now.Sub(s.LastPushAt) >= quiet {
				out = append(out, *s)
			}
			return nil
		})
	})
	return out, err
}
