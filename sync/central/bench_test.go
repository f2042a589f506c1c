package central_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"returns-station/sync/central"
	"returns-station/sync/fakecentral"
)

// BenchmarkPushDrain measures the time to drain 100,000 queued events from
// an in-memory log to the fake central on loopback, and reports events/s.
func BenchmarkPushDrain(b *testing.B) {
	const n = 100_000
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		fc, srv := startCentral(b, fakecentral.Knobs{})
		store := newMemStore(testStation)
		store.appendEvents(n, nil)
		p := newPusher(b, newClient(b, srv.URL, testToken), store, central.PushOptions{})
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		b.StartTimer()

		start := time.Now()
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.Run(ctx)
		}()
		for !drained(store)() {
			time.Sleep(time.Millisecond)
		}
		total += time.Since(start)

		b.StopTimer()
		cancel()
		wg.Wait()
		if got := fc.Stats().Stored; got != n {
			b.Fatalf("got %d events on central, want %d", got, n)
		}
		srv.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n)*float64(b.N)/total.Seconds(), "events/s")
}
