package labels_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"returns-station/labels"
	"returns-station/station"
)

var t0 = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// job returns queued job i for printer, with its own label code.
func job(i int, printer string) station.PrintJob {
	c := unitLabel()
	c.Code.ID = fmt.Sprintf("01JD2Z6W8Q3M5T7V9X1Z3B%04d", i)
	c.Title = c.Code.ID
	return station.PrintJob{ID: jobID(i), Printer: printer, Content: c, State: station.JobQueued, CreatedAt: t0}
}

// startSpooler runs a spooler over store with clock, until the test ends.
// MinBackoff is 1 s, MaxBackoff 8 s and jitter none, so delays are exact.
func startSpooler(t *testing.T, store *memStore, clock *fakeClock, send func(context.Context, string, []byte) error) *labels.Spooler {
	t.Helper()
	sp := labels.NewSpooler(store, nil)
	sp.Now, sp.After = clock.Now, clock.After
	sp.Jitter = func(d time.Duration) time.Duration { return d }
	sp.MinBackoff, sp.MaxBackoff = time.Second, 8*time.Second
	sp.Rescan = time.Hour
	if send != nil {
		sp.Send = send
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sp.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run returned %v, want nil after cancel", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	return sp
}

// allDone reports whether every job with one of ids is done.
func (s *memStore) allDone(ids ...string) bool {
	for _, j := range s.snapshot() {
		if slices.Contains(ids, j.ID) && j.State != station.JobDone {
			return false
		}
	}
	return true
}

func (s *memStore) job(id string) station.PrintJob {
	for _, j := range s.snapshot() {
		if j.ID == id {
			return j
		}
	}
	return station.PrintJob{}
}

// wantPrinted checks that got is exactly the formats of jobs, in order.
func wantPrinted(t *testing.T, got [][]byte, p station.Printer, jobs ...station.PrintJob) {
	t.Helper()
	if len(got) != len(jobs) {
		t.Fatalf("got %d jobs at the printer, want %d", len(got), len(jobs))
	}
	for i, j := range jobs {
		want, err := labels.ZPL(j.Content, p.Size, p.DPI, p.Font)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got[i], want) {
			t.Errorf("got job %d at the printer differing from %s's format", i, j.ID)
		}
	}
}

func TestSpoolerPrintsInQueueOrder(t *testing.T) {
	fp := newFakePrinter(t)
	p := station.Printer{Name: "desk-1", Addr: fp.addr, DPI: 203, Size: station.LabelSizeSmall}
	store := &memStore{printers: []station.Printer{p}}
	var jobs []station.PrintJob
	for i := range 5 {
		jobs = append(jobs, job(i, p.Name))
		store.add(jobs[i])
	}
	sp := startSpooler(t, store, &fakeClock{now: t0}, nil)
	eventually(t, "the first five jobs", func() bool { return store.allDone(jobID(0), jobID(4)) })

	// Jobs queued while it runs print after a Kick.
	for i := 5; i < 7; i++ {
		jobs = append(jobs, job(i, p.Name))
		store.add(jobs[i])
	}
	sp.Kick()
	eventually(t, "all seven jobs", func() bool { return store.allDone(jobID(5), jobID(6)) && len(fp.received()) == 7 })

	wantPrinted(t, fp.received(), p, jobs...)
	var want []string
	for _, j := range jobs {
		want = append(want, j.ID)
	}
	if got := store.printed(); !slices.Equal(got, want) {
		t.Errorf("got printed events %v, want %v", got, want)
	}
	for _, j := range store.snapshot() {
		if j.PrintedAt == nil || j.Attempts != 0 {
			t.Errorf("got %s printed at %v after %d failed attempts, want a time and 0", j.ID, j.PrintedAt, j.Attempts)
		}
	}
}

