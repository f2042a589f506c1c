package web_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"returns-station/station"
	"returns-station/station/web"
)

// brokenStore fails every parcel listing as a broken disk would.
type brokenStore struct{ web.Store }

func (brokenStore) ListParcels(station.ParcelFilter, string, int) ([]*station.Parcel, string, error) {
	return nil, "", errors.New("read /data/station.db: input/output error")
}

// futureCursor signs a feed cursor for a seq the station has not reached,
// as a copy of the database restored from an older backup would meet.
func futureCursor(h *harness, seq uint64) string {
	return signedCursor(h, h.db.Epoch(), seq)
}

// signedCursor signs a feed cursor of seq in epoch with the station's key:
// another epoch is a cursor central kept from before a restore.
func signedCursor(h *harness, epochName string, seq uint64) string {
	epoch := []byte(epochName)
	b := append([]byte{1, byte(len(epoch))}, epoch...)
	b = binary.BigEndian.AppendUint64(b, seq)
	m := hmac.New(sha256.New, h.db.FeedKey())
	m.Write(b)
	return base64.RawURLEncoding.EncodeToString(append(b, m.Sum(nil)[:16]...))
}

// TestEveryErrorIsACompleteProblem produces each error status the server
// can answer and checks its problem document: RFC 9457 media type, a type URI
// with a code, a title, the status repeated, a detail for the person, the
// field at fault where there is one, and nothing internal leaked.
func TestEveryErrorIsACompleteProblem(t *testing.T) {
	h := newHarness(t)
	unready := newHarness(t, func(c *web.Config) { c.Ready = func() error { return errors.New("database is being restored") } })
	broken := newHarness(t, func(c *web.Config) { c.Store = brokenStore{c.Store} })
	if _, err := h.db.AddUser(station.User{Username: "wang.fang", Role: "supervisor"}, "1357", ""); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		h.must(401, h.do("", "POST", "/api/v1/session", map[string]any{"username": "wang.fang", "pin": "0000"}))
	}
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": "SF1000000000001"}, "Idempotency-Key", "k-1"))

	cases := []struct {
		name   string
		h      *harness
		role   string
		method string
		path   string
		body   any
		hdr    []string
		status int
		typ    string // problem code after urn:returns-station:problem:
		title  string
		field  string // the field named in errors, if any
	}{
		{"malformed JSON", h, "operator", "POST", "/api/v1/parcels/receive", `{"code":`, nil, 400, "invalid", "invalid request", "body"},
		{"unknown field", h, "operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": "SF1", "colour": "red"}, nil, 400, "invalid", "invalid request", "colour"},
		{"bad query", h, "operator", "GET", "/api/v1/parcels?limit=0", nil, nil, 400, "invalid", "invalid request", "limit"},
		{"no token", h, "", "GET", "/api/v1/parcels", nil, nil, 401, "unauthorized", "not signed in", ""},
		{"role too low", h, "operator", "GET", "/api/v1/exceptions", nil, nil, 403, "forbidden", "not allowed", ""},
		{"unknown parcel", h, "operator", "GET", "/api/v1/parcels/NOPE", nil, nil, 404, "not_found", "not found", ""},
		{"unknown route", h, "operator", "GET", "/api/v1/nowhere", nil, nil, 404, "not_found", "not found", ""},
		{"wrong method", h, "operator", "DELETE", "/api/v1/parcels/receive", nil, nil, 405, "method_not_allowed", "method not allowed", ""},
		{"token name taken", h, "admin", "POST", "/api/v1/tokens", map[string]any{"name": "admin-1", "role": "admin"}, nil, 409, "conflict", "conflict", ""},
		{"cursor from the future", h, "central", "GET", "/api/v1/feed?after=" + futureCursor(h, 1<<40), nil, nil, 410, "cursor_expired", "gone", "after"},
		{"headers too large", h, "operator", "GET", "/api/v1/parcels", nil, []string{"X-Padding", strings.Repeat("x", 8<<10)}, 431, "request_header_fields_too_large", "request header fields too large", ""},
		{"body too large", h, "operator", "POST", "/api/v1/parcels/receive", `{"code":"` + strings.Repeat("x", 1<<20) + `"}`, nil, 413, "request_too_large", "request too large", ""},
		{"not JSON", h, "operator", "POST", "/api/v1/parcels/receive", "code=SF1", []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "unsupported_media_type", "unsupported media type", ""},
		{"key reused for another body", h, "operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": "SF1000000000002"}, []string{"Idempotency-Key", "k-1"}, 422, "invalid", "unprocessable request", "Idempotency-Key"},
		{"locked out", h, "", "POST", "/api/v1/session", map[string]any{"username": "wang.fang", "pin": "1357"}, nil, 429, "locked", "too many requests", ""},
		{"internal", broken, "operator", "GET", "/api/v1/parcels", nil, nil, 500, "internal", "internal error", ""},
		{"not configured", h, "operator", "GET", "/api/v1/sync", nil, nil, 501, "not_configured", "not configured", ""},
		{"not ready", unready, "", "GET", "/readyz", nil, nil, 503, "unavailable", "unavailable", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.h.t = t
			before := tc.h.db.LastSeq()
			r := tc.h.do(tc.role, tc.method, tc.path, tc.body, tc.hdr...)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			p := r.problem(t)
			if p.Type != "urn:returns-station:problem:"+tc.typ || p.Title != tc.title || p.Status != tc.status {
				t.Errorf("problem type %q title %q status %d, want %q %q %d", p.Type, p.Title, p.Status, "urn:returns-station:problem:"+tc.typ, tc.title, tc.status)
			}
			if strings.TrimSpace(p.Detail) == "" {
				t.Errorf("problem has no detail for the person who meets it: %s", r.body)
			}
			if tc.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tc.field) {
				t.Errorf("problem names %+v, want field %q", p.Errors, tc.field)
			}
			if strings.Contains(string(r.body), "input/output") || strings.Contains(string(r.body), "/data/") {
				t.Errorf("problem leaks an internal cause: %s", r.body)
			}
			if tc.status == http.StatusMethodNotAllowed && r.header.Get("Allow") == "" {
				t.Errorf("405 without an Allow header")
			}
			if tc.status != 429 && tc.h.db.LastSeq() != before {
				t.Errorf("a refused request changed the event log (%d → %d)", before, tc.h.db.LastSeq())
			}
		})
	}
}

