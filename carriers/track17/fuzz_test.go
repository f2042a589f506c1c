package track17_test

import (
	"slices"
	"testing"
	"time"

	"returns-station/carriers/track17"
	"returns-station/station"
)

// checkOutcome holds for any input: either updates that the store can trust,
// or an EInvalid error naming a field.
func checkOutcome(t *testing.T, ups []station.TrackingUpdate, err error) {
	t.Helper()
	if err != nil {
		if station.ErrorCode(err) != station.EInvalid || len(station.Fields(err)) == 0 {
			t.Fatalf("got %v, want EInvalid naming a field", err)
		}
		if ups != nil {
			t.Fatalf("got updates %v with an error", ups)
		}
		return
	}
	for _, u := range ups {
		if u.Tracking == "" || u.DedupKey == "" || u.OccurredAt.IsZero() || u.Provider != track17.Provider {
			t.Fatalf("got incomplete update %+v", u)
		}
		if !slices.Contains(station.TrackingStatuses, u.Status) {
			t.Fatalf("got status %q, not in the vocabulary", u.Status)
		}
		if u.OccurredAt.Location() != time.UTC || (u.ETA != nil && u.ETA.Location() != time.UTC) {
			t.Fatalf("got times %v, %v; want UTC", u.OccurredAt, u.ETA)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(b4))
	f.Add([]byte(returned))
	f.Add([]byte(`{"event":"TRACKING_UPDATED","data":[{"number":"A1","track_info":{}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ups, err := track17.Parse(body, now)
		checkOutcome(t, ups, err)
	})
}

func FuzzParseTrack(f *testing.F) {
	f.Add([]byte(`{"number":"RR123456789CN","carrier":3011,"track_info":{"latest_status":{"status":"InTransit","sub_status":"InTransit_Arrival"},"latest_event":{"time_utc":"2026-01-01T02:00:00Z"}}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		u, err := track17.ParseTrack(raw, now)
		if err != nil {
			checkOutcome(t, nil, err)
			return
		}
		checkOutcome(t, []station.TrackingUpdate{u}, nil)
	})
}
