package bolt_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"returns-station/station"
	"returns-station/station/bolt"
)

// A file written before the location, open-parcel and phone indexes existed
// gets them when a newer station opens it.
func TestSchema2BuildsPlaceIndexes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "station.db")
	db, err := bolt.Open(path, bolt.Options{StationID: "st-t"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now()
	_, err = db.Update(ctx, nil, func(tx station.Tx) (any, error) {
		r := &station.ReturnAuthorization{RMA: "RMA-M-1", Version: 1, Status: station.RMAApproved, OrderID: "SO-M-1", Policy: station.PolicyQuality,
			Customer: station.Customer{PhoneTail: "5678"}, Lines: []station.RMALine{{Line: 1, SKU: "A", Qty: 1, UnitPrice: "1.00"}}}
		if err := tx.PutRMA(r); err != nil {
			return nil, err
		}
		for i, tr := range []string{"SF9000000000002", "SF9000000000001"} {
			p := &station.Parcel{ID: "P" + tr, Tracking: tr, Status: station.ParcelOpen, ReceivedAt: now.Add(time.Duration(i) * time.Minute), Keys: []string{tr}}
			if err := tx.PutParcel(p); err != nil {
				return nil, err
			}
		}
		closed := &station.Parcel{ID: "PCLOSED", Tracking: "SF9000000000003", Status: station.ParcelClosed, ReceivedAt: now.Add(-time.Hour), Keys: []string{"SF9000000000003"}}
		if err := tx.PutParcel(closed); err != nil {
			return nil, err
		}
		return nil, tx.PutUnit(&station.Unit{ID: "U1", ParcelID: "PSF9000000000001", Status: station.UnitInspected, Location: "T-0007", LocationKind: "tote"})
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = raw.Update(func(tx *bbolt.Tx) error {
		for _, b := range []string{"idx_unit_location", "idx_parcel_open", "idx_rma_phone"} {
			if err := tx.DeleteBucket([]byte(b)); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), []byte{0, 0, 0, 0, 0, 0, 0, 1})
	})
	raw.Close()
	if err != nil {
		t.Fatal(err)
	}
	db, err = bolt.Open(path, bolt.Options{StationID: "st-t"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx station.Tx) error {
		us, err := tx.UnitsAt("T-0007")
		if err != nil || len(us) != 1 || us[0].ID != "U1" {
			t.Errorf("units in T-0007 after migrating: %v (%v), want U1", us, err)
		}
		rs, err := tx.RMAsByPhone("5678")
		if err != nil || len(rs) != 1 || rs[0].RMA != "RMA-M-1" {
			t.Errorf("RMAs by phone 5678 after migrating: %v (%v)", rs, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ps, err := db.WaitingParcels(10)
	if err != nil || len(ps) != 2 || ps[0].Tracking != "SF9000000000002" || ps[1].Tracking != "SF9000000000001" {
		t.Errorf("waiting parcels after migrating: %v (%v), want the two open ones, oldest first", ps, err)
	}
	if err := db.Check(); err != nil {
		t.Error(err)
	}
}
