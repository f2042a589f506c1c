package web_test

import (
	"net/url"
	"strings"
	"testing"

	"returns-station/station"
	"returns-station/station/web"
)

// TestSignOutDropsCookie: after sign-out the browser holds no session cookie.
// The expiring cookie must name the same Path as the one set at sign-in, or
// the browser keeps the original and sends it again.
func TestSignOutDropsCookie(t *testing.T) {
	h := newHarness(t)
	if _, err := h.db.AddUser(station.User{Username: "li.wei", Role: "operator"}, "2468", ""); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, h)
	h.must(200, b.login("li.wei", "2468"))
	u, _ := url.Parse(h.url + "/")
	if !hasCookie(b, u, web.SessionCookie) {
		t.Fatal("no session cookie after sign-in")
	}
	r := h.must(204, b.do("DELETE", "/api/v1/session", nil))
	set := r.header.Get("Set-Cookie")
	if l := strings.ToLower(set); !strings.Contains(l, "path=/;") && !strings.HasSuffix(l, "path=/") {
		t.Errorf("sign-out cookie %q has no Path=/", set)
	}
	if hasCookie(b, u, web.SessionCookie) {
		t.Errorf("the browser still holds the session cookie after sign-out (Set-Cookie %q)", set)
	}
}

func hasCookie(b *browser, u *url.URL, name string) bool {
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name && c.Value != "" {
			return true
		}
	}
	return false
}
