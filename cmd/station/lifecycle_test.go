package main_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SIGTERM with a long poll of the feed open: the poll answers and the
// station exits promptly instead of waiting out the poll.
func TestShutdownWithOpenLongPoll(t *testing.T) {
	data := t.TempDir()
	feedTok := newToken(t, data, "central", "central")
	p := startStation(t, data)
	var page struct {
		NextCursor string `json:"next_cursor"`
	}
	if st, err := call(http.DefaultClient, p.url, feedTok, "GET", "/api/v1/feed?limit=1000", nil, &page); err != nil || st != 200 {
		t.Fatalf("feed: %d %v", st, err)
	}
	// The committer's health is on /metrics: commits, checkpoints of the
	// journal into the data file (the feed read above asked for one),
	// evictions of commands that failed after writing (none here), and
	// whether the data file can be written.
	res, err := http.Get(p.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{"\nstation_store_commits_total ", "\nstation_store_evictions_total 0\n", "\nstation_store_data_file_unwritable 0\n", "\nstation_store_journal_bytes_total "} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if m := regexp.MustCompile(`\nstation_store_checkpoints_total (\d+)\n`).FindStringSubmatch(string(metrics)); m == nil || m[1] == "0" {
		t.Errorf("/metrics shows no checkpoint after answered commands were read back: %v", m)
	}
	polled := make(chan error, 1)
	go func() {
		q := url.Values{"after": {page.NextCursor}, "wait": {"30"}}
		st, err := call(http.DefaultClient, p.url, feedTok, "GET", "/api/v1/feed?"+q.Encode(), nil, nil)
		if err == nil && st != 200 {
			err = &statusError{st}
		}
		polled <- err
	}()
	time.Sleep(500 * time.Millisecond) // the poll is waiting inside the station
	select {
	case err := <-polled:
		t.Fatalf("the long poll answered before shutdown: %v", err)
	default:
	}
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- p.cmd.Wait() }()
	select {
	case err := <-exited:
		took := time.Since(start)
		t.Logf("shutdown with an open long poll took %v", took)
		if err != nil {
			t.Errorf("station exited with %v:\n%s", err, p.logs)
		}
		if took > 5*time.Second {
			t.Errorf("shutdown took %v with an open long poll", took)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("station still running 20 s after SIGTERM:\n%s", p.logs)
	}
	if err := <-polled; err != nil {
		t.Errorf("the long poll at shutdown: %v (want an empty page)", err)
	}
}

type statusError struct{ status int }

func (e *statusError) Error() string { return http.StatusText(e.status) }
