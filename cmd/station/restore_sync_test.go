package main_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"returns-station/station"
	"returns-station/sync/fakecentral"
)

// hotBackup takes GET /api/v1/backup into a file.
func hotBackup(t *testing.T, p *proc, admin string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", p.url+"/api/v1/backup", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("backup: %v %v", res, err)
	}
	defer res.Body.Close()
	path := filepath.Join(t.TempDir(), "backup.db")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func maxSeq(evs []station.Event) uint64 {
	var m uint64
	for _, e := range evs {
		m = max(m, e.Seq)
	}
	return m
}

// pullFeed runs a second fake central that reads the station's feed (the
// pull side of central.md §4) until the returned stop is called.
func pullFeed(t *testing.T, reader *fakecentral.Server, p *proc, token string) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		reader.PullFeed(ctx, fakecentral.FeedOptions{StationURL: p.url, Token: token, Wait: 1, Limit: 37, Retry: 100 * time.Millisecond})
	}()
	return func() { cancel(); <-done }
}

// A station restored from a backup, while central already holds events
// committed after that backup, must not send central those seqs again
// with other events: backup → more events pushed → restore → more events
// (first with central unreachable, then reachable) → central's log and the
// station's agree, with nothing rejected, parked, conflicting or doubled.
func TestRestoreNeverForksCentralsLog(t *testing.T) {
	fc, url := newCentral(t, fakecentral.Knobs{MaxBatch: 40})
	reader := fakecentral.New(fakecentral.Options{}) // central reading the feed
	data := t.TempDir()
	admin := newToken(t, data, "admin", "admin")
	feedTok := newToken(t, data, "central", "central")
	p := startStation(t, data, syncFlags(url)...)
	stopFeed := pullFeed(t, reader, p, feedTok)

	receiveN(t, p, admin, 40, 1)
	eventually(t, 20*time.Second, "the first events reach central", func() bool { return linkState(t, p, admin).Backlog == 0 })
	backup := hotBackup(t, p, admin)
	receiveN(t, p, admin, 30, 2) // committed after the backup: they will exist only on central
	eventually(t, 20*time.Second, "the events after the backup reach central", func() bool { return linkState(t, p, admin).Backlog == 0 })
	c := maxSeq(fc.Events())
	eventually(t, 20*time.Second, "the feed reader catches up", func() bool { return maxSeq(reader.Events()) == c })
	stopFeed()
	p.kill(t)

	if out, errOut, err := runCLI(t, "restore", "--data", data, backup); err != nil {
		t.Fatalf("restore: %v %s %s", err, out, errOut)
	}
	b := maxSeq(stationLog(t, data))
	if out, _, err := runCLI(t, "check", "--data", data); err != nil || !strings.Contains(out, fmt.Sprintf("restored from a backup ending at event seq %d", b)) {
		t.Errorf("check after the restore: %v %q", err, out)
	}
	if b == 0 || b >= c {
		t.Fatalf("the backup ends at seq %d, central holds up to %d: nothing to test", b, c)
	}

	// Central unreachable after the restore: scanning works, nothing leaves.
	fc.SetKnobs(fakecentral.Knobs{Down: true})
	p = startStation(t, data, syncFlags(url)...)
	stopFeed = pullFeed(t, reader, p, feedTok)
	receiveN(t, p, admin, 25, 3)
	time.Sleep(1500 * time.Millisecond)
	ls := linkState(t, p, admin)
	if ls.Restore == nil || !ls.Restore.Waiting || ls.Restore.BackupLastSeq != b || ls.Backlog == 0 {
		t.Fatalf("while central's position is unknown GET /sync says %+v (restore %+v)", ls, ls.Restore)
	}
	if got := maxSeq(fc.Events()); got != c {
		t.Fatalf("central received events up to %d while down", got)
	}
	if st := reader.Stats(); st.SeqConflicts != 0 || maxSeq(reader.Events()) != c {
		t.Fatalf("while waiting the feed handed out events with provisional seqs: %+v", st)
	}

	fc.SetKnobs(fakecentral.Knobs{MaxBatch: 40})
	eventually(t, 30*time.Second, "the backlog drains once central answers", func() bool { return linkState(t, p, admin).Backlog == 0 })
	ls = linkState(t, p, admin)
	if r := ls.Restore; r == nil || r.Waiting || r.CentralOnlyFrom != b+1 || r.CentralOnlyTo != c || r.Renumbered == 0 {
		t.Fatalf("after resuming GET /sync says restore %+v; want events %d–%d named as only on central", r, b+1, c)
	}
	receiveN(t, p, admin, 20, 4)
	eventually(t, 20*time.Second, "the last events reach central", func() bool { return linkState(t, p, admin).Backlog == 0 })
	if ls = linkState(t, p, admin); ls.Parked != 0 || ls.Halted {
		t.Errorf("link state at the end: %+v", ls)
	}
	eventually(t, 20*time.Second, "the feed reader catches up", func() bool {
		return maxSeq(reader.Events()) == linkState(t, p, admin).LastSeq
	})
	stopFeed()
	audited := auditAll(t, p, admin)
	p.kill(t)

	local := stationLog(t, data)
	if len(audited) != len(local) {
		t.Errorf("the audit pages list %d events, the log holds %d", len(audited), len(local))
	}
	for _, r := range fc.Requests() {
		if r.Status == http.StatusUnprocessableEntity {
			t.Errorf("central answered 422 to %s %s (key %s)", r.Method, r.Path, r.IdempotencyKey)
		}
	}
	for name, srv := range map[string]*fakecentral.Server{"push": fc, "feed": reader} {
		if st := srv.Stats(); st.SeqConflicts != 0 || st.OutOfOrder != 0 || st.Rejected != 0 {
			t.Errorf("central (%s) saw seq conflicts, reordering or rejections: %+v", name, st)
		}
		remote := srv.Events()
		byID := map[string]uint64{}
		for _, e := range remote {
			byID[e.ID] = e.Seq
		}
		for _, e := range local {
			if seq, ok := byID[e.ID]; !ok || seq != e.Seq {
				t.Fatalf("central (%s): the station's event %d (%s) is there as seq %d (held: %v)", name, e.Seq, e.ID, seq, ok)
			}
		}
		// Central's log is gap-free: the station's events plus exactly
		// those committed after the backup, which exist only there.
		seqs := make([]uint64, 0, len(remote))
		for _, e := range remote {
			seqs = append(seqs, e.Seq)
		}
		sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
		for i, s := range seqs {
			if s != uint64(i+1) {
				t.Fatalf("central (%s): seq %d at place %d: its log has a gap or a double", name, s, i+1)
			}
		}
		if want := len(local) + int(c-b); len(remote) != want {
			t.Errorf("central (%s) holds %d events, want the station's %d plus %d only on central", name, len(remote), len(local), c-b)
		}
	}
	if reader.FeedStats().Expired == 0 {
		t.Errorf("the feed reader's cursor from before the restore was not refused (410)")
	}
	// The station's log: the backup's events, then a jump over what exists
	// only on central, strictly increasing.
	for i, e := range local {
		if i > 0 && e.Seq <= local[i-1].Seq {
			t.Fatalf("station log not increasing at %d", e.Seq)
		}
		if e.Seq > b && e.Seq <= c {
			t.Fatalf("the station reused seq %d, which central holds with an event committed after the backup", e.Seq)
		}
	}
}

