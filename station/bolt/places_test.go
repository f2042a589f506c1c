package bolt_test

import (
	"context"
	"path/filepath"
	"strings"
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

// A file written before the open-parcel index kept the ageing board's data
// (schema 2: keys only) gets each open parcel's stage when a newer station
// opens it.
func TestSchema3AgesOpenParcels(t *testing.T) {
	path := filepath.Join(t.TempDir(), "station.db")
	db, err := bolt.Open(path, bolt.Options{StationID: "st-t"})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	_, err = db.Update(context.Background(), nil, func(tx station.Tx) (any, error) {
		for i, tr := range []string{"SF9000000000001", "SF9000000000002", "SF9000000000003"} {
			p := &station.Parcel{ID: "P" + tr, Tracking: tr, Status: station.ParcelOpen, ReceivedAt: t0.Add(time.Duration(i) * time.Hour), Keys: []string{tr}}
			if err := tx.PutParcel(p); err != nil {
				return nil, err
			}
		}
		// The first waits on an exception, the second has its unit confirmed, the third is untouched.
		err := tx.PutException(&station.Exception{ID: "E1", Code: "damaged_in_transit", State: station.ExOpen, ParcelID: "PSF9000000000001", OpenedAt: t0.Add(30 * time.Minute)})
		if err != nil {
			return nil, err
		}
		return nil, tx.PutUnit(&station.Unit{ID: "U1", ParcelID: "PSF9000000000002", Status: station.UnitInspected,
			Result: &station.Result{Grade: "A", InspectedAt: t0.Add(5 * time.Hour)}})
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
		b := tx.Bucket([]byte("idx_parcel_open"))
		var keys [][]byte
		_ = b.ForEach(func(k, _ []byte) error { keys = append(keys, append([]byte(nil), k...)); return nil })
		for _, k := range keys {
			if err := b.Put(k, nil); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), []byte{0, 0, 0, 0, 0, 0, 0, 2})
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
	got, err := db.OpenParcels(time.Now(), 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []station.OpenParcel{
		{ID: "PSF9000000000001", Tracking: "SF9000000000001", ReceivedAt: t0, Waiting: station.WaitException, StageSince: t0.Add(30 * time.Minute), Exceptions: []string{"damaged_in_transit"}},
		{ID: "PSF9000000000002", Tracking: "SF9000000000002", ReceivedAt: t0.Add(time.Hour), Waiting: station.WaitPutAway, StageSince: t0.Add(5 * time.Hour)},
		{ID: "PSF9000000000003", Tracking: "SF9000000000003", ReceivedAt: t0.Add(2 * time.Hour), Waiting: station.WaitInspection, StageSince: t0.Add(2 * time.Hour)},
	}
	if len(got) != len(want) {
		t.Fatalf("open parcels after migrating: %+v, want %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.ID != w.ID || g.Tracking != w.Tracking || !g.ReceivedAt.Equal(w.ReceivedAt) || g.Waiting != w.Waiting || !g.StageSince.Equal(w.StageSince) || strings.Join(g.Exceptions, ",") != strings.Join(w.Exceptions, ",") {
			t.Errorf("open parcel %d after migrating: %+v, want %+v", i, g, w)
		}
	}
}
