package bolt_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"returns-station/station"
	"returns-station/station/bolt"
)

// openDB opens a fresh store and checks the file's integrity at cleanup.
func openDB(t testing.TB) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "station.db"), bolt.Options{StationID: "st-t"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Check(); err != nil {
			t.Errorf("integrity check: %v", err)
		}
		db.Close()
	})
	return db
}

var ids = station.NewIDSource(time.Now, rand.Reader)

func env(role string) station.Env {
	return station.Env{StationID: "st-t", Actor: "user:test", Role: role, Now: time.Now, NewID: ids.New}
}

func receive(code string) func(station.Tx) (any, error) {
	return func(tx station.Tx) (any, error) {
		return station.Receive(tx, env(station.RoleOperator), station.ReceiveInput{Code: code})
	}
}

func TestGroupCommitKeepsEveryCommand(t *testing.T) {
	db := openDB(t)
	const n = 400
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			code := fmt.Sprintf("SF%013d", i)
			if i%10 == 0 {
				code = "" // invalid: must fail alone without taking its group with it
			}
			_, err := db.Update(context.Background(), nil, receive(code))
			if (err != nil) != (i%10 == 0) {
				errs <- fmt.Errorf("command %d: err %v", i, err)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	parcels, _, err := db.ListParcels(station.ParcelFilter{}, "", n)
	if err != nil {
		t.Fatal(err)
	}
	if len(parcels) != n-n/10 {
		t.Errorf("%d parcels stored, want %d", len(parcels), n-n/10)
	}
	// Each valid receive of an unknown parcel appends exactly two events, gap-free.
	evs, _ := db.EventsAfter(context.Background(), 0, 10*n)
	if len(evs) != 2*(n-n/10) || db.LastSeq() != uint64(len(evs)) {
		t.Errorf("%d events, last seq %d; want %d", len(evs), db.LastSeq(), 2*(n-n/10))
	}
	for i, e := range evs {
		if e.Seq != uint64(i+1) {
			t.Fatalf("gap at %d: seq %d", i+1, e.Seq)
		}
	}
	if db.Commits() >= uint64(n) {
		t.Logf("note: %d commits for %d concurrent commands (no sharing happened on this run)", db.Commits(), n)
	}
}

func TestIdempotencyRecordedWithTheEffect(t *testing.T) {
	db := openDB(t)
	idem := &station.Idempotency{Principal: "token:a", Key: "k", Fingerprint: "f1"}
	first, err := db.Update(context.Background(), idem, receive("SF1000000000001"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := db.Update(context.Background(), idem, receive("SF1000000000001"))
	if err != nil {
		t.Fatal(err)
	}
	rp, ok := again.(*station.Replayed)
	if !ok || !rp.Created {
		t.Fatalf("repeat returned %T %+v, want a replay of a created answer", again, again)
	}
	if _, ok := first.(*station.ReceiveResult); !ok {
		t.Fatalf("first answer %T", first)
	}
	seq := db.LastSeq()
	_, err = db.Update(context.Background(), &station.Idempotency{Principal: "token:a", Key: "k", Fingerprint: "f2"}, receive("SF1000000000002"))
	if station.ErrorCode(err) != station.EInvalid {
		t.Errorf("same key, other body: err %v, want invalid", err)
	}
	if db.LastSeq() != seq {
		t.Error("the refused repeat changed the log")
	}
	// A failed command stores no idempotency record: the retry runs for real.
	bad := &station.Idempotency{Principal: "token:a", Key: "k2", Fingerprint: "f"}
	if _, err := db.Update(context.Background(), bad, receive("")); err == nil {
		t.Fatal("empty scan accepted")
	}
	if _, err := db.Update(context.Background(), bad, receive("")); station.ErrorCode(err) != station.EInvalid {
		t.Errorf("retry of a failed command: %v", err)
	}
}

func TestRulesReplaceIsTransactional(t *testing.T) {
	db := openDB(t)
	rs := station.DefaultRules()
	rs.TimeZone = "Asia/Urumqi"
	_, err := db.Update(context.Background(), nil, func(tx station.Tx) (any, error) {
		if _, err := station.ReplaceRules(tx, env(station.RoleSupervisor), rs); err != nil {
			return nil, err
		}
		return nil, errors.New("something later in the command failed")
	})
	if err == nil {
		t.Fatal("want the command's error")
	}
	var got *station.RuleSet
	db.View(func(tx station.Tx) (err error) { got, err = tx.Rules(); return })
	if got.TimeZone != "Asia/Shanghai" || got.Version != 1 {
		t.Fatalf("rolled-back rules are in force: zone %s version %d", got.TimeZone, got.Version)
	}
	if _, err := db.Update(context.Background(), nil, func(tx station.Tx) (any, error) {
		return station.ReplaceRules(tx, env(station.RoleSupervisor), rs)
	}); err != nil {
		t.Fatal(err)
	}
	db.View(func(tx station.Tx) (err error) { got, err = tx.Rules(); return })
	if got.TimeZone != "Asia/Urumqi" || got.Version != 2 {
		t.Fatalf("committed rules not in force: zone %s version %d", got.TimeZone, got.Version)
	}
}

func TestOpenRefusals(t *testing.T) {
	path := filepath.Join(t.TempDir(), "station.db")
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = bolt.Open(path, bolt.Options{LockTimeout: 200 * time.Millisecond})
	if !errors.Is(err, bolt.ErrLocked) || time.Since(start) > 2*time.Second {
		t.Errorf("second open: %v after %v; want ErrLocked fast", err, time.Since(start))
	}
	id := db.StationID()
	db.Close()
	// A file written by a newer schema is refused with advice.
	raw, _ := bbolt.Open(path, 0o600, nil)
	raw.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), []byte{0, 0, 0, 0, 0, 0, 0, 99})
	})
	raw.Close()
	if _, err := bolt.Open(path, bolt.Options{}); err == nil {
		t.Error("opened a file from a newer schema")
	}
	raw, _ = bbolt.Open(path, 0o600, nil)
	raw.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), []byte{0, 0, 0, 0, 0, 0, 0, 1})
	})
	raw.Close()
	// The generated id gives way to the first explicit one (nothing has
	// left the station); after that the id is fixed.
	db, err = bolt.Open(path, bolt.Options{StationID: "other"})
	if err != nil {
		t.Fatal(err)
	}
	if db.StationID() != "other" {
		t.Errorf("generated id %s not replaced by the explicit one: %s", id, db.StationID())
	}
	db.Close()
	if _, err := bolt.Open(path, bolt.Options{StationID: "third"}); !errors.Is(err, bolt.ErrStationID) {
		t.Errorf("a second explicit id: %v, want ErrStationID", err)
	}
}

