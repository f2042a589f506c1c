package main_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"returns-station/station"
	"returns-station/station/bolt"
)

// TestCrashKeepsAcknowledgedWork SIGKILLs a serving station at random moments
// while desks receive parcels and confirm units, restarts it, and checks that
// everything it answered 2xx to is there, the event log has no gap, and no
// tracking number has two parcels.
func TestCrashKeepsAcknowledgedWork(t *testing.T) {
	if testing.Short() {
		t.Skip("kills processes; skipped with -short")
	}
	data := t.TempDir()
	token := newToken(t, data, "desk", "supervisor")
	var (
		mu        sync.Mutex
		received  = map[string]string{} // tracking → parcel id, acknowledged
		confirmed = map[string]string{} // unit id → grade, acknowledged
		counter   atomic.Int64
	)
	answers := map[string]any{"packaging": "sealed", "used": false, "damaged": false, "works": true, "accessories_complete": true}
	const kills = 24
	replays := 0 // starts that applied answered commands from the journal
	for round := 0; round < kills; round++ {
		p := startStation(t, data)
		if strings.Contains(p.logs.String(), "applied from the journal") {
			replays++
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				client := &http.Client{Timeout: 5 * time.Second}
				for ctx.Err() == nil {
					n := counter.Add(1)
					tracking := fmt.Sprintf("SF%013d", n)
					var rec station.ReceiveResult
					st, err := call(client, p.url, token, "POST", "/api/v1/parcels/receive", map[string]any{"code": tracking}, &rec)
					if err != nil || st/100 != 2 {
						continue
					}
					mu.Lock()
					received[tracking] = rec.Parcel.ID
					mu.Unlock()
					var ur station.UnitResult
					if st, err := call(client, p.url, token, "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/units", map[string]any{"code": "SKU-" + tracking}, &ur); err != nil || st/100 != 2 {
						continue
					}
					if st, err := call(client, p.url, token, "PUT", "/api/v1/units/"+ur.Unit.ID+"/inspection", map[string]any{"checklist": answers}, nil); err != nil || st/100 != 2 {
						continue
					}
					var u station.Unit
					if st, err := call(client, p.url, token, "POST", "/api/v1/units/"+ur.Unit.ID+"/confirm", map[string]any{}, &u); err == nil && st == 200 {
						mu.Lock()
						confirmed[u.ID] = u.Result.Grade
						mu.Unlock()
					}
				}
			}()
		}
		time.Sleep(time.Duration(50+rand.IntN(250)) * time.Millisecond)
		p.kill(t)
		cancel()
		wg.Wait()
	}
	if replays == 0 {
		t.Errorf("no start after %d kills applied the journal: the kills never caught answered commands outside the data file, so this test proved nothing about the journal", kills)
	}
	t.Logf("%d of %d restarts applied the journal", replays, kills-1)
	if len(received) < 100 || len(confirmed) < 50 {
		t.Fatalf("the load was too light to mean anything: %d receipts, %d confirmations acknowledged", len(received), len(confirmed))
	}

	// Inspect the file directly after the last kill.
	db, err := bolt.Open(filepath.Join(data, "station.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Check(); err != nil {
		t.Fatalf("bbolt check after %d kills: %v", kills, err)
	}
	err = db.View(func(tx station.Tx) error {
		for tr, id := range received {
			p, err := tx.ParcelByKey(tr)
			if err != nil {
				return err
			}
			if p == nil || p.ID != id {
				t.Errorf("acknowledged parcel %s (%s) is missing after the crashes", tr, id)
			}
		}
		for id, grade := range confirmed {
			u, err := tx.Unit(id)
			if err != nil {
				return err
			}
			if u == nil || u.Result == nil || u.Result.Grade != grade {
				t.Errorf("acknowledged confirmation of unit %s is missing", id)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	events, err := db.EventsAfter(context.Background(), 0, 10_000_000)
	if err != nil {
		t.Fatal(err)
	}
	received2 := map[string]int{}
	for i, e := range events {
		if e.Seq != uint64(i+1) {
			t.Fatalf("event log gap: position %d has seq %d", i+1, e.Seq)
		}
		if e.Type == station.EventParcelReceived {
			received2[e.Subject]++
		}
	}
	parcels, _, err := db.ListParcels(station.ParcelFilter{}, "", 10_000_000)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range parcels {
		if seen[p.Tracking] {
			t.Errorf("tracking %s has two parcels", p.Tracking)
		}
		seen[p.Tracking] = true
		if received2["parcel/"+p.ID] != 1 {
			t.Errorf("parcel %s has %d received events, want 1", p.ID, received2["parcel/"+p.ID])
		}
	}
	t.Logf("%d kills: %d receipts and %d confirmations acknowledged, all kept; %d events, no gap", kills, len(received), len(confirmed), len(events))
}
