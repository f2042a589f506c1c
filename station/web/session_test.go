package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"returns-station/station"
	"returns-station/station/web"
)

// browser is a cookie-keeping client, as the staff UI is.
type browser struct {
	t      *testing.T
	h      *harness
	client *http.Client
	csrf   string
}

func newBrowser(t *testing.T, h *harness) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, h: h, client: &http.Client{Jar: jar}}
}

func (b *browser) do(method, path string, body any, headers ...string) resp {
	b.t.Helper()
	var rd io.Reader
	var raw []byte
	if body != nil {
		raw, _ = json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, b.h.url+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if b.csrf != "" {
		req.Header.Set(web.CSRFHeader, b.csrf)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.h.send(b.client, req, raw)
}

func (b *browser) login(user, pin string) resp {
	r := b.do("POST", "/api/v1/session", map[string]any{"username": user, "pin": pin})
	if r.status == 200 {
		var v web.SessionView
		r.json(b.t, &v)
		b.csrf = v.CSRFToken
	}
	return r
}

func TestStaffSession(t *testing.T) {
	h := newHarness(t)
	if _, err := h.db.AddUser(station.User{Username: "li.wei", DisplayName: "李伟", Role: "operator"}, "2468", "BADGE-0042"); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, h)
	var anon web.SessionView
	h.must(200, b.do("GET", "/api/v1/session", nil)).json(t, &anon)
	if anon.SignedIn || anon.Username != "" {
		t.Errorf("nobody signed in, yet the session says %+v", anon)
	}
	r := h.must(200, b.login("li.wei", "2468"))
	cookie := r.header.Get("Set-Cookie")
	for _, want := range []string{"station_session=", "HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("session cookie %q lacks %s", cookie, want)
		}
	}
	var rec station.ReceiveResult
	h.must(201, b.do("POST", "/api/v1/parcels/receive", map[string]any{"code": "SF1234567890123"})).json(t, &rec)
	if rec.Parcel.ReceivedBy != "user:li.wei" {
		t.Errorf("received by %q, want user:li.wei", rec.Parcel.ReceivedBy)
	}
	// A cross-site form post carries the cookie but not the token: refused, nothing changes.
	seq := h.db.LastSeq()
	token := b.csrf
	b.csrf = ""
	h.must(403, b.do("POST", "/api/v1/parcels/receive", map[string]any{"code": "SF2234567890123"}, "Origin", "http://evil.example"))
	b.csrf = token
	h.must(403, b.do("POST", "/api/v1/parcels/receive", map[string]any{"code": "SF2234567890123"}, "Origin", "http://evil.example"))
	if h.db.LastSeq() != seq {
		t.Error("a refused cross-site write changed the log")
	}
	// Roles still apply to people.
	h.must(403, b.do("GET", "/api/v1/exceptions", nil))
	// Sign out ends the session.
	h.must(204, b.do("DELETE", "/api/v1/session", nil))
	h.must(401, b.do("GET", "/api/v1/parcels", nil))
	// Badge sign-in.
	bb := newBrowser(t, h)
	r = h.must(200, bb.do("POST", "/api/v1/session", map[string]any{"badge": "BADGE-0042"}))
	var v web.SessionView
	r.json(t, &v)
	if v.Username != "li.wei" || v.DisplayName != "李伟" {
		t.Errorf("badge sign-in as %+v", v)
	}
}

func TestPINLockout(t *testing.T) {
	h := newHarness(t)
	if _, err := h.db.AddUser(station.User{Username: "wang.fang", Role: "supervisor"}, "1357", ""); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, h)
	for i := 0; i < 5; i++ {
		h.must(401, b.login("wang.fang", "0000"))
	}
	r := h.must(429, b.login("wang.fang", "1357"))
	p := r.problem(t)
	if r.header.Get("Retry-After") == "" || !strings.Contains(p.Detail, "Try again in") {
		t.Errorf("lockout answer %+v (Retry-After %q) does not say when to try again", p, r.header.Get("Retry-After"))
	}
}
