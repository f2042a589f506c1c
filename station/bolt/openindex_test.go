package bolt_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"returns-station/station"
)

// The open-parcel index is refreshed from the records a command has just
// stored, kept in memory; after a day's kind of work, every entry must be
// what the same rule computes from the file.
func TestOpenParcelIndexMatchesTheFile(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	e := env(station.RoleSupervisor)
	answers := map[string]any{"packaging": "sealed", "used": false, "damaged": false, "works": true, "accessories_complete": true}
	now := time.Now()
	delivered, requested := now.Add(-72*time.Hour), now.Add(-24*time.Hour)
	for i := range 12 {
		if i%3 == 0 {
			continue // some parcels are unknown: they wait on an "unmatched" exception
		}
		_, err := db.Update(ctx, nil, func(tx station.Tx) (any, error) {
			return station.PutReturn(tx, e, &station.ReturnAuthorization{RMA: fmt.Sprintf("RMA-O-%d", i), Version: 1, Status: station.RMAApproved,
				OrderID: fmt.Sprintf("SO-O-%d", i), Policy: station.PolicyNoReason7d, DeliveredAt: &delivered, RequestedAt: &requested,
				Refund:          station.Money{Amount: "99.00", Currency: "CNY"},
				ReturnShipments: []station.ReturnShipment{{Carrier: "SF", Tracking: fmt.Sprintf("SF77%011d", i)}},
				Lines:           []station.RMALine{{Line: 1, SKU: "SKU-1", Name: "水杯", Category: "home", Qty: 1, UnitPrice: "99.00"}}}, "later_pull")
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range 12 {
		// One command per transaction for some, a whole cycle in one for others.
		var steps []func(station.Tx) (any, error)
		var pid, uid string
		steps = append(steps, func(tx station.Tx) (any, error) {
			r, err := station.Receive(tx, e, station.ReceiveInput{Code: fmt.Sprintf("SF77%011d", i)})
			if err == nil {
				pid = r.Parcel.ID
			}
			return r, err
		})
		if i%4 != 0 {
			steps = append(steps, func(tx station.Tx) (any, error) {
				r, err := station.AddUnit(tx, e, pid, station.AddUnitInput{Code: "SKU-1"})
				if err == nil {
					uid = r.Unit.ID
				}
				return r, err
			})
		}
		if i%4 >= 2 {
			steps = append(steps, func(tx station.Tx) (any, error) {
				return station.Inspect(tx, e, uid, station.InspectInput{Checklist: answers})
			})
		}
		if i%4 == 3 {
			steps = append(steps, func(tx station.Tx) (any, error) { return station.Confirm(tx, e, uid, station.ConfirmInput{}) })
		}
		if i%2 == 0 {
			if _, err := db.Update(ctx, nil, func(tx station.Tx) (any, error) {
				for _, s := range steps {
					if _, err := s(tx); err != nil {
						return nil, err
					}
				}
				return nil, nil
			}); err != nil {
				t.Fatalf("parcel %d: %v", i, err)
			}
			continue
		}
		for _, s := range steps {
			if _, err := db.Update(ctx, nil, s); err != nil {
				t.Fatalf("parcel %d: %v", i, err)
			}
		}
	}
	got, err := db.OpenParcels(time.Now().Add(24*time.Hour), 100) // every entry in full
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 12 {
		t.Fatalf("%d open parcels in the index, want 12", len(got))
	}
	waiting := map[string]int{}
	for _, o := range got {
		var want *station.OpenParcel
		err := db.View(func(tx station.Tx) error {
			p, err := tx.Parcel(o.ID)
			if err != nil || p == nil {
				return fmt.Errorf("parcel %s: %v", o.ID, err)
			}
			want, err = station.OpenParcelOf(tx, p)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(&o, want) {
			t.Errorf("open-parcel entry %+v, from the file %+v", o, *want)
		}
		waiting[o.Waiting]++
	}
	if len(waiting) < 3 {
		t.Errorf("the work should leave parcels waiting at several stages, got %v", waiting)
	}
}
