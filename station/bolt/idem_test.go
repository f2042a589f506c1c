package bolt_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"returns-station/station"
)

// Idempotent commands in one held-back group, every key sent twice at once
// and some commands failing after their writes (so the group runs again):
// each key must have run once, with one original answer, one replay of
// exactly it, and one parcel.
func TestIdempotentCommandsShareAGroup(t *testing.T) {
	db := openDB(t)
	release, started := make(chan struct{}), make(chan struct{})
	gateDone := make(chan error, 1)
	c0, e0 := db.Commits(), db.Evictions()
	go func() {
		_, err := db.Update(context.Background(), nil, func(station.Tx) (any, error) {
			close(started)
			<-release
			return nil, nil
		})
		gateDone <- err
	}()
	<-started
	const keys = 14 // 28 commands and 3 failing ones: one group (bolt.MaxGroup)
	type answer struct {
		res any
		err error
	}
	answers := make([][2]answer, keys)
	var failures []error
	var wg sync.WaitGroup
	var mu sync.Mutex
	queued := 0
	for k := range keys {
		idem := &station.Idempotency{Principal: "token:desk", Key: fmt.Sprintf("scan-%d", k), Fingerprint: fmt.Sprintf("f%d", k)}
		for j := range 2 {
			wg.Add(1)
			queued++
			go func() {
				defer wg.Done()
				res, err := db.Update(context.Background(), idem, receive(fmt.Sprintf("SF55%011d", k)))
				answers[k][j] = answer{res, err}
			}()
		}
		if k%6 == 0 { // a command failing after its write: the group is rolled back and runs again
			wg.Add(1)
			queued++
			go func() {
				defer wg.Done()
				_, err := db.Update(context.Background(), &station.Idempotency{Principal: "token:desk", Key: fmt.Sprintf("bad-%d", k), Fingerprint: "f"},
					failAfterWrite(fmt.Sprintf("SF66%011d", k)))
				mu.Lock()
				failures = append(failures, err)
				mu.Unlock()
			}()
		}
	}
	waitQueued(t, db, queued)
	close(release)
	wg.Wait()
	if err := <-gateDone; err != nil {
		t.Fatal(err)
	}
	for _, err := range failures {
		if err == nil {
			t.Error("a command failing after its write answered success")
		}
	}
	for k, pair := range answers {
		var orig *station.ReceiveResult
		var replay *station.Replayed
		for _, a := range pair {
			if a.err != nil {
				t.Fatalf("key %d: %v", k, a.err)
			}
			switch v := a.res.(type) {
			case *station.ReceiveResult:
				orig = v
			case *station.Replayed:
				replay = v
			}
		}
		if orig == nil || replay == nil {
			t.Fatalf("key %d: answers %T and %T, want one original and one replay", k, pair[0].res, pair[1].res)
		}
		var replayed station.ReceiveResult
		if err := json.Unmarshal(replay.Body, &replayed); err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(orig)
		if string(replay.Body) != string(want) || !replay.Created {
			t.Errorf("key %d: replay %s (created %v), want the original answer %s", k, replay.Body, replay.Created, want)
		}
		if !parcelExists(t, db, fmt.Sprintf("SF55%011d", k)) {
			t.Errorf("key %d: no parcel", k)
		}
	}
	for k := 0; k < keys; k += 6 {
		if parcelExists(t, db, fmt.Sprintf("SF66%011d", k)) {
			t.Errorf("the failed command %d left its parcel", k)
		}
	}
	if got := db.Evictions() - e0; got != uint64(len(failures)) {
		t.Errorf("%d evictions, want %d", got, len(failures))
	}
	if got := db.Commits() - c0; got != 1 { // the gate writes nothing, so it needs none
		t.Errorf("%d commits for the gate and one group; want 1, the group's", got)
	}
}
