package carriers_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"returns-station/carriers"
	"returns-station/carriers/aftership"
	"returns-station/carriers/easypost"
	"returns-station/carriers/kuaidi100"
	"returns-station/carriers/stdwebhook"
	"returns-station/carriers/track17"
	"returns-station/station"
)

// CarrierHook is the interface the HTTP layer consumes; Hook must satisfy it exactly.
type CarrierHook interface {
	Receive(header http.Header, body []byte, now time.Time) (updates []station.TrackingUpdate, reply []byte, replyType string, err error)
}

var _ CarrierHook = carriers.Hook{}

var now = time.Date(2026, 1, 1, 0, 1, 0, 0, time.UTC)

// delivery is one signed webhook for a provider, as it arrives.
type delivery struct {
	header http.Header
	body   []byte
}

const (
	kdParam = `{"status":"polling","message":"","autoCheck":"0","comOld":"","comNew":"","lastResult":{"message":"ok","state":"0","status":"200","ischeck":"0","com":"yuantong","nu":"YT0000000000001","data":[{"context":"快件已到达 杭州转运中心+","ftime":"2025-12-31 21:00:00","areaName":"浙江,杭州市"}]}}`
	t17Body = `{"event":"TRACKING_UPDATED","data":{"number":"RR123456789CN","carrier":3011,"tag":"RMA-1001","track_info":{"latest_status":{"status":"Delivered","sub_status":"Delivered_Other"}}}}`
	asBody  = `{"event":"tracking_update","event_id":"0b6f2c1e-8d1a-4c7e-9a55-3f1e2d4c5b6a","is_tracking_first_tag":false,"msg":{"tracking_number":"YT2412345678901","slug":"yunexpress","tag":"Delivered"},"ts":1767225600}`
	epBody  = `{"id":"evt_1","object":"Event","description":"tracker.updated","result":{"object":"Tracker","tracking_code":"9205590164917312751089","carrier":"USPS","status":"in_transit","status_detail":"arrived_at_facility","tracking_details":[{"datetime":"2025-12-31T20:00:00Z","message":"Arrived"}]}}`
	whBody  = `{"tracking":"SF1234567890123","status":"in_transit","occurred_at":"2026-01-01T07:30:00+08:00"}`

	whSecret = "whsec_c2VjcmV0LWtleS1mb3ItcmV0dXJucy13YXJlaG91c2U="
)

// secrets and signed deliveries per provider (research vectors where they fit a whole body).
var secrets = map[string][]string{
	"kuaidi100": {"kd100-salt"},
	"track17":   {"17t-security-key"},
	"aftership": {"as-secret-123"},
	"easypost":  {"whk-test-1"},
	"webhook":   {whSecret},
}

func signed(t testing.TB, provider string) delivery {
	t.Helper()
	h := http.Header{}
	switch provider {
	case "kuaidi100":
		v := url.Values{"param": {kdParam}, "sign": {kuaidi100.Sign(kdParam, "kd100-salt")}}
		h.Set("Content-Type", "application/x-www-form-urlencoded")
		return delivery{h, []byte(v.Encode())}
	case "track17":
		h.Set("sign", track17.Sign([]byte(t17Body), "17t-security-key"))
		return delivery{h, []byte(t17Body)}
	case "aftership":
		h.Set("aftership-hmac-sha256", aftership.Sign([]byte(asBody), "as-secret-123"))
		return delivery{h, []byte(asBody)}
	case "easypost":
		h.Set("X-Hmac-Signature", easypost.Sign([]byte(epBody), "whk-test-1"))
		return delivery{h, []byte(epBody)}
	case "webhook":
		sig, err := stdwebhook.Sign(whSecret, "msg_1", now, []byte(whBody))
		if err != nil {
			t.Fatal(err)
		}
		h.Set("webhook-id", "msg_1")
		h.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
		h.Set("webhook-signature", sig)
		return delivery{h, []byte(whBody)}
	}
	t.Fatalf("no delivery for %s", provider)
	return delivery{}
}

func newHook(t testing.TB, provider string) carriers.Hook {
	t.Helper()
	h, err := carriers.New(provider, secrets[provider])
	if err != nil {
		t.Fatalf("New(%s): %v", provider, err)
	}
	return h
}

