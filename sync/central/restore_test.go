package central_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"returns-station/station"
	"returns-station/sync/central"
	"returns-station/sync/fakecentral"
)

// restoredStore is a store restored from a backup that ends at its last
// event: it waits for central's position.
func restoredStore(n int) *memStore {
	store := newMemStore(testStation)
	store.appendEvents(n, nil)
	store.restored = &station.Restored{At: baseTime, BackupLastSeq: uint64(n), Waiting: true}
	return store
}

// A restored station pushes nothing until it has central's position, and
// then pushes from where it is.
func TestPusherWaitsForCentralsPositionAfterRestore(t *testing.T) {
	fc, srv := startCentral(t, fakecentral.Knobs{Down: true})
	store := restoredStore(30)
	reg := prometheus.NewRegistry()
	p := newPusher(t, newClient(t, srv.URL, testToken), store, central.PushOptions{Backoff: fastBackoff, Registerer: reg})
	run(t, p.Run)
	eventually(t, 5*time.Second, "asking for the position failed a few times", func() bool {
		st, _, _ := store.snapshot()
		return st.Attempts >= 3
	})
	if ls, _ := p.Status(context.Background()); ls.Restore == nil || !ls.Restore.Waiting || ls.Backlog != 30 {
		t.Fatalf("while central is down: %+v (restore %+v)", ls, ls.Restore)
	}
	if st := fc.Stats(); st.Batches != 0 || st.Positions != 0 {
		t.Fatalf("central got something while down: %+v", st)
	}
	if v := gaugeValue(t, reg, "station_push_waiting_for_position"); v != 1 {
		t.Errorf("station_push_waiting_for_position is %v while waiting, want 1", v)
	}
	fc.SetKnobs(fakecentral.Knobs{})
	eventually(t, 5*time.Second, "the backlog drained", drained(store))
	if d := sameEvents(fc.Events(), store.log()); d != "" {
		t.Error(d)
	}
	if st := fc.Stats(); st.Positions != 1 {
		t.Errorf("central was asked for the position %d times, want once", st.Positions)
	}
	if v := gaugeValue(t, reg, "station_push_waiting_for_position"); v != 0 {
		t.Errorf("station_push_waiting_for_position is %v after resuming, want 0", v)
	}
	if len(store.resumes) != 1 || store.resumes[0] != 0 {
		t.Errorf("ResumeAfter calls %v, want one with central's empty position", store.resumes)
	}
}

// A central that does not answer the position request, or answers with an
// event that is not this station's, stops the push with the reason.
func TestPusherHaltsWithoutATrustworthyPosition(t *testing.T) {
	tests := []struct {
		name   string
		answer func(w http.ResponseWriter)
		status int
		says   string
	}{
		{"no position route", func(w http.ResponseWriter) { http.NotFound(w, nil) }, 404, "restored from a backup"},
		{"another station's event", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"last_seq": 12, "last_id": "01SOMEONEELSE", "count": 12}`))
		}, 409, "not this station's history"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var posts atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPost {
					posts.Add(1)
					http.Error(w, "no", http.StatusInternalServerError)
					return
				}
				if strings.HasSuffix(r.URL.Path, "/events/position") {
					tt.answer(w)
					return
				}
				http.NotFound(w, r)
			}))
			t.Cleanup(srv.Close)
			store := restoredStore(20)
			p := newPusher(t, newClient(t, srv.URL, testToken), store, central.PushOptions{Backoff: fastBackoff})
			run(t, p.Run)
			eventually(t, 5*time.Second, "the push halted", func() bool {
				ls, err := p.Status(context.Background())
				return err == nil && ls.Halted
			})
			ls, _ := p.Status(context.Background())
			if ls.HaltedStatus != tt.status || !strings.Contains(ls.LastError, tt.says) || ls.Restore == nil || !ls.Restore.Waiting {
				t.Errorf("link state %+v (restore %+v); want halted with %d saying %q, still waiting", ls, ls.Restore, tt.status, tt.says)
			}
			time.Sleep(50 * time.Millisecond)
			if n := posts.Load(); n != 0 {
				t.Errorf("%d pushes sent without a trustworthy position", n)
			}
		})
	}
}
