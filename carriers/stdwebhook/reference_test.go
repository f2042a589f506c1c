package stdwebhook_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"returns-station/station"
)

// TestReferenceSenderBothForms signs deliveries with the Standard Webhooks
// reference library, as an integrator following the specification would,
// in both payload forms: the flat event and the specification's recommended
// envelope {"type", "timestamp", "data"}. Both are verified and read to the
// same update; a malformed envelope names the field inside data.
func TestReferenceSenderBothForms(t *testing.T) {
	sender, err := standardwebhooks.NewWebhook(ourSecret)
	if err != nil {
		t.Fatal(err)
	}
	hook := newHook(t, ourSecret)
	now := time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC)
	const flat = `{"tracking":"SF1234567890123","status":"out_for_delivery","occurred_at":"2026-01-01T08:15:00+08:00","location":"Hangzhou"}`
	deliver := func(id, body string) ([]station.TrackingUpdate, error) {
		sig, err := sender.Sign(id, now, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		h.Set(standardwebhooks.HeaderWebhookID, id)
		h.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(now.Unix(), 10))
		h.Set(standardwebhooks.HeaderWebhookSignature, sig)
		if err := sender.VerifyIgnoringTimestamp([]byte(body), h); err != nil {
			t.Fatalf("the reference library does not verify its own signature: %v", err)
		}
		return hook.Receive(h, []byte(body), now)
	}
	forms := map[string]string{
		"flat":     flat,
		"envelope": `{"type":"tracking.updated","timestamp":"2026-01-01T00:15:00Z","data":` + flat + `}`,
	}
	var got []station.TrackingUpdate
	for name, body := range forms {
		ups, err := deliver("msg_"+name, body)
		if err != nil {
			t.Fatalf("%s form refused: %v", name, err)
		}
		if len(ups) != 1 {
			t.Fatalf("%s form: %d updates, want 1", name, len(ups))
		}
		u := ups[0]
		if u.Tracking != "SF1234567890123" || u.Carrier != "SF" || u.Status != station.TrackOutForDelivery || u.Location != "Hangzhou" ||
			!u.OccurredAt.Equal(time.Date(2026, 1, 1, 0, 15, 0, 0, time.UTC)) || u.DedupKey != "webhook:msg_"+name {
			t.Errorf("%s form read as %+v", name, u)
		}
		u.DedupKey = ""
		got = append(got, u)
	}
	if got[0] != got[1] {
		t.Errorf("the two forms differ:\n%+v\n%+v", got[0], got[1])
	}

	_, err = deliver("msg_bad", `{"type":"tracking.updated","timestamp":"2026-01-01T00:15:00Z","data":{"status":"delivered"}}`)
	if station.ErrorCode(err) != station.EInvalid {
		t.Fatalf("envelope without tracking: %v, want invalid", err)
	}
	names := map[string]bool{}
	for _, f := range station.Fields(err) {
		names[f.Field] = true
	}
	if !names["data.tracking"] || !names["data.occurred_at"] {
		t.Errorf("envelope errors name %v, want data.tracking and data.occurred_at", station.Fields(err))
	}
}
