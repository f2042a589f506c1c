package easypost_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"returns-station/carriers/easypost"
	"returns-station/station"
)

// Research vectors (research/carriers.md §8): body B1 signed with
// "whk-test-1", and with "rückgabe-ß-é", whose NFKD form differs from its NFC form.
const (
	b1         = `{"description":"tracker.updated","object":"Event","result":{"object":"Tracker","tracking_code":"RT000000001","status":"delivered"}}`
	b1Secret   = "whk-test-1"
	b1Sig      = "hmac-sha256-hex=388c0f36d4c4584678480dd0d5ae35c0a415d572fb91e00dc6e09e510f7395ad"
	nfkdSecret = "rückgabe-ß-é" // written here in NFC
	nfkdSig    = "hmac-sha256-hex=311a2dbd4e4ee36b59c8b364c0818b30d7242f1b25221ba2b88704a3978e940d"
	// ours is a whole event of our own: a return tracker delivered to the warehouse.
	ours = `{"id":"evt_returns_0001","object":"Event","mode":"test","description":"tracker.updated",
 "previous_attributes":{"status":"out_for_delivery"},"created_at":"2026-01-01T20:00:00.000Z","updated_at":"2026-01-01T20:00:00.000Z",
 "user_id":"user_1","status":"pending","pending_urls":[],"completed_urls":[],
 "result":{"id":"trk_1","object":"Tracker","mode":"test","tracking_code":"9205590164917312751089","status":"delivered",
  "status_detail":"arrived_at_destination","signed_by":"J DOE","weight":614.4,"est_delivery_date":"2026-01-01T00:00:00Z",
  "shipment_id":null,"carrier":"USPS","is_return":true,"finalized":true,"created_at":"2025-12-30T12:00:00Z","updated_at":"2026-01-01T19:59:00Z",
  "carrier_detail":{"service":"Ground","est_delivery_date_local":"2026-01-01"},
  "tracking_details":[
   {"object":"TrackingDetail","message":"Accepted","status":"in_transit","status_detail":"received_at_origin_facility","datetime":"2025-12-30T15:00:00Z",
    "carrier_code":"03","tracking_location":{"object":"TrackingLocation","city":"RENO","state":"NV","country":"US","zip":"89501"}},
   {"object":"TrackingDetail","message":"Delivered, dock 3","status":"delivered","status_detail":"arrived_at_destination","datetime":"2026-01-01T18:30:00Z",
    "carrier_code":"01","tracking_location":{"object":"TrackingLocation","city":"SPARKS","state":"NV","country":"US","zip":null}}]}}`
	ourSecret = "our-easypost-secret"
)

var now = time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)

func newHook(t testing.TB, secrets ...string) *easypost.Hook {
	t.Helper()
	h, err := easypost.New(secrets)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return h
}

func hmacHex(key, body string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(body))
	return hex.EncodeToString(m.Sum(nil))
}

