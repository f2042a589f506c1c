package bolt_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"returns-station/station"
)

// Check on a live station (a test's cleanup, `station check` on a file
// whose station has just run) must not report damage that is only a
// commit in progress: bbolt's check of a read transaction is not safe
// while a writer commits, and the committer checkpoints on its own.
func TestCheckWhileCommandsCommit(t *testing.T) {
	db := openDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				if w == 0 { // refused before writing: the transaction stays open for the timer's checkpoint
					db.Update(ctx, nil, func(station.Tx) (any, error) { return nil, station.Errorf(station.EInvalid, "no") })
					continue
				}
				if _, err := db.Update(ctx, nil, receive(fmt.Sprintf("SF8%d%011d", w, i))); err != nil && ctx.Err() == nil {
					t.Error(err)
					return
				}
				time.Sleep(time.Millisecond)
			}
		}()
	}
	checks := 0
	for ctx.Err() == nil {
		if err := db.Check(); err != nil {
			t.Fatalf("check %d while commands commit: %v", checks, err)
		}
		checks++
	}
	wg.Wait()
	t.Logf("%d checks", checks)
}
