package bolt

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"

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

// indexOpenParcel keeps p's entry in the open-parcel index: for an open
// parcel, what the ageing board needs of it (station.OpenParcel), found from
// its units and exceptions; a closed parcel leaves the index.
func (t *txn) indexOpenParcel(p *station.Parcel) error {
	if p.Status != station.ParcelOpen {
		return t.b(bParcelOpen).Delete(openParcelKey(p))
	}
	o, err := station.OpenParcelOf(t, p)
	if err != nil {
		return err
	}
	return put(t.b(bParcelOpen), openParcelKey(p), o)
}

// refreshOpen brings the open-parcel index up to date for the parcels the
// command touched; it runs when a command has succeeded, so the entry sees
// every unit and exception the command wrote.
func (t *txn) refreshOpen() error {
	for id := range t.touched {
		var p *station.Parcel
		if w, ok := t.wroteParcel[id]; ok {
			p = &w
		} else {
			var err error
			if p, err = t.Parcel(id); err != nil {
				return err
			}
		}
		if p == nil || p.Status != station.ParcelOpen {
			continue // a closed parcel left the index when it was stored
		}
		o, err := station.OpenParcelOf(afterWrite{t}, p)
		if err != nil {
			return err
		}
		if err := put(t.b(bParcelOpen), openParcelKey(p), o); err != nil {
			return err
		}
	}
	clear(t.touched)
	return nil
}

// afterWrite reads a parcel's units and exceptions for refreshOpen: those
// the transaction stored come from memory as stored (a copy each time),
// the others from the file. Decoding what was just encoded cost as much as
// the rest of a receive.
type afterWrite struct{ *txn }

func (a afterWrite) UnitsByParcel(parcelID string) ([]*station.Unit, error) {
	return loadIndexed(a.txn, bUnitParcel, parcelID, func(id string) (*station.Unit, error) {
		if u, ok := a.wroteUnit[id]; ok {
			return &u, nil
		}
		return a.Unit(id)
	})
}

func (a afterWrite) ExceptionsByParcel(parcelID string) ([]*station.Exception, error) {
	return loadIndexed(a.txn, bExcParcel, parcelID, func(id string) (*station.Exception, error) {
		if e, ok := a.wroteExc[id]; ok {
			return &e, nil
		}
		return a.Exception(id)
	})
}

func indexRMAPhone(b bucket, r *station.ReturnAuthorization) error {
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
		if p.Status != station.ParcelOpen {
			return nil
		}
		return tx.Bucket(bParcelOpen).Put(openParcelKey(&p), nil)
	})
	if err != nil {
		return err
	}
	return tx.Bucket(bRMAs).ForEach(func(k, v []byte) error {
		var r station.ReturnAuthorization
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("decode RMA %s: %w", k, err)
		}
		return indexRMAPhone(rawBucket(tx, bRMAPhone), &r)
	})
}

// ageOpenParcels fills the open-parcel index's entries with what the ageing
// board needs of each open parcel (schema 2 → 3; before, the board read every
// open parcel, its units and its exceptions at each request).
func ageOpenParcels(tx *bolt.Tx) error {
	var ids []string
	err := tx.Bucket(bParcelOpen).ForEach(func(k, _ []byte) error {
		ids = append(ids, string(k[8:]))
		return nil
	})
	if err != nil {
		return err
	}
	t := &txn{tx: tx, write: true}
	for _, id := range ids {
		p, err := t.Parcel(id)
		if err != nil {
			return err
		}
		if p == nil {
			continue
		}
		if err := t.indexOpenParcel(p); err != nil {
			return err
		}
	}
	return nil
}

// OpenParcels lists what the ageing board needs of each parcel received and
// not yet closed, oldest first, from the open-parcel index alone. Parcels
// received after fullAfter (on time: the board only counts them) carry only
// their id and receipt time, read from the index key without decoding.
func (d *DB) OpenParcels(fullAfter time.Time, limit int) ([]station.OpenParcel, error) {
	var out []station.OpenParcel
	bound := fullAfter.UnixNano()
	err := d.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bParcelOpen).Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			at := int64(binary.BigEndian.Uint64(k))
			if at > bound {
				out = append(out, station.OpenParcel{ID: string(k[8:]), ReceivedAt: time.Unix(0, at)})
				continue
			}
			var o station.OpenParcel
			if err := json.Unmarshal(v, &o); err != nil {
				return fmt.Errorf("decode open parcel %s: %w", k[8:], err)
			}
			out = append(out, o)
		}
		return nil
	})
	return out, err
}

// WaitingParcels lists parcels received and not yet closed, oldest first:
// the inspection bench's work queue.
func (d *DB) WaitingParcels(limit int) ([]*station.Parcel, error) {
	var out []*station.Parcel
	err := d.view(func(tx *bolt.Tx) error {
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
