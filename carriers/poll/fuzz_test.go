package poll_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"

	"returns-station/carriers/poll"
	"returns-station/station"
)

// answering serves whatever body the fuzzer chose, as a provider's answer.
func answering(f *testing.F) (*httptest.Server, *atomic.Pointer[[]byte]) {
	var body atomic.Pointer[[]byte]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(*body.Load())
	}))
	f.Cleanup(srv.Close)
	return srv, &body
}

// checkAnswer holds for any answer: updates the store can trust, and
// errors that say which provider failed.
func checkAnswer(t *testing.T, ups []station.TrackingUpdate, err error) {
	t.Helper()
	var pe *poll.Error
	if err != nil && !errors.As(err, &pe) {
		t.Fatalf("got %T %v, want a *poll.Error", err, err)
	}
	for _, u := range ups {
		if u.Provider != poll.Provider || u.Tracking == "" || u.DedupKey == "" || u.OccurredAt.IsZero() {
			t.Fatalf("got incomplete update %+v", u)
		}
		if !slices.Contains(station.TrackingStatuses, u.Status) {
			t.Fatalf("got status %q, not in the vocabulary", u.Status)
		}
	}
}

func FuzzKuaidi100Answer(f *testing.F) {
	f.Add([]byte(kdAnswer))
	f.Add([]byte(`{"result":false,"returnCode":"502","message":"服务器繁忙"}`))
	f.Add([]byte(`{"result":true,"returnCode":"200"}`))
	srv, body := answering(f)
	o := fast(srv.URL)
	o.Attempts = 1
	k := poll.NewKuaidi100(kdCustomer, kdKey, o)
	ship := []poll.Shipment{{Tracking: "YT0000000000001", Carrier: station.CarrierYTO}}
	f.Fuzz(func(t *testing.T, answer []byte) {
		body.Store(&answer)
		ups, err := k.Track(context.Background(), ship, now)
		checkAnswer(t, ups, err)
	})
}

func FuzzTrack17Answer(f *testing.F) {
	f.Add([]byte(`{"code":0,"data":{"accepted":[` + t17Track("EA123456785CN", "InTransit", "InTransit_Arrival", "2026-01-01T02:00:00Z").body + `],"rejected":[]}}`))
	f.Add([]byte(`{"code":0,"data":{"accepted":[],"rejected":[{"number":"A1","error":{"code":-18019902,"message":"x"}}]}}`))
	f.Add([]byte(`{"code":-1}`))
	srv, body := answering(f)
	o := fast(srv.URL)
	o.Attempts = 1
	tr := poll.NewTrack17(t17Token, o)
	ship := []poll.Shipment{{Tracking: "EA123456785CN"}}
	f.Fuzz(func(t *testing.T, answer []byte) {
		body.Store(&answer)
		ups, err := tr.Track(context.Background(), ship, now)
		checkAnswer(t, ups, err)
	})
}
