package stdwebhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"returns-station/carriers/stdwebhook"
	"returns-station/station"
)

// Research vectors (research/carriers.md §8): the specification's own, and ours over B3.
const (
	specSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTS     = 1614265330
	specBody   = `{"test": 2432232314}`
	specSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

	ourSecret = "whsec_c2VjcmV0LWtleS1mb3ItcmV0dXJucy13YXJlaG91c2U="
	ourID     = "msg_returns_0001"
	ourTS     = 1767225600
	b3        = `{"event":"track_updated","test":true,"data":{"carrier":"usps","tracking_number":"9205590164917312751089","tracking_status":{"status":"TRANSIT"}}}`
	b3Sig     = "v1,esGNFC+8/8ZOHGAsBqpPaGXTICVnFKygvJe2yf3lwDI="

	// event is a body in our documented format.
	event = `{"tracking":"sf 1234 5678 9012 3","carrier":"sf","status":"OUT_FOR_DELIVERY","occurred_at":"2026-01-01T08:15:00+08:00",
"location":"Hangzhou","description":"With the courier","eta":"2026-01-01T18:00:00+08:00","x_internal":"ignored"}`
)

func headers(id string, ts int64, sig string) http.Header {
	h := http.Header{}
	if id != "" {
		h.Set("webhook-id", id)
	}
	if ts != 0 {
		h.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	}
	if sig != "" {
		h.Set("webhook-signature", sig)
	}
	return h
}

func newHook(t testing.TB, secrets ...string) *stdwebhook.Hook {
	t.Helper()
	h, err := stdwebhook.New(secrets)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return h
}

func sign(t testing.TB, secret, id string, ts int64, body string) string {
	t.Helper()
	s, err := stdwebhook.Sign(secret, id, time.Unix(ts, 0), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSignResearchVectors(t *testing.T) {
	if got := sign(t, specSecret, specID, specTS, specBody); got != specSig {
		t.Errorf("spec vector: got %s, want %s", got, specSig)
	}
	if got := sign(t, ourSecret, ourID, ourTS, b3); got != b3Sig {
		t.Errorf("our vector: got %s, want %s", got, b3Sig)
	}
}

func TestVerify(t *testing.T) {
	at := time.Unix(specTS, 0)
	rawKeyMAC := func(key string) string { // the secret used as text, not base64-decoded
		m := hmac.New(sha256.New, []byte(key))
		m.Write([]byte(specID + "." + strconv.Itoa(specTS) + "." + specBody))
		return base64.StdEncoding.EncodeToString(m.Sum(nil))
	}
	sigBytes, err := base64.StdEncoding.DecodeString(specSig[3:])
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		secrets []string
		header  http.Header
		body    string
		now     time.Time
		ok      bool
	}{
		{name: "spec vector", secrets: []string{specSecret}, header: headers(specID, specTS, specSig), body: specBody, now: at, ok: true},
		{name: "our vector", secrets: []string{ourSecret}, header: headers(ourID, ourTS, b3Sig), body: b3, now: time.Unix(ourTS, 0), ok: true},
		{name: "secret without whsec_ prefix", secrets: []string{specSecret[6:]}, header: headers(specID, specTS, specSig), body: specBody, now: at, ok: true},
		{name: "second secret matches", secrets: []string{ourSecret, specSecret}, header: headers(specID, specTS, specSig), body: specBody, now: at, ok: true},
		{name: "only the second of several signatures matches", secrets: []string{specSecret},
			header: headers(specID, specTS, "v1,bm90IHRoZSByaWdodCBvbmU= "+specSig), body: specBody, now: at, ok: true},
		{name: "an ed25519 entry before ours", secrets: []string{specSecret},
			header: headers(specID, specTS, "v1a,AAAA "+specSig), body: specBody, now: at, ok: true},
		{name: "300 s old is still in time", secrets: []string{specSecret}, header: headers(specID, specTS, specSig), body: specBody, now: at.Add(300 * time.Second), ok: true},
		{name: "300 s in the future is still in time", secrets: []string{specSecret}, header: headers(specID, specTS, specSig), body: specBody, now: at.Add(-300 * time.Second), ok: true},
		{name: "301 s old", secrets: []string{specSecret}, header: headers(specID, specTS, specSig), body: specBody, now: at.Add(301 * time.Second)},
		{name: "301 s in the future", secrets: []string{specSecret}, header: headers(specID, specTS, specSig), body: specBody, now: at.Add(-301 * time.Second)},
		{name: "secret used as text, not base64-decoded", secrets: []string{specSecret},
			header: headers(specID, specTS, "v1,"+rawKeyMAC(specSecret)), body: specBody, now: at},
		{name: "base64 text of the secret used as the key", secrets: []string{specSecret},
			header: headers(specID, specTS, "v1,"+rawKeyMAC(specSecret[6:])), body: specBody, now: at},
		{name: "hex instead of base64", secrets: []string{specSecret}, header: headers(specID, specTS, "v1,"+hex.EncodeToString(sigBytes)), body: specBody, now: at},
		{name: "right signature under another version", secrets: []string{specSecret}, header: headers(specID, specTS, "v1a,"+specSig[3:]), body: specBody, now: at},
		{name: "comma-separated instead of space-separated", secrets: []string{specSecret}, header: headers(specID, specTS, "v1,AAAA,"+specSig), body: specBody, now: at},
		{name: "Stripe-style header", secrets: []string{specSecret}, header: headers(specID, specTS, "t="+strconv.Itoa(specTS)+",v1="+hex.EncodeToString(sigBytes)), body: specBody, now: at},
		{name: "trailing newline", secrets: []string{specSecret}, header: headers(specID, specTS, specSig), body: specBody + "\n", now: at},
		{name: "re-serialised JSON", secrets: []string{specSecret}, header: headers(specID, specTS, specSig), body: `{"test":2432232314}`, now: at},
		{name: "another message id", secrets: []string{specSecret}, header: headers("msg_other", specTS, specSig), body: specBody, now: at},
		{name: "wrong secret", secrets: []string{ourSecret}, header: headers(specID, specTS, specSig), body: specBody, now: at},
		{name: "no id", secrets: []string{specSecret}, header: headers("", specTS, specSig), body: specBody, now: at},
		{name: "no timestamp", secrets: []string{specSecret}, header: headers(specID, 0, specSig), body: specBody, now: at},
		{name: "no signature", secrets: []string{specSecret}, header: headers(specID, specTS, ""), body: specBody, now: at},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := newHook(t, tt.secrets...).Verify(tt.header, []byte(tt.body), tt.now)
			if tt.ok && err != nil {
				t.Fatalf("got %v, want no error", err)
			}
			if !tt.ok && station.ErrorCode(err) != station.EUnauthorized {
				t.Fatalf("got %v, want EUnauthorized", err)
			}
		})
	}
}

