package aftership_test

import (
	"slices"
	"testing"
	"time"

	"returns-station/carriers/aftership"
	"returns-station/station"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte(b2))
	f.Add([]byte(refused))
	f.Fuzz(func(t *testing.T, body []byte) {
		ups, err := aftership.Parse(body, now)
		if err != nil {
			if station.ErrorCode(err) != station.EInvalid || len(station.Fields(err)) == 0 || ups != nil {
				t.Fatalf("got %v, %v; want EInvalid naming a field and no updates", ups, err)
			}
			return
		}
		for _, u := range ups {
			if u.Tracking == "" || u.DedupKey == "" || u.OccurredAt.IsZero() || u.Provider != aftership.Provider {
				t.Fatalf("got incomplete update %+v", u)
			}
			if !slices.Contains(station.TrackingStatuses, u.Status) {
				t.Fatalf("got status %q, not in the vocabulary", u.Status)
			}
			if u.OccurredAt.Location() != time.UTC || (u.ETA != nil && u.ETA.Location() != time.UTC) {
				t.Fatalf("got times %v, %v; want UTC", u.OccurredAt, u.ETA)
			}
		}
	})
}
