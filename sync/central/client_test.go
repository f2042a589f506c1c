package central_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"returns-station/station"
	"returns-station/sync/central"
	"returns-station/sync/fakecentral"
)

// TestPushEventsRetries is T16: each status central may answer, once,
// retried by the client or not, and the same Idempotency-Key on every try.
func TestPushEventsRetries(t *testing.T) {
	tests := []struct {
		name      string
		reply     fakecentral.Reply
		retried   bool
		wantCode  string // station error code when not retried
		retryable bool
	}{
		{name: "no answer", reply: fakecentral.Reply{Cut: true}, retried: true},
		{name: "408", reply: fakecentral.Reply{Status: 408}, retried: true},
		{name: "425", reply: fakecentral.Reply{Status: 425}, retried: true},
		{name: "429", reply: fakecentral.Reply{Status: 429}, retried: true},
		{name: "429 short Retry-After", reply: fakecentral.Reply{Status: 429, RetryAfter: "0"}, retried: true},
		{name: "500", reply: fakecentral.Reply{Status: 500}, retried: true},
		{name: "502", reply: fakecentral.Reply{Status: 502}, retried: true},
		{name: "503", reply: fakecentral.Reply{Status: 503}, retried: true},
		{name: "504", reply: fakecentral.Reply{Status: 504}, retried: true},
		{name: "400", reply: fakecentral.Reply{Status: 400}, wantCode: station.EInvalid},
		{name: "401", reply: fakecentral.Reply{Status: 401}, wantCode: station.EUnauthorized},
		{name: "403", reply: fakecentral.Reply{Status: 403}, wantCode: station.EForbidden},
		{name: "404", reply: fakecentral.Reply{Status: 404}, wantCode: station.ENotFound},
		{name: "409", reply: fakecentral.Reply{Status: 409}, wantCode: station.EConflict},
		{name: "412", reply: fakecentral.Reply{Status: 412}, wantCode: station.EConflict},
		{name: "413", reply: fakecentral.Reply{Status: 413}, wantCode: station.EInvalid},
		{name: "422", reply: fakecentral.Reply{Status: 422}, wantCode: station.EInvalid},
		{name: "501", reply: fakecentral.Reply{Status: 501}, wantCode: station.EInternal},
		{name: "503 long Retry-After", reply: fakecentral.Reply{Status: 503, RetryAfter: "60"},
			wantCode: station.EUnavailable, retryable: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc, srv := startCentral(t, fakecentral.Knobs{})
			fc.Script(tt.reply)
			store := newMemStore(testStation)
			store.appendEvents(3, nil)
			c := newClient(t, srv.URL, testToken) // a new client: no reused connection
			res, err := c.PushEvents(context.Background(), store.log())

			reqs := fc.Requests()
			wantReqs := 1
			if tt.retried {
				wantReqs = 2
			}
			if len(reqs) != wantReqs {
				t.Fatalf("got %d requests, want %d", len(reqs), wantReqs)
			}
			for _, r := range reqs {
				if r.IdempotencyKey != testStation+":1-3" {
					t.Errorf("got Idempotency-Key %q, want %q", r.IdempotencyKey, testStation+":1-3")
				}
			}
			if tt.retried {
				if err != nil {
					t.Fatalf("got error %v, want success after a retry", err)
				}
				if res.LastSeq != 3 || res.StatusCode != 200 {
					t.Errorf("got result %+v, want 200 with last_seq 3", res)
				}
				return
			}
			if err == nil {
				t.Fatalf("got no error, want %s", tt.wantCode)
			}
			if got := station.ErrorCode(err); got != tt.wantCode {
				t.Errorf("got code %q, want %q", got, tt.wantCode)
			}
			if got := central.IsRetryable(err); got != tt.retryable {
				t.Errorf("got retryable %v, want %v", got, tt.retryable)
			}
			if got, want := central.StatusCode(err), tt.reply.Status; got != want {
				t.Errorf("got status %d, want %d", got, want)
			}
		})
	}
}

