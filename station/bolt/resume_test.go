package bolt_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"returns-station/station"
	"returns-station/station/bolt"
)

// appendEvents commits n events and returns their ids in order.
func appendEvents(t *testing.T, db *bolt.DB, n int, tag string) []string {
	t.Helper()
	var ids []string
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%s-%03d", tag, i)
		_, err := db.Update(context.Background(), nil, func(tx station.Tx) (any, error) {
			return nil, tx.Append(&station.Event{SpecVersion: "1.0", ID: id, Source: station.Source(db.StationID()),
				Type: "returns.parcel.received", Time: time.Now(), DataContentType: "application/json", Data: []byte(`{}`)})
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// logOf returns "seq:id" for every event after after.
func logOf(t *testing.T, db *bolt.DB, after uint64) []string {
	t.Helper()
	evs, err := db.EventsAfter(context.Background(), after, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, fmt.Sprintf("%d:%s", e.Seq, e.ID))
	}
	return out
}

func feedLen(t *testing.T, db *bolt.DB) int {
	t.Helper()
	evs, err := db.FeedEventsAfter(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return len(evs)
}

// restoreCopy restores backup into a new data file, opens it and commits
// three events while it waits for central's position.
func restoreCopy(t *testing.T, backup string) (*bolt.DB, []string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "station.db")
	if _, err := bolt.Restore(path, backup, time.Now(), ""); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	r, err := db.Restored(context.Background())
	if err != nil || r == nil || !r.Waiting || r.BackupLastSeq != 10 {
		t.Fatalf("restored state %+v %v; want waiting with the backup's last seq 10", r, err)
	}
	ids := appendEvents(t, db, 3, "after-restore")
	if n := feedLen(t, db); n != 10 {
		t.Fatalf("while waiting the feed hands out %d events, want the backup's 10", n)
	}
	return db, ids
}

func TestResumeAfterRestoreMovesHeldEventsPastCentral(t *testing.T) {
	dir := t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, "station.db"), bolt.Options{StationID: "WH-1"})
	if err != nil {
		t.Fatal(err)
	}
	appendEvents(t, db, 10, "before-backup")
	backup := filepath.Join(dir, "backup.db")
	if _, err := db.BackupTo(backup); err != nil {
		t.Fatal(err)
	}
	lost := appendEvents(t, db, 5, "lost") // 11..15: on central, lost with the replaced file
	db.Close()

	t.Run("central holds more than the backup", func(t *testing.T) {
		db, ids := restoreCopy(t, backup)
		r, err := db.ResumeAfter(context.Background(), 15, lost[4])
		if err != nil {
			t.Fatal(err)
		}
		if r.Waiting || r.CentralOnlyFrom != 11 || r.CentralOnlyTo != 15 || r.Renumbered != 3 {
			t.Fatalf("state after resume: %+v", r)
		}
		want := []string{"16:" + ids[0], "17:" + ids[1], "18:" + ids[2]}
		if got := logOf(t, db, 10); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("events after the backup: %v, want %v", got, want)
		}
		if db.LastSeq() != 18 {
			t.Errorf("last seq %d, want 18", db.LastSeq())
		}
		next := appendEvents(t, db, 1, "next")
		if got := logOf(t, db, 18); len(got) != 1 || got[0] != "19:"+next[0] {
			t.Errorf("the next event: %v, want 19", got)
		}
		if n := feedLen(t, db); n != 14 {
			t.Errorf("after resuming the feed hands out %d events, want 14", n)
		}
	})

	t.Run("central's last seq falls inside the held events", func(t *testing.T) {
		db, ids := restoreCopy(t, backup)
		if _, err := db.ResumeAfter(context.Background(), 12, lost[1]); err != nil {
			t.Fatal(err)
		}
		want := []string{"13:" + ids[0], "14:" + ids[1], "15:" + ids[2]}
		if got := logOf(t, db, 10); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("events after the backup: %v, want %v", got, want)
		}
	})

	t.Run("central holds no more than the backup", func(t *testing.T) {
		db, ids := restoreCopy(t, backup)
		evs, _ := db.EventsAfter(context.Background(), 7, 1)
		r, err := db.ResumeAfter(context.Background(), 8, evs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.CentralOnlyTo != 0 || r.Renumbered != 0 {
			t.Errorf("nothing exists only on central, yet: %+v", r)
		}
		want := []string{"11:" + ids[0], "12:" + ids[1], "13:" + ids[2]}
		if got := logOf(t, db, 10); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("events after the backup: %v, want %v", got, want)
		}
	})

	t.Run("central holds other events at its last seq", func(t *testing.T) {
		db, _ := restoreCopy(t, backup)
		_, err := db.ResumeAfter(context.Background(), 9, "someone-else")
		if station.ErrorCode(err) != station.EConflict {
			t.Fatalf("a foreign event at central's last seq: %v, want a conflict", err)
		}
		r, _ := db.Restored(context.Background())
		if !r.Waiting || feedLen(t, db) != 10 {
			t.Errorf("after a refused position the station must still wait: %+v", r)
		}
	})

	t.Run("a backup taken while waiting keeps the first floor", func(t *testing.T) {
		db, _ := restoreCopy(t, backup)
		again := filepath.Join(t.TempDir(), "again.db")
		if _, err := db.BackupTo(again); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "station.db")
		if _, err := bolt.Restore(path, again, time.Now(), ""); err != nil {
			t.Fatal(err)
		}
		db2, err := bolt.Open(path, bolt.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db2.Close()
		if r, _ := db2.Restored(context.Background()); !r.Waiting || r.BackupLastSeq != 10 {
			t.Errorf("restored twice: %+v, want waiting above seq 10", r)
		}
	})
}
