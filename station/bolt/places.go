package bolt

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"returns-station/station"
)

// Indexes for put-away and finding things: units by their tote or
// location, open parcels by arrival, RMAs by the customer's phone tail.

func (t *txn) Tote(id string) (*station.Tote, error) {
	return get[station.Tote](t.b(bTotes), []byte(id))
}

func (t *txn) PutTote(tt *station.Tote) error {
	if err := t.mustWrite(); err != nil {
		return err
	}
	return put(t.b(bTotes), []byte(tt.ID), tt)
}

func (t *txn) Totes(visit func(*station.Tote) error) error {
	return t.b(bTotes).ForEach(func(k, v []byte) error {
		var tt station.Tote
		if err := json.Unmarshal(v, &tt); err != nil {
			return fmt.Errorf("decode tote %s: %w", k, err)
		}
		return visit(&tt)
	})
}

func (t *txn) UnitsAt(location string) ([]*station.Unit, error) {
	return loadIndexed(t, bUnitLoc, location, t.Unit)
}

func (t *txn) RMAsByPhone(tail string) ([]*station.ReturnAuthorization, error) {
	return loadIndexed(t, bRMAPhone, strings.TrimSpace(tail), t.RMA)
}

// indexUnitLocation moves u's entry in the location index from where it was
// (remembered when it was read) to where it is now.
func (t *txn) indexUnitLocation(u *station.Unit) error {
	old := t.oldLoc[u.ID]
	if old != "" && old != u.Location {
		if err := t.b(bUnitLoc).Delete(key(old, u.ID)); err != nil {
			return err
		}
	}
	remember(&t.oldLoc, u.ID, u.Location)
	if u.Location == "" {
		return nil
	}
	return t.b(bUnitLoc).Put(key(u.Location, u.ID), nil)
}

// openParcelKey orders open parcels by arrival: received time, then id.
func openParcelKey(p *station.Parcel) []byte {
	k := make([]byte, 8, 8+len(p.ID))
	binary.BigEndian.PutUint64(k, uint64(p.ReceivedAt.UnixNano()))
	return append(k, p.ID...)
}

func indexOpenParcel(b *bolt.Bucket, p *station.Parcel) error {
	if p.Status == station.ParcelOpen {
		return b.Put(openParcelKey(p), nil)
	}
	return b.Delete(openParcelKey(p))
}

func indexRMAPhone(b *bolt.Bucket, r *station.ReturnAuthorization) error {
	if tail := strings.TrimSpace(r.Customer.PhoneTail); tail != "" {
		return b.Put(key(tail, r.RMA), nil)
	}
	return nil
}

// indexPlaces builds the location, open-parcel and phone indexes of a file
// written before they existed (schema 1 → 2).
func indexPlaces(tx *bolt.Tx) error {
	err := tx.Bucket(bUnits).ForEach(func(k, v []byte) error {
		var u station.Unit
		if err := json.Unmarshal(v, &u); err != nil {
			return fmt.Errorf("decode unit %s: %w", k, err)
		}
		if u.Location == "" {
			return nil
		}
		return tx.Bucket(bUnitLoc).Put(key(u.Location, u.ID), nil)
	})
	if err != nil {
		return err
	}
	err = tx.Bucket(bParcels).ForEach(func(k, v []byte) error {
		var p station.Parcel
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("decode parcel %s: %w", k, err)
		}
		return indexOpenParcel(tx.Bucket(bParcelOpen), &p)
	})
	if err != nil {
		return err
	}
	return tx.Bucket(bRMAs).ForEach(func(k, v []byte) error {
		var r station.ReturnAuthorization
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("decode RMA %s: %w", k, err)
		}
		return indexRMAPhone(tx.Bucket(bRMAPhone), &r)
	})
}

// WaitingParcels lists parcels received and not yet closed, oldest first:
// the inspection bench's work queue.
func (d *DB) WaitingParcels(limit int) ([]*station.Parcel, error) {
	var out []*station.Parcel
	err := d.bolt.View(func(tx *bolt.Tx) error {
		t := &txn{tx: tx, db: d}
		c := tx.Bucket(bParcelOpen).Cursor()
		for k, _ := c.First(); k != nil && len(out) < limit; k, _ = c.Next() {
			p, err := t.Parcel(string(k[8:]))
			if err != nil {
				return err
			}
			if p != nil && p.Status == station.ParcelOpen {
				out = append(out, p)
			}
		}
		return nil
	})
	return out, err
}
