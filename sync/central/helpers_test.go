package central_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"returns-station/station"
	"returns-station/sync/central"
	"returns-station/sync/fakecentral"
)

const (
	testStation = "st-hz-01"
	testToken   = "tok-central-secret"
)

// fastBackoff keeps retry loops quick in tests with real time.
var fastBackoff = central.Backoff{Base: time.Millisecond, Cap: 20 * time.Millisecond, MaxRetryAfter: 50 * time.Millisecond}

// startCentral runs a fake central on a loopback port.
func startCentral(tb testing.TB, k fakecentral.Knobs) (*fakecentral.Server, *httptest.Server) {
	tb.Helper()
	fc := fakecentral.New(fakecentral.Options{StationID: testStation, Token: testToken, Knobs: k, Seed: 42})
	srv := httptest.NewServer(fc.Handler())
	tb.Cleanup(srv.Close)
	return fc, srv
}

// newClient returns a client with short retry waits.
func newClient(tb testing.TB, baseURL, token string, mod ...func(*central.Config)) *central.Client {
	tb.Helper()
	cfg := central.Config{BaseURL: baseURL, StationID: testStation, Token: token,
		Timeout: 5 * time.Second, RetryWait: time.Millisecond, RetryMaxWait: 20 * time.Millisecond}
	for _, f := range mod {
		f(&cfg)
	}
	c, err := central.New(cfg)
	if err != nil {
		tb.Fatalf("central.New: %v", err)
	}
	return c
}

// run starts loop in a goroutine owned by the test and stops it at cleanup.
func run(tb testing.TB, loop func(context.Context) error) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := loop(ctx); err != nil {
			tb.Errorf("Run: got error %v, want nil", err)
		}
	}()
	tb.Cleanup(func() {
		cancel()
		wg.Wait()
	})
}

// eventually polls cond until it holds or timeout passes.
func eventually(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %s waiting until %s", timeout, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// fakeClock is a Timing whose waits are recorded and pass at once, moving
// the clock forward by the wait.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waits   []time.Duration
	onAfter func(d time.Duration)
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	c.now = c.now.Add(d)
	now, hook := c.now, c.onAfter
	c.mu.Unlock()
	if hook != nil {
		hook(d)
	}
	ch := make(chan time.Time, 1)
	ch <- now
	return ch
}

func (c *fakeClock) recorded() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// timing returns the clock as a Timing; jitter picks the backoff's random part.
func (c *fakeClock) timing(jitter func(time.Duration) time.Duration) central.Timing {
	return central.Timing{Now: c.Now, After: c.After, Jitter: jitter}
}

func noJitter(time.Duration) time.Duration      { return 0 }
func fullCeiling(d time.Duration) time.Duration { return d }

// rma returns a valid return authorization number n.
func rma(n int, version int64) station.ReturnAuthorization {
	delivered := time.Date(2026, 11, 15, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
	return station.ReturnAuthorization{
		RMA: fmt.Sprintf("RMA-20261122-%06d", n), Version: version, Status: station.RMAApproved,
		OrderID: fmt.Sprintf("SO-%05d", n), Channel: "tmall",
		Customer: station.Customer{Name: "张*", PhoneTail: "1234"},
		Reason:   station.ReturnReason{Code: "quality_issue", Text: "左耳没有声音"},
		Policy:   station.PolicyNoReason7d, DeliveredAt: &delivered,
		Refund:          station.Money{Amount: "199.00", Currency: "CNY"},
		ReturnShipments: []station.ReturnShipment{{Carrier: "SF", Tracking: fmt.Sprintf("SF%013d", n)}},
		Lines: []station.RMALine{{Line: 1, SKU: "EAR-BT-01", Name: "蓝牙耳机", Category: "electronics",
			Qty: 1, UnitPrice: "199.00"}},
	}
}

// sameEvents reports the first difference between what central holds and
// the station's log, or "".
func sameEvents(got, want []station.Event) string {
	if len(got) != len(want) {
		return fmt.Sprintf("central holds %d events, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i].Seq != want[i].Seq || got[i].ID != want[i].ID {
			return fmt.Sprintf("event %d: got seq %d id %s, want seq %d id %s", i, got[i].Seq, got[i].ID, want[i].Seq, want[i].ID)
		}
	}
	return ""
}

func mustJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}
