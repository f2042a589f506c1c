package stdwebhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"returns-station/carriers/stdwebhook"
	"returns-station/station"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte(event))
	f.Add([]byte(specBody))
	f.Add([]byte(`{"type":"tracking.updated","timestamp":"2026-01-01T00:15:00Z","data":` + event + `}`))
	f.Add([]byte(`{"type":"tracking.updated","data":{"tracking":7}}`))
	f.Add([]byte(`{"type":"tracking.updated","data":"SF1"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ups, err := stdwebhook.Parse("msg_1", body)
		if err != nil {
			if station.ErrorCode(err) != station.EInvalid || len(station.Fields(err)) == 0 || ups != nil {
				t.Fatalf("got %v, %v; want EInvalid naming fields and no updates", ups, err)
			}
			return
		}
		if len(ups) != 1 {
			t.Fatalf("got %d updates, want 1", len(ups))
		}
		u := ups[0]
		if u.Tracking == "" || u.DedupKey != "webhook:msg_1" || u.OccurredAt.IsZero() || u.Provider != stdwebhook.Provider {
			t.Fatalf("got incomplete update %+v", u)
		}
		if !slices.Contains(station.TrackingStatuses, u.Status) {
			t.Fatalf("got status %q, not in the vocabulary", u.Status)
		}
	})
}

// FuzzVerify feeds arbitrary headers: Verify must never panic, and must
// accept only a header holding the true signature of id, the timestamp as
// sent, and body.
func FuzzVerify(f *testing.F) {
	f.Add(specID, "1614265330", specSig, []byte(specBody))
	f.Add(specID, "1614265330", "v1,AAAA "+specSig, []byte(specBody))
	f.Add("", "-1", "v1,", []byte{})
	f.Add(specID, "99999999999999999999", "v1a,x v2,y", []byte(specBody))
	h, err := stdwebhook.New([]string{specSecret})
	if err != nil {
		f.Fatal(err)
	}
	key, err := stdwebhook.Key(specSecret)
	if err != nil {
		f.Fatal(err)
	}
	now := time.Unix(specTS, 0)
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		header := http.Header{}
		header.Set("webhook-id", id)
		header.Set("webhook-timestamp", ts)
		header.Set("webhook-signature", sig)
		err := h.Verify(header, body, now)
		if err != nil {
			if station.ErrorCode(err) != station.EUnauthorized {
				t.Fatalf("got %v, want EUnauthorized", err)
			}
			return
		}
		m := hmac.New(sha256.New, key)
		m.Write([]byte(header.Get("webhook-id") + "." + header.Get("webhook-timestamp") + "."))
		m.Write(body)
		want := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
		if !slices.Contains(strings.Split(header.Get("webhook-signature"), " "), want) {
			t.Fatalf("accepted signature header %q without %q", sig, want)
		}
	})
}