// TestPushEventsSameKeyOnEveryRetry: three tries of one batch, one of them
// cut after central stored it, all carry the same key and central holds
// each event once.
func TestPushEventsSameKeyOnEveryRetry(t *testing.T) {
	fc, srv := startCentral(t, fakecentral.Knobs{})
	fc.Script(fakecentral.Reply{Status: 503}, fakecentral.Reply{Status: 502})
	store := newMemStore(testStation)
	store.appendEvents(5, nil)
	c := newClient(t, srv.URL, testToken)
	if _, err := c.PushEvents(context.Background(), store.log()); err != nil {
		t.Fatalf("push: %v", err)
	}
	fc.SetKnobs(fakecentral.Knobs{CutAfterCommitRate: 1})
	c2 := newClient(t, srv.URL, testToken, func(cfg *central.Config) { cfg.RetryCount = -1 })
	_, err := c2.PushEvents(context.Background(), store.log())
	if !central.IsRetryable(err) {
		t.Fatalf("got %v, want a retryable error for a cut connection", err)
	}
	var keys []string
	for _, r := range fc.Requests() {
		keys = append(keys, r.IdempotencyKey)
	}
	if got, want := strings.Join(keys, " "), strings.Repeat(testStation+":1-5 ", 4); got+" " != want {
		t.Errorf("got keys %q, want %q", got, want)
	}
	if st := fc.Stats(); st.Stored != 5 || st.Duplicates != 5 {
		t.Errorf("got stored %d duplicates %d, want 5 and 5", st.Stored, st.Duplicates)
	}
}