func TestGeneratedStationIDFixedOnceTheFeedWasRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "station.db")
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	id := db.StationID()
	if _, _, err := db.CreateToken("central", "central"); err != nil {
		t.Fatal(err)
	}
	if evs, err := db.FeedEventsAfter(context.Background(), 0, 10); err != nil || len(evs) == 0 {
		t.Fatalf("feed: %v %v", evs, err)
	}
	db.Close()
	_, err = bolt.Open(path, bolt.Options{StationID: "WH-1"})
	if !errors.Is(err, bolt.ErrStationID) || !strings.Contains(err.Error(), "read events from its feed") || !strings.Contains(err.Error(), "--station-id "+id) {
		t.Fatalf("explicit id after the feed was read: %v", err)
	}
}

func TestFullDataFileRefusesAndKeepsWhatWasSaved(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "station.db"), bolt.Options{MaxSize: 24 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	saved := 0
	var full error
	for i := 0; i < 200000 && full == nil; i++ {
		if _, err := db.Update(context.Background(), nil, receive(fmt.Sprintf("SF%013d", i))); err != nil {
			full = err
			break
		}
		saved++
	}
	if full == nil {
		t.Fatal("the cap was never reached")
	}
	if station.ErrorCode(full) != station.EUnavailable || !strings.Contains(station.ErrorMessage(full), "size limit") {
		t.Fatalf("a full data file answers %v (%s), want unavailable naming the size limit", full, station.ErrorCode(full))
	}
	parcels, _, err := db.ListParcels(station.ParcelFilter{}, "", 1_000_000)
	if err != nil || len(parcels) != saved {
		t.Fatalf("%d parcels readable after the refusal, want the %d acknowledged (%v)", len(parcels), saved, err)
	}
	if err := db.Check(); err != nil {
		t.Fatalf("integrity after the refusal: %v", err)
	}
	t.Logf("%d receipts saved before the 24 MB cap refused the next one", saved)
}