func TestVerifyTimestampNotSeconds(t *testing.T) {
	h := headers(specID, 0, specSig)
	for _, ts := range []string{"1614265330.0", "1614265330000x", "2021-02-25T15:02:10Z"} {
		h.Set("webhook-timestamp", ts)
		if err := newHook(t, specSecret).Verify(h, []byte(specBody), time.Unix(specTS, 0)); station.ErrorCode(err) != station.EUnauthorized {
			t.Errorf("timestamp %q: got %v, want EUnauthorized", ts, err)
		}
	}
}

func TestReceive(t *testing.T) {
	ts := int64(1767226000)
	h := headers("msg_ours_1", ts, sign(t, ourSecret, "msg_ours_1", ts, event))
	ups, err := newHook(t, ourSecret).Receive(h, []byte(event), time.Unix(ts+10, 0))
	if err != nil {
		t.Fatal(err)
	}
	eta := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	want := station.TrackingUpdate{Provider: "webhook", DedupKey: "webhook:msg_ours_1", Tracking: "SF1234567890123", Carrier: "SF",
		Status: station.TrackOutForDelivery, RawStatus: "OUT_FOR_DELIVERY", OccurredAt: time.Date(2026, 1, 1, 0, 15, 0, 0, time.UTC),
		Location: "Hangzhou", Description: "With the courier", ETA: &eta}
	if len(ups) != 1 || !equal(ups[0], want) {
		t.Errorf("got %+v, want %+v", ups, want)
	}
	// A stale replay of the same delivery is refused before its body is read.
	if _, err := newHook(t, ourSecret).Receive(h, []byte(event), time.Unix(ts+301, 0)); station.ErrorCode(err) != station.EUnauthorized {
		t.Errorf("got %v, want EUnauthorized for a replay", err)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		want   station.TrackingUpdate
		fields []string // EInvalid expected, with these fields
	}{
		{name: "karrio status, carrier recognised from the number",
			body: `{"tracking":"1Z999AA10123456784","status":"picked_up","occurred_at":"2026-01-01T09:00:00-05:00","signed_by":""}`,
			want: station.TrackingUpdate{Provider: "webhook", DedupKey: "webhook:id", Tracking: "1Z999AA10123456784", Carrier: "UPS", Status: station.TrackInTransit,
				RawStatus: "picked_up", OccurredAt: time.Date(2026, 1, 1, 14, 0, 0, 0, time.UTC)}},
		{name: "ShipEngine code with detail",
			body: `{"tracking":"X1","carrier":"jd","status":"IT","substatus":"AWAITING_COLLECTION_FROM_PICKUP_POINT","occurred_at":"2026-01-01T00:00:00Z","signed_by":"前台"}`,
			want: station.TrackingUpdate{Provider: "webhook", DedupKey: "webhook:id", Tracking: "X1", Carrier: "JD", Status: station.TrackAvailableForPick,
				RawStatus: "IT", RawSubstatus: "AWAITING_COLLECTION_FROM_PICKUP_POINT", OccurredAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), SignedBy: "前台"}},
		{name: "a status nobody knows is unknown, kept raw",
			body: `{"tracking":"X1","status":"teleported","occurred_at":"2026-01-01T00:00:00Z"}`,
			want: station.TrackingUpdate{Provider: "webhook", DedupKey: "webhook:id", Tracking: "X1", Status: station.TrackUnknown,
				RawStatus: "teleported", OccurredAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{name: "every missing field at once", body: `{"carrier":"SF"}`, fields: []string{"tracking", "status", "occurred_at"}},
		{name: "time without offset", body: `{"tracking":"X1","status":"delivered","occurred_at":"2026-01-01 10:00:00"}`, fields: []string{"occurred_at"}},
		{name: "bad eta", body: `{"tracking":"X1","status":"delivered","occurred_at":"2026-01-01T00:00:00Z","eta":"soon"}`, fields: []string{"eta"}},
		{name: "tracking as a number", body: `{"tracking":123,"status":"delivered"}`, fields: []string{"tracking"}},
		{name: "not JSON", body: `tracking=X1`, fields: []string{"body"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ups, err := stdwebhook.Parse("id", []byte(tt.body))
			if tt.fields != nil {
				if station.ErrorCode(err) != station.EInvalid {
					t.Fatalf("got %v, want EInvalid", err)
				}
				var got []string
				for _, f := range station.Fields(err) {
					got = append(got, f.Field)
				}
				if !slices.Equal(got, tt.fields) {
					t.Errorf("got fields %v, want %v", got, tt.fields)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(ups) != 1 || !equal(ups[0], tt.want) {
				t.Errorf("got %+v, want %+v", ups, tt.want)
			}
		})
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		secrets []string
	}{
		{"none", nil},
		{"only empty", []string{""}},
		{"not base64", []string{"whsec_not*base64"}},
		{"empty key", []string{"whsec_"}},
		{"one good, one bad", []string{specSecret, "whsec_%%%"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := stdwebhook.New(tt.secrets); station.ErrorCode(err) != station.EInvalid {
				t.Errorf("got %v, want EInvalid", err)
			}
		})
	}
	if _, err := stdwebhook.Sign("whsec_%%%", "id", time.Unix(0, 0), nil); err == nil {
		t.Error("got no error signing with a secret that is not base64")
	}
}

func equal(a, b station.TrackingUpdate) bool {
	if (a.ETA == nil) != (b.ETA == nil) || (a.ETA != nil && !a.ETA.Equal(*b.ETA)) {
		return false
	}
	return a.OccurredAt.Equal(b.OccurredAt) && a.OccurredAt.Location() == time.UTC &&
		slices.Equal([]string{a.Provider, a.DedupKey, a.Tracking, a.Carrier, a.Status, a.RawStatus, a.RawSubstatus, a.Location, a.Description, a.SignedBy},
			[]string{b.Provider, b.DedupKey, b.Tracking, b.Carrier, b.Status, b.RawStatus, b.RawSubstatus, b.Location, b.Description, b.SignedBy})
}
