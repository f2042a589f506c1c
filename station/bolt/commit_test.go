package bolt_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"returns-station/station"
	"returns-station/station/bolt"
)

// errAfterWrite is a command failing after it has written: the receive
// went through, then something later in the command refused.
var errAfterWrite = errors.New("refused after writing")

// failAfterWrite receives code for real, then fails.
func failAfterWrite(code string) func(station.Tx) (any, error) {
	return func(tx station.Tx) (any, error) {
		if _, err := station.Receive(tx, env(station.RoleOperator), station.ReceiveInput{Code: code}); err != nil {
			return nil, err
		}
		return nil, errAfterWrite
	}
}

// unknownLabel is refused before any write: a parcel label of a parcel
// this station never had.
func unknownLabel(i int) func(station.Tx) (any, error) {
	return receive(fmt.Sprintf("RS1:P:01JD2Z6W8Q3M5T7V9X%06d", i))
}

type outcome struct {
	code string
	kind int // 0 valid, 1 refused before writing, 2 failed after writing
}

// plan returns command i of a workload where every tenth command fails,
// alternately before and after writing.
func plan(i int) (outcome, func(station.Tx) (any, error)) {
	code := fmt.Sprintf("SF%013d", i)
	switch {
	case i%20 == 0:
		return outcome{code, 1}, unknownLabel(i)
	case i%10 == 0:
		return outcome{code, 2}, failAfterWrite(code)
	}
	return outcome{code, 0}, receive(code)
}

func parcelExists(t *testing.T, db *bolt.DB, code string) bool {
	t.Helper()
	var p *station.Parcel
	if err := db.View(func(tx station.Tx) (err error) { p, err = tx.ParcelByKey(code); return }); err != nil {
		t.Fatal(err)
	}
	return p != nil
}

// checkOutcomes verifies each command's answer and that the file holds the
// valid commands' work and nothing of any failed one.
func checkOutcomes(t *testing.T, db *bolt.DB, outs []outcome, errs []error, seq0 uint64) (valid int) {
	t.Helper()
	for i, o := range outs {
		switch o.kind {
		case 0:
			valid++
			if errs[i] != nil {
				t.Errorf("valid command %d failed: %v", i, errs[i])
			}
		case 1:
			if station.ErrorCode(errs[i]) != station.ENotFound {
				t.Errorf("unknown label %d: %v, want not found", i, errs[i])
			}
		case 2:
			if !errors.Is(errs[i], errAfterWrite) {
				t.Errorf("command %d failing after its write: %v", i, errs[i])
			}
		}
		if got := parcelExists(t, db, o.code); got != (o.kind == 0) {
			t.Errorf("command %d (kind %d): parcel %s stored = %v", i, o.kind, o.code, got)
		}
	}
	// Each valid receive of an unknown parcel appends exactly two events,
	// gap-free; a failed command appends none.
	evs, err := db.EventsAfter(context.Background(), seq0, 10*len(outs))
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2*valid || db.LastSeq() != seq0+uint64(len(evs)) {
		t.Errorf("%d new events, last seq %d; want %d after %d", len(evs), db.LastSeq(), 2*valid, seq0)
	}
	for i, e := range evs {
		if e.Seq != seq0+uint64(i+1) {
			t.Fatalf("gap at %d: seq %d", seq0+uint64(i+1), e.Seq)
		}
	}
	return valid
}

// A group queued behind a busy committer shares one commit, and the
// commands in it that fail (before or after writing) leave no trace in it.
func TestGroupSharesOneCommitDespiteFailures(t *testing.T) {
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
	const n = bolt.MaxGroup // one group's worth
	outs, errs := make([]outcome, n), make([]error, n)
	var wg sync.WaitGroup
	<-started // the gate holds the committer; everything below queues behind it
	for i := range n {
		var fn func(station.Tx) (any, error)
		outs[i], fn = plan(i + 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = db.Update(context.Background(), nil, fn)
		}()
	}
	waitQueued(t, db, n)
	close(release)
	wg.Wait()
	if err := <-gateDone; err != nil {
		t.Fatal(err)
	}
	valid := checkOutcomes(t, db, outs, errs, 0)
	afterWrite := 0
	for _, o := range outs {
		if o.kind == 2 {
			afterWrite++
		}
	}
	if got := db.Commits() - c0; got != 1 { // the gate writes nothing, so it needs none
		t.Errorf("%d commits for the gate and one group of %d (%d valid); want 1, the group's", got, n, valid)
	}
	if got := db.Evictions() - e0; got != uint64(afterWrite) {
		t.Errorf("%d evictions, want one per command failing after its write (%d)", got, afterWrite)
	}
}

