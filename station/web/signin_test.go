package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

// signIn posts a name and PIN from a fresh client, with extra headers.
func signIn(h *harness, user, pin string, headers ...string) resp {
	h.t.Helper()
	return h.do("", "POST", "/api/v1/session", map[string]any{"username": user, "pin": pin}, headers...)
}

// TestConcurrentWrongPINsAreCounted: sixty wrong PINs sent at once are not
// all checked: at most the five a minute allows are, the rest are refused
// with 429 before any hashing, and the right PIN afterwards is locked out too.
func TestConcurrentWrongPINsAreCounted(t *testing.T) {
	h := newHarness(t)
	if _, err := h.db.AddUser(station.User{Username: "u3", Role: "supervisor"}, "2468", ""); err != nil {
		t.Fatal(err)
	}
	const n = 60
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := http.Post(h.url+"/api/v1/session", "application/json", strings.NewReader(`{"username":"u3","pin":"0000"}`))
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			statuses <- res.StatusCode
		}()
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	t.Logf("60 parallel wrong PINs: %v", count)
	if count[401] > 5 || count[401]+count[429] != n {
		t.Errorf("60 parallel wrong PINs were answered %v; want at most 5 checked (401), the rest 429", count)
	}
	if r := signIn(h, "u3", "2468"); r.status != 429 {
		t.Errorf("the right PIN after 60 wrong ones: %d %s, want 429 (locked)", r.status, r.body)
	}
}

// TestLockoutKeyIsTheNormalisedName: " u3", "u3 ", "\tu3 " and "U3" are the
// name the lookup finds, so they share one count, even from five addresses.
func TestLockoutKeyIsTheNormalisedName(t *testing.T) {
	h := newHarness(t, func(c *web.Config) { c.TrustedProxies = []string{"127.0.0.1"} })
	if _, err := h.db.AddUser(station.User{Username: "u3", Role: "supervisor"}, "2468", ""); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{" u3", "u3 ", "\tu3 ", "U3", "u3"} {
		h.must(401, signIn(h, name, "0000", "X-Forwarded-For", "10.0.0."+strconv.Itoa(i+1)))
	}
	if r := signIn(h, "u3", "2468", "X-Forwarded-For", "10.0.0.99"); r.status != 429 {
		t.Errorf("right PIN after five wrong ones under spellings of the same name: %d %s, want 429", r.status, r.body)
	}
}

// TestForwardedForBelievesOnlyTrustedHops: behind a trusted proxy the client
// is the right-most address the proxy did not add; what the client wrote to
// the left of it cannot buy new tries. With no trusted proxy the header
// counts for nothing.
func TestForwardedForBelievesOnlyTrustedHops(t *testing.T) {
	h := newHarness(t, func(c *web.Config) { c.TrustedProxies = []string{"127.0.0.0/8", "10.9.0.0/16"} })
	for i := 0; i < 5; i++ {
		// The client forges a hop; the trusted proxies 10.9.0.1 and 127.0.0.1 add theirs.
		h.must(401, signIn(h, "nobody"+strconv.Itoa(i), "0000", "X-Forwarded-For", "192.0.2."+strconv.Itoa(i)+", 198.51.100.7, 10.9.0.1"))
	}
	if r := signIn(h, "nobody9", "0000", "X-Forwarded-For", "203.0.113.1, 198.51.100.7"); r.status != 429 {
		t.Errorf("sixth try from 198.51.100.7 behind forged hops: %d %s, want 429", r.status, r.body)
	}
	if r := signIn(h, "nobody9", "0000", "X-Forwarded-For", "198.51.100.8"); r.status != 401 {
		t.Errorf("another client behind the proxy: %d %s, want 401 (its own count)", r.status, r.body)
	}

	plain := newHarness(t)
	for i := 0; i < 5; i++ {
		plain.must(401, signIn(plain, "nobody"+strconv.Itoa(i), "0000", "X-Forwarded-For", "192.0.2."+strconv.Itoa(i)))
	}
	if r := signIn(plain, "nobody9", "0000", "X-Forwarded-For", "192.0.2.77"); r.status != 429 {
		t.Errorf("without a trusted proxy X-Forwarded-For bought a new try: %d %s", r.status, r.body)
	}
}

