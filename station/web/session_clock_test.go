package web_test

import (
	"net/url"
	"testing"
	"time"

	"returns-station/station"
	"returns-station/station/web"
)

// TestSessionIdleTimeoutOnOneClock: the store that records a session and the
// server that ends it read one clock, so the idle timeout is checked on a
// fake one, without sleeping. Use keeps the session alive; thirty idle
// minutes end it, the page is told to sign in again, and the session is gone
// from the store.
func TestSessionIdleTimeoutOnOneClock(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	clk := &clock{t: t0}
	h := newHarness(t, func(c *web.Config) {
		c.Now = clk.now
		c.IdleTimeout = 30 * time.Minute
	})
	if _, err := h.db.AddUser(station.User{Username: "li.wei", Role: "operator"}, "2468", ""); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, h)
	h.must(200, b.login("li.wei", "2468"))
	u, _ := url.Parse(h.url + "/")
	var secret string
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == web.SessionCookie {
			secret = c.Value
		}
	}
	sess, err := h.db.Session(secret)
	if err != nil || sess == nil {
		t.Fatalf("session after sign-in: %v, %v", sess, err)
	}
	if !sess.Created.Equal(t0) || !sess.LastSeen.Equal(t0) {
		t.Fatalf("session stored at %s (last seen %s), want the shared clock's %s", sess.Created, sess.LastSeen, t0)
	}

	signedIn := func() bool {
		t.Helper()
		var v web.SessionView
		h.must(200, b.do("GET", "/api/v1/session", nil)).json(t, &v)
		return v.SignedIn
	}
	// 29 minutes idle: still signed in, and this use counts as activity.
	clk.set(t0.Add(29 * time.Minute))
	if !signedIn() {
		t.Fatal("signed out after 29 idle minutes, want the session to last 30")
	}
	h.must(201, b.do("POST", "/api/v1/parcels/receive", map[string]any{"code": "SF1234567890123"}))
	// 58 minutes after sign-in but 29 after the last use: still signed in.
	clk.set(t0.Add(58 * time.Minute))
	if !signedIn() {
		t.Fatal("signed out 29 minutes after the last use: activity did not keep the session")
	}
	// 30 minutes and a second after the last use: ended.
	clk.set(t0.Add(88*time.Minute + time.Second))
	r := b.do("GET", "/api/v1/parcels", nil)
	if r.status != 401 {
		t.Fatalf("after 30 idle minutes: %d %s, want 401", r.status, r.body)
	}
	if p := r.problem(t); p.Code != "session_ended" {
		t.Errorf("after 30 idle minutes: problem code %q, want session_ended", p.Code)
	}
	if signedIn() {
		t.Error("the page still shows someone signed in after the session ended")
	}
	if sess, err := h.db.Session(secret); err != nil || sess != nil {
		t.Errorf("ended session still stored: %+v, %v", sess, err)
	}
	// Signing in again works on the same clock.
	h.must(200, b.login("li.wei", "2468"))
	if !signedIn() {
		t.Error("not signed in after signing in again")
	}
}
