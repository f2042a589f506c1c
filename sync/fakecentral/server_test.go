package fakecentral_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"returns-station/station"
	"returns-station/sync/fakecentral"
)

const (
	sid   = "st-hz-01"
	token = "secret"
)

func start(tb testing.TB, opt fakecentral.Options) (*fakecentral.Server, *httptest.Server) {
	tb.Helper()
	opt.StationID, opt.Token = sid, token
	fc := fakecentral.New(opt)
	srv := httptest.NewServer(fc.Handler())
	tb.Cleanup(srv.Close)
	return fc, srv
}

func events(from, to uint64) []station.Event {
	var out []station.Event
	for s := from; s <= to; s++ {
		out = append(out, station.Event{SpecVersion: "1.0", ID: fmt.Sprintf("E%05d", s), Source: station.Source(sid),
			Type: station.EventParcelReceived, Time: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC),
			DataContentType: "application/json", Seq: s, Actor: "user:li.wei", Data: json.RawMessage(`{}`)})
	}
	return out
}

type push struct {
	station, auth, ctype, key string
	body                      any
}

func (p push) do(tb testing.TB, url string) (int, string) {
	tb.Helper()
	b, _ := json.Marshal(p.body)
	if s, ok := p.body.(string); ok {
		b = []byte(s)
	}
	req, _ := http.NewRequest("POST", url+"/v1/stations/"+p.station+"/events", strings.NewReader(string(b)))
	if p.auth != "" {
		req.Header.Set("Authorization", p.auth)
	}
	req.Header.Set("Content-Type", p.ctype)
	if p.key != "" {
		req.Header.Set("Idempotency-Key", p.key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestEventIntake checks the fake answers as central.md §3 says.
func TestEventIntake(t *testing.T) {
	ok := push{station: sid, auth: "Bearer " + token, ctype: "application/cloudevents-batch+json",
		key: sid + ":1-3", body: events(1, 3)}
	with := func(f func(*push)) push { p := ok; f(&p); return p }
	badSource := events(4, 5)
	badSource[1].Source = "urn:returns-station:other"

	fc, srv := start(t, fakecentral.Options{})
	tests := []struct {
		name     string
		push     push
		want     int
		wantBody string
	}{
		{name: "no token", push: with(func(p *push) { p.auth = "" }), want: 401},
		{name: "wrong token", push: with(func(p *push) { p.auth = "Bearer nope" }), want: 401},
		{name: "other station", push: with(func(p *push) { p.station = "st-x"; p.key = "st-x:1-3" }), want: 403},
		{name: "wrong content type", push: with(func(p *push) { p.ctype = "application/json" }), want: 400},
		{name: "no key", push: with(func(p *push) { p.key = "" }), want: 400},
		{name: "wrong key", push: with(func(p *push) { p.key = sid + ":1-4" }), want: 400},
		{name: "not an array", push: with(func(p *push) { p.body = `{"id": "x"}` }), want: 400},
		{name: "empty", push: with(func(p *push) { p.body = `[]` }), want: 400},
		{name: "out of order", push: with(func(p *push) { p.body = append(events(2, 3), events(1, 1)...); p.key = sid + ":2-1" }), want: 400},
		{name: "too many", push: with(func(p *push) { p.body = events(1, 501); p.key = sid + ":1-501" }), want: 413},
		{name: "ok", push: ok, want: 200, wantBody: `{"accepted":3,"last_seq":3}`},
		{name: "again is harmless", push: ok, want: 200, wantBody: `{"accepted":3,"last_seq":3}`},
		{name: "same key other events", push: with(func(p *push) {
			e := events(1, 3)
			e[1].ID = "other"
			p.body = e
		}), want: 422},
		{name: "invalid event rejected", push: with(func(p *push) { p.body = badSource; p.key = sid + ":4-5" }), want: 207,
			wantBody: `"rejected":[{"id":"E00005","seq":5,`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := tt.push.do(t, srv.URL)
			if code != tt.want {
				t.Fatalf("got %d %s, want %d", code, body, tt.want)
			}
			if !strings.Contains(body, tt.wantBody) {
				t.Errorf("got body %s, want it to contain %s", body, tt.wantBody)
			}
		})
	}
	st := fc.Stats()
	if st.Stored != 4 || st.Duplicates != 3 || st.Rejected != 1 || st.OutOfOrder != 0 {
		t.Errorf("got %+v, want 4 stored, 3 duplicates, 1 rejected", st)
	}
	var seqs []uint64
	for _, e := range fc.Events() {
		seqs = append(seqs, e.Seq)
	}
	if g := fmt.Sprint(seqs); g != "[1 2 3 4]" {
		t.Errorf("got stored seqs %s, want [1 2 3 4]", g)
	}
}

func TestKnobs(t *testing.T) {
	ok := push{station: sid, auth: "Bearer " + token, ctype: "application/cloudevents-batch+json",
		key: sid + ":1-3", body: events(1, 3)}
	tests := []struct {
		name       string
		knobs      fakecentral.Knobs
		want       int // 0: connection closed
		wantStored int
		wantRA     string
	}{
		{name: "down", knobs: fakecentral.Knobs{Down: true}, want: 0, wantStored: 0},
		{name: "5xx", knobs: fakecentral.Knobs{ErrorRate: 1, ErrorStatus: 502}, want: 502},
		{name: "503 with Retry-After", knobs: fakecentral.Knobs{ErrorRate: 1, RetryAfter: "7"}, want: 503, wantRA: "7"},
		{name: "429", knobs: fakecentral.Knobs{ThrottleRate: 1, RetryAfter: "60"}, want: 429, wantRA: "60"},
		{name: "cut after commit", knobs: fakecentral.Knobs{CutAfterCommitRate: 1}, want: 0, wantStored: 3},
		{name: "reject a seq", knobs: fakecentral.Knobs{RejectSeqs: []uint64{2}}, want: 207, wantStored: 2},
		{name: "reject a type", knobs: fakecentral.Knobs{RejectTypes: []string{station.EventParcelReceived}}, want: 207},
		{name: "smaller batches", knobs: fakecentral.Knobs{MaxBatch: 2}, want: 413},
		{name: "latency", knobs: fakecentral.Knobs{Latency: 30 * time.Millisecond}, want: 200, wantStored: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc, srv := start(t, fakecentral.Options{Knobs: tt.knobs})
			b, _ := json.Marshal(ok.body)
			req, _ := http.NewRequest("POST", srv.URL+"/v1/stations/"+sid+"/events", strings.NewReader(string(b)))
			req.Header.Set("Authorization", ok.auth)
			req.Header.Set("Content-Type", ok.ctype)
			req.Header.Set("Idempotency-Key", ok.key)
			start := time.Now()
			resp, err := http.DefaultClient.Do(req)
			switch {
			case tt.want == 0 && err == nil:
				resp.Body.Close()
				t.Fatalf("got %d, want the connection closed", resp.StatusCode)
			case tt.want == 0:
			case err != nil:
				t.Fatalf("got %v, want %d", err, tt.want)
			default:
				resp.Body.Close()
				if resp.StatusCode != tt.want || resp.Header.Get("Retry-After") != tt.wantRA {
					t.Errorf("got %d Retry-After %q, want %d %q", resp.StatusCode, resp.Header.Get("Retry-After"), tt.want, tt.wantRA)
				}
			}
			if got := len(fc.Events()); got != tt.wantStored {
				t.Errorf("got %d stored, want %d", got, tt.wantStored)
			}
			if tt.knobs.Latency > 0 && time.Since(start) < tt.knobs.Latency {
				t.Errorf("got an answer after %s, want at least %s", time.Since(start), tt.knobs.Latency)
			}
		})
	}
}

// TestAdminHTTP sets knobs, scripts answers and publishes returns over HTTP,
// as `station fakecentral` users would.
func TestAdminHTTP(t *testing.T) {
	fc, srv := start(t, fakecentral.Options{})
	put := func(path, body string) int {
		t.Helper()
		method := "POST"
		if path == "/_fake/knobs" {
			method = "PUT"
		}
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := put("/_fake/knobs", `{"error_rate": 0.25, "latency": "5ms", "reject_types": ["returns.unit.moved"]}`); got != 200 {
		t.Fatalf("PUT knobs: got %d, want 200", got)
	}
	k := fc.Knobs()
	if k.ErrorRate != 0.25 || k.Latency != 5*time.Millisecond || len(k.RejectTypes) != 1 {
		t.Errorf("got knobs %+v, want the ones sent", k)
	}
	if got := put("/_fake/knobs", `{"error_rate": 2}`); got != 400 {
		t.Errorf("PUT bad knobs: got %d, want 400", got)
	}
	if got := put("/_fake/knobs", `{}`); got != 200 {
		t.Fatalf("PUT knobs: got %d, want 200", got)
	}
	if got := put("/_fake/script", `[{"status": 503, "retry_after": "2"}]`); got != 204 {
		t.Fatalf("POST script: got %d, want 204", got)
	}
	rma := `{"rma": "RMA-1", "version": 1, "status": "approved", "order_id": "SO-1", "policy": "quality",
		"return_shipments": [{"carrier": "SF", "tracking": "SF100"}],
		"lines": [{"line": 1, "sku": "A", "qty": 1, "unit_price": "9.90"}]}`
	if got := put("/_fake/returns", rma); got != 204 {
		t.Fatalf("POST returns: got %d, want 204", got)
	}
	if got := put("/_fake/returns", `{"rma": "RMA-2"}`); got != 400 {
		t.Errorf("POST invalid return: got %d, want 400", got)
	}

	get := func(path string) (int, string, string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Retry-After"), string(b)
	}
	if code, ra, _ := get("/v1/returns/lookup?tracking=SF100"); code != 503 || ra != "2" {
		t.Errorf("scripted: got %d Retry-After %q, want 503 and 2", code, ra)
	}
	if code, _, body := get("/v1/returns/lookup?tracking=sf-100"); code != 200 || !strings.Contains(body, `"RMA-1"`) {
		t.Errorf("lookup: got %d %s, want RMA-1", code, body)
	}
	if code, _, body := get("/v1/returns/lookup?tracking=YT1"); code != 404 || !strings.Contains(body, `"status":404`) {
		t.Errorf("lookup unknown: got %d %s, want a 404 problem", code, body)
	}
	if code, _, body := get("/_fake/stats"); code != 200 || !strings.Contains(body, `"lookups":2`) {
		t.Errorf("stats: got %d %s, want 2 look-ups", code, body)
	}
}

// TestReturnsPaging: an opaque cursor, pages of limit, has_more, a changed
// RMA served again after the others, and bad input refused.
func TestReturnsPaging(t *testing.T) {
	var rmas []station.ReturnAuthorization
	for i := 1; i <= 5; i++ {
		rmas = append(rmas, station.ReturnAuthorization{RMA: fmt.Sprintf("RMA-%d", i), Version: 1,
			Status: station.RMAApproved, OrderID: "SO-1", Policy: station.PolicyQuality,
			Lines: []station.RMALine{{Line: 1, SKU: "A", Qty: 1, UnitPrice: "1.00"}}})
	}
	fc, srv := start(t, fakecentral.Options{Returns: rmas})
	changed := rmas[1]
	changed.Version = 2
	if err := fc.AddReturns(changed); err != nil {
		t.Fatal(err)
	}

	type page struct {
		Returns    []station.ReturnAuthorization `json:"returns"`
		NextCursor string                        `json:"next_cursor"`
		HasMore    bool                          `json:"has_more"`
	}
	pull := func(query string) (int, page) {
		req, _ := http.NewRequest("GET", srv.URL+"/v1/stations/"+sid+"/returns"+query, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var p page
		json.NewDecoder(resp.Body).Decode(&p)
		return resp.StatusCode, p
	}
	var got []string
	cursor := ""
	for range 5 {
		q := "?limit=2"
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		code, p := pull(q)
		if code != 200 {
			t.Fatalf("got %d, want 200", code)
		}
		var ids []string
		for _, r := range p.Returns {
			ids = append(ids, fmt.Sprintf("%s@%d", r.RMA, r.Version))
		}
		got = append(got, fmt.Sprintf("%v:%v", ids, p.HasMore))
		cursor = p.NextCursor
		if !p.HasMore {
			break
		}
	}
	want := "[RMA-1@1 RMA-3@1]:true [RMA-4@1 RMA-5@1]:true [RMA-2@2]:false"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("got %s, want %s", g, want)
	}
	if code, p := pull("?cursor=" + cursor); code != 200 || len(p.Returns) != 0 || p.NextCursor != cursor {
		t.Errorf("at the end: got %d %+v, want an empty page with the same cursor", code, p)
	}
	for _, q := range []string{"?limit=0", "?limit=1001", "?limit=x", "?cursor=bogus"} {
		if code, _ := pull(q); code != 400 {
			t.Errorf("%s: got %d, want 400", q, code)
		}
	}
}