// TestForwardedProtoAndHostNeedATrustedProxy: without --trusted-proxies,
// X-Forwarded-Proto does not make the cookie Secure and X-Forwarded-Host does
// not pass the same-origin check; from a trusted proxy both count.
func TestForwardedProtoAndHostNeedATrustedProxy(t *testing.T) {
	for _, trusted := range []bool{false, true} {
		h := newHarness(t, func(c *web.Config) {
			if trusted {
				c.TrustedProxies = []string{"127.0.0.1"}
			}
		})
		if _, err := h.db.AddUser(station.User{Username: "li.wei", Role: "operator"}, "2468", ""); err != nil {
			t.Fatal(err)
		}
		r := h.must(200, signIn(h, "li.wei", "2468", "X-Forwarded-Proto", "https"))
		if secure := strings.Contains(strings.ToLower(r.header.Get("Set-Cookie")), "secure"); secure != trusted {
			t.Errorf("trusted proxy %v: cookie %q Secure=%v", trusted, r.header.Get("Set-Cookie"), secure)
		}
		b := newBrowser(t, h)
		h.must(200, b.login("li.wei", "2468"))
		w := b.do("POST", "/api/v1/parcels/receive", map[string]any{"code": "SF1234567890123"}, "Origin", "http://other.example", "X-Forwarded-Host", "other.example")
		if want := map[bool]int{false: 403, true: 201}[trusted]; w.status != want {
			t.Errorf("trusted proxy %v: write with Origin and X-Forwarded-Host other.example: %d %s, want %d", trusted, w.status, w.body, want)
		}
	}
}

// countingSessions counts PIN checks.
type countingSessions struct {
	web.Sessions
	checks *atomic.Int32
}

func (c countingSessions) CheckPIN(u *station.User, pin string) bool {
	c.checks.Add(1)
	return c.Sessions.CheckPIN(u, pin)
}

// TestUnknownUserCostsAPINCheck: a name nobody has goes through the same PIN
// check as a real one (against a stand-in hash), so the answer's time does
// not tell which names exist. BenchmarkPINCheckUnknownVsKnown shows the times.
func TestUnknownUserCostsAPINCheck(t *testing.T) {
	var checks atomic.Int32
	h := newHarness(t, func(c *web.Config) { c.Sessions = countingSessions{c.Sessions, &checks} })
	if _, err := h.db.AddUser(station.User{Username: "li.wei", Role: "operator"}, "2468", ""); err != nil {
		t.Fatal(err)
	}
	h.must(401, signIn(h, "li.wei", "0000"))
	h.must(401, signIn(h, "zhang.san", "0000"))
	if n := checks.Load(); n != 2 {
		t.Errorf("%d PIN checks for one known and one unknown name, want 2", n)
	}
}

// BenchmarkPINCheckUnknownVsKnown prints the time of a wrong PIN for a known
// and for an unknown name, and their ratio (near 1 means no enumeration).
func BenchmarkPINCheckUnknownVsKnown(b *testing.B) {
	h := newHarness(b)
	if _, err := h.db.AddUser(station.User{Username: "li.wei", Role: "operator"}, "2468", ""); err != nil {
		b.Fatal(err)
	}
	var known, unknown time.Duration
	for i := 0; i < b.N; i++ {
		for _, name := range []string{"li.wei", "zhang.san"} {
			start := time.Now()
			if !h.db.CheckPIN(userOrStandIn(h, name), "0000") {
				if name == "li.wei" {
					known += time.Since(start)
				} else {
					unknown += time.Since(start)
				}
			}
		}
	}
	b.ReportMetric(float64(known.Microseconds())/float64(b.N), "known-µs/op")
	b.ReportMetric(float64(unknown.Microseconds())/float64(b.N), "unknown-µs/op")
	b.ReportMetric(float64(unknown)/float64(known), "unknown/known")
}

func userOrStandIn(h *harness, name string) *station.User {
	u, err := h.db.User(name)
	if err != nil {
		h.t.Fatal(err)
	}
	if u == nil {
		return &station.User{}
	}
	return u
}
