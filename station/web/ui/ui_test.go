package ui_test

import (
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"returns-station/station"
	"returns-station/station/web/ui"
)

func get(t *testing.T, h http.Handler, path string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func users(n int) func() (int, error) { return func() (int, error) { return n, nil } }

func TestLanguage(t *testing.T) {
	u := ui.New(ui.Options{UserCount: users(1)})
	tests := []struct {
		name, accept, cookie, want string
	}{
		{"no header defaults to Chinese", "", "", "zh"},
		{"Chinese browser", "zh-CN,zh;q=0.9", "", "zh"},
		{"Taiwanese browser still reads Chinese", "zh-TW", "", "zh"},
		{"English browser", "en-US,en;q=0.9", "", "en"},
		{"English preferred over Chinese", "en-GB,zh-CN;q=0.5", "", "en"},
		{"Chinese preferred over English", "zh-CN,en;q=0.5", "", "zh"},
		{"German with English fallback", "de-DE,en;q=0.5", "", "en"},
		{"remembered choice wins", "en-US", "zh", "zh"},
		{"remembered English wins", "zh-CN", "en", "en"},
		{"unknown cookie ignored", "en-US", "fr", "en"},
		{"garbage header", ";;;q=x", "", "zh"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/receive", nil)
			if tc.accept != "" {
				req.Header.Set("Accept-Language", tc.accept)
			}
			if tc.cookie != "" {
				req.AddCookie(&http.Cookie{Name: ui.LangCookie, Value: tc.cookie})
			}
			if got := u.Lang(req); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
			rec := httptest.NewRecorder()
			u.ServeHTTP(rec, req)
			wantHTML := map[string]string{"zh": `lang="zh-CN"`, "en": `lang="en"`}[tc.want]
			if b := rec.Body.String(); !strings.Contains(b, wantHTML) {
				t.Errorf("page does not say %s", wantHTML)
			}
		})
	}
}

func TestPages(t *testing.T) {
	u := ui.New(ui.Options{UserCount: users(3)})
	titles := map[string][2]string{
		"/":           {"Sign in", "登录"},
		"/receive":    {"Scan the parcel", "扫描包裹运单"},
		"/inspect":    {"Scan the product barcode", "扫描商品条码"},
		"/putaway":    {"Scan the unit label", "扫描商品标签"},
		"/exceptions": {"Exceptions", "异常"},
		"/inbound":    {"Inbound", "在途"},
		"/find":       {"Waiting for inspection", "待质检"},
		"/printing":   {"Label printers", "标签打印机"},
		"/audit":      {"Who did what, when, and why", "谁在何时做了什么"},
		"/admin":      {"Machine tokens", "机器令牌"},
		"/dashboard":  {"Late and due soon", "已超时和即将超时"},
	}
	if got := len(u.Pages()); got != len(titles) {
		t.Fatalf("got %d pages, want %d", got, len(titles))
	}
	for _, p := range u.Pages() {
		for i, lang := range []string{"en", "zh"} {
			t.Run(p+" "+lang, func(t *testing.T) {
				res := get(t, u, p, "Cookie", "lang="+lang)
				if res.StatusCode != 200 {
					t.Fatalf("status %d, want 200", res.StatusCode)
				}
				b := body(t, res)
				if want := titles[p][i]; !strings.Contains(b, want) {
					t.Errorf("page does not contain %q", want)
				}
				if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
					t.Errorf("content type %q", ct)
				}
				csp := res.Header.Get("Content-Security-Policy")
				for _, want := range []string{"default-src 'self'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
					if !strings.Contains(csp, want) {
						t.Errorf("CSP %q lacks %q", csp, want)
					}
				}
				if res.Header.Get("Cache-Control") != "no-store" {
					t.Errorf("Cache-Control %q, want no-store", res.Header.Get("Cache-Control"))
				}
				// Every message key resolved: a raw key such as "nav.receive" would show.
				if m := regexp.MustCompile(`>\s*(nav|signin|receive|inspect|putaway|ex|inbound|status|home|pack|audit|admin)\.[a-z_.]+\s*<`).FindString(b); m != "" {
					t.Errorf("unresolved message key in page: %s", m)
				}
				script := strings.TrimPrefix(p, "/")
				if p == "/" {
					script = "signin"
				}
				if !strings.Contains(b, "/assets/"+script+".js?v="+u.Version()) {
					t.Errorf("page does not load its versioned script")
				}
			})
		}
	}
	if res := get(t, u, "/nope"); res.StatusCode != 404 {
		t.Errorf("unknown page: status %d, want 404", res.StatusCode)
	}
	req := httptest.NewRequest("POST", "/receive", nil)
	rec := httptest.NewRecorder()
	u.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST page: status %d, want 405", rec.Code)
	}
}

