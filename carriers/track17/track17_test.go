package track17_test

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

	"returns-station/carriers/track17"
	"returns-station/station"
)

// Research vector (research/carriers.md §8): body B4 and its sign with the
// key "17t-security-key".
const (
	b4       = `{"event":"TRACKING_UPDATED","data":{"number":"RR123456789CN","carrier":3011,"tag":"RMA-1001","track_info":{"latest_status":{"status":"Delivered","sub_status":"Delivered_Other"}}}}`
	b4Key    = "17t-security-key"
	b4Sign   = "e9d5f3bf8ef84d98d7bcbe80937a485a9503fc94dec2e84cf98d881624bc2676"
	ourKey   = "our-17track-key"
	returned = `{"event":"TRACKING_UPDATED","data":{"number":"RR123456789CN","carrier":3011,"param":null,"tag":"RMA-2002",
 "track_info":{"latest_status":{"status":"Exception","sub_status":"Exception_Returning","sub_status_descr":null},
  "latest_event":{"time_iso":"2026-01-01T10:00:00+08:00","time_utc":"2026-01-01T02:00:00Z","description":"退回寄件人","location":"杭州","stage":"Returning"},
  "time_metrics":{"estimated_delivery_date":{"source":"17TRACK","from":"2026-01-04T00:00:00+08:00","to":"2026-01-05T00:00:00+08:00"}},
  "tracking":{"providers":[{"provider":{"key":3011,"name":"China Post"},"events":[]}]}}}}`
)

var now = time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)

func header(sign string) http.Header {
	h := http.Header{}
	if sign != "" {
		h.Set(track17.Header, sign)
	}
	return h
}

func newHook(t testing.TB, keys ...string) *track17.Hook {
	t.Helper()
	h, err := track17.New(keys)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return h
}

func TestSignResearchVector(t *testing.T) {
	if got := track17.Sign([]byte(b4), b4Key); got != b4Sign {
		t.Errorf("got %s, want %s", got, b4Sign)
	}
}