func TestSpoolerPrinterDownThenUp(t *testing.T) {
	fp := newFakePrinter(t)
	fp.down()
	p := station.Printer{Name: "desk-1", Addr: fp.addr, DPI: 300, Size: station.LabelSizeLarge}
	store := &memStore{printers: []station.Printer{p}}
	var jobs []station.PrintJob
	for i := range 5 {
		jobs = append(jobs, job(i, p.Name))
		store.add(jobs[i])
	}
	clock := &fakeClock{now: t0}
	const outage = 6 // failed attempts before the printer is back
	clock.onWait = func(n int) {
		if n == outage {
			if err := fp.up(); err != nil {
				t.Error(err)
			}
		}
	}
	startSpooler(t, store, clock, nil)
	eventually(t, "every job printed", func() bool {
		return store.allDone(jobID(0), jobID(1), jobID(2), jobID(3), jobID(4)) && len(fp.received()) == 5
	})

	wantPrinted(t, fp.received(), p, jobs...)
	wantWaits := []time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second, 8 * time.Second}
	if got := clock.recorded(); !slices.Equal(got, wantWaits) {
		t.Errorf("got waits %v, want %v", got, wantWaits)
	}
	first := store.job(jobID(0))
	if first.Attempts != outage || first.LastError == "" {
		t.Errorf("got first job after %d failed attempts, last error %q; want %d and the error", first.Attempts, first.LastError, outage)
	}
	if want := t0.Add(31 * time.Second); !first.PrintedAt.Equal(want) {
		t.Errorf("got first job printed at %v, want %v, after the back-off", first.PrintedAt, want)
	}
	for _, j := range store.snapshot()[1:] {
		if j.Attempts != 0 {
			t.Errorf("got %s tried %d times, want 0: it waits behind the first", j.ID, j.Attempts)
		}
	}
}

func TestSpoolerHoldsOnlyTheAwayPrinter(t *testing.T) {
	a := station.Printer{Name: "away", Addr: "10.0.0.1:9100", DPI: 203, Size: station.LabelSizeSmall}
	b := station.Printer{Name: "here", Addr: "10.0.0.2:9100", DPI: 203, Size: station.LabelSizeLarge, Font: "E:SIMSUN.FNT"}
	store := &memStore{printers: []station.Printer{a, b}}
	var bJobs []station.PrintJob
	for i := range 6 {
		printer := []string{a.Name, b.Name}[i%2]
		j := job(i, printer)
		store.add(j)
		if printer == b.Name {
			bJobs = append(bJobs, j)
		}
	}
	send := &sendLog{fail: func(addr string) error {
		if addr == a.Addr {
			return &labels.SendError{Addr: addr, Op: "dial", Retryable: true, Err: errAway}
		}
		return nil
	}}
	startSpooler(t, store, &fakeClock{now: t0, stop: true}, send.Send)
	eventually(t, "the other printer's jobs", func() bool {
		return store.allDone(jobID(1), jobID(3), jobID(5)) && store.job(jobID(0)).Attempts == 1
	})

	wantPrinted(t, send.to(b.Addr), b, bJobs...)
	if got := len(send.to(a.Addr)); got != 1 {
		t.Errorf("got %d sends to the away printer, want 1 (then it waits)", got)
	}
	for _, id := range []string{jobID(0), jobID(2), jobID(4)} {
		if got := store.job(id).State; got != station.JobQueued {
			t.Errorf("got %s %s, want queued", id, got)
		}
	}
	j := store.job(jobID(0))
	if want := t0.Add(time.Second); !j.NextAttemptAt.Equal(want) || !strings.Contains(j.LastError, "connection refused") {
		t.Errorf("got next attempt %v, error %q; want %v and the cause", j.NextAttemptAt, j.LastError, want)
	}
}

func TestSpoolerPermanentErrorHoldsAtMaxBackoff(t *testing.T) {
	p := station.Printer{Name: "misconfigured", Addr: "printer.invalid:9100", DPI: 203, Size: station.LabelSizeSmall}
	store := &memStore{printers: []station.Printer{p}}
	store.add(job(0, p.Name))
	send := &sendLog{fail: func(addr string) error {
		return &labels.SendError{Addr: addr, Op: "dial", Err: errAway}
	}}
	startSpooler(t, store, &fakeClock{now: t0, stop: true}, send.Send)
	eventually(t, "one attempt", func() bool { return store.job(jobID(0)).Attempts == 1 })
	if got, want := store.job(jobID(0)).NextAttemptAt, t0.Add(8*time.Second); !got.Equal(want) {
		t.Errorf("got next attempt at %v, want %v (MaxBackoff at once)", got, want)
	}
}