func TestReceive(t *testing.T) {
	tests := []struct {
		provider  string
		tracking  string
		status    string
		reply     string
		replyType string
	}{
		{"kuaidi100", "YT0000000000001", station.TrackInTransit, `{"result":true,"returnCode":"200","message":"成功"}`, "application/json; charset=utf-8"},
		{"track17", "RR123456789CN", station.TrackDelivered, "", ""},
		{"aftership", "YT2412345678901", station.TrackDelivered, "", ""},
		{"easypost", "9205590164917312751089", station.TrackInTransit, "", ""},
		{"webhook", "SF1234567890123", station.TrackInTransit, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.provider, func(t *testing.T) {
			h := newHook(t, tt.provider)
			if got := h.Provider(); got != tt.provider {
				t.Errorf("Provider: got %s, want %s", got, tt.provider)
			}
			d := signed(t, tt.provider)
			ups, reply, typ, err := h.Receive(d.header, d.body, now)
			if err != nil {
				t.Fatalf("got %v, want no error", err)
			}
			if len(ups) != 1 || ups[0].Tracking != tt.tracking || ups[0].Status != tt.status || ups[0].Provider != tt.provider {
				t.Fatalf("got %+v, want one %s update of %s, %s", ups, tt.provider, tt.tracking, tt.status)
			}
			if !strings.HasPrefix(ups[0].DedupKey, tt.provider+":") || len(ups[0].DedupKey) <= len(tt.provider)+1 {
				t.Errorf("got DedupKey %q, want %q and a key", ups[0].DedupKey, tt.provider+":")
			}
			if string(reply) != tt.reply || typ != tt.replyType {
				t.Errorf("got reply %q (%q), want %q (%q)", reply, typ, tt.reply, tt.replyType)
			}
		})
	}
}

func TestReceiveRefused(t *testing.T) {
	for _, p := range carriers.Providers() {
		t.Run(p+"/tampered", func(t *testing.T) {
			d := signed(t, p)
			body := bytes.Replace(d.body, []byte("0"), []byte("9"), 1) // one digit of the body changed
			ups, reply, _, err := newHook(t, p).Receive(d.header, body, now)
			if station.ErrorCode(err) != station.EUnauthorized || ups != nil {
				t.Fatalf("got %v, %v; want EUnauthorized and no updates", ups, err)
			}
			checkErrorReply(t, p, reply, "401")
		})
		t.Run(p+"/other secret", func(t *testing.T) {
			other := "whsec_" + "b3RoZXItc2VjcmV0LW9mLWVub3VnaC1sZW5ndGg="
			h, err := carriers.New(p, []string{other})
			if err != nil {
				t.Fatal(err)
			}
			d := signed(t, p)
			if _, _, _, err := h.Receive(d.header, d.body, now); station.ErrorCode(err) != station.EUnauthorized {
				t.Fatalf("got %v, want EUnauthorized", err)
			}
		})
		t.Run(p+"/too large", func(t *testing.T) {
			ups, reply, _, err := newHook(t, p).Receive(http.Header{}, make([]byte, carriers.MaxBody+1), now)
			if station.ErrorCode(err) != station.EInvalid || ups != nil {
				t.Fatalf("got %v, %v; want EInvalid and no updates", ups, err)
			}
			checkErrorReply(t, p, reply, "400")
		})
	}
}

// checkErrorReply: Kuaidi100 gets its failure JSON; the others get nothing,
// so that the HTTP layer writes its problem document.
func checkErrorReply(t *testing.T, provider string, reply []byte, code string) {
	t.Helper()
	if provider != "kuaidi100" {
		if reply != nil {
			t.Errorf("got reply %s, want none", reply)
		}
		return
	}
	var a struct {
		Result     bool   `json:"result"`
		ReturnCode string `json:"returnCode"`
	}
	if err := json.Unmarshal(reply, &a); err != nil || a.Result || a.ReturnCode != code {
		t.Errorf("got reply %s, want result false and returnCode %s", reply, code)
	}
}

func TestReceiveMalformedAfterGoodSignature(t *testing.T) {
	body := []byte(`{"event":"TRACKING_UPDATED","data":{"carrier":3011}}`)
	h := http.Header{}
	h.Set("sign", track17.Sign(body, "17t-security-key"))
	_, _, _, err := newHook(t, "track17").Receive(h, body, now)
	if station.ErrorCode(err) != station.EInvalid {
		t.Fatalf("got %v, want EInvalid", err)
	}
	if f := station.Fields(err); len(f) != 1 || f[0].Field != "data.number" {
		t.Errorf("got fields %v, want data.number", f)
	}
}