func TestFirstRun(t *testing.T) {
	const cmd = "station user add --name NAME --role admin"
	tests := []struct {
		name      string
		count     func() (int, error)
		wantCmd   bool
		wantNoOff bool
	}{
		{"no accounts yet", users(0), true, true},
		{"accounts exist", users(2), false, true},
		{"sign-in not configured", nil, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := ui.New(ui.Options{UserCount: tc.count})
			b := body(t, get(t, u, "/", "Accept-Language", "en"))
			if got := strings.Contains(b, cmd); got != tc.wantCmd {
				t.Errorf("first-admin command shown: got %v, want %v", got, tc.wantCmd)
			}
			if got := !strings.Contains(b, `id="signin-off"`); got != tc.wantNoOff {
				t.Errorf("sign-in-off notice absent: got %v, want %v", got, tc.wantNoOff)
			}
			if got := strings.Contains(b, `id="setup-form"`) && strings.Contains(b, "setup code"); got != tc.wantCmd {
				t.Errorf("first-admin form with the setup code shown: got %v, want %v", got, tc.wantCmd)
			}
		})
	}
	// Only the sign-in page asks for the count.
	u := ui.New(ui.Options{UserCount: func() (int, error) { t.Error("receive page counted users"); return 0, nil }})
	get(t, u, "/receive")
}

func TestAssets(t *testing.T) {
	u := ui.New(ui.Options{})
	tests := []struct {
		path, ctype string
	}{
		{"/assets/app.css", "text/css; charset=utf-8"},
		{"/assets/common.js", "text/javascript; charset=utf-8"},
		{"/assets/receive.js", "text/javascript; charset=utf-8"},
		{"/assets/messages.js", "text/javascript; charset=utf-8"},
		{"/assets/icon.svg", "image/svg+xml"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			res := get(t, u, tc.path+"?v="+u.Version())
			if res.StatusCode != 200 {
				t.Fatalf("status %d, want 200", res.StatusCode)
			}
			if got := res.Header.Get("Content-Type"); got != tc.ctype {
				t.Errorf("content type %q, want %q", got, tc.ctype)
			}
			if got := res.Header.Get("Cache-Control"); !strings.Contains(got, "immutable") {
				t.Errorf("versioned asset Cache-Control %q, want immutable", got)
			}
			if got := get(t, u, tc.path).Header.Get("Cache-Control"); got != "no-cache" {
				t.Errorf("unversioned asset Cache-Control %q, want no-cache", got)
			}
			etag := res.Header.Get("ETag")
			if again := get(t, u, tc.path, "If-None-Match", etag); again.StatusCode != http.StatusNotModified {
				t.Errorf("revalidation: status %d, want 304", again.StatusCode)
			}
		})
	}
	for _, p := range []string{"/assets/nope.js", "/assets/../ui.go", "/assets/"} {
		if res := get(t, u, p); res.StatusCode != 404 {
			t.Errorf("%s: status %d, want 404", p, res.StatusCode)
		}
	}
	js := body(t, get(t, u, "/assets/messages.js"))
	if !strings.Contains(js, "window.RS_ACTIONS") || !strings.Contains(js, `"unmatched":["match"`) {
		t.Errorf("messages.js does not carry the exception actions: %.200s", js)
	}
}

// TestNoOutsideRequests keeps the UI working on a LAN with no internet: no
// asset or template names another host.
func TestNoOutsideRequests(t *testing.T) {
	url := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasPrefix(p, "assets") || strings.HasPrefix(p, "templates")) {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range url.FindAllString(string(b), -1) {
			if m == "http://www.w3.org" {
				continue // the SVG namespace name, never fetched
			}
			t.Errorf("%s names another host: %s", p, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMessages checks that every message the templates and scripts use
// exists in both languages, including the ones named after domain codes.
func TestMessages(t *testing.T) {
	raw, err := os.ReadFile("messages.json")
	if err != nil {
		t.Fatal(err)
	}
	var msgs map[string]map[string]string
	if err := json.Unmarshal(raw, &msgs); err != nil {
		t.Fatal(err)
	}
	need := map[string]string{}
	scan := func(glob string, re *regexp.Regexp) {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				if !strings.HasSuffix(m[1], ".") && !strings.HasSuffix(m[1], "_") {
					need[m[1]] = f
				}
			}
		}
	}
	scan("templates/*.html", regexp.MustCompile(`\.(?:T|Alt) "([a-z0-9_.]+)"`))
	scan("assets/*.js", regexp.MustCompile(`\b(?:t|ta|both|pair|known)\('([a-z0-9_.]+)'`))
	scan("assets/*.js", regexp.MustCompile(`'((?:receive|putaway|inspect|inbound|ex)\.[a-z0-9_]+)'`))
	for code, acts := range station.ExceptionActions {
		need["ex."+code] = "station.ExceptionActions"
		for _, a := range acts {
			need["act."+a] = "station.ExceptionActions"
		}
	}
	for _, p := range station.Policies {
		need["policy."+p] = "station.Policies"
	}
	for _, r := range station.ReasonCodes {
		need["reason."+r] = "station.ReasonCodes"
	}
	for _, s := range station.TrackingStatuses {
		need["track."+s] = "station.TrackingStatuses"
	}
	for _, k := range []string{"receive.matched", "receive.duplicate", "receive.unknown", "receive.check", "receive.error"} {
		need[k+"_short"] = "receive.js heads"
	}
	for k, from := range need {
		m, ok := msgs[k]
		if !ok {
			t.Errorf("message %q (used by %s) is missing", k, from)
			continue
		}
		if m["en"] == "" || m["zh"] == "" {
			t.Errorf("message %q lacks a language: %v", k, m)
		}
	}
	for k, m := range msgs {
		if strings.Count(m["en"], "{") != strings.Count(m["zh"], "{") {
			t.Errorf("message %q: the languages have different placeholders: %q / %q", k, m["en"], m["zh"])
		}
	}
}