// holdsFailsOnce is a store whose first write of the feed reader's position
// after a restore fails, as a full or failing disk would make it.
type holdsFailsOnce struct {
	web.Store
	calls atomic.Int32
	seq   atomic.Uint64
}

func (s *holdsFailsOnce) FeedReaderHolds(ctx context.Context, seq uint64) error {
	if s.calls.Add(1) == 1 {
		return errors.New("write /data/station.db: input/output error")
	}
	s.seq.Store(seq)
	return s.Store.FeedReaderHolds(ctx, seq)
}

// A reader's cursor from before a restore is the station's one chance to
// learn how far central read: when recording it fails, the reader is told
// to try the same cursor again (503), not to start over (410), which would
// leave the station waiting for central's position for good.
func TestFeedCursorFromBeforeARestoreIsNotLostToAFailedWrite(t *testing.T) {
	var store *holdsFailsOnce
	h := newHarness(t, func(c *web.Config) {
		store = &holdsFailsOnce{Store: c.Store}
		c.Store = store
	})
	old := "/api/v1/feed?after=" + signedCursor(h, "epoch-before-the-restore", 7)
	r := h.do("central", "GET", old, nil)
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
		t.Fatalf("first try, the position not recorded: got %d (Retry-After %q) %s, want 503 with Retry-After", r.status, r.header.Get("Retry-After"), r.body)
	}
	if p := r.problem(t); p.Type != "urn:returns-station:problem:unavailable" || len(p.Errors) != 1 || p.Errors[0].Field != "after" {
		t.Errorf("first try: problem %+v, want unavailable naming after", p)
	}
	r = h.do("central", "GET", old, nil)
	if r.status != http.StatusGone {
		t.Fatalf("second try, the position recorded: got %d %s, want 410", r.status, r.body)
	}
	if got := store.seq.Load(); got != 7 || store.calls.Load() != 2 {
		t.Errorf("the store was told the reader holds seq %d after %d calls, want 7 after 2", got, store.calls.Load())
	}
}