// TestPushEventsRequest checks what the client sends against central.md §3.
func TestPushEventsRequest(t *testing.T) {
	var got struct {
		method, path, ctype, key, auth string
		body                           []station.Event
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.method, got.path = r.Method, r.URL.Path
		got.ctype, got.key, got.auth = r.Header.Get("Content-Type"), r.Header.Get("Idempotency-Key"), r.Header.Get("Authorization")
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &got.body); err != nil {
			t.Errorf("body is not a JSON array of events: %v", err)
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"accepted": 2, "last_seq": 2, "unknown": "ignored"}`)
	}))
	defer srv.Close()
	store := newMemStore(testStation)
	store.appendEvents(2, nil)
	c := newClient(t, srv.URL+"/", testToken)
	res, err := c.PushEvents(context.Background(), store.log())
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	checks := []struct{ name, got, want string }{
		{"method", got.method, "POST"},
		{"path", got.path, "/v1/stations/" + testStation + "/events"},
		{"content type", got.ctype, "application/cloudevents-batch+json"},
		{"idempotency key", got.key, testStation + ":1-2"},
		{"authorization", got.auth, "Bearer " + testToken},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s: got %q, want %q", ch.name, ch.got, ch.want)
		}
	}
	if len(got.body) != 2 || got.body[0].Seq != 1 || got.body[1].Seq != 2 || got.body[0].SpecVersion != "1.0" {
		t.Errorf("got body %+v, want events 1 and 2", got.body)
	}
	if res.Accepted != 2 || res.LastSeq != 2 {
		t.Errorf("got %+v, want accepted 2 last_seq 2", res)
	}

	tooMany := make([]station.Event, central.MaxBatch+1)
	for i := range tooMany {
		tooMany[i].Seq = uint64(i + 1)
	}
	if _, err := c.PushEvents(context.Background(), tooMany); station.ErrorCode(err) != station.EInvalid {
		t.Errorf("501 events: got %v, want an invalid error before sending", err)
	}
}

// TestClientRetryAfter: a Retry-After within the client's ceiling is
// waited out by the client (not clamped to resty's default); a longer one
// is handed back for the loop to honour.
func TestClientRetryAfter(t *testing.T) {
	fc, srv := startCentral(t, fakecentral.Knobs{})
	c := newClient(t, srv.URL, testToken, func(cfg *central.Config) { cfg.RetryMaxWait = 2 * time.Second })
	store := newMemStore(testStation)
	store.appendEvents(1, nil)

	fc.Script(fakecentral.Reply{Status: 429, RetryAfter: "1"})
	start := time.Now()
	if _, err := c.PushEvents(context.Background(), store.log()); err != nil {
		t.Fatalf("push: %v", err)
	}
	if el := time.Since(start); el < time.Second {
		t.Errorf("got a retry after %s, want at least the 1s of Retry-After", el)
	}

	fc.Script(fakecentral.Reply{Status: 503, RetryAfter: "60"})
	start = time.Now()
	_, err := c.PushEvents(context.Background(), store.log())
	if got := central.RetryAfter(err); got != time.Minute {
		t.Errorf("got Retry-After %s in %v, want 1m0s", got, err)
	}
	if el := time.Since(start); el > 500*time.Millisecond {
		t.Errorf("got the client waiting %s, want it to return at once", el)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"1", time.Second, true},
		{" 60 ", time.Minute, true},
		{"3600", time.Hour, true},
		{"99999999999999999999999", 1<<63 - 1, true},
		{"-5", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{"Sun, 22 Nov 2026 12:01:30 GMT", 90 * time.Second, true},
		{"Sunday, 22-Nov-26 12:00:10 GMT", 10 * time.Second, true},
		{"Sun, 22 Nov 2026 11:00:00 GMT", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := central.ParseRetryAfter(tt.in, now)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("got %s %v, want %s %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	fc, srv := startCentral(t, fakecentral.Knobs{})
	if err := fc.AddReturns(rma(7, 1)); err != nil {
		t.Fatal(err)
	}
	slow, slowSrv := startCentral(t, fakecentral.Knobs{Latency: 2 * time.Second})
	_ = slow
	gone := closedURL(t)

	tests := []struct {
		name, url, token, tracking, carrier string
		timeout                             time.Duration
		wantRMA, wantCode                   string
	}{
		{name: "found", url: srv.URL, token: testToken, tracking: "SF0000000000007", wantRMA: "RMA-20261122-000007"},
		{name: "found with carrier", url: srv.URL, token: testToken, tracking: "sf0000000000007", carrier: "sf", wantRMA: "RMA-20261122-000007"},
		{name: "other carrier", url: srv.URL, token: testToken, tracking: "SF0000000000007", carrier: "YTO", wantCode: station.ENotFound},
		{name: "unknown", url: srv.URL, token: testToken, tracking: "YT9999", wantCode: station.ENotFound},
		{name: "bad token", url: srv.URL, token: "nope", tracking: "YT9999", wantCode: station.EUnauthorized},
		{name: "central gone", url: gone, token: testToken, tracking: "YT9999", wantCode: station.EUnavailable},
		{name: "central slow", url: slowSrv.URL, token: testToken, tracking: "YT9999", timeout: 100 * time.Millisecond, wantCode: station.EUnavailable},
		{name: "no tracking", url: srv.URL, token: testToken, wantCode: station.EInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, tt.url, tt.token)
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			start := time.Now()
			r, err := c.Lookup(ctx, tt.tracking, tt.carrier)
			if tt.timeout > 0 && time.Since(start) > time.Second {
				t.Errorf("got an answer after %s, want it at the %s deadline, not when central answers", time.Since(start), tt.timeout)
			}
			if tt.wantCode != "" {
				if got := station.ErrorCode(err); got != tt.wantCode {
					t.Fatalf("got %v (code %q), want code %q", err, got, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("lookup: %v", err)
			}
			if r.RMA != tt.wantRMA {
				t.Errorf("got RMA %q, want %q", r.RMA, tt.wantRMA)
			}
		})
	}
}

func TestPullReturnsPages(t *testing.T) {
	fc, srv := startCentral(t, fakecentral.Knobs{})
	for i := 1; i <= 5; i++ {
		if err := fc.AddReturns(rma(i, 1)); err != nil {
			t.Fatal(err)
		}
	}
	c := newClient(t, srv.URL, testToken)
	var got []string
	var hasMore []bool
	cursor := ""
	for range 10 {
		p, err := c.PullReturns(context.Background(), cursor, 2)
		if err != nil {
			t.Fatalf("pull: %v", err)
		}
		for _, r := range p.Returns {
			got = append(got, r.RMA[len(r.RMA)-1:])
		}
		hasMore = append(hasMore, p.HasMore)
		if p.NextCursor == "" {
			t.Fatal("got an empty next_cursor, want one on every page")
		}
		cursor = p.NextCursor
		if !p.HasMore {
			break
		}
	}
	if g, w := strings.Join(got, ""), "12345"; g != w {
		t.Errorf("got RMAs %s, want %s", g, w)
	}
	if g, w := len(hasMore), 3; g != w {
		t.Errorf("got %d pages, want %d", g, w)
	}
	if st := c.Link(); !st.Online || st.LastPullAt.IsZero() {
		t.Errorf("got link %+v, want online with a last pull time", st)
	}
}

func TestNotConfigured(t *testing.T) {
	c, err := central.New(central.Config{StationID: testStation})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.PullReturns(context.Background(), "", 10)
	if !errors.Is(err, central.ErrNotConfigured) || station.ErrorCode(err) != station.EUnavailable {
		t.Errorf("got %v, want ErrNotConfigured as unavailable", err)
	}
	if c.Link().Configured {
		t.Error("got configured, want not")
	}
	if _, err := central.New(central.Config{StationID: testStation, BaseURL: "ftp://x"}); station.ErrorCode(err) != station.EInvalid {
		t.Errorf("ftp URL: got %v, want invalid", err)
	}
	if _, err := central.New(central.Config{BaseURL: "http://x"}); station.ErrorCode(err) != station.EInvalid {
		t.Errorf("no station: got %v, want invalid", err)
	}
}

// closedURL returns the URL of a loopback port nothing listens on.
func closedURL(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}
