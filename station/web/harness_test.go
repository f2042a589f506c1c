package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"returns-station/station"
	"returns-station/station/bolt"
	"returns-station/station/web"
)

// harness is a real station: a bbolt file in a temp dir and the Fiber app on
// a real socket.
type harness struct {
	t     testing.TB
	db    *bolt.DB
	srv   *web.Server
	url   string
	token map[string]string // role → bearer secret
	base  uint64            // events in the log before the test's own (the tokens' creation)
}

func newHarness(t testing.TB, tweak ...func(*web.Config)) *harness {
	t.Helper()
	// One clock and one id source for the store and the server, as
	// cmd/station wires them; a tweak that sets Config.Now moves both.
	now := time.Now
	clk := station.NewClock(func() time.Time { return now() }, rand.Reader)
	db, err := bolt.Open(filepath.Join(t.TempDir(), "station.db"), bolt.Options{StationID: "st-test", Now: clk.Now, NewID: clk.NewID})
	if err != nil {
		t.Fatal(err)
	}
	cfg := web.Config{Store: db, Sessions: db, Accounts: db, FirstAdmin: db, Printing: db, Backups: db}
	for _, f := range tweak {
		f(&cfg)
	}
	if cfg.Now != nil {
		now = cfg.Now
	}
	cfg.Now, cfg.NewID = clk.Now, clk.NewID
	srv := web.New(cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	h := &harness{t: t, db: db, srv: srv, url: "http://" + ln.Addr().String(), token: map[string]string{}}
	for _, role := range []string{"operator", "supervisor", "admin", "central"} {
		secret, _, err := db.CreateToken(role+"-1", role)
		if err != nil {
			t.Fatal(err)
		}
		h.token[role] = secret
	}
	h.base = db.LastSeq()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		if err := db.Check(); err != nil {
			t.Errorf("bbolt check after test: %v", err)
		}
		db.Close()
	})
	return h
}

type resp struct {
	status int
	body   []byte
	header http.Header
}

func (r resp) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r resp) problem(t testing.TB) web.Problem {
	t.Helper()
	var p web.Problem
	r.json(t, &p)
	if r.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("error content type %q, want application/problem+json", r.header.Get("Content-Type"))
	}
	return p
}

// do sends a request as role ("" for none) with an optional JSON body.
func (h *harness) do(role, method, path string, body any, headers ...string) resp {
	h.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			h.t.Fatal(err)
		}
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, h.url+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+h.token[role])
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return h.send(http.DefaultClient, req, raw)
}

// send sends req, whose body is raw, with client, and checks the exchange
// against the server's OpenAPI document: every answer must match it, and
// every request the server accepted must too. So the document cannot drift
// from what the API really does.
func (h *harness) send(client *http.Client, req *http.Request, raw []byte) resp {
	h.t.Helper()
	res, err := client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, body: body, header: res.Header}
	h.checkOpenAPI(req, raw, r)
	return r
}

// must fails the test unless the answer has status want.
func (h *harness) must(want int, r resp) resp {
	h.t.Helper()
	if r.status != want {
		h.t.Fatalf("status %d, want %d: %s", r.status, want, r.body)
	}
	return r
}

// allEvents pages through the whole event log.
func (h *harness) allEvents() []station.Event {
	h.t.Helper()
	var out []station.Event
	var after uint64
	for {
		var page struct {
			Events []station.Event `json:"events"`
		}
		h.must(200, h.do("supervisor", "GET", "/api/v1/events?limit=1000&after="+itoa(after), nil)).json(h.t, &page)
		if len(page.Events) == 0 {
			return out
		}
		out = append(out, page.Events...)
		after = page.Events[len(page.Events)-1].Seq
	}
}

func itoa(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// sampleRMA returns a valid RMA in central's format.
func sampleRMA(id, tracking, policy, category string, delivered, requested time.Time) station.ReturnAuthorization {
	return station.ReturnAuthorization{
		RMA: id, Version: 1, Status: "approved", OrderID: "SO-" + id, Channel: "tmall",
		Customer: station.Customer{Name: "张*", PhoneTail: "1234"}, Reason: station.ReturnReason{Code: "quality_issue", Text: "左耳没有声音"},
		Policy: policy, DeliveredAt: &delivered, RequestedAt: &requested, Refund: station.Money{Amount: "199.00", Currency: "CNY"},
		ReturnShipments: []station.ReturnShipment{{Carrier: "SF", Tracking: tracking}},
		Lines:           []station.RMALine{{Line: 1, SKU: "EAR-BT-01", GTIN: "06901234567892", Name: "蓝牙耳机", Category: category, Qty: 1, UnitPrice: "199.00", Serials: []string{"SN8842AA"}}},
	}
}
