package aftership_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"returns-station/carriers/aftership"
	"returns-station/station"
)

// Research vector (research/carriers.md §8): body B2 signed with "as-secret-123".
const (
	b2       = `{"event":"tracking_update","event_id":"0b6f2c1e-8d1a-4c7e-9a55-3f1e2d4c5b6a","is_tracking_first_tag":false,"msg":{"tracking_number":"YT2412345678901","slug":"yunexpress","tag":"Delivered"},"ts":1767225600}`
	b2Secret = "as-secret-123"
	b2Sig    = "US4jyXIq5A3iFkJIp8CJz7FNB6j453Ku0oTiE6dd3nI="
	// refused: our own body, a return refused at the door and on its way back.
	refused = `{"event":"tracking_update","event_id":"5d0c1f7a-0e8b-4a5e-9b59-2a3f6c7d8e90","is_tracking_first_tag":true,"ts":1767229200,
 "msg":{"id":"trk-1","tracking_number":"SF1234567890123","slug":"sf-express","tag":"Exception","subtag":"Exception_011",
  "subtag_message":"Returning to sender","return_to_sender":true,"signed_by":null,"expected_delivery":"2026-01-05",
  "checkpoints":[
   {"slug":"sf-express","checkpoint_time":"2026-01-01T08:00:00+08:00","created_at":"2026-01-01T00:05:00Z","message":"Picked up","tag":"InTransit","subtag":"InTransit_001","city":"Shenzhen","country_iso3":"CHN"},
   {"slug":"sf-express","checkpoint_time":"2026-01-01T18:00:00","created_at":"2026-01-01T10:20:00Z","message":"Refused by recipient, returning","tag":"Exception","subtag":"Exception_011","city":"Hangzhou","state":"Zhejiang","country_iso3":"CHN"}]}}`
	ourSecret = "our-aftership-secret"
)

var now = time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)

func header(sig string) http.Header {
	h := http.Header{}
	if sig != "" {
		h.Set("aftership-hmac-sha256", sig)
	}
	return h
}

func newHook(t testing.TB, secrets ...string) *aftership.Hook {
	t.Helper()
	h, err := aftership.New(secrets)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return h
}

func TestSignResearchVector(t *testing.T) {
	if got := aftership.Sign([]byte(b2), b2Secret); got != b2Sig {
		t.Errorf("got %s, want %s", got, b2Sig)
	}
}

func TestReceiveSignature(t *testing.T) {
	mac := hmac.New(sha256.New, []byte(b2Secret))
	mac.Write([]byte(b2))
	var v any
	if err := json.Unmarshal([]byte(b2), &v); err != nil {
		t.Fatal(err)
	}
	sorted, err := json.Marshal(v) // keys sorted: same content, other bytes
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		secrets []string
		body    string
		sig     string
		code    string
	}{
		{name: "research vector", secrets: []string{b2Secret}, body: b2, sig: b2Sig},
		{name: "our body and secret", secrets: []string{ourSecret}, body: refused, sig: aftership.Sign([]byte(refused), ourSecret)},
		{name: "second of two secrets", secrets: []string{ourSecret, b2Secret}, body: b2, sig: b2Sig},
		{name: "trailing newline", secrets: []string{b2Secret}, body: b2 + "\n", sig: b2Sig, code: station.EUnauthorized},
		{name: "re-serialised JSON", secrets: []string{b2Secret}, body: string(sorted), sig: b2Sig, code: station.EUnauthorized},
		{name: "hex instead of base64", secrets: []string{b2Secret}, body: b2, sig: hex.EncodeToString(mac.Sum(nil)), code: station.EUnauthorized},
		{name: "not base64", secrets: []string{b2Secret}, body: b2, sig: "hmac-sha256=???", code: station.EUnauthorized},
		{name: "truncated", secrets: []string{b2Secret}, body: b2, sig: b2Sig[:20] + "==", code: station.EUnauthorized},
		{name: "wrong secret", secrets: []string{ourSecret}, body: b2, sig: b2Sig, code: station.EUnauthorized},
		{name: "no header", secrets: []string{b2Secret}, body: b2, sig: "", code: station.EUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ups, err := newHook(t, tt.secrets...).Receive(header(tt.sig), []byte(tt.body), now)
			if got := station.ErrorCode(err); got != tt.code {
				t.Fatalf("got code %q (%v), want %q", got, err, tt.code)
			}
			if tt.code == "" && len(ups) != 1 {
				t.Errorf("got %d updates, want 1", len(ups))
			}
			if tt.code != "" && ups != nil {
				t.Errorf("got updates %v, want none", ups)
			}
		})
	}
}

