package main

import (
	"path/filepath"
	"testing"
	"time"

	"returns-station/station/bolt"
)

// TestStoreWebSharesTheStoresClockAndIDs: the web configuration built over
// the store carries every capability, and takes its time and ids from the
// store's one source. Within one frozen millisecond, ids from two separate
// sources would interleave at random; from one source they strictly
// increase whichever part asks.
func TestStoreWebSharesTheStoresClockAndIDs(t *testing.T) {
	frozen := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	db, err := bolt.Open(filepath.Join(t.TempDir(), "station.db"), bolt.Options{StationID: "st-wire", Now: func() time.Time { return frozen }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg := storeWeb(db)
	if cfg.Store == nil || cfg.Sessions == nil || cfg.Accounts == nil || cfg.FirstAdmin == nil || cfg.Printing == nil || cfg.Backups == nil {
		t.Fatalf("a capability is not wired: %+v", cfg)
	}
	if got := cfg.Now(); !got.Equal(frozen) {
		t.Errorf("web clock reads %s, want the store's %s", got, frozen)
	}
	store := db.Clock()
	last := ""
	for i := range 200 {
		var id string
		if i%2 == 0 {
			id = cfg.NewID()
		} else {
			id = store.NewID()
		}
		if id <= last {
			t.Fatalf("id %d %s after %s: the web server and the store do not share one id source", i, id, last)
		}
		last = id
	}
}
