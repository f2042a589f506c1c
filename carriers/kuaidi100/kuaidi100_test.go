package kuaidi100_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"returns-station/carriers/kuaidi100"
	"returns-station/station"
)

// researchParam is the param of the worked example in research/carriers.md
// §4.1, signed there with the salt "kd100-salt".
const researchParam = `{"status":"shutdown","message":"","autoCheck":"0","comOld":"","comNew":"","lastResult":{"message":"ok","state":"3","status":"200","ischeck":"1","com":"yuantong","nu":"YT0000000000001","data":[{"context":"【杭州市】快件已签收","time":"2026-01-01 10:00:00","ftime":"2026-01-01 10:00:00","status":"签收","areaCode":"CN330100000000","areaName":"浙江,杭州市"},{"context":"【杭州市】快件已到达杭州转运中心","time":"2025-12-31 21:00:00","ftime":"2025-12-31 21:00:00","status":"在途","areaCode":"CN330100000000","areaName":"浙江,杭州市"}]}}`

const (
	researchSalt = "kd100-salt"
	researchSign = "E59B80D9E626066565F849ACDC497F14"
)

// ourParam is a push of our own: a parcel out for delivery in Shanghai, whose
// history has a "+" and spaces, as form encoding must carry them.
const ourParam = `{"status":"polling","message":"","autoCheck":"0","comOld":"","comNew":"","lastResult":{"message":"ok","state":"5","status":"200","ischeck":"0","com":"shunfeng","nu":"SF1234567890123","data":[{"context":"[Shanghai] Courier Li +86 138 0000 0000 is delivering","time":"2026-01-02 08:30:00","ftime":"2026-01-02 08:30:00","status":"派件","areaName":"上海,上海市"}]}}`

var now = time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)

// form builds a push body the way Kuaidi100 does: form encoding, where a
// space becomes "+" and "+" becomes "%2B".
func form(param, sign string) []byte {
	v := url.Values{"param": {param}}
	if sign != "" {
		v.Set("sign", sign)
	}
	return []byte(v.Encode())
}

func newHook(t testing.TB, salts ...string) *kuaidi100.Hook {
	t.Helper()
	h, err := kuaidi100.New(salts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return h
}

func TestSignResearchVector(t *testing.T) {
	if got := kuaidi100.Sign(researchParam, researchSalt); got != researchSign {
		t.Errorf("got %s, want %s", got, researchSign)
	}
}

func TestReceive(t *testing.T) {
	reserialised := func() string {
		var v any
		if err := json.Unmarshal([]byte(researchParam), &v); err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(v) // same content, keys re-ordered
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}()
	md5b64 := "5ZuA2eYmBmVl+Ems3El/FA==" // the same MD5 as researchSign, in base64
	tests := []struct {
		name  string
		salts []string
		body  []byte
		code  string // "" for success
		field string // for EInvalid
	}{
		{name: "research vector", salts: []string{researchSalt}, body: form(researchParam, researchSign)},
		{name: "second of two salts", salts: []string{"new-salt", researchSalt}, body: form(researchParam, researchSign)},
		{name: "our push with + and spaces", salts: []string{"our-salt"}, body: form(ourParam, kuaidi100.Sign(ourParam, "our-salt"))},
		{name: "spaces sent as %20", salts: []string{"our-salt"},
			body: []byte("sign=" + kuaidi100.Sign(ourParam, "our-salt") + "&param=" + strings.ReplaceAll(url.QueryEscape(ourParam), "+", "%20"))},
		{name: "a + sent unescaped decodes to a space", salts: []string{"our-salt"},
			body: []byte("sign=" + kuaidi100.Sign(ourParam, "our-salt") + "&param=" + strings.ReplaceAll(url.QueryEscape(ourParam), "%2B", "+")),
			code: station.EUnauthorized},
		{name: "wrong salt", salts: []string{"other"}, body: form(researchParam, researchSign), code: station.EUnauthorized},
		{name: "lower-case hex", salts: []string{researchSalt}, body: form(researchParam, strings.ToLower(researchSign)), code: station.EUnauthorized},
		{name: "base64 instead of hex", salts: []string{researchSalt}, body: form(researchParam, md5b64), code: station.EUnauthorized},
		{name: "no sign", salts: []string{researchSalt}, body: form(researchParam, ""), code: station.EUnauthorized},
		{name: "trailing newline in param", salts: []string{researchSalt}, body: form(researchParam+"\n", researchSign), code: station.EUnauthorized},
		{name: "re-serialised JSON", salts: []string{researchSalt}, body: form(reserialised, researchSign), code: station.EUnauthorized},
		{name: "salt appended twice", salts: []string{researchSalt + researchSalt}, body: form(researchParam, researchSign), code: station.EUnauthorized},
		{name: "no param", salts: []string{researchSalt}, body: []byte("sign=" + researchSign), code: station.EInvalid, field: "param"},
		{name: "param twice", salts: []string{researchSalt}, body: []byte(string(form(researchParam, researchSign)) + "&param=x"), code: station.EInvalid, field: "param"},
		{name: "bad escape", salts: []string{researchSalt}, body: []byte("param=%zz&sign=x"), code: station.EInvalid, field: "body"},
		{name: "JSON body instead of a form", salts: []string{researchSalt}, body: []byte(researchParam), code: station.EInvalid, field: "param"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ups, err := newHook(t, tt.salts...).Receive(nil, tt.body, now)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("got error %v, want none", err)
				}
				if len(ups) != 1 {
					t.Fatalf("got %d updates, want 1", len(ups))
				}
				return
			}
			if got := station.ErrorCode(err); got != tt.code {
				t.Fatalf("got code %q (%v), want %q", got, err, tt.code)
			}
			if tt.field != "" {
				if f := station.Fields(err); len(f) != 1 || f[0].Field != tt.field {
					t.Errorf("got fields %v, want %s", f, tt.field)
				}
			}
			if ups != nil {
				t.Errorf("got updates %v, want none", ups)
			}
		})
	}
}

