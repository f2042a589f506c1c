package easypost_test

import (
	"slices"
	"testing"
	"time"

	"returns-station/carriers/easypost"
	"returns-station/station"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte(b1))
	f.Add([]byte(ours))
	f.Fuzz(func(t *testing.T, body []byte) {
		ups, err := easypost.Parse(body, now)
		if err != nil {
			if station.ErrorCode(err) != station.EInvalid || len(station.Fields(err)) == 0 || ups != nil {
				t.Fatalf("got %v, %v; want EInvalid naming a field and no updates", ups, err)
			}
			return
		}
		for _, u := range ups {
			if u.Tracking == "" || u.DedupKey == "" || u.OccurredAt.IsZero() || u.Provider != easypost.Provider {
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

// FuzzVerify: whatever the secret, the signature Sign makes verifies, and
// the same signature over a body one byte longer does not.
func FuzzVerify(f *testing.F) {
	f.Add("sécret", []byte(b1))
	f.Add("rückgabe-ß-é", []byte(""))
	f.Add("ﬁ①", []byte("{}")) // compatibility characters that NFKD rewrites
	f.Fuzz(func(t *testing.T, secret string, body []byte) {
		h, err := easypost.New([]string{secret})
		if secret == "" {
			if err == nil {
				t.Fatal("got a Hook without a secret")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		sig := easypost.Sign(body, secret)
		if err := h.Verify(sig, body); err != nil {
			t.Fatalf("own signature refused: %v", err)
		}
		if err := h.Verify(sig, append(body, '\n')); station.ErrorCode(err) != station.EUnauthorized {
			t.Fatalf("got %v for a changed body, want EUnauthorized", err)
		}
	})
}