func TestSpoolerFailsUnprintableJobAndMovesOn(t *testing.T) {
	p := station.Printer{Name: "desk-1", Addr: "10.0.0.1:9100", DPI: 203, Size: station.LabelSizeSmall}
	store := &memStore{printers: []station.Printer{p}}
	bad := job(1, p.Name)
	bad.Content.Code.Kind = "Q"
	good := []station.PrintJob{job(0, p.Name), job(2, p.Name)}
	store.add(good[0])
	store.add(bad)
	store.add(good[1])
	send := &sendLog{}
	startSpooler(t, store, &fakeClock{now: t0}, send.Send)
	eventually(t, "the good jobs", func() bool { return store.allDone(jobID(0), jobID(2)) })

	wantPrinted(t, send.to(p.Addr), p, good...)
	if j := store.job(jobID(1)); j.State != station.JobFailed || !strings.Contains(j.LastError, "label code") {
		t.Errorf("got bad job %s with error %q, want failed naming the code", j.State, j.LastError)
	}
}

func TestSpoolerResendsJobLeftSending(t *testing.T) {
	p := station.Printer{Name: "desk-1", Addr: "10.0.0.1:9100", DPI: 300, Size: station.LabelSizeSmall}
	store := &memStore{printers: []station.Printer{p}}
	left := job(0, p.Name)
	left.State = station.JobSending // the station stopped mid-send
	store.add(left)
	store.add(job(1, p.Name))
	send := &sendLog{}
	startSpooler(t, store, &fakeClock{now: t0}, send.Send)
	eventually(t, "both jobs", func() bool { return store.allDone(jobID(0), jobID(1)) })
	wantPrinted(t, send.to(p.Addr), p, left, job(1, p.Name))
}

func TestSpoolerRidesOutStoreErrors(t *testing.T) {
	p := station.Printer{Name: "desk-1", Addr: "10.0.0.1:9100", DPI: 203, Size: station.LabelSizeLarge}
	store := &memStore{
		printers: []station.Printer{p},
		fail:     map[string]int{"NextJob": 2, "MarkSending": 1, "MarkDone": 3},
	}
	jobs := []station.PrintJob{job(0, p.Name), job(1, p.Name), job(2, p.Name)}
	for _, j := range jobs {
		store.add(j)
	}
	send := &sendLog{}
	startSpooler(t, store, &fakeClock{now: t0}, send.Send)
	eventually(t, "every job", func() bool { return store.allDone(jobID(0), jobID(1), jobID(2)) })
	// A label already sent is not sent again because marking it done failed.
	wantPrinted(t, send.to(p.Addr), p, jobs...)
}

func TestSpoolerRunFailsWithoutPrinters(t *testing.T) {
	store := &memStore{fail: map[string]int{"Printers": 1}}
	err := labels.NewSpooler(store, nil).Run(context.Background())
	if station.ErrorCode(err) != station.EUnavailable {
		t.Errorf("got %v, want the store's EUnavailable", err)
	}
}

func TestSpoolerPicksUpNewPrinterOnKick(t *testing.T) {
	store := &memStore{}
	send := &sendLog{}
	sp := startSpooler(t, store, &fakeClock{now: t0}, send.Send)
	p := station.Printer{Name: "new", Addr: "10.0.0.9:9100", DPI: 203, Size: station.LabelSizeSmall}
	store.mu.Lock()
	store.printers = append(store.printers, p)
	store.mu.Unlock()
	store.add(job(0, p.Name))
	sp.Kick()
	eventually(t, "the new printer's job", func() bool { return store.allDone(jobID(0)) })
	wantPrinted(t, send.to(p.Addr), p, job(0, p.Name))
}
