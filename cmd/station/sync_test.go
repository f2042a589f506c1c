package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"returns-station/station"
	"returns-station/station/bolt"
	"returns-station/sync/fakecentral"
)

const centralToken = "central-secret"

// newCentral runs the fake central platform on a loopback socket.
func newCentral(t testing.TB, knobs fakecentral.Knobs, rmas ...station.ReturnAuthorization) (*fakecentral.Server, string) {
	t.Helper()
	fc := fakecentral.New(fakecentral.Options{Token: centralToken, Knobs: knobs, Returns: rmas, Seed: 42})
	srv := httptest.NewServer(fc.Handler())
	t.Cleanup(srv.Close)
	return fc, srv.URL
}

func syncFlags(url string) []string {
	return []string{"--central-url", url, "--central-token", centralToken, "--sync-max-backoff", "1s", "--pull-interval", "300ms"}
}

func eventually(t testing.TB, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("not within %v: %s", within, what)
}

// stationLog reads the whole event log of a stopped station's data directory.
func stationLog(t testing.TB, data string) []station.Event {
	t.Helper()
	db, err := bolt.Open(filepath.Join(data, "station.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	evs, err := db.EventsAfter(context.Background(), 0, 10_000_000)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// sameLog fails unless central holds exactly the station's log: every event
// once (by source and id), first arrivals in seq order.
func sameLog(t testing.TB, local, remote []station.Event) {
	t.Helper()
	seen := map[string]bool{}
	var order []uint64
	for _, e := range remote {
		k := e.Source + "|" + e.ID
		if seen[k] {
			continue
		}
		seen[k] = true
		order = append(order, e.Seq)
	}
	if len(order) != len(local) {
		t.Fatalf("central holds %d distinct events, the station logged %d", len(order), len(local))
	}
	for i, e := range local {
		if order[i] != e.Seq || !seen[e.Source+"|"+e.ID] {
			t.Fatalf("event %d: central has seq %d at that place, want %d (%s)", i, order[i], e.Seq, e.ID)
		}
	}
}

func receiveN(t testing.TB, p *proc, token string, n int, prefix int) {
	t.Helper()
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += 4 {
				st, err := call(http.DefaultClient, p.url, token, "POST", "/api/v1/parcels/receive", map[string]any{"code": fmt.Sprintf("SF%04d%09d", prefix, i)}, nil)
				if err != nil || st != 201 {
					t.Errorf("receive: %d %v", st, err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
}

func linkState(t testing.TB, p *proc, token string) station.LinkState {
	t.Helper()
	var ls station.LinkState
	if st, err := call(http.DefaultClient, p.url, token, "GET", "/api/v1/sync", nil, &ls); err != nil || st != 200 {
		t.Fatalf("GET /sync: %d %v", st, err)
	}
	return ls
}

func TestCentralDownThenUp(t *testing.T) {
	fc, url := newCentral(t, fakecentral.Knobs{Down: true})
	data := t.TempDir()
	token := newToken(t, data, "sup", "supervisor")
	p := startStation(t, data, syncFlags(url)...)
	receiveN(t, p, token, 300, 1)
	time.Sleep(500 * time.Millisecond)
	ls := linkState(t, p, token)
	if ls.Online || ls.Backlog < 600 || ls.LastError == "" || ls.OldestUnackedAgeSeconds <= 0 {
		t.Fatalf("while central is down the link state says %+v", ls)
	}
	if got := len(fc.Events()); got != 0 {
		t.Fatalf("central received %d events while down", got)
	}
	fc.SetKnobs(fakecentral.Knobs{})
	eventually(t, 20*time.Second, "the backlog drains once central is back", func() bool { return linkState(t, p, token).Backlog == 0 })
	ls = linkState(t, p, token)
	if !ls.Online {
		t.Errorf("link state after recovery: %+v", ls)
	}
	p.kill(t)
	sameLog(t, stationLog(t, data), fc.Events())
}

func TestCentralFlapping(t *testing.T) {
	fc, url := newCentral(t, fakecentral.Knobs{ErrorRate: 0.3, Latency: 5 * time.Millisecond, LatencyJitter: 20 * time.Millisecond, CutAfterCommitRate: 0.2, ThrottleRate: 0.05, RetryAfter: "1"})
	data := t.TempDir()
	token := newToken(t, data, "sup", "supervisor")
	p := startStation(t, data, syncFlags(url)...)
	receiveN(t, p, token, 400, 2)
	eventually(t, 60*time.Second, "the backlog drains through a flapping link", func() bool { return linkState(t, p, token).Backlog == 0 })
	p.kill(t)
	sameLog(t, stationLog(t, data), fc.Events())
	if st := fc.Stats(); st.Duplicates == 0 {
		t.Logf("note: no duplicate deliveries this run (%+v)", st)
	}
}

func TestKilledMidPush(t *testing.T) {
	fc, url := newCentral(t, fakecentral.Knobs{Down: true})
	data := t.TempDir()
	token := newToken(t, data, "sup", "supervisor")
	p := startStation(t, data, syncFlags(url)...)
	receiveN(t, p, token, 1500, 3)
	// Slow central, then kill the station while batches are in flight.
	fc.SetKnobs(fakecentral.Knobs{Latency: 30 * time.Millisecond, MaxBatch: 100, CutAfterCommitRate: 0.1})
	eventually(t, 20*time.Second, "some events reached central", func() bool { return len(fc.Events()) > 300 })
	p.kill(t)
	if n := len(fc.Events()); n >= 3000 {
		t.Fatalf("the kill came too late to test anything (%d events already pushed)", n)
	}
	fc.SetKnobs(fakecentral.Knobs{})
	p = startStation(t, data, syncFlags(url)...)
	eventually(t, 30*time.Second, "the restarted station finishes the push", func() bool { return linkState(t, p, token).Backlog == 0 })
	p.kill(t)
	sameLog(t, stationLog(t, data), fc.Events())
}

func TestRejectedEventIsParked(t *testing.T) {
	fc, url := newCentral(t, fakecentral.Knobs{RejectSeqs: []uint64{7}})
	data := t.TempDir()
	token := newToken(t, data, "sup", "supervisor")
	p := startStation(t, data, syncFlags(url)...)
	receiveN(t, p, token, 10, 4)
	eventually(t, 10*time.Second, "push settles", func() bool { return linkState(t, p, token).Backlog == 0 })
	var parked struct {
		Parked []station.ParkedEvent `json:"parked"`
	}
	call(http.DefaultClient, p.url, token, "GET", "/api/v1/sync/parked", nil, &parked)
	if len(parked.Parked) != 1 || parked.Parked[0].Seq != 7 || parked.Parked[0].Reason == "" {
		t.Fatalf("parked %+v, want exactly seq 7 with a reason", parked.Parked)
	}
	ls := linkState(t, p, token)
	if ls.Parked != 1 {
		t.Errorf("link state parked %d, want 1", ls.Parked)
	}
	for _, e := range fc.Events() {
		if e.Seq == 7 {
			t.Error("central stored the event it rejected")
		}
	}
	if got := len(fc.Events()); got != int(ls.LastSeq)-1 {
		t.Errorf("central holds %d events, want the other %d", got, ls.LastSeq-1)
	}
}

func TestUnauthorizedStopsAndSaysSo(t *testing.T) {
	fc, url := newCentral(t, fakecentral.Knobs{})
	data := t.TempDir()
	token := newToken(t, data, "sup", "supervisor")
	flags := syncFlags(url)
	flags[3] = "wrong-token"
	p := startStation(t, data, flags...)
	receiveN(t, p, token, 5, 5)
	eventually(t, 10*time.Second, "the link reports the refused token", func() bool { ls := linkState(t, p, token); return ls.AuthFailed && ls.Halted })
	before := len(fc.Requests())
	time.Sleep(2 * time.Second)
	if after := len(fc.Requests()); after-before > 2 {
		t.Errorf("after a 401 the station kept calling central: %d more requests in 2 s", after-before)
	}
	if ls := linkState(t, p, token); ls.Backlog != ls.LastSeq || ls.Backlog < 10 || !strings.Contains(strings.ToLower(ls.LastError), "401") && !strings.Contains(strings.ToLower(ls.LastError), "token") {
		t.Errorf("link state %+v should keep the backlog and name the refusal", ls)
	}
}

func TestPulledVersionsAndCancellation(t *testing.T) {
	now := time.Now()
	r := station.ReturnAuthorization{RMA: "RMA-V", Version: 2, Status: "approved", OrderID: "SO-V", Policy: "quality", DeliveredAt: &now, RequestedAt: &now,
		Refund: station.Money{Amount: "10.00", Currency: "CNY"}, ReturnShipments: []station.ReturnShipment{{Carrier: "SF", Tracking: "SF5550000000001"}},
		Lines: []station.RMALine{{Line: 1, SKU: "A", Name: "a", Category: "home", Qty: 1, UnitPrice: "10.00"}}}
	fc, url := newCentral(t, fakecentral.Knobs{}, r)
	data := t.TempDir()
	token := newToken(t, data, "sup", "supervisor")
	p := startStation(t, data, syncFlags(url)...)
	getRMA := func() station.ReturnAuthorization {
		var got station.ReturnAuthorization
		call(http.DefaultClient, p.url, token, "GET", "/api/v1/returns/RMA-V", nil, &got)
		return got
	}
	eventually(t, 10*time.Second, "RMA-V pulled", func() bool { return getRMA().Version == 2 })
	var rec station.ReceiveResult
	if st, _ := call(http.DefaultClient, p.url, token, "POST", "/api/v1/parcels/receive", map[string]any{"code": "SF5550000000001"}, &rec); st != 201 || !rec.Matched {
		t.Fatalf("receive: %d matched %v", st, rec.Matched)
	}
	older := r
	older.Version, older.Status = 1, "closed"
	fc.AddReturns(older)
	time.Sleep(time.Second)
	if got := getRMA(); got.Version != 2 || got.Status != "approved" {
		t.Fatalf("a lower version replaced the RMA: %+v", got)
	}
	newer := r
	newer.Version, newer.Status = 3, "cancelled"
	fc.AddReturns(newer)
	eventually(t, 10*time.Second, "version 3 pulled", func() bool { return getRMA().Status == "cancelled" })
	var ex struct{ Exceptions []station.Exception }
	call(http.DefaultClient, p.url, token, "GET", "/api/v1/exceptions", nil, &ex)
	if len(ex.Exceptions) != 1 || ex.Exceptions[0].Code != "rma_cancelled" || ex.Exceptions[0].ParcelID != rec.Parcel.ID {
		t.Errorf("exceptions %+v, want rma_cancelled on the received parcel", ex.Exceptions)
	}
	// An unknown parcel matches itself when its RMA is pulled later.
	call(http.DefaultClient, p.url, token, "POST", "/api/v1/parcels/receive", map[string]any{"code": "SF5550000000002"}, &rec)
	late := r
	late.RMA, late.Version, late.ReturnShipments = "RMA-L", 1, []station.ReturnShipment{{Carrier: "SF", Tracking: "SF5550000000002"}}
	fc.AddReturns(late)
	eventually(t, 10*time.Second, "the waiting parcel matches", func() bool {
		var pv station.ParcelView
		call(http.DefaultClient, p.url, token, "GET", "/api/v1/parcels/"+rec.Parcel.ID, nil, &pv)
		return pv.Parcel != nil && pv.RMA == "RMA-L" && pv.MatchedHow == "later_pull"
	})
}

// TestOfflineWeek: a station that was offline with tens of thousands of
// events catches up unattended, and central then holds exactly its log.
func TestOfflineWeek(t *testing.T) {
	if testing.Short() {
		t.Skip("20,000 events; skipped with -short")
	}
	data := t.TempDir()
	now := time.Now()
	var lines []string
	for i := 0; i < 20000; i++ {
		r := station.ReturnAuthorization{RMA: fmt.Sprintf("RMA-W-%06d", i), Version: 1, Status: "approved", OrderID: fmt.Sprintf("SO-W-%06d", i), Policy: "quality",
			DeliveredAt: &now, RequestedAt: &now, Refund: station.Money{Amount: "10.00", Currency: "CNY"},
			ReturnShipments: []station.ReturnShipment{{Carrier: "SF", Tracking: fmt.Sprintf("SF%013d", 4400000000000+i)}},
			Lines:           []station.RMALine{{Line: 1, SKU: "A", Name: "a", Category: "home", Qty: 1, UnitPrice: "10.00"}}}
		b, _ := json.Marshal(r)
		lines = append(lines, string(b))
	}
	file := filepath.Join(t.TempDir(), "week.ndjson")
	os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o600)
	if _, errOut, err := runCLI(t, "import", "--data", data, file); err != nil {
		t.Fatalf("import: %v %s", err, errOut)
	}
	token := newToken(t, data, "sup", "supervisor")
	fc, url := newCentral(t, fakecentral.Knobs{})
	start := time.Now()
	p := startStation(t, data, syncFlags(url)...)
	eventually(t, 60*time.Second, "20,000 events drain", func() bool { return linkState(t, p, token).Backlog == 0 })
	t.Logf("20,000 queued events drained in %v", time.Since(start).Round(time.Millisecond))
	p.kill(t)
	sameLog(t, stationLog(t, data), fc.Events())
}
