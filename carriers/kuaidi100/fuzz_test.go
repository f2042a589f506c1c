package kuaidi100_test

import (
	"slices"
	"testing"
	"time"

	"returns-station/carriers/kuaidi100"
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
		return
	}
	for _, u := range ups {
		if u.Tracking == "" || u.DedupKey == "" || u.OccurredAt.IsZero() || u.Provider != kuaidi100.Provider {
			t.Fatalf("got incomplete update %+v", u)
		}
		if u.Tracking != station.NormalizeTracking(u.Tracking) {
			t.Fatalf("got tracking %q, not normalised", u.Tracking)
		}
		if !slices.Contains(station.TrackingStatuses, u.Status) {
			t.Fatalf("got status %q, not in the vocabulary", u.Status)
		}
		if u.OccurredAt.Location() != time.UTC {
			t.Fatalf("got time %v, want UTC", u.OccurredAt)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(researchParam))
	f.Add([]byte(ourParam))
	f.Add([]byte(`{"status":"abort","lastResult":{"nu":"X1","data":[]}}`))
	f.Fuzz(func(t *testing.T, param []byte) {
		ups, err := kuaidi100.Parse(param, now)
		checkOutcome(t, ups, err)
		if err == nil && len(ups) != 1 {
			t.Fatalf("got %d updates, want 1", len(ups))
		}
	})
}

func FuzzParseQuery(f *testing.F) {
	f.Add([]byte(`{"message":"ok","nu":"YT0000000000001","ischeck":"0","com":"yuantong","status":"200","state":"0","data":[{"ftime":"2026-01-01 09:00:00"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ups, err := kuaidi100.ParseQuery(body, now)
		checkOutcome(t, ups, err)
	})
}

// FuzzReceive feeds whole form bodies, signed or not, through a Hook: it
// must never panic, and must accept only what Sign produced.
func FuzzReceive(f *testing.F) {
	f.Add(string(form(researchParam, researchSign)))
	f.Add(string(form(ourParam, kuaidi100.Sign(ourParam, researchSalt))))
	f.Add("param=%7B%7D&sign=")
	h, err := kuaidi100.New([]string{researchSalt})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string) {
		ups, err := h.Receive(nil, []byte(body), now)
		if station.ErrorCode(err) == station.EUnauthorized {
			return
		}
		checkOutcome(t, ups, err)
		if err == nil {
			param, sign, ferr := kuaidi100.Form([]byte(body))
			if ferr != nil || sign != kuaidi100.Sign(param, researchSalt) {
				t.Fatalf("accepted a body not signed with the salt: %q", body)
			}
		}
	})
}