func TestZeroHook(t *testing.T) {
	var h carriers.Hook
	ups, reply, _, err := h.Receive(http.Header{}, []byte("{}"), now)
	if station.ErrorCode(err) != station.EInternal || ups != nil || reply != nil {
		t.Errorf("got %v, %s, %v; want EInternal and nothing else", ups, reply, err)
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name     string
		provider string
		secrets  []string
	}{
		{"unknown provider", "shippo", []string{"s"}},
		{"provider name in another case", "Kuaidi100", []string{"s"}},
		{"no secret", "aftership", nil},
		{"only empty secrets", "easypost", []string{"", ""}},
		{"webhook secret not base64", "webhook", []string{"whsec_***"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := carriers.New(tt.provider, tt.secrets); station.ErrorCode(err) != station.EInvalid {
				t.Errorf("got %v, want EInvalid", err)
			}
		})
	}
	for _, p := range carriers.Providers() {
		if _, err := carriers.New(p, []string{"b2xkLXNlY3JldA==", "whsec_bmV3LXNlY3JldA=="}); err != nil {
			t.Errorf("New(%s) with two secrets: %v", p, err)
		}
	}
}

func TestSecretsFromEnv(t *testing.T) {
	env := map[string]string{
		"STATION_CARRIER_KUAIDI100_SECRET": "salt-1",
		"STATION_CARRIER_TRACK17_SECRET":   " new-key , old-key ,, ",
		"STATION_CARRIER_AFTERSHIP_SECRET": " , ",
		"STATION_CARRIER_WEBHOOK_SECRET":   whSecret,
		"STATION_CARRIER_SHIPPO_SECRET":    "ignored",
	}
	got := carriers.SecretsFromEnv(func(k string) string { return env[k] })
	want := map[string][]string{
		"kuaidi100": {"salt-1"},
		"track17":   {"new-key", "old-key"},
		"webhook":   {whSecret},
	}
	if len(got) != len(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for p, w := range want {
		if !slices.Equal(got[p], w) {
			t.Errorf("%s: got %q, want %q", p, got[p], w)
		}
	}
}

func TestProvidersAndEnvNames(t *testing.T) {
	want := []string{"kuaidi100", "track17", "aftership", "easypost", "webhook"}
	if got := carriers.Providers(); !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for _, p := range want {
		if got := carriers.EnvName(p); got != "STATION_CARRIER_"+strings.ToUpper(p)+"_SECRET" {
			t.Errorf("got %s for %s", got, p)
		}
	}
}

// TestRedeliveryAndOrder: a redelivered push yields the same DedupKey, and
// an older event arriving after a terminal one does not supersede it.
func TestRedeliveryAndOrder(t *testing.T) {
	h := newHook(t, "kuaidi100")
	push := func(state, ftime string) station.TrackingUpdate {
		param := `{"status":"polling","lastResult":{"state":"` + state + `","com":"yuantong","nu":"YT0000000000001","data":[{"ftime":"` + ftime + `"}]}}`
		body := url.Values{"param": {param}, "sign": {kuaidi100.Sign(param, "kd100-salt")}}.Encode()
		ups, _, _, err := h.Receive(nil, []byte(body), now)
		if err != nil {
			t.Fatal(err)
		}
		return ups[0]
	}
	first := push("3", "2026-01-01 10:00:00")
	again := push("3", "2026-01-01 10:00:00")
	if first.DedupKey != again.DedupKey {
		t.Errorf("redelivery: got keys %s and %s, want equal", first.DedupKey, again.DedupKey)
	}
	late := push("0", "2025-12-31 21:00:00")
	if late.DedupKey == first.DedupKey {
		t.Errorf("got the same key %s for different events", late.DedupKey)
	}
	if late.Supersedes(first.Status, first.OccurredAt) {
		t.Errorf("late in_transit superseded delivered, want not")
	}
	if !first.Supersedes(late.Status, late.OccurredAt) {
		t.Errorf("delivered did not supersede an older in_transit")
	}
}
