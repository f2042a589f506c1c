package poll_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"returns-station/carriers/poll"
	"returns-station/station"
)

const t17Token = "api-token"

func t17Track(number, status, sub, utc string) reply {
	return reply{body: fmt.Sprintf(`{"number":%q,"carrier":3011,"tag":"RMA","track_info":{"latest_status":{"status":%q,"sub_status":%q},`+
		`"latest_event":{"time_utc":%q,"time_iso":"","description":"scan","location":"Hangzhou"}}}`, number, status, sub, utc)}
}

func TestTrack17Track(t *testing.T) {
	s := newScript(map[string][]reply{
		"EA123456785CN": {t17Track("EA123456785CN", "InTransit", "InTransit_Arrival", "2026-01-01T02:00:00Z")},
		"RR000000000CN": {t17Track("RR000000000CN", "Exception", "Exception_Returned", "2026-01-01T03:00:00Z")},
	})
	srv, registered := fakeTrack17(t, t17Token, s)
	ships := []poll.Shipment{
		{Tracking: "EA123456785CN", Carrier: station.CarrierEMS, Provider: "track17"},
		{Tracking: "RR000000000CN", Carrier: station.CarrierPost, Provider: "track17"},
		{Tracking: "NEW0001", Provider: "track17"},    // not registered yet
		{Tracking: "NOINFO0001", Provider: "track17"}, // registered, nothing yet
	}
	ups, err := poll.NewTrack17(t17Token, fast(srv.URL)).Track(context.Background(), ships, now)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, u := range ups {
		if u.Provider != "poll" || u.DedupKey == "" {
			t.Errorf("got %+v, want provider poll and a DedupKey", u)
		}
		got[u.Tracking] = u.Status
	}
	want := map[string]string{"EA123456785CN": station.TrackInTransit, "RR000000000CN": station.TrackReturnToSender}
	if len(got) != len(want) || got["EA123456785CN"] != want["EA123456785CN"] || got["RR000000000CN"] != want["RR000000000CN"] {
		t.Errorf("got %v, want %v", got, want)
	}
	if r := *registered; len(r) != 1 || !slices.Equal(r[0], []string{"NEW0001"}) {
		t.Errorf("got registered %v, want [[NEW0001]]", r)
	}
}

func TestTrack17Batches(t *testing.T) {
	s := newScript(map[string][]reply{})
	ships := make([]poll.Shipment, 85)
	for i := range ships {
		n := fmt.Sprintf("N%04d", i)
		ships[i] = poll.Shipment{Tracking: n, Provider: "track17"}
		s.replies[n] = []reply{t17Track(n, "Delivered", "Delivered_Other", "2026-01-01T00:00:00Z")}
	}
	srv, _ := fakeTrack17(t, t17Token, s)
	ups, err := poll.NewTrack17(t17Token, fast(srv.URL)).Track(context.Background(), ships, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(ups) != 85 {
		t.Errorf("got %d updates, want 85", len(ups))
	}
	if got := len(s.times) - 85; got != 3 {
		t.Errorf("got %d requests, want 3 batches (40, 40, 5)", got)
	}
}

func TestTrack17Failures(t *testing.T) {
	ship := []poll.Shipment{{Tracking: "EA123456785CN", Provider: "track17"}}
	tests := []struct {
		name      string
		replies   []reply
		calls     int
		retryable bool
	}{
		{name: "refused with a code", replies: []reply{{body: `{"code":-18010002,"data":{"errors":[{"code":-18010002,"message":"invalid token"}]}}`}}, calls: 1},
		{name: "not JSON", replies: []reply{{body: `Service Unavailable`}}, calls: 1},
		{name: "JSON without code", replies: []reply{{body: `{"data":{}}`}}, calls: 1},
		{name: "malformed track", replies: []reply{{body: `{"code":0,"data":{"accepted":[{"number":"","track_info":{}}],"rejected":[]}}`}}, calls: 1},
		{name: "rate limited every time", replies: []reply{{status: 429, body: `{}`}}, calls: 3, retryable: true},
		{name: "gateway error, then answer", replies: []reply{{status: 502}, {body: `{"code":0,"data":{"accepted":[],"rejected":[]}}`}}, calls: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScript(map[string][]reply{"/gettrackinfo": tt.replies})
			srv, _ := fakeTrack17(t, t17Token, s)
			ups, err := poll.NewTrack17(t17Token, fast(srv.URL)).Track(context.Background(), ship, now)
			if got := s.count("/gettrackinfo"); got != tt.calls {
				t.Errorf("got %d calls, want %d", got, tt.calls)
			}
			if ups != nil {
				t.Errorf("got %v, want no updates", ups)
			}
			last := tt.replies[len(tt.replies)-1]
			if last.status == 0 && last.body == `{"code":0,"data":{"accepted":[],"rejected":[]}}` {
				if err != nil {
					t.Errorf("got %v, want no error", err)
				}
				return
			}
			var pe *poll.Error
			if !errors.As(err, &pe) || pe.Retryable != tt.retryable {
				t.Errorf("got %v, want a *poll.Error, retryable %v", err, tt.retryable)
			}
		})
	}
}

func TestTrack17WrongToken(t *testing.T) {
	s := newScript(map[string][]reply{})
	srv, _ := fakeTrack17(t, t17Token, s)
	_, err := poll.NewTrack17("wrong-token", fast(srv.URL)).Track(context.Background(), []poll.Shipment{{Tracking: "A1"}}, now)
	var pe *poll.Error
	if !errors.As(err, &pe) || pe.StatusCode != 401 || pe.Retryable {
		t.Errorf("got %v, want a permanent HTTP 401 *poll.Error", err)
	}
}