func TestReceiveUpdate(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want station.TrackingUpdate
	}{
		{
			name: "research vector: delivered, dated by the newest entry in China time",
			body: form(researchParam, kuaidi100.Sign(researchParam, "s")),
			want: station.TrackingUpdate{
				Provider: "kuaidi100", DedupKey: "kuaidi100:YT0000000000001|2026-01-01 10:00:00|3", Tracking: "YT0000000000001",
				Carrier: "YTO", Status: station.TrackDelivered, RawStatus: "3", RawSubstatus: "shutdown",
				OccurredAt: time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC), Location: "浙江,杭州市", Description: "【杭州市】快件已签收",
			},
		},
		{
			name: "our push: + and spaces survive form decoding",
			body: form(ourParam, kuaidi100.Sign(ourParam, "s")),
			want: station.TrackingUpdate{
				Provider: "kuaidi100", DedupKey: "kuaidi100:SF1234567890123|2026-01-02 08:30:00|5", Tracking: "SF1234567890123",
				Carrier: "SF", Status: station.TrackOutForDelivery, RawStatus: "5", RawSubstatus: "polling",
				OccurredAt: time.Date(2026, 1, 2, 0, 30, 0, 0, time.UTC), Location: "上海,上海市",
				Description: "[Shanghai] Courier Li +86 138 0000 0000 is delivering",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ups, err := newHook(t, "s").Receive(nil, tt.body, now)
			if err != nil {
				t.Fatal(err)
			}
			if len(ups) != 1 || !equal(ups[0], tt.want) {
				t.Errorf("got %+v, want %+v", ups, tt.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		param   string
		status  string
		carrier string
		at      time.Time
		field   string // EInvalid expected
	}{
		{name: "abort with no history is unknown, dated now",
			param:  `{"status":"abort","message":"3天查询无记录","lastResult":{"state":"0","ischeck":"0","com":"zhongtong","nu":"75000000000001","data":[]}}`,
			status: station.TrackUnknown, carrier: "ZTO", at: now},
		{name: "corrected company code",
			param:  `{"status":"polling","autoCheck":"1","comOld":"yuantong","comNew":"shunfeng","lastResult":{"state":"0","com":"yuantong","nu":"SF1234567890123","data":[{"ftime":"2026-01-01 00:00:00","context":"x"}]}}`,
			status: station.TrackInTransit, carrier: "SF", at: time.Date(2025, 12, 31, 16, 0, 0, 0, time.UTC)},
		{name: "advanced code 501: at a locker",
			param:  `{"status":"polling","lastResult":{"state":"501","com":"jd","nu":"JD0012345678901","data":[{"ftime":"2026-01-01 12:00:00"}]}}`,
			status: station.TrackAvailableForPick, carrier: "JD", at: time.Date(2026, 1, 1, 4, 0, 0, 0, time.UTC)},
		{name: "ischeck 1 with a non-terminal state is delivered",
			param:  `{"status":"shutdown","lastResult":{"state":"0","ischeck":"1","com":"yunda","nu":"4300000000001","data":[{"ftime":"2026-01-01 12:00:00"}]}}`,
			status: station.TrackDelivered, carrier: "YUNDA", at: time.Date(2026, 1, 1, 4, 0, 0, 0, time.UTC)},
		{name: "ischeck 1 with 退签 stays return to sender",
			param:  `{"status":"shutdown","lastResult":{"state":"4","ischeck":"1","com":"ems","nu":"EA123456785CN","data":[{"ftime":"2026-01-01 12:00:00"}]}}`,
			status: station.TrackReturnToSender, carrier: "EMS", at: time.Date(2026, 1, 1, 4, 0, 0, 0, time.UTC)},
		{name: "time used when ftime is missing",
			param:  `{"status":"polling","lastResult":{"state":"0","com":"unknownco","nu":"1Z999AA10123456784","data":[{"time":"2026-01-01 08:00:00"}]}}`,
			status: station.TrackInTransit, carrier: "UPS", at: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{name: "no lastResult", param: `{"status":"polling"}`, field: "param.lastResult"},
		{name: "no number", param: `{"lastResult":{"state":"0","nu":" "}}`, field: "param.lastResult.nu"},
		{name: "ftime not China time layout", param: `{"lastResult":{"state":"0","nu":"X1","data":[{"ftime":"2026-01-01T10:00:00+08:00"}]}}`, field: "param.lastResult.data[0].ftime"},
		{name: "state as a number", param: `{"lastResult":{"state":3,"nu":"X1"}}`, field: "param.lastResult.state"},
		{name: "not JSON", param: `status=polling`, field: "param"},
		{name: "JSON array", param: `[]`, field: "param"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ups, err := kuaidi100.Parse([]byte(tt.param), now)
			if tt.field != "" {
				if station.ErrorCode(err) != station.EInvalid {
					t.Fatalf("got %v, want EInvalid", err)
				}
				if f := station.Fields(err); len(f) != 1 || f[0].Field != tt.field {
					t.Errorf("got fields %v, want %s", f, tt.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			u := ups[0]
			if u.Status != tt.status || u.Carrier != tt.carrier || !u.OccurredAt.Equal(tt.at) {
				t.Errorf("got status %s, carrier %s, at %v; want %s, %s, %v", u.Status, u.Carrier, u.OccurredAt, tt.status, tt.carrier, tt.at)
			}
		})
	}
}

func TestParseQuery(t *testing.T) {
	body := `{"message":"ok","nu":"YT0000000000001","ischeck":"0","condition":"F00","com":"yuantong","status":"200","state":"1001","data":[{"context":"到达杭州","time":"2026-01-01 09:00:00","ftime":"2026-01-01 09:00:00","status":"在途","statusCode":"1001","areaName":"浙江,杭州市"}]}`
	ups, err := kuaidi100.ParseQuery([]byte(body), now)
	if err != nil {
		t.Fatal(err)
	}
	want := station.TrackingUpdate{Provider: "kuaidi100", DedupKey: "kuaidi100:YT0000000000001|2026-01-01 09:00:00|1001", Tracking: "YT0000000000001",
		Carrier: "YTO", Status: station.TrackInTransit, RawStatus: "1001", OccurredAt: time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC),
		Location: "浙江,杭州市", Description: "到达杭州"}
	if len(ups) != 1 || !equal(ups[0], want) {
		t.Errorf("got %+v, want %+v", ups, want)
	}
	if _, err := kuaidi100.ParseQuery([]byte(`{"nu":""}`), now); station.ErrorCode(err) != station.EInvalid {
		t.Errorf("got %v, want EInvalid for an answer without number", err)
	}
}

func TestReply(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		result     bool
		returnCode string
	}{
		{name: "success", err: nil, result: true, returnCode: "200"},
		{name: "bad sign", err: station.Errorf(station.EUnauthorized, "x"), returnCode: "401"},
		{name: "malformed", err: station.Invalid("param", "required"), returnCode: "400"},
		{name: "store failed", err: errors.New("disk full"), returnCode: "500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a struct {
				Result     bool   `json:"result"`
				ReturnCode string `json:"returnCode"`
				Message    string `json:"message"`
			}
			b := kuaidi100.Reply(tt.err)
			if err := json.Unmarshal(b, &a); err != nil {
				t.Fatalf("got %s, not JSON: %v", b, err)
			}
			if a.Result != tt.result || a.ReturnCode != tt.returnCode || a.Message == "" {
				t.Errorf("got %s, want result %v and returnCode %s", b, tt.result, tt.returnCode)
			}
			if tt.err != nil && bytes.Contains(b, []byte(tt.err.Error())) {
				t.Errorf("got %s, which reveals the error", b)
			}
		})
	}
	if got, want := string(kuaidi100.Reply(nil)), `{"result":true,"returnCode":"200","message":"成功"}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestNew(t *testing.T) {
	for _, salts := range [][]string{nil, {}, {""}} {
		if _, err := kuaidi100.New(salts); station.ErrorCode(err) != station.EInvalid {
			t.Errorf("New(%q): got %v, want EInvalid", salts, err)
		}
	}
}

func TestCarrierCompany(t *testing.T) {
	tests := []struct{ com, carrier string }{
		{"shunfeng", "SF"}, {"jd", "JD"}, {"yuantong", "YTO"}, {"zhongtong", "ZTO"}, {"shentong", "STO"},
		{"yunda", "YUNDA"}, {"ems", "EMS"}, {"youzhengguonei", "CHINAPOST"}, {"ups", "UPS"}, {"fedex", "FEDEX"},
		{"usps", "USPS"}, {"dhl", "DHL"},
	}
	for _, tt := range tests {
		if got := kuaidi100.Carrier(tt.com); got != tt.carrier {
			t.Errorf("Carrier(%q): got %q, want %q", tt.com, got, tt.carrier)
		}
		if got := kuaidi100.Company(tt.carrier); got != tt.com {
			t.Errorf("Company(%q): got %q, want %q", tt.carrier, got, tt.com)
		}
	}
	if got := kuaidi100.Carrier("ShunFeng "); got != "SF" {
		t.Errorf("got %q, want SF for a code in another case", got)
	}
	if got := kuaidi100.Carrier("debangwuliu"); got != "" {
		t.Errorf("got %q, want empty for a company we have no code for", got)
	}
}

func TestStatusUnknownCodes(t *testing.T) {
	tests := []struct {
		state string
		want  string
	}{
		{"105", station.TrackLabelCreated}, {"1009", station.TrackInTransit}, {"299", station.TrackException},
		{"309", station.TrackDelivered}, {"499", station.TrackReturnToSender}, {"599", station.TrackOutForDelivery},
		{"9", station.TrackUnknown}, {"", station.TrackUnknown}, {"abc", station.TrackUnknown}, {"1x1", station.TrackUnknown},
	}
	for _, tt := range tests {
		if got := kuaidi100.Status(tt.state, false); got != tt.want {
			t.Errorf("Status(%q): got %s, want %s", tt.state, got, tt.want)
		}
	}
}

func equal(a, b station.TrackingUpdate) bool {
	if (a.ETA == nil) != (b.ETA == nil) || (a.ETA != nil && !a.ETA.Equal(*b.ETA)) {
		return false
	}
	a.ETA, b.ETA = nil, nil
	return a.OccurredAt.Equal(b.OccurredAt) && a.OccurredAt.Location() == time.UTC &&
		slices.Equal([]string{a.Provider, a.DedupKey, a.Tracking, a.Carrier, a.Status, a.RawStatus, a.RawSubstatus, a.Location, a.Description, a.SignedBy},
			[]string{b.Provider, b.DedupKey, b.Tracking, b.Carrier, b.Status, b.RawStatus, b.RawSubstatus, b.Location, b.Description, b.SignedBy})
}
