package main_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// syncBuffer is an output buffer a test may read while the process writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed: .ci/run installs it (apt-get install chromium)")
	}
	t.Skip("chromium is not installed (apt-get install chromium); CI runs this test")
	return ""
}

var setupCodeLine = regexp.MustCompile(`setup_code=([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})`)

// TestFirstAdminWithSetupCode follows the README from an empty data
// directory: the station prints a one-time setup code in its log, the first
// admin is created with it in Chromium and signs in; the same code then
// fails, the page no longer offers set-up, and `user add` against the
// serving station refuses before it asks for a PIN.
func TestFirstAdminWithSetupCode(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	exe := chromium(t)
	data := t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr
	logs := &syncBuffer{}
	cmd := exec.Command(stationBin, "serve", "--data", data, "--addr", addr)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	var code string
	deadline := time.Now().Add(15 * time.Second)
	for code == "" && time.Now().Before(deadline) {
		if m := setupCodeLine.FindStringSubmatch(logs.String()); m != nil {
			code = m[1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code == "" {
		t.Fatalf("got no setup code in the log:\n%s", logs)
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		if r, err := http.Get(base + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("station not ready:\n%s", logs)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// The maintenance command says at once that the station holds the data,
	// without asking for a PIN first.
	user := exec.Command(stationBin, "user", "add", "--data", data, "--name", "li.wei", "--role", "operator")
	user.Stdin = strings.NewReader("1111\n")
	var uerr bytes.Buffer
	user.Stderr = &uerr
	if err := user.Run(); err == nil || strings.Contains(uerr.String(), "PIN") || !strings.Contains(uerr.String(), "setup code") {
		t.Errorf("user add while serving: %v, stderr %q; want a refusal before any PIN prompt that names the setup code", err, uerr.String())
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1366, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	browser, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(browser); err != nil { // starts chromium: no timeout on this one
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancelT := context.WithTimeout(browser, 60*time.Second)
	defer cancelT()
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	steps := []struct {
		name string
		a    chromedp.Action[chromedp.Void]
	}{
		{"open the page", chromedp.Navigate(base + "/")},
		{"wait for the set-up form", chromedp.WaitVisible(css(`body[data-ready="true"] #setup-form`))},
		{"type the code", chromedp.SendKeys(css(`#setup-code`), strings.ToLower(code))},
		{"type the user name", chromedp.SendKeys(css(`#setup-username`), "boss")},
		{"type the display name", chromedp.SendKeys(css(`#setup-display`), "王芳")},
		{"type the PIN and Enter", chromedp.SendKeys(css(`#setup-pin`), "4711"+kb.Enter)},
		{"wait for the answer", chromedp.WaitVisible(css(`#signin-msg.good`))},
	}
	for _, st := range steps {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := chromedp.Do(sctx, st.a)
		cancel()
		if err != nil {
			page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify([document.getElementById('signin-msg').outerHTML, document.getElementById('setup-code').value, document.getElementById('setup-pin').value, document.activeElement.id])`))
			t.Fatalf("create the first admin in the browser: %s: %v\nmessage: %s\nlog:\n%s", st.name, err, page, logs)
		}
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(css(`#signin-msg`)))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(css(`#pin`), "4711"+kb.Enter),
		chromedp.WaitVisible(css(`#home`)),
	); err != nil {
		t.Fatalf("sign in as the new admin: %v", err)
	}
	hello, err := chromedp.Run(ctx, chromedp.Text(css(`#home-hello`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "boss") || !strings.Contains(hello, "王芳") {
		t.Errorf("got message %q and greeting %q, want the new admin named", msg, hello)
	}

	// The same code again: refused, and the page offers set-up no more.
	r, err := http.Post(base+"/api/v1/setup", "application/json", strings.NewReader(`{"code":"`+code+`","username":"second","pin":"4711"}`))
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusGone {
		t.Errorf("got %d for the used setup code, want 410", r.StatusCode)
	}
	tab, cancelTab := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancelTab()
	if err := chromedp.Do(tab,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(css(`body[data-ready="true"] #signin`)),
	); err != nil {
		t.Fatal(err)
	}
	offered, err := chromedp.Run(tab, chromedp.Evaluate[bool](`!!document.getElementById('setup-form')`))
	if err != nil {
		t.Fatal(err)
	}
	if offered {
		t.Error("got the set-up form on a station that has an admin")
	}
	if strings.Count(logs.String(), code) != 2 { // the log line and the line on stdout
		t.Errorf("got the setup code %d times in the output, want it printed once in the log and once on stdout", strings.Count(logs.String(), code))
	}
}
