package bolt_test

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"

	"returns-station/station"
	"returns-station/station/bolt"
)

func photoOf(n int, size int) (string, []byte) {
	b := make([]byte, size)
	copy(b, "\xff\xd8\xff")
	b[size-1] = byte(n)
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:]), b
}

// TestPhotosCountTowardTheSizeCap: the cap is on the data file and the
// photos together, also after a restart.
func TestPhotosCountTowardTheSizeCap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "station.db")
	const capBytes = 17 << 20 // a new data file takes 16 MB
	db, err := bolt.Open(path, bolt.Options{MaxSize: capBytes})
	if err != nil {
		t.Fatal(err)
	}
	sha1, p1 := photoOf(1, 600<<10)
	sha2, p2 := photoOf(2, 600<<10)
	if created, err := db.PutPhoto(sha1, p1); err != nil || !created {
		t.Fatalf("first photo: %v %v", created, err)
	}
	if created, err := db.PutPhoto(sha1, p1); err != nil || created {
		t.Fatalf("the same photo again: created %v err %v", created, err)
	}
	_, err = db.PutPhoto(sha2, p2)
	if station.ErrorCode(err) != station.EUnavailable || !strings.Contains(err.Error(), "--max-db-mb 17") {
		t.Fatalf("photo past the cap: %v, want a refusal naming the cap", err)
	}
	if _, err := db.Photo(sha2); station.ErrorCode(err) != station.ENotFound {
		t.Errorf("the refused photo was stored: %v", err)
	}
	db.Close()
	// After a restart the photos on disk still count.
	db, err = bolt.Open(path, bolt.Options{MaxSize: capBytes})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.PhotoBytes() != int64(len(p1)) {
		t.Errorf("photo bytes after restart %d, want %d", db.PhotoBytes(), len(p1))
	}
	if _, err := db.PutPhoto(sha2, p2); station.ErrorCode(err) != station.EUnavailable {
		t.Fatalf("after restart, photo past the cap: %v", err)
	}
	// Dropping a photo no unit shows frees its room.
	if err := db.DropPhoto(sha1); err != nil {
		t.Fatal(err)
	}
	if created, err := db.PutPhoto(sha2, p2); err != nil || !created {
		t.Fatalf("after dropping one: %v %v", created, err)
	}
}