// A flood of commands is run in groups of at most MaxGroup, each with its
// own journal record, so the first are answered while the rest still run.
func TestFloodRunsInGroupsOfMaxGroup(t *testing.T) {
	db := openDB(t)
	release, started := make(chan struct{}), make(chan struct{})
	go func() {
		db.Update(context.Background(), nil, func(station.Tx) (any, error) {
			close(started)
			<-release
			return nil, nil
		})
	}()
	<-started
	n := 2*bolt.MaxGroup + 5
	c0 := db.Commits()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = db.Update(context.Background(), nil, receive(fmt.Sprintf("SF77%011d", i)))
		}()
	}
	waitQueued(t, db, n)
	close(release)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("command %d: %v", i, err)
		}
	}
	if got := db.Commits() - c0; got != 3 {
		t.Errorf("%d commands in %d journal records; want 3 groups of at most %d", n, got, bolt.MaxGroup)
	}
}

// 64 concurrent callers with 10% of commands failing: the valid ones still
// share commits, and no failed one leaves a write behind.
func TestConcurrentFailuresStayIsolated(t *testing.T) {
	db := openDB(t)
	const callers, each = 64, 20
	n := callers * each
	outs, errs := make([]outcome, n), make([]error, n)
	c0 := db.Commits()
	var wg sync.WaitGroup
	for c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range each {
				i := c*each + j
				var fn func(station.Tx) (any, error)
				outs[i], fn = plan(i + 1)
				_, errs[i] = db.Update(context.Background(), nil, fn)
			}
		}()
	}
	wg.Wait()
	valid := checkOutcomes(t, db, outs, errs, 0)
	commits := db.Commits() - c0
	t.Logf("%d commands (%d valid) in %d commits, %d evictions", n, valid, commits, db.Evictions())
	// With 64 callers waiting on each fsync, groups form; one commit per
	// valid command would mean failures serialise the station again.
	if commits*4 > uint64(valid) {
		t.Errorf("%d commits for %d valid commands from %d callers: commands no longer share commits", commits, valid, callers)
	}
}

// Close is idempotent; a command submitted after it, or racing it, gets
// "shutting down" at once instead of waiting forever.
func TestCloseTwiceAndSubmitAfterClose(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "station.db"), bolt.Options{StationID: "st-t"})
	if err != nil {
		t.Fatal(err)
	}
	// Commands racing Close: each either commits or is refused, none hangs.
	var wg sync.WaitGroup
	results := make(chan error, 200)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := db.Update(context.Background(), nil, receive(fmt.Sprintf("SF%013d", i)))
			results <- err
		}()
	}
	if err := db.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("commands submitted during Close are still waiting 10 s later")
	}
	close(results)
	for err := range results {
		if err != nil && station.ErrorCode(err) != station.EUnavailable {
			t.Errorf("a command racing Close: %v, want success or unavailable", err)
		}
	}
	if err := db.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
	start := time.Now()
	_, err = db.Update(context.Background(), nil, receive("SF9999999999999"))
	took := time.Since(start)
	if station.ErrorCode(err) != station.EUnavailable || !strings.Contains(station.ErrorMessage(err), "shutting down") {
		t.Errorf("submit after close: %v, want unavailable \"shutting down\"", err)
	}
	t.Logf("submit after close answered in %v", took)
	if took > 2*time.Second {
		t.Errorf("submit after close took %v", took)
	}
}

// waitQueued waits until n commands are queued for the committer.
func waitQueued(t *testing.T, db *bolt.DB, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); db.Queued() < n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d commands queued", db.Queued(), n)
		}
	}
}