func TestSignResearchVectors(t *testing.T) {
	tests := []struct{ name, secret, want string }{
		{"ascii secret", b1Secret, b1Sig},
		{"NFKD secret", nfkdSecret, nfkdSig},
		{"NFKD secret written decomposed", norm.NFD.String(nfkdSecret), nfkdSig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := easypost.Sign([]byte(b1), tt.secret); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	if got, want := hex.EncodeToString([]byte(norm.NFKD.String(nfkdSecret))), "7275cc88636b676162652dc39f2d65cc81"; got != want {
		t.Errorf("NFKD key: got %s, want %s", got, want)
	}
	// The research file's value for the NFC key, which must not verify.
	if got := hmacHex(norm.NFC.String(nfkdSecret), b1); !strings.HasPrefix(got, "33dc6a93") || !strings.HasSuffix(got, "f3f2") {
		t.Errorf("NFC key: got %s, want 33dc6a93…f3f2", got)
	}
}

func TestVerify(t *testing.T) {
	var v any
	if err := json.Unmarshal([]byte(b1), &v); err != nil {
		t.Fatal(err)
	}
	indented, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	raw := hmac.New(sha256.New, []byte(b1Secret))
	raw.Write([]byte(b1))
	tests := []struct {
		name    string
		secrets []string
		body    string
		sig     string
		ok      bool
	}{
		{name: "research vector", secrets: []string{b1Secret}, body: b1, sig: b1Sig, ok: true},
		{name: "research NFKD vector", secrets: []string{nfkdSecret}, body: b1, sig: nfkdSig, ok: true},
		{name: "second of two secrets", secrets: []string{ourSecret, b1Secret}, body: b1, sig: b1Sig, ok: true},
		{name: "NFC key instead of NFKD", secrets: []string{nfkdSecret}, body: b1, sig: "hmac-sha256-hex=" + hmacHex(norm.NFC.String(nfkdSecret), b1)},
		{name: "trailing newline", secrets: []string{b1Secret}, body: b1 + "\n", sig: b1Sig},
		{name: "re-serialised JSON", secrets: []string{b1Secret}, body: string(indented), sig: b1Sig},
		{name: "upper-case hex", secrets: []string{b1Secret}, body: b1, sig: "hmac-sha256-hex=" + strings.ToUpper(strings.TrimPrefix(b1Sig, "hmac-sha256-hex="))},
		{name: "base64 instead of hex", secrets: []string{b1Secret}, body: b1, sig: "hmac-sha256-hex=" + base64.StdEncoding.EncodeToString(raw.Sum(nil))},
		{name: "no prefix", secrets: []string{b1Secret}, body: b1, sig: strings.TrimPrefix(b1Sig, "hmac-sha256-hex=")},
		{name: "wrong secret", secrets: []string{ourSecret}, body: b1, sig: b1Sig},
		{name: "empty header", secrets: []string{b1Secret}, body: b1, sig: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := newHook(t, tt.secrets...).Verify(tt.sig, []byte(tt.body))
			if tt.ok && err != nil {
				t.Fatalf("got %v, want no error", err)
			}
			if !tt.ok && station.ErrorCode(err) != station.EUnauthorized {
				t.Fatalf("got %v, want EUnauthorized", err)
			}
		})
	}
}

func TestReceive(t *testing.T) {
	h := http.Header{}
	h.Set("X-Hmac-Signature", easypost.Sign([]byte(ours), ourSecret))
	ups, err := newHook(t, ourSecret).Receive(h, []byte(ours), now)
	if err != nil {
		t.Fatal(err)
	}
	eta := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	want := station.TrackingUpdate{Provider: "easypost", DedupKey: "easypost:evt_returns_0001", Tracking: "9205590164917312751089", Carrier: "USPS",
		Status: station.TrackDelivered, RawStatus: "delivered", RawSubstatus: "arrived_at_destination",
		OccurredAt: time.Date(2026, 1, 1, 18, 30, 0, 0, time.UTC), Location: "SPARKS, NV, US", Description: "Delivered, dock 3",
		SignedBy: "J DOE", ETA: &eta}
	if len(ups) != 1 || !equal(ups[0], want) {
		t.Errorf("got %+v, want %+v", ups, want)
	}

	// The research body B1 is genuine but has no event id: refused as malformed.
	h.Set("X-Hmac-Signature", b1Sig)
	if _, err := newHook(t, b1Secret).Receive(h, []byte(b1), now); station.ErrorCode(err) != station.EInvalid || station.Fields(err)[0].Field != "id" {
		t.Errorf("got %v, want EInvalid naming id", err)
	}
	h.Del("X-Hmac-Signature")
	if _, err := newHook(t, ourSecret).Receive(h, []byte(ours), now); station.ErrorCode(err) != station.EUnauthorized {
		t.Errorf("got %v, want EUnauthorized without a signature", err)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []station.TrackingUpdate
	}{
		{name: "no details: dated by the tracker", body: `{"id":"evt_2","description":"tracker.created","created_at":"2026-01-01T00:00:00.000Z",
"result":{"object":"Tracker","tracking_code":"1Z999AA10123456784","status":"pre_transit","status_detail":"label_created","carrier":"UPS","updated_at":"2025-12-31T23:00:00Z","signed_by":null,"est_delivery_date":null}}`,
			want: []station.TrackingUpdate{{Provider: "easypost", DedupKey: "easypost:evt_2", Tracking: "1Z999AA10123456784", Carrier: "UPS",
				Status: station.TrackLabelCreated, RawStatus: "pre_transit", RawSubstatus: "label_created", OccurredAt: time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC)}}},
		{name: "failure with lost: exception; carrier by name", body: `{"id":"evt_3","description":"tracker.updated","result":{"object":"Tracker","tracking_code":"JJD0001234567890","carrier":"DHLExpress","status":"failure","status_detail":"lost","tracking_details":[{"datetime":"2026-01-01T10:00:00+01:00","message":"Lost"}]}}`,
			want: []station.TrackingUpdate{{Provider: "easypost", DedupKey: "easypost:evt_3", Tracking: "JJD0001234567890", Carrier: "DHL",
				Status: station.TrackException, RawStatus: "failure", RawSubstatus: "lost", OccurredAt: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC), Description: "Lost"}}},
		{name: "no time at all: dated now", body: `{"id":"evt_4","description":"tracker.updated","result":{"tracking_code":"X1","status":"in_transit","status_detail":"refused"}}`,
			want: []station.TrackingUpdate{{Provider: "easypost", DedupKey: "easypost:evt_4", Tracking: "X1", Status: station.TrackReturnToSender,
				RawStatus: "in_transit", RawSubstatus: "refused", OccurredAt: now}}},
		{name: "not about a tracker", body: `{"id":"evt_5","description":"batch.created","result":{"object":"Batch"}}`},
		{name: "result of another type", body: `{"id":"evt_6","description":"tracker.updated","result":{"object":"Refund"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := easypost.Parse([]byte(tt.body), now)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(got, tt.want, equal) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		field string
	}{
		{name: "not JSON", body: `id=evt`, field: "body"},
		{name: "no result", body: `{"id":"e","description":"tracker.updated"}`, field: "result"},
		{name: "no id", body: b1, field: "id"},
		{name: "no tracking code", body: `{"id":"e","description":"tracker.updated","result":{"object":"Tracker"}}`, field: "result.tracking_code"},
		{name: "status as a number", body: `{"id":"e","description":"tracker.updated","result":{"tracking_code":"X1","status":3}}`, field: "result.status"},
		{name: "bad detail time", body: `{"id":"e","description":"tracker.updated","result":{"tracking_code":"X1","tracking_details":[{},{"datetime":"31/12/2025"}]}}`, field: "result.tracking_details[1].datetime"},
		{name: "bad updated_at", body: `{"id":"e","description":"tracker.updated","result":{"tracking_code":"X1","updated_at":"now"}}`, field: "result.updated_at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ups, err := easypost.Parse([]byte(tt.body), now)
			if station.ErrorCode(err) != station.EInvalid {
				t.Fatalf("got %v, want EInvalid", err)
			}
			if f := station.Fields(err); len(f) != 1 || f[0].Field != tt.field {
				t.Errorf("got fields %v, want %s", f, tt.field)
			}
			if ups != nil {
				t.Errorf("got %v, want no updates", ups)
			}
		})
	}
}

func TestNew(t *testing.T) {
	if _, err := easypost.New([]string{""}); station.ErrorCode(err) != station.EInvalid {
		t.Errorf("got %v, want EInvalid without secrets", err)
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