func TestReceiveSignature(t *testing.T) {
	sum := sha256.Sum256([]byte(b4 + "/" + b4Key))
	noSlash := sha256.Sum256([]byte(b4 + b4Key))
	mac := hmac.New(sha256.New, []byte(b4Key))
	mac.Write([]byte(b4))
	var v any
	if err := json.Unmarshal([]byte(b4), &v); err != nil {
		t.Fatal(err)
	}
	indented, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		keys []string
		body string
		sign string
		code string
	}{
		{name: "research vector", keys: []string{b4Key}, body: b4, sign: b4Sign},
		{name: "our body and key", keys: []string{ourKey}, body: returned, sign: track17.Sign([]byte(returned), ourKey)},
		{name: "second of two keys", keys: []string{"old", b4Key}, body: b4, sign: b4Sign},
		{name: "trailing newline", keys: []string{b4Key}, body: b4 + "\n", sign: b4Sign, code: station.EUnauthorized},
		{name: "re-serialised JSON", keys: []string{b4Key}, body: string(indented), sign: b4Sign, code: station.EUnauthorized},
		{name: "upper-case hex", keys: []string{b4Key}, body: b4, sign: strings.ToUpper(b4Sign), code: station.EUnauthorized},
		{name: "base64 instead of hex", keys: []string{b4Key}, body: b4, sign: base64.StdEncoding.EncodeToString(sum[:]), code: station.EUnauthorized},
		{name: "HMAC instead of a plain hash", keys: []string{b4Key}, body: b4, sign: hex.EncodeToString(mac.Sum(nil)), code: station.EUnauthorized},
		{name: "no slash before the key", keys: []string{b4Key}, body: b4, sign: hex.EncodeToString(noSlash[:]), code: station.EUnauthorized},
		{name: "wrong key", keys: []string{ourKey}, body: b4, sign: b4Sign, code: station.EUnauthorized},
		{name: "no header", keys: []string{b4Key}, body: b4, sign: "", code: station.EUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ups, err := newHook(t, tt.keys...).Receive(header(tt.sign), []byte(tt.body), now)
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

func TestParse(t *testing.T) {
	eta := time.Date(2026, 1, 4, 16, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		body string
		want []station.TrackingUpdate
	}{
		{name: "research body: delivered, no event, dated now", body: b4, want: []station.TrackingUpdate{{
			Provider: "track17", DedupKey: "track17:RR123456789CN||Delivered|Delivered_Other", Tracking: "RR123456789CN", Carrier: "CHINAPOST",
			Status: station.TrackDelivered, RawStatus: "Delivered", RawSubstatus: "Delivered_Other", OccurredAt: now}}},
		{name: "returning to sender, dated by the latest event", body: returned, want: []station.TrackingUpdate{{
			Provider: "track17", DedupKey: "track17:RR123456789CN|2026-01-01T02:00:00Z|Exception|Exception_Returning", Tracking: "RR123456789CN",
			Carrier: "CHINAPOST", Status: station.TrackReturnToSender, RawStatus: "Exception", RawSubstatus: "Exception_Returning",
			OccurredAt: time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC), Location: "杭州", Description: "退回寄件人", ETA: &eta}}},
		{name: "only time_iso", body: `{"event":"TRACKING_UPDATED","data":{"number":"1z999aa10123456784","carrier":0,"track_info":{"latest_status":{"status":"InTransit","sub_status":"InTransit_Departure"},"latest_event":{"time_iso":"2026-01-01T09:30:00-05:00"}}}}`,
			want: []station.TrackingUpdate{{Provider: "track17", DedupKey: "track17:1Z999AA10123456784|2026-01-01T14:30:00Z|InTransit|InTransit_Departure",
				Tracking: "1Z999AA10123456784", Carrier: "UPS", Status: station.TrackInTransit, RawStatus: "InTransit", RawSubstatus: "InTransit_Departure",
				OccurredAt: time.Date(2026, 1, 1, 14, 30, 0, 0, time.UTC)}}},
		{name: "tracking stopped, carrier key absent and the number's check digit wrong", body: `{"event":"TRACKING_STOPPED","data":{"number":"RR123456789CN","track_info":{"latest_status":{"status":"Expired","sub_status":"Expired_Other"},"latest_event":{"time_utc":"2026-01-01T00:00:00Z"}}}}`,
			want: []station.TrackingUpdate{{Provider: "track17", DedupKey: "track17:RR123456789CN|2026-01-01T00:00:00Z|Expired|Expired_Other",
				Tracking: "RR123456789CN", Carrier: "", Status: station.TrackException, RawStatus: "Expired", RawSubstatus: "Expired_Other",
				OccurredAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}},
		{name: "data as an array", body: `{"event":"TRACKING_UPDATED","data":[{"number":"A1","track_info":{"latest_status":{"status":"NotFound"}}},{"number":"A2","track_info":{"latest_status":{"status":"InfoReceived"}}}]}`,
			want: []station.TrackingUpdate{
				{Provider: "track17", DedupKey: "track17:A1||NotFound|", Tracking: "A1", Status: station.TrackUnknown, RawStatus: "NotFound", OccurredAt: now},
				{Provider: "track17", DedupKey: "track17:A2||InfoReceived|", Tracking: "A2", Status: station.TrackLabelCreated, RawStatus: "InfoReceived", OccurredAt: now}}},
		{name: "other event", body: `{"event":"SOMETHING_NEW","data":{}}`, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := track17.Parse([]byte(tt.body), now)
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
		{name: "not JSON", body: `sign=x`, field: "body"},
		{name: "no data", body: `{"event":"TRACKING_UPDATED"}`, field: "data"},
		{name: "null data", body: `{"event":"TRACKING_UPDATED","data":null}`, field: "data"},
		{name: "no number", body: `{"event":"TRACKING_UPDATED","data":{"track_info":{}}}`, field: "data.number"},
		{name: "no track_info", body: `{"event":"TRACKING_UPDATED","data":{"number":"A1"}}`, field: "data.track_info"},
		{name: "carrier as text", body: `{"event":"TRACKING_UPDATED","data":{"number":"A1","carrier":"3011"}}`, field: "data.carrier"},
		{name: "bad time_utc", body: `{"event":"TRACKING_UPDATED","data":{"number":"A1","track_info":{"latest_event":{"time_utc":"yesterday"}}}}`, field: "data.track_info.latest_event.time_utc"},
		{name: "time_iso without offset", body: `{"event":"TRACKING_UPDATED","data":{"number":"A1","track_info":{"latest_event":{"time_iso":"2026-01-01T10:00:00"}}}}`, field: "data.track_info.latest_event.time_iso"},
		{name: "second of an array", body: `{"event":"TRACKING_UPDATED","data":[{"number":"A1","track_info":{}},{"track_info":{}}]}`, field: "data[1].number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ups, err := track17.Parse([]byte(tt.body), now)
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
	if _, err := track17.New([]string{"", ""}); station.ErrorCode(err) != station.EInvalid {
		t.Errorf("got %v, want EInvalid without keys", err)
	}
}

func TestCarrier(t *testing.T) {
	if got := track17.Carrier(3011); got != "CHINAPOST" {
		t.Errorf("got %q, want CHINAPOST", got)
	}
	if got := track17.CarrierKey("CHINAPOST"); got != 3011 {
		t.Errorf("got %d, want 3011", got)
	}
	if got := track17.CarrierKey("SF"); got != 0 {
		t.Errorf("got %d, want 0 for a carrier without a known key", got)
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