// With no push link, central learns events only from the feed. After a
// restore, the cursor it held from before tells the station how far it
// read: the events committed since the restore continue after that, and
// the feed reader ends up with the station's log, nothing forked.
func TestRestoreWithFeedOnly(t *testing.T) {
	reader := fakecentral.New(fakecentral.Options{})
	data := t.TempDir()
	admin := newToken(t, data, "admin", "admin")
	feedTok := newToken(t, data, "central", "central")
	p := startStation(t, data)
	stopFeed := pullFeed(t, reader, p, feedTok)
	receiveN(t, p, admin, 20, 1)
	backup := hotBackup(t, p, admin)
	receiveN(t, p, admin, 15, 2) // only the feed reader will have these
	eventually(t, 20*time.Second, "the feed reader catches up", func() bool {
		return maxSeq(reader.Events()) == linkState(t, p, admin).LastSeq
	})
	c := maxSeq(reader.Events())
	stopFeed()
	p.kill(t)
	if _, errOut, err := runCLI(t, "restore", "--data", data, backup); err != nil {
		t.Fatalf("restore: %v %s", err, errOut)
	}
	b := maxSeq(stationLog(t, data))

	p = startStation(t, data)
	defer func() {
		if t.Failed() { // say what the station and the reader saw
			p.kill(t)
			t.Logf("feed reader: %+v\nstation log after the restore:\n%s", reader.FeedStats(), p.logs)
		}
	}()
	receiveN(t, p, admin, 10, 3) // before central reads again: held back
	if ls := linkState(t, p, admin); ls.Restore == nil || !ls.Restore.Waiting {
		t.Fatalf("before the feed reader comes back: restore %+v", ls.Restore)
	}
	stopFeed = pullFeed(t, reader, p, feedTok)
	eventually(t, 20*time.Second, "the feed reader's old cursor ends the wait", func() bool {
		r := linkState(t, p, admin).Restore
		return r != nil && !r.Waiting
	})
	receiveN(t, p, admin, 5, 4)
	eventually(t, 20*time.Second, "the feed reader catches up after the restore", func() bool {
		return maxSeq(reader.Events()) == linkState(t, p, admin).LastSeq
	})
	r := linkState(t, p, admin).Restore
	stopFeed()
	p.kill(t)
	if r.CentralOnlyFrom != b+1 || r.CentralOnlyTo != c || r.Renumbered == 0 {
		t.Errorf("restore state %+v; want events %d–%d named as only on central", r, b+1, c)
	}
	if st := reader.Stats(); st.SeqConflicts != 0 || st.OutOfOrder != 0 {
		t.Errorf("the feed reader saw seq conflicts or reordering: %+v", st)
	}
	byID := map[string]uint64{}
	for _, e := range reader.Events() {
		byID[e.ID] = e.Seq
	}
	local := stationLog(t, data)
	for _, e := range local {
		if seq, ok := byID[e.ID]; !ok || seq != e.Seq {
			t.Fatalf("the station's event %d (%s) reached the reader as seq %d (%v)", e.Seq, e.ID, seq, ok)
		}
	}
	if want := len(local) + int(c-b); len(reader.Events()) != want {
		t.Errorf("the reader holds %d events, want %d", len(reader.Events()), want)
	}
}

// auditAll pages through GET /api/v1/audit, newest first, and returns the
// seqs listed; it fails on an event listed twice.
func auditAll(t *testing.T, p *proc, token string) []uint64 {
	t.Helper()
	var out []uint64
	seen := map[uint64]bool{}
	before := uint64(0)
	for page := 0; page < 100; page++ {
		path := "/api/v1/audit?limit=50"
		if before > 0 {
			path += fmt.Sprintf("&before=%d", before)
		}
		var a struct {
			Entries []struct {
				Seq uint64 `json:"seq"`
			} `json:"entries"`
			NextBefore uint64 `json:"next_before"`
		}
		if st, err := call(http.DefaultClient, p.url, token, "GET", path, nil, &a); err != nil || st != 200 {
			t.Fatalf("audit: %d %v", st, err)
		}
		for _, e := range a.Entries {
			if seen[e.Seq] {
				t.Fatalf("the audit lists event %d twice", e.Seq)
			}
			seen[e.Seq] = true
			out = append(out, e.Seq)
		}
		if a.NextBefore == 0 {
			return out
		}
		before = a.NextBefore
	}
	t.Fatal("the audit pages never end")
	return nil
}