func TestReceiveReturnsProductHeader(t *testing.T) {
	// AfterShip Returns signs into as-signature-hmac-sha256; a Tracking hook must not accept it.
	h := http.Header{}
	h.Set("as-signature-hmac-sha256", b2Sig)
	if _, err := newHook(t, b2Secret).Receive(h, []byte(b2), now); station.ErrorCode(err) != station.EUnauthorized {
		t.Errorf("got %v, want EUnauthorized", err)
	}
}

func TestParse(t *testing.T) {
	eta := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		body string
		want []station.TrackingUpdate
	}{
		{name: "research body: delivered, dated by ts", body: b2, want: []station.TrackingUpdate{{
			Provider: "aftership", DedupKey: "aftership:0b6f2c1e-8d1a-4c7e-9a55-3f1e2d4c5b6a", Tracking: "YT2412345678901", Carrier: "YTO",
			Status: station.TrackDelivered, RawStatus: "Delivered", OccurredAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}},
		{name: "return to sender, last checkpoint without offset read in China time", body: refused, want: []station.TrackingUpdate{{
			Provider: "aftership", DedupKey: "aftership:5d0c1f7a-0e8b-4a5e-9b59-2a3f6c7d8e90", Tracking: "SF1234567890123", Carrier: "SF",
			Status: station.TrackReturnToSender, RawStatus: "Exception", RawSubstatus: "Exception_011",
			OccurredAt: time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC), Location: "Hangzhou, Zhejiang, CHN",
			Description: "Refused by recipient, returning", ETA: &eta}}},
		{name: "checkpoint event returned_to_sender", body: `{"event":"tracking_update","event_id":"e1","msg":{"tracking_number":"9205590164917312751089","slug":"usps","tag":"InTransit","subtag":"InTransit_002",
"checkpoints":[{"checkpoint_time":"2026-01-01T09:00:00-05:00","message":"Return to sender processed","location":"RENO, NV","events":[{"code":"returned_to_sender"}]}]}}`,
			want: []station.TrackingUpdate{{Provider: "aftership", DedupKey: "aftership:e1", Tracking: "9205590164917312751089", Carrier: "USPS",
				Status: station.TrackReturnToSender, RawStatus: "InTransit", RawSubstatus: "InTransit_002",
				OccurredAt: time.Date(2026, 1, 1, 14, 0, 0, 0, time.UTC), Location: "RENO, NV", Description: "Return to sender processed"}}},
		{name: "no offset, zone unknown: dated by created_at", body: `{"event":"tracking_update","event_id":"e2","msg":{"tracking_number":"1Z999AA10123456784","slug":"ups","tag":"AttemptFail","subtag":"AttemptFail_001","signed_by":" ",
"checkpoints":[{"checkpoint_time":"2026-01-01T09:00:00","created_at":"2026-01-01T15:10:00Z","country_iso3":"USA","city":"Reno"}]}}`,
			want: []station.TrackingUpdate{{Provider: "aftership", DedupKey: "aftership:e2", Tracking: "1Z999AA10123456784", Carrier: "UPS",
				Status: station.TrackDeliveryFailed, RawStatus: "AttemptFail", RawSubstatus: "AttemptFail_001",
				OccurredAt: time.Date(2026, 1, 1, 15, 10, 0, 0, time.UTC), Location: "Reno, USA"}}},
		{name: "legacy body without event or event_id: key derived", body: `{"msg":{"tracking_number":"x-1","tag":"InfoReceived","subtag":"InfoReceived_001"},"ts":1767225600}`,
			want: []station.TrackingUpdate{{Provider: "aftership", DedupKey: "aftership:X1|2026-01-01T00:00:00Z|InfoReceived|InfoReceived_001", Tracking: "X1",
				Status: station.TrackLabelCreated, RawStatus: "InfoReceived", RawSubstatus: "InfoReceived_001", OccurredAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}},
		{name: "estimate revised: no update", body: `{"event":"edd_revise","event_id":"e3","msg":{"tracking_number":"X1"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := aftership.Parse([]byte(tt.body), now)
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
		{name: "not JSON", body: `<xml/>`, field: "body"},
		{name: "no msg", body: `{"event":"tracking_update","event_id":"e"}`, field: "msg"},
		{name: "no number", body: `{"event":"tracking_update","msg":{"tag":"Delivered"}}`, field: "msg.tracking_number"},
		{name: "ts as text", body: `{"ts":"1767225600","msg":{}}`, field: "ts"},
		{name: "return_to_sender as text", body: `{"msg":{"tracking_number":"X1","return_to_sender":"yes"}}`, field: "msg.return_to_sender"},
		{name: "checkpoint time unreadable", body: `{"msg":{"tracking_number":"X1","checkpoints":[{"checkpoint_time":"01/01/2026"}]}}`, field: "msg.checkpoints[0].checkpoint_time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ups, err := aftership.Parse([]byte(tt.body), now)
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
	if _, err := aftership.New(nil); station.ErrorCode(err) != station.EInvalid {
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
