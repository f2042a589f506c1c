package ui_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"returns-station/station"
	"returns-station/station/bolt"
	"returns-station/station/web"
)

// outDir holds the browser test's screenshots and PDFs (not committed).
const outDir = "test-output"

// Staff accounts of the scenario.
const (
	clerkUser, clerkPIN, clerkBadge = "li.wei", "1234", "BADGE-LW-0001"
	supUser, supPIN, supBadge       = "zhang.min", "5678", "BADGE-ZM-0002"
)

// ---- the station ---------------------------------------------------------

// stationUnderTest is a real station: a bbolt file in a temp dir and the web
// server on a real socket, with an admin token for checking what the API
// holds.
type stationUnderTest struct {
	t   *testing.T
	db  *bolt.DB
	url string
	tok string
}

func startStation(t *testing.T, tweak func(*web.Config)) *stationUnderTest {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "station.db"), bolt.Options{StationID: "st-ui"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := web.Config{Store: db, Sessions: db, Accounts: db, FirstAdmin: db, Printing: db, Backups: db}
	if tweak != nil {
		tweak(&cfg)
	}
	srv := web.New(cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(ln)
	}()
	tok, _, err := db.CreateToken("ui-test", station.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		<-served
		if err := db.Check(); err != nil {
			t.Errorf("bbolt check after test: %v", err)
		}
		db.Close()
	})
	return &stationUnderTest{t: t, db: db, url: "http://" + ln.Addr().String(), tok: tok}
}

// call sends a request with the admin token, decodes the answer into
// out and returns the status.
func (s *stationUnderTest) call(method, path string, in, out any) int {
	s.t.Helper()
	var rd io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.tok)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			s.t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
	return res.StatusCode
}

func (s *stationUnderTest) mustCall(want int, method, path string, in, out any) {
	s.t.Helper()
	if got := s.call(method, path, in, out); got != want {
		s.t.Fatalf("%s %s: status %d, want %d", method, path, got, want)
	}
}

func rma(id, tracking, category string) station.ReturnAuthorization {
	delivered := time.Now().Add(-72 * time.Hour)
	requested := time.Now().Add(-48 * time.Hour)
	return station.ReturnAuthorization{
		RMA: id, Version: 1, Status: "approved", OrderID: "SO-" + id, Channel: "tmall",
		Customer: station.Customer{Name: "张*", PhoneTail: "1234"}, Reason: station.ReturnReason{Code: "quality_issue", Text: "左耳没有声音"},
		Policy: station.PolicyQuality, DeliveredAt: &delivered, RequestedAt: &requested, Refund: station.Money{Amount: "199.00", Currency: "CNY"},
		ReturnShipments: []station.ReturnShipment{{Carrier: "SF", Tracking: tracking}},
		Lines: []station.RMALine{{Line: 1, SKU: "EAR-BT-01", GTIN: "06901234567892", Name: "蓝牙耳机 Bluetooth earbuds", Category: category,
			Qty: 1, UnitPrice: "199.00", Serials: []string{"SN8842AA"}}},
	}
}

// labelImages stands in for labels/ (which station/web does not import): a
// 100 × 150 mm label at 203 dpi with a code-like block, enough for the
// print sheet.
type labelImages struct{}

func (labelImages) PNG(c station.LabelContent, size string, dpi int) ([]byte, error) {
	img := image.NewGray(image.Rect(0, 0, 800, 1200))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for y := 80; y < 520; y++ {
		for x := 80; x < 520; x++ {
			if (x/40+y/40)%2 == 0 || x < 120 || y < 120 || x >= 480 || y >= 480 {
				img.Pix[y*800+x] = 0
			}
		}
	}
	var buf bytes.Buffer
	err := png.Encode(&buf, img)
	return buf.Bytes(), err
}

func (labelImages) ZPL(station.LabelContent, string, int, string) ([]byte, error) {
	return []byte("^XA^XZ"), nil
}

func (labelImages) Sheet(w io.Writer, _ []station.LabelContent, _ string) error {
	_, err := io.WriteString(w, "<!doctype html><title>labels</title>")
	return err
}

// linkUp is a link to central that is up, with a few events waiting, after
// a restore from backup that left events 81–95 only on central.
type linkUp struct{ since time.Time }

func (l linkUp) Status(context.Context) (station.LinkState, error) {
	return station.LinkState{Configured: true, Online: true, Since: l.since, LastSeq: 120, AckedSeq: 117, Backlog: 3,
		Restore: &station.Restored{At: l.since, BackupLastSeq: 80, CentralLastSeq: 95, CentralOnlyFrom: 81, CentralOnlyTo: 95, Renumbered: 12, ResumedAt: l.since}}, nil
}
func (linkUp) Retry()                                    {}
func (linkUp) Parked(int) ([]station.ParkedEvent, error) { return nil, nil }

// ---- the browser ---------------------------------------------------------

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed: .ci/run installs it (apt-get install chromium)")
	}
	t.Skip("chromium is not installed (apt-get install chromium); CI runs this test")
	return ""
}

// browser is one tab of a headless chromium with a fresh profile, on one
// station. Its watch records every console error, uncaught exception and
// request to another host, for all the tabs of the browser.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	*watch
}

type watch struct {
	wg       sync.WaitGroup
	mu       sync.Mutex
	bases    []string
	problems []string
	requests int
}

// acceptLanguage makes the browser ask for pages in accept (an
// Accept-Language value), as a person's browser set to that language does.
func (b *browser) acceptLanguage(accept string) {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Accept-Language": accept}}); err != nil {
		b.t.Fatal(err)
	}
}

// reportProblems fails t, when it ends, with everything the pages logged as
// broken on the way (script errors, failed requests).
func (b *browser) reportProblems(t *testing.T) {
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, p := range b.problems {
			t.Error(p)
		}
	})
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("mute-audio", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	b := &browser{t: t, ctx: ctx, base: base, watch: &watch{bases: []string{base}}}
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		b.wg.Wait()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	b.listen(ctx)
	return b
}

// tab opens a tab on another station, in a browser context of its own (its
// own cookies).
func (b *browser) tab(t *testing.T, base string) *browser {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	b.mu.Lock()
	b.bases = append(b.bases, base)
	b.mu.Unlock()
	nb := &browser{t: t, ctx: ctx, base: base, watch: b.watch}
	nb.listen(ctx)
	return nb
}

// listen records the problems of one tab until its context ends.
func (b *browser) listen(ctx context.Context) {
	console := chromedp.Console(ctx)
	requests := chromedp.Events(ctx, network.RequestWillBeSent)
	b.wg.Go(func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if m.Type != chromedp.ConsoleError && !m.IsException() {
				continue
			}
			// The browser logs every 4xx/5xx answer as a network error. The
			// API answers with problems by design (401 before sign-in, 501
			// for what is not configured); a page or asset must never fail.
			if m.Source == "network" && strings.Contains(m.URL, "/api/v1/") {
				continue
			}
			b.problem(fmt.Sprintf("console %s: %s (%s:%d)", m.Type, m.Text, m.URL, m.Line+1))
		}
	})
	b.wg.Go(func() {
		for ev, err := range requests {
			if err != nil {
				return
			}
			u := ev.Request.URL
			b.mu.Lock()
			b.requests++
			ours := strings.HasPrefix(u, "data:") || strings.HasPrefix(u, "blob:")
			for _, base := range b.bases {
				ours = ours || strings.HasPrefix(u, base+"/")
			}
			b.mu.Unlock()
			if !ours {
				b.problem("request to another host: " + u)
			}
		}
	})
}

func (b *watch) problem(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = append(b.problems, s)
}

// do runs actions with a deadline and fails the test on error.
func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

func eval[T any](b *browser, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// until waits for a JavaScript condition, across page loads.
func (b *browser) until(what, js string) {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+js+")"))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.mu.Lock()
			problems := strings.Join(b.problems, "\n")
			b.mu.Unlock()
			b.screenshot("failure", 1366, 900)
			b.t.Fatalf("waited 10 s for %s (%s); page shows: %.600s\nbrowser problems so far:\n%s", what, js, b.text("main"), problems)
		}
		time.Sleep(15 * time.Millisecond)
	}
}

// text is the visible text of the first element matching sel ("" if none).
func (b *browser) text(sel string) string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {}).innerText || ''`, sel)))
	return v
}

func (b *browser) open(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base + path))
	b.until("page "+path+" ready", `document.body && document.body.dataset.ready === 'true'`)
}

// click clicks the element in the middle of the screen, clear of the
// sticky status bar.
func (b *browser) click(sel string) {
	b.t.Helper()
	b.until(sel, fmt.Sprintf(`document.querySelector(%q)`, sel))
	eval[bool](b, fmt.Sprintf(`(document.querySelector(%q).scrollIntoView({block: 'center'}), true)`, sel))
	b.do(chromedp.Click(chromedp.CSS(sel)))
}

// wedge types code as a keyboard-wedge scanner does: one fast key event per
// character into whatever has the focus, then Enter.
func (b *browser) wedge(code string) {
	b.t.Helper()
	b.do(chromedp.KeyEvent(code + kb.Enter))
}

// typeInto focuses a field and types into it.
func (b *browser) typeInto(sel, s string) {
	b.t.Helper()
	b.do(chromedp.Focus(chromedp.CSS(sel)), chromedp.KeyEvent(s))
}

func (b *browser) wantText(sel string, want ...string) {
	b.t.Helper()
	got := b.text(sel)
	for _, w := range want {
		if !strings.Contains(got, w) {
			b.t.Errorf("%s shows %q, want it to contain %q", sel, got, w)
		}
	}
}

// screenshot saves the whole page as PNG (up to 4000 px tall): the viewport
// grows to the page's height for the shot, so that the status bar sits at the
// bottom as on a screen, then goes back to w × h.
func (b *browser) screenshot(name string, w, h int64) {
	b.t.Helper()
	full := int64(math.Min(eval[float64](b, `document.documentElement.scrollHeight`), 4000))
	b.viewport(w, max(full, h))
	b.do(chromedp.Evaluate[chromedp.Void](`new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`, chromedp.EvalAwaitPromise))
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	b.viewport(w, h)
	if err := os.WriteFile(filepath.Join(outDir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

var sizes = []struct {
	name string
	w, h int64
}{{"desk", 1366, 900}, {"handheld", 360, 740}}

func (b *browser) viewport(w, h int64) {
	b.t.Helper()
	b.do(chromedp.EmulateViewport(w, h))
}

// ---- the scenario --------------------------------------------------------

// TestBrowser drives the staff UI in headless chromium against a real
// station: a clerk signs in, receives parcels from a wedge scanner, inspects
// a unit; a supervisor overrides its grade, prints its label, closes the
// parcel, puts the unit away and resolves an exception. Each step checks
// what the page shows and what the API then holds. It measures the
// scan-to-answer time, and writes screenshots of every page at desk and
// handheld sizes in both languages.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	linkSince := time.Now().Add(-2 * time.Hour)
	st := startStation(t, func(c *web.Config) {
		c.Labels = labelImages{}
		c.Sync = linkUp{since: linkSince}
	})
	for _, u := range []struct {
		user  station.User
		pin   string
		badge string
	}{
		{station.User{Username: clerkUser, DisplayName: "李伟", Role: station.RoleOperator}, clerkPIN, clerkBadge},
		{station.User{Username: supUser, DisplayName: "张敏", Role: station.RoleSupervisor}, supPIN, supBadge},
	} {
		if _, err := st.db.AddUser(u.user, u.pin, u.badge); err != nil {
			t.Fatal(err)
		}
	}
	const tracking = "SF1234567890123"
	st.mustCall(201, "POST", "/api/v1/returns", rma("RMA-0001", tracking, "数码/耳机"), nil)
	st.mustCall(201, "POST", "/api/v1/returns", rma("RMA-0002", "SF2000000000002", "数码/耳机"), nil)
	const timed = 60
	for i := range timed {
		st.mustCall(201, "POST", "/api/v1/returns", rma(fmt.Sprintf("RMA-T%03d", i), fmt.Sprintf("SF3%012d", i), "home"), nil)
	}
	seedTracking(t, st.db)
	st.mustCall(200, "PUT", "/api/v1/printers/desk-1", station.Printer{Name: "desk-1", Addr: "127.0.0.1:9", DPI: 203, Size: station.LabelSizeLarge}, nil)
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, st.url)
	b.acceptLanguage("en-US,en;q=0.9")

	var parcelID, unitID string
	use := func(t *testing.T) { b.t, st.t = t, t }
	// Whatever step fails, report what the pages logged on the way.
	t.Cleanup(func() {
		use(t)
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, p := range b.problems {
			t.Error(p)
		}
		if !t.Failed() && b.requests < 50 {
			t.Errorf("saw %d requests: the request watch is not working", b.requests)
		}
	})

	if !t.Run("sign in", func(t *testing.T) {
		use(t)
		b.open("/receive") // not signed in: sent to the sign-in page, and back after
		b.until("sign-in page", `location.pathname === '/' && !document.getElementById('signin').hidden`)
		if lang := eval[string](b, `document.documentElement.lang`); lang != "en" {
			t.Errorf("page language %q for an English browser, want en", lang)
		}
		if eval[bool](b, `!!document.getElementById('first-run')`) {
			t.Error("first-run notice shown although accounts exist")
		}
		if active := eval[string](b, `document.activeElement.id`); active != "badge" {
			t.Errorf("focus on %q, want the badge field", active)
		}
		for _, s := range sizes {
			b.viewport(s.w, s.h)
			b.screenshot("en-"+s.name+"-1-signin", s.w, s.h)
		}
		b.viewport(1366, 900)
		b.typeInto("#username", clerkUser)
		b.typeInto("#pin", "9999"+kb.Enter)
		b.until("wrong PIN message", `document.getElementById('signin-msg').innerText.length > 0`)
		b.wantText("#signin-msg", "Wrong user name, PIN or badge")
		b.typeInto("#pin", clerkPIN+kb.Enter)
		b.until("receive page after sign-in", `location.pathname === '/receive' && document.body.dataset.ready === 'true'`)
		b.wantText("#who", "李伟")
		if role := eval[string](b, `document.querySelector('#who .role').textContent`); !strings.Contains(role, "operator") {
			t.Errorf("role shown as %q, want operator", role)
		}
		if eval[bool](b, `!document.querySelector('[data-nav=exceptions]').hidden`) {
			t.Error("the exceptions page is offered to an operator")
		}
	}) {
		return
	}

	if !t.Run("receive", func(t *testing.T) {
		use(t)
		if active := eval[string](b, `document.activeElement.id`); active != "scan" {
			t.Fatalf("focus on %q, want the scan field", active)
		}
		scan := func(code string, seq int, wantClass string, want ...string) {
			t.Helper()
			b.wedge(code)
			b.until(fmt.Sprintf("answer %d", seq), fmt.Sprintf(`document.getElementById('result').dataset.seq === '%d'`, seq))
			if cls := eval[string](b, `document.getElementById('result').className`); cls != "result "+wantClass {
				t.Errorf("scan %q: answer class %q, want %q", code, cls, "result "+wantClass)
			}
			b.wantText("#result", want...)
			if active := eval[string](b, `document.activeElement.id`); active != "scan" {
				t.Errorf("after scan %q the focus is on %q, want the scan field", code, active)
			}
		}
		// The README's raw form: AIM prefix, lower case, spaces.
		scan("]C0sf 1234 5678 9012 3", 1, "ok", "MATCHED", "RMA-0001", "左耳没有声音", "quality problem", "蓝牙耳机", "已匹配")
		scan(tracking, 2, "dup", "ALREADY RECEIVED", "li.wei", "RMA-0001")
		scan("YT9876543210001", 3, "unknown", "UNKNOWN PARCEL", "exceptions shelf", "YT9876543210001")
		scan("06901234567892", 4, "error", "NOT RECEIVED", "product barcode")
		b.do(chromedp.KeyEvent(kb.F4)) // the next parcel's box is damaged
		if p := eval[string](b, `document.querySelector('[data-pack][aria-pressed=true]').dataset.pack`); p != "damaged" {
			t.Errorf("F4 chose packaging %q, want damaged", p)
		}
		scan("SF2000000000002", 5, "warn", "CHECK", "Damaged in transit", "RMA-0002")
		if p := eval[string](b, `document.querySelector('[data-pack][aria-pressed=true]').dataset.pack`); p != "intact" {
			t.Errorf("packaging after the scan %q, want intact again", p)
		}
		if n := eval[int](b, `document.querySelectorAll('#history li').length`); n != 5 {
			t.Errorf("history shows %d scans, want 5", n)
		}

		// What the API holds now.
		var list struct{ Parcels []station.Parcel }
		st.mustCall(200, "GET", "/api/v1/parcels?tracking="+tracking, nil, &list)
		if len(list.Parcels) != 1 || list.Parcels[0].RMA != "RMA-0001" || list.Parcels[0].ReceivedBy != "user:"+clerkUser {
			t.Fatalf("parcels for %s: %+v, want one, matched to RMA-0001, received by the clerk", tracking, list.Parcels)
		}
		parcelID = list.Parcels[0].ID
		st.mustCall(200, "GET", "/api/v1/parcels?tracking=SF2000000000002", nil, &list)
		if len(list.Parcels) != 1 || list.Parcels[0].Packaging != "damaged" {
			t.Errorf("damaged parcel: %+v, want packaging damaged", list.Parcels)
		}
		var exs struct{ Exceptions []station.Exception }
		st.mustCall(200, "GET", "/api/v1/exceptions?state=open", nil, &exs)
		codes := map[string]int{}
		for _, e := range exs.Exceptions {
			codes[e.Code]++
		}
		if codes["unmatched"] != 1 || codes["damaged_in_transit"] != 1 {
			t.Errorf("open exceptions %v, want one unmatched and one damaged_in_transit", codes)
		}

		// Scan-to-answer time over 100 wedge scans: new, repeated, unknown
		// and wrong (a product barcode) parcels, as a busy desk sees them.
		var codesToScan []string
		next := 0
		for i := range 100 {
			switch i % 10 {
			case 3, 7:
				codesToScan = append(codesToScan, fmt.Sprintf("SF3%012d", max(next-1, 0))) // repeat
			case 5:
				codesToScan = append(codesToScan, fmt.Sprintf("ZT%013d", i)) // unknown
			case 9:
				codesToScan = append(codesToScan, "06901234567892") // product barcode
			default:
				codesToScan = append(codesToScan, fmt.Sprintf("SF3%012d", next))
				next++
			}
		}
		before := eval[int](b, `RS.timings.length`)
		seq := 5
		start := time.Now()
		for _, c := range codesToScan {
			seq++
			b.wedge(c)
			ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
			_, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`document.getElementById('result').dataset.seq === '%d' && RS.timings.length >= %d`, seq, before+seq-5)))
			cancel()
			if err != nil {
				t.Fatalf("scan %d (%s): %v", seq, c, err)
			}
		}
		// The last 100 timings: the timing of the scan before the loop may be
		// recorded a frame late, after before was read.
		ms := eval[[]float64](b, `RS.timings.slice(-100)`)
		net := eval[[]float64](b, `performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/api/v1/parcels/receive')).slice(-100).map((e) => e.responseEnd - e.startTime)`)
		slices.Sort(net)
		if len(net) >= 100 {
			t.Logf("of which the request (fetch start to response end): p50 %.1f ms, p95 %.1f ms", net[49], net[94])
		}
		if len(ms) != 100 {
			t.Fatalf("measured %d scans, want 100", len(ms))
		}
		slices.Sort(ms)
		p50, p95, worst := ms[49], ms[94], ms[99]
		// Reported, not asserted: a timing target in a test fails on a busy
		// machine for reasons that are not the station's (the figure goes in
		// the README; the target is 100 ms).
		t.Logf("scan-to-answer over 100 wedge scans (Enter to the answer's frame): p50 %.1f ms, p95 %.1f ms, max %.1f ms; %d scans in %v",
			p50, p95, worst, len(ms), time.Since(start).Round(time.Millisecond))
		if n := eval[int](b, `document.querySelectorAll('#history li').length`); n != 20 {
			t.Errorf("history shows %d scans, want the last 20", n)
		}
		st.mustCall(200, "GET", "/api/v1/parcels?limit=500", nil, &list)
		if want := 3 + timed + 10; len(list.Parcels) != want {
			t.Errorf("%d parcels on the station, want %d", len(list.Parcels), want)
		}
	}) {
		return
	}

	if !t.Run("inspect as clerk", func(t *testing.T) {
		use(t)
		b.wedge(tracking) // a repeat: the answer offers this parcel
		b.until("repeat answer", `document.getElementById('result').className === 'result dup'`)
		b.do(chromedp.KeyEvent(kb.F9))
		b.until("inspect page", `location.pathname === '/inspect' && document.body.dataset.ready === 'true'`)
		b.wantText("#parcel", tracking, "RMA-0001", "左耳没有声音", "蓝牙耳机")
		if active := eval[string](b, `document.activeElement.id`); active != "unit-scan" {
			t.Errorf("focus on %q, want the product scan field", active)
		}
		b.wedge("06901234567892")
		b.until("checklist", `document.querySelectorAll('#checklist fieldset').length > 0`)
		unitID = eval[string](b, `new URLSearchParams(location.search).get('unit')`)
		if unitID == "" {
			t.Fatal("no unit in the page address")
		}
		if eval[bool](b, `!document.getElementById('confirm').disabled`) {
			t.Error("confirm offered before the checklist is answered")
		}
		answers := map[string]string{
			"packaging": "opened", "used": "false", "powers_on": "true", "functions_ok": "false", "cosmetic": "none",
			"liquid_damage": "false", "account_locked": "false", "accessories_complete": "true",
		}
		for q, v := range answers {
			b.click(fmt.Sprintf(`fieldset[data-q=%q] button[data-v=%q]`, q, v))
		}
		b.click(`fieldset[data-q=missing_parts_count] button[aria-label="+1"]`)
		b.typeInto("#serial", "SN8842AA"+kb.Enter)
		b.until("suggestion", `!!document.querySelector('#suggestion .grade-big') && !document.getElementById('confirm').disabled`)
		// The answers save as they are given: wait until the page shows the
		// suggestion of the last save (a slow machine answers late).
		shown := ""
		for end := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			var u web.UnitView
			st.mustCall(200, "GET", "/api/v1/units/"+unitID, nil, &u)
			shown = eval[string](b, `document.querySelector('#suggestion .grade-big').textContent`)
			if (u.Suggestion != nil && u.Suggestion.Grade == shown && u.Serial != "") || time.Now().After(end) {
				break
			}
		}
		b.wantText("#suggestion", "Refund")
		if eval[int](b, `document.querySelectorAll('#suggestion .reasons li').length`) == 0 {
			t.Error("the suggestion gives no reasons")
		}
		if eval[bool](b, `!!document.getElementById('override-box')`) {
			t.Error("override offered to an operator")
		}
		b.wantText("#actions", "Ask a supervisor")
		for _, s := range sizes { // the page in the middle of an inspection
			b.viewport(s.w, s.h)
			b.screenshot("en-"+s.name+"-4-inspect-answering", s.w, s.h)
		}
		b.viewport(1366, 900)

		// A photo from the camera input.
		photo := filepath.Join(t.TempDir(), "unit.png")
		writePNG(t, photo)
		b.do(chromedp.SetUploadFiles(chromedp.CSS("#photo-file"), []string{photo}))
		b.until("photo thumbnail", `document.querySelectorAll('#photos img').length === 1`)
		b.until("photo loaded", `document.querySelector('#photos img').naturalWidth > 0`)
		if c := eval[string](b, `document.getElementById('photo-file').getAttribute('capture')`); c != "environment" {
			t.Errorf("photo input capture=%q, want environment", c)
		}

		var u web.UnitView
		st.mustCall(200, "GET", "/api/v1/units/"+unitID, nil, &u)
		if u.Serial != "SN8842AA" || len(u.Photos) != 1 || u.Suggestion == nil || u.Suggestion.Grade != shown || u.Status != station.UnitInspecting {
			t.Errorf("unit in the API: serial %q, %d photos, suggestion %+v, status %s; want SN8842AA, 1 photo, grade %s shown, inspecting",
				u.Serial, len(u.Photos), u.Suggestion, u.Status, shown)
		}
		for q, v := range answers {
			if got := fmt.Sprint(u.Checklist[q]); got != v {
				t.Errorf("checklist %s = %s in the API, want %s", q, got, v)
			}
		}
		if got := fmt.Sprint(u.Checklist["missing_parts_count"]); got != "1" {
			t.Errorf("missing_parts_count = %s, want 1", got)
		}
		if shown == "C" {
			t.Fatalf("the suggestion is already C; the override below must differ")
		}
	}) {
		return
	}

	if !t.Run("override as supervisor", func(t *testing.T) {
		use(t)
		b.click("#signout")
		b.until("signed out", `location.pathname === '/' && !document.getElementById('signin').hidden`)
		b.open(fmt.Sprintf("/inspect?parcel=%s&unit=%s", parcelID, unitID))
		b.until("sign-in page", `location.pathname === '/' && !document.getElementById('signin').hidden`)
		b.wedge(supBadge) // the badge field has the focus; a badge scanner is a wedge too
		b.until("back at the unit", `location.pathname === '/inspect' && document.body.dataset.ready === 'true' && !!document.getElementById('override-box')`)
		b.wantText("#who", "张敏")
		if role := eval[string](b, `document.querySelector('#who .role').textContent`); !strings.Contains(role, "supervisor") {
			t.Errorf("role shown as %q, want supervisor", role)
		}
		b.click("#override-box summary")
		b.click(`#override button[data-grade="C"]`)
		b.click("#override-go")
		b.until("reason required", `document.getElementById('ov-reason').classList.contains('invalid')`)
		b.wantText("#confirm-msg", "Say why")
		b.typeInto("#ov-reason", "Case scratched and left earbud silent: repairable, sell as used")
		b.click("#override-go")
		b.until("confirmed", `!!document.querySelector('#suggestion .gradebox.final')`)
		b.wantText("#suggestion", "Confirmed", "Changed from the suggested", "Case scratched")
		if g := eval[string](b, `document.querySelector('#suggestion .grade-big').textContent`); g != "C" {
			t.Errorf("page shows grade %s, want C", g)
		}
		var u station.Unit
		st.mustCall(200, "GET", "/api/v1/units/"+unitID, nil, &u)
		if u.Result == nil || u.Result.Grade != "C" || !u.Result.Override || u.Result.Inspector != "user:"+supUser ||
			!strings.Contains(u.Result.OverrideReason, "Case scratched") {
			t.Errorf("result in the API %+v, want an override to C by the supervisor with the reason", u.Result)
		}
	}) {
		return
	}

	if !t.Run("print", func(t *testing.T) {
		use(t)
		// The print dialog cannot open headless: count the calls instead.
		eval[bool](b, `(window.print = () => { window.printed = (window.printed || 0) + 1; }, true)`)
		b.click("#print-label")
		b.until("print sheet filled", `window.printed === 1 && !!document.getElementById('print-sheet').dataset.kind`)
		if kind := eval[string](b, `document.getElementById('print-sheet').dataset.kind`); kind != "image" {
			t.Fatalf("print sheet holds %q, want the label image", kind)
		}
		b.until("label image loaded", `document.querySelector('#print-sheet img').naturalWidth === 800`)
		checkLabelPDF(t, b, "label-sheet.pdf")

		b.click("#print-net")
		b.until("network print answer", `document.getElementById('label-msg').innerText.length > 0`)
		b.wantText("#label-msg", "Sending to desk-1")
		var jobs struct{ Jobs []station.PrintJob }
		st.mustCall(200, "GET", "/api/v1/labels/jobs?printer=desk-1", nil, &jobs)
		if len(jobs.Jobs) != 1 || jobs.Jobs[0].Content.Code.ID != unitID || jobs.Jobs[0].Actor != "user:"+supUser {
			t.Errorf("print jobs in the API %+v, want one for unit %s by the supervisor", jobs.Jobs, unitID)
		}
	}) {
		return
	}

	if !t.Run("close parcel", func(t *testing.T) {
		use(t)
		b.click("#close-parcel")
		b.until("parcel closed", `!document.getElementById('close-parcel')`)
		b.wantText("#parcel", "closed", "zhang.min")
		if href := eval[string](b, `(document.getElementById('parcel-audit') || {}).getAttribute?.('href') || ''`); href != "/audit?parcel="+parcelID {
			t.Errorf("the parcel's audit link is %q, want /audit?parcel=%s", href, parcelID)
		}
		var p station.ParcelView
		st.mustCall(200, "GET", "/api/v1/parcels/"+parcelID, nil, &p)
		if p.Status != station.ParcelClosed || !p.Complete {
			t.Errorf("parcel in the API: status %s, complete %v; want closed and complete", p.Status, p.Complete)
		}
	}) {
		return
	}

	if !t.Run("put away", func(t *testing.T) {
		use(t)
		b.open("/putaway")
		if active := eval[string](b, `document.activeElement.id`); active != "scan" {
			t.Errorf("focus on %q, want the scan field", active)
		}
		steps := []struct {
			code, class string
			want        []string
		}{
			{"T-0007", "result info", []string{"Tote contents", "scan a unit label first"}}, // a tote alone shows what it holds
			{"NOT-A-CODE-42", "result error", []string{"WRONG SCAN", "neither a unit label"}},
			{tracking, "result error", []string{"This is a parcel"}},
			{"RS1:U:" + unitID, "result info", []string{"UNIT READY", "tote or location"}},
			{"T-0007", "result ok", []string{"PUT AWAY", "→ T-0007"}},
		}
		for _, s := range steps {
			before := b.text("#result")
			b.wedge(s.code)
			b.until("answer to "+s.code, fmt.Sprintf(`document.getElementById('result').innerText !== %q`, before))
			if cls := eval[string](b, `document.getElementById('result').className`); cls != s.class {
				t.Errorf("scan %s: answer %q, want %q", s.code, cls, s.class)
			}
			b.wantText("#result", s.want...)
		}
		var u station.Unit
		st.mustCall(200, "GET", "/api/v1/units/"+unitID, nil, &u)
		if u.Location != "T-0007" || u.LocationKind != "tote" {
			t.Errorf("unit in the API is at %q (%s), want T-0007 (tote)", u.Location, u.LocationKind)
		}
		b.wantText("#history", "T-0007")
	}) {
		return
	}

	if !t.Run("resolve exception", func(t *testing.T) {
		use(t)
		b.open("/exceptions")
		const card = `.card.ex[data-code=unmatched]`
		id := eval[string](b, `document.querySelector('`+card+`').dataset.ex`)
		sel := fmt.Sprintf(`.card.ex[data-ex=%q]`, id)
		if eval[bool](b, `!!document.querySelector('`+sel+` button[type=submit]').offsetParent`) {
			t.Error("resolve offered before an action is chosen")
		}
		b.click(sel + ` button[data-action=return_to_sender]`)
		b.click(sel + ` button[type=submit]`)
		b.until("note required", `document.querySelector('`+sel+` .msg').innerText.length > 0`)
		b.wantText(sel+" .msg", "Write what was done")
		b.typeInto(sel+` textarea`, "Refused at the dock: no RMA, carrier takes it back")
		b.click(sel + ` button[type=submit]`)
		b.until("resolved card", `document.querySelector('`+sel+`').classList.contains('done')`)
		b.wantText(sel, "Return to sender", "zhang.min")
		var exs struct{ Exceptions []station.Exception }
		st.mustCall(200, "GET", "/api/v1/exceptions?state=resolved", nil, &exs)
		i := slices.IndexFunc(exs.Exceptions, func(e station.Exception) bool { return e.ID == id })
		if i < 0 {
			t.Fatalf("exception %s is not resolved in the API", id)
		}
		if e := exs.Exceptions[i]; e.Action != "return_to_sender" || e.ResolvedBy != "user:"+supUser || !strings.Contains(e.Resolution, "Refused at the dock") {
			t.Errorf("resolved exception %+v, want return_to_sender by the supervisor with the note", e)
		}
	}) {
		return
	}

	if !t.Run("inbound and status bar", func(t *testing.T) {
		use(t)
		b.open("/inbound")
		switch code := st.call("GET", "/api/v1/inbound?day=today", nil, nil); code {
		case 501:
			b.wantText("#inbound-msg", "not configured", "未配置")
		case 200:
			b.wantText("[data-section=arriving]", "SF4000000000001", "out for delivery", "Shenzhen")
			b.wantText("[data-section=delivered_not_scanned]", "YT4000000000002", "delivered")
			b.wantText("[data-section=return_to_sender]", "ZT4000000000004")
			b.click(`[data-day=tomorrow]`)
			b.until("tomorrow's board", `(document.querySelector('[data-section=arriving]') || {}).innerText.includes('JD4000000000003')`)
			b.click(`[data-day=today]`)
			b.until("today's board", `(document.querySelector('[data-section=arriving]') || {}).innerText.includes('SF4000000000001')`)
		default:
			t.Errorf("GET /api/v1/inbound answers %d", code)
		}
		b.until("status bar filled", `document.getElementById('st-link-v').innerText !== '…' && document.getElementById('st-printers-v').innerText !== '…'`)
		b.wantText("#st-link", "online since", "3 waiting to send", "events 81–95 exist only on central")
		b.wantText("#st-printers", "desk-1", "1 queued")
	}) {
		return
	}

	if !t.Run("not configured", func(t *testing.T) {
		// A station with no label images, no central link and no printer:
		// each panel says so plainly, in both languages, and the label still
		// prints from the browser as text.
		bare := startStation(t, nil)
		if _, err := bare.db.AddUser(station.User{Username: clerkUser, Role: station.RoleOperator}, clerkPIN, ""); err != nil {
			t.Fatal(err)
		}
		bare.mustCall(201, "POST", "/api/v1/returns", rma("RMA-B001", "SF5000000000001", "home"), nil)
		var rec station.ReceiveResult
		bare.mustCall(201, "POST", "/api/v1/parcels/receive", map[string]string{"code": "SF5000000000001"}, &rec)
		var ur station.UnitResult
		bare.mustCall(201, "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/units", map[string]string{"code": "06901234567892"}, &ur)
		bare.mustCall(200, "PUT", "/api/v1/units/"+ur.Unit.ID+"/inspection", map[string]any{"checklist": map[string]any{
			"packaging": "sealed", "used": false, "damaged": false, "works": true, "accessories_complete": true}}, nil)
		bare.mustCall(200, "POST", "/api/v1/units/"+ur.Unit.ID+"/confirm", map[string]any{}, nil)

		tb := b.tab(t, bare.url)
		tb.open(fmt.Sprintf("/inspect?parcel=%s&unit=%s", rec.Parcel.ID, ur.Unit.ID))
		tb.until("sign-in page", `location.pathname === '/' && !document.getElementById('signin').hidden`)
		tb.typeInto("#username", clerkUser)
		tb.typeInto("#pin", clerkPIN+kb.Enter)
		tb.until("the unit", `location.pathname === '/inspect' && document.body.dataset.ready === 'true' && !!document.getElementById('print-label')`)
		tb.until("status bar filled", `document.getElementById('st-link-v').innerText !== '…' && document.getElementById('st-printers-v').innerText !== '…'`)
		tb.wantText("#st-link", "not configured · 未配置")
		tb.wantText("#st-printers", "none configured · 未配置")

		eval[bool](tb, `(window.print = () => { window.printed = (window.printed || 0) + 1; }, true)`)
		tb.click("#print-label")
		tb.until("print sheet filled", `window.printed === 1 && document.getElementById('print-sheet').dataset.kind === 'text'`)
		tb.wantText("#label-msg", "Label images are not configured", "本站未配置标签图片")
		if id := eval[string](tb, `document.querySelector('#print-sheet .tl-id').textContent`); id != ur.Unit.ID {
			t.Errorf("text label shows id %q, want %s", id, ur.Unit.ID)
		}
		checkLabelPDF(t, tb, "label-sheet-text.pdf")
		tb.click("#print-net")
		tb.until("network print answer", `document.getElementById('label-msg').innerText.includes('printer')`)
		tb.wantText("#label-msg", "No network label printer is configured", "本站未配置网络标签打印机")
		for _, s := range sizes {
			tb.viewport(s.w, s.h)
			tb.screenshot("en-"+s.name+"-8-not-configured", s.w, s.h)
		}
	}) {
		return
	}

	pages := []struct{ name, path string }{
		{"2-home", "/"},
		{"3-receive", "/receive"},
		{"4-inspect", fmt.Sprintf("/inspect?parcel=%s&unit=%s", parcelID, unitID)},
		{"5-putaway", "/putaway"},
		{"6-exceptions", "/exceptions"},
		{"7-inbound", "/inbound"},
	}
	shots := func(t *testing.T, lang string) {
		for _, s := range sizes {
			b.viewport(s.w, s.h)
			for _, p := range pages {
				b.open(p.path)
				if p.name == "5-putaway" { // a unit in hand
					b.wedge("RS1:U:" + unitID)
					b.until("unit in hand", `document.getElementById('result').classList.contains('info')`)
				}
				if got := eval[string](b, `document.documentElement.dataset.lang`); got != lang {
					t.Errorf("%s is in %q, want %q", p.path, got, lang)
				}
				if s.name == "handheld" {
					if w := eval[int](b, `document.documentElement.scrollWidth`); w > int(s.w) {
						t.Errorf("%s at %d px scrolls sideways: %d px wide", p.path, s.w, w)
					}
				}
				b.screenshot(lang+"-"+s.name+"-"+p.name, s.w, s.h)
			}
		}
		b.viewport(1366, 900)
	}
	if !t.Run("screenshots en", func(t *testing.T) {
		use(t)
		shots(t, "en")
	}) {
		return
	}
	if !t.Run("switch language", func(t *testing.T) {
		use(t)
		b.open("/receive")
		b.click(`[data-set-lang=zh]`)
		b.until("Chinese page", `document.documentElement.lang === 'zh-CN' && document.body.dataset.ready === 'true'`)
		b.wantText("main", "扫描包裹运单")
		b.open("/putaway") // remembered on the next page, whatever the browser asks for
		b.wantText("main", "扫描商品标签")
	}) {
		return
	}
	t.Run("screenshots zh", func(t *testing.T) {
		use(t)
		shots(t, "zh")
		b.open("/")
		b.click("#signout")
		b.until("signed out", `!document.getElementById('signin').hidden`)
		b.wantText("#signin", "登录", "扫描工牌")
		for _, s := range sizes {
			b.viewport(s.w, s.h)
			b.screenshot("zh-"+s.name+"-1-signin", s.w, s.h)
		}
	})
}

// TestBrowserAdmin drives the audit and admin pages: an admin adds a person
// and a machine token, rotates and revokes the token and disables the
// person, each checked against the API; a supervisor reads a parcel's
// history with its override marked; an operator is offered neither page.
func TestBrowserAdmin(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	st := startStation(t, nil)
	const adminUser, adminPIN = "chen.jie", "2468"
	for _, u := range []struct {
		user station.User
		pin  string
	}{
		{station.User{Username: adminUser, DisplayName: "陈杰", Role: station.RoleAdmin}, adminPIN},
		{station.User{Username: supUser, DisplayName: "张敏", Role: station.RoleSupervisor}, supPIN},
		{station.User{Username: clerkUser, DisplayName: "李伟", Role: station.RoleOperator}, clerkPIN},
	} {
		if _, err := st.db.AddUser(u.user, u.pin, ""); err != nil {
			t.Fatal(err)
		}
	}
	// More than one page of log (the audit reads it 500 events at a time),
	// then one return received and graded with an override.
	seedManyTracking(t, st.db, 520)
	const tracking = "SF6000000000001"
	st.mustCall(201, "POST", "/api/v1/returns", rma("RMA-A001", tracking, "home"), nil)
	var rec station.ReceiveResult
	st.mustCall(201, "POST", "/api/v1/parcels/receive", map[string]string{"code": tracking}, &rec)
	parcelID := rec.Parcel.ID
	var ur station.UnitResult
	st.mustCall(201, "POST", "/api/v1/parcels/"+parcelID+"/units", map[string]string{"code": "06901234567892"}, &ur)
	var insp struct{ Suggestion struct{ Grade string } }
	st.mustCall(200, "PUT", "/api/v1/units/"+ur.Unit.ID+"/inspection", map[string]any{"checklist": map[string]any{
		"packaging": "sealed", "used": false, "damaged": false, "works": true, "accessories_complete": true}}, &insp)
	grade := "C"
	if insp.Suggestion.Grade == grade {
		grade = "B"
	}
	const reason = "Scuff on the lid the checklist does not cover"
	st.mustCall(200, "POST", "/api/v1/units/"+ur.Unit.ID+"/confirm", map[string]any{"grade": grade, "override_reason": reason}, nil)
	st.mustCall(200, "PUT", "/api/v1/printers/desk-1", station.Printer{Name: "desk-1", Addr: "127.0.0.1:9", DPI: 203, Size: station.LabelSizeLarge}, nil)
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, st.url)
	b.acceptLanguage("en-US,en;q=0.9")
	use := func(t *testing.T) { b.t, st.t = t, t }
	t.Cleanup(func() {
		use(t)
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, p := range b.problems {
			t.Error(p)
		}
	})
	signIn := func(b *browser, path, user, pin string) {
		b.t.Helper()
		b.open(path)
		b.until("sign-in page", `location.pathname === '/' && !document.getElementById('signin').hidden`)
		b.typeInto("#username", user)
		b.typeInto("#pin", pin+kb.Enter)
		pathname, _, _ := strings.Cut(path, "?")
		b.until("back at "+path, fmt.Sprintf(`location.pathname === %q && document.body.dataset.ready === 'true'`, pathname))
	}
	hidden := func(b *browser, sel string) bool {
		return eval[bool](b, fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !e || e.hidden || !e.offsetParent; })()`, sel))
	}

	var userSession *http.Client
	if !t.Run("admin: people", func(t *testing.T) {
		use(t)
		signIn(b, "/admin", adminUser, adminPIN)
		if hidden(b, "[data-nav=audit]") || hidden(b, "[data-nav=admin]") {
			t.Error("an admin is not offered the audit and admin pages")
		}
		b.wantText("#users-list", adminUser, supUser, clerkUser)
		b.wantText("#tokens-list", "ui-test")
		b.wantText("#printers-list", "desk-1", "127.0.0.1:9")

		b.click("#user-add summary")
		b.typeInto("#u-name", "zhao.lei")
		b.typeInto("#u-display", "赵磊")
		b.typeInto("#u-pin", "12")
		b.click("#user-go")
		b.until("PIN refused", `document.getElementById('u-pin').classList.contains('invalid')`)
		eval[bool](b, `(document.getElementById('u-pin').value = '', true)`)
		b.typeInto("#u-pin", "3579")
		b.click("#user-go")
		b.until("new person listed", `!!document.querySelector('tr[data-user="zhao.lei"]')`)
		b.wantText(`tr[data-user="zhao.lei"]`, "赵磊", "operator", "active")
		var users struct{ Users []station.User }
		st.mustCall(200, "GET", "/api/v1/users", nil, &users)
		if i := slices.IndexFunc(users.Users, func(u station.User) bool { return u.Username == "zhao.lei" }); i < 0 || users.Users[i].Role != station.RoleOperator {
			t.Fatalf("users in the API %+v, want zhao.lei as operator", users.Users)
		}

		// zhao.lei signs in elsewhere; disabling them ends that session.
		jar, _ := cookiejar.New(nil)
		userSession = &http.Client{Jar: jar}
		res, err := userSession.Post(st.url+"/api/v1/session", "application/json", strings.NewReader(`{"username":"zhao.lei","pin":"3579"}`))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("the new person signs in: %d %s", res.StatusCode, body)
		}
		if got := status(t, userSession, st.url+"/api/v1/parcels", ""); got != 200 {
			t.Fatalf("the new person's session answers %d, want 200", got)
		}
		b.click(`tr[data-user="zhao.lei"] [data-act=disable]`)
		b.wantText(`tr[data-user="zhao.lei"] [data-act=disable]`, "Click again")
		if got := status(t, userSession, st.url+"/api/v1/parcels", ""); got != 200 {
			t.Fatalf("one click disabled the person (session answers %d)", got)
		}
		b.click(`tr[data-user="zhao.lei"] [data-act=disable]`)
		b.until("person disabled", `(document.querySelector('tr[data-user="zhao.lei"]') || {}).className === 'off'`)
		b.wantText(`tr[data-user="zhao.lei"]`, "disabled since")
		if got := status(t, userSession, st.url+"/api/v1/parcels", ""); got != 401 {
			t.Errorf("a disabled person's session answers %d, want 401", got)
		}
		if !hidden(b, `tr[data-user="`+adminUser+`"] [data-act=disable]`) {
			t.Error("the admin is offered to disable themselves")
		}
	}) {
		return
	}

	if !t.Run("admin: tokens", func(t *testing.T) {
		use(t)
		const probe = "/api/v1/parcels?limit=1"
		b.typeInto("#t-name", "handheld-1")
		eval[bool](b, `(document.getElementById('t-role').value = 'operator', true)`)
		b.click("#token-go")
		b.until("secret shown", `!document.getElementById('secret').hidden`)
		secret := eval[string](b, `document.getElementById('secret-value').textContent`)
		if !strings.HasPrefix(secret, "rs_") {
			t.Fatalf("secret shown %q, want rs_…", secret)
		}
		b.wantText("#secret", "will not be shown again")
		b.click("#secret-copy")
		b.until("copy answered", `document.getElementById('secret-copied').innerText.length > 0`)
		if got := status(t, http.DefaultClient, st.url+probe, secret); got != 200 {
			t.Fatalf("the new token answers %d, want 200", got)
		}
		b.wantText(`tr[data-token="handheld-1"][data-live=true]`, "operator", "in use")
		for _, s := range sizes {
			b.viewport(s.w, s.h)
			b.screenshot("en-"+s.name+"-9-admin", s.w, s.h)
		}
		b.viewport(1366, 900)

		// Shown once: gone after a reload, and never in a list.
		b.open("/admin")
		if strings.Contains(eval[string](b, `document.documentElement.outerHTML`), secret) || !hidden(b, "#secret") {
			t.Error("the secret is still on the page after a reload")
		}
		var toks struct{ Tokens []map[string]any }
		st.mustCall(200, "GET", "/api/v1/tokens", nil, &toks)
		if raw, _ := json.Marshal(toks); strings.Contains(string(raw), secret) {
			t.Error("the token list holds the secret")
		}

		row := `tr[data-token="handheld-1"][data-live=true]`
		b.click(row + ` [data-act=rotate]`)
		b.click(row + ` [data-act=rotate]`)
		b.until("new secret shown", fmt.Sprintf(`!document.getElementById('secret').hidden && document.getElementById('secret-value').textContent !== %q`, secret))
		rotated := eval[string](b, `document.getElementById('secret-value').textContent`)
		if got := status(t, http.DefaultClient, st.url+probe, secret); got != 401 {
			t.Errorf("the old secret answers %d after rotation, want 401", got)
		}
		if got := status(t, http.DefaultClient, st.url+probe, rotated); got != 200 {
			t.Errorf("the rotated secret answers %d, want 200", got)
		}
		b.click("#secret-done")
		if !hidden(b, "#secret") || strings.Contains(eval[string](b, `document.documentElement.outerHTML`), rotated) {
			t.Error("the secret stays on the page after Done")
		}

		b.click(row + ` [data-act=revoke]`)
		b.click(row + ` [data-act=revoke]`)
		b.until("token revoked", `!document.querySelector('tr[data-token="handheld-1"][data-live=true]')`)
		b.wantText("#tokens-msg", "handheld-1 revoked")
		b.wantText(`tr[data-token="handheld-1"]`, "revoked", adminUser)
		if got := status(t, http.DefaultClient, st.url+probe, rotated); got != 401 {
			t.Errorf("a revoked token answers %d, want 401", got)
		}
	}) {
		return
	}

	sup := b.tab(t, st.url)
	if !t.Run("audit", func(t *testing.T) {
		use(t)
		sup.t = t
		signIn(sup, "/audit?parcel="+parcelID, supUser, supPIN)
		if hidden(sup, "[data-nav=audit]") || !hidden(sup, "[data-nav=admin]") {
			t.Error("a supervisor must see the audit link and not the admin one")
		}
		if got := eval[string](sup, `document.getElementById('f-parcel').value`); got != parcelID {
			t.Errorf("parcel filter %q, want %s", got, parcelID)
		}
		sup.wantText("#audit-list", "Parcel received", tracking, "RMA-A001", "Unit graded", reason)
		types := eval[[]string](sup, `[...document.querySelectorAll('#audit-list .aentry')].map((e) => e.dataset.type)`)
		if !slices.Contains(types, station.EventParcelReceived) || slices.Contains(types, station.EventTrackingUpdated) {
			t.Errorf("entries for the parcel %v: want its receive and nothing of other shipments", types)
		}
		ov := `#audit-list .aentry[data-highlight=override]`
		sup.wantText(ov, "Override", "Grade "+grade, "changed from the suggested "+insp.Suggestion.Grade, reason)
		if eval[int](sup, `document.querySelectorAll('#audit-list .aentry.hl').length`) != 1 {
			t.Error("want exactly the override marked")
		}
		sup.click(ov + ` details.raw summary`)
		sup.wantText(ov+` pre`, `"override_reason"`, `"seq"`)
		if n := eval[int](sup, `document.querySelectorAll('main button:not(#refresh):not(#audit-go):not(#audit-clear):not(#audit-more), main [contenteditable=true]').length`); n != 0 {
			t.Errorf("%d other controls on a read-only page", n)
		}
		for _, s := range sizes {
			sup.viewport(s.w, s.h)
			if s.name == "handheld" {
				if w := eval[int](sup, `document.documentElement.scrollWidth`); w > int(s.w) {
					t.Errorf("/audit at %d px scrolls sideways: %d px wide", s.w, w)
				}
			}
			sup.screenshot("en-"+s.name+"-10-audit", s.w, s.h)
		}
		sup.viewport(1366, 900)

		// Newest first, five at a time, then older ones.
		sup.open("/audit?limit=5")
		seqs := func() []int {
			return eval[[]int](sup, `[...document.querySelectorAll('#audit-list .aentry')].map((e) => +e.dataset.seq)`)
		}
		first := seqs()
		if len(first) != 5 || !slices.IsSortedFunc(first, func(a, b int) int { return b - a }) {
			t.Fatalf("first page seqs %v, want 5, newest first", first)
		}
		sup.click("#audit-more")
		sup.until("older entries", `document.querySelectorAll('#audit-list .aentry').length === 10`)
		if all := seqs(); !slices.IsSortedFunc(all, func(a, b int) int { return b - a }) || all[5] >= first[4] {
			t.Errorf("after loading older: %v, want 10 strictly older going down", all)
		}
		// The type filter: only the admin actions, with the new person among them.
		sup.open("/audit")
		eval[bool](sup, `(document.getElementById('f-type').value = 'returns.admin.', true)`)
		sup.click("#audit-go")
		sup.until("admin entries", `[...document.querySelectorAll('#audit-list .aentry')].every((e) => e.dataset.highlight === 'admin') && document.querySelectorAll('#audit-list .aentry').length > 0`)
		sup.wantText("#audit-list", "User zhao.lei added as operator", "Token handheld-1 revoked", "disabled")
		if !strings.Contains(eval[string](sup, `location.search`), "type=returns.admin.") {
			t.Error("the filter is not kept in the address")
		}
	}) {
		return
	}

	if !t.Run("operator", func(t *testing.T) {
		use(t)
		op := b.tab(t, st.url)
		signIn(op, "/admin", clerkUser, clerkPIN)
		if !hidden(op, "[data-nav=audit]") || !hidden(op, "[data-nav=admin]") {
			t.Error("an operator is offered the audit or admin page")
		}
		op.wantText("#admin-msg", "needs the admin role", "需要管理员角色")
		if !hidden(op, "#admin-body") {
			t.Error("the admin page shows its tables to an operator")
		}
		op.open("/audit")
		op.wantText("#audit-msg", "needs the supervisor or admin role")
		op.open("/")
		if !hidden(op, `#home a[href="/audit"]`) || !hidden(op, `#home a[href="/admin"]`) {
			t.Error("an operator's home offers the audit or admin page")
		}
	}) {
		return
	}

	t.Run("screenshots zh", func(t *testing.T) {
		use(t)
		sup.t = t
		for _, x := range []struct {
			b    *browser
			path string
			name string
		}{{b, "/admin", "9-admin"}, {sup, "/audit?parcel=" + parcelID, "10-audit"}} {
			x.b.open(x.path)
			x.b.click(`[data-set-lang=zh]`)
			x.b.until("Chinese page", `document.documentElement.lang === 'zh-CN' && document.body.dataset.ready === 'true'`)
			for _, s := range sizes {
				x.b.viewport(s.w, s.h)
				if s.name == "handheld" {
					if w := eval[int](x.b, `document.documentElement.scrollWidth`); w > int(s.w) {
						t.Errorf("%s at %d px scrolls sideways: %d px wide", x.path, s.w, w)
					}
				}
				x.b.screenshot("zh-"+s.name+"-"+x.name, s.w, s.h)
			}
			x.b.viewport(1366, 900)
		}
		b.wantText("#users", "员工账号")
		sup.wantText("#audit-list", "包裹收货", "人工改判")
	})
}

// status sends GET url with an optional bearer token and returns the status.
func status(t *testing.T, c *http.Client, url, token string) int {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// seedManyTracking records n carrier updates in one transaction: a long
// log, quickly.
func seedManyTracking(t *testing.T, db *bolt.DB, n int) {
	t.Helper()
	now := time.Now()
	env := station.Env{StationID: "st-ui", Actor: "carrier:test", Role: station.RoleAdmin, Now: time.Now, NewID: station.NewIDSource(time.Now, rand.Reader).New}
	if _, err := db.Update(context.Background(), nil, func(tx station.Tx) (any, error) {
		for i := range n {
			u := station.TrackingUpdate{Tracking: fmt.Sprintf("YT7%012d", i), Carrier: "YTO", Status: station.TrackInTransit,
				OccurredAt: now.Add(-time.Hour), Provider: "webhook", DedupKey: fmt.Sprintf("many-%d", i)}
			if _, err := station.ApplyTracking(tx, env, u); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
}

// checkLabelPDF prints the page as the browser would and checks that the
// label sheet comes out as one 100 × 150 mm page.
func checkLabelPDF(t *testing.T, b *browser, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize(), chromedp.PDFPrintBackground()))
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outDir, name), pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	boxes := regexp.MustCompile(`/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]`).FindAllSubmatch(pdf, -1)
	if len(boxes) != 1 {
		t.Fatalf("label sheet prints %d pages, want 1", len(boxes))
	}
	w, _ := strconv.ParseFloat(string(boxes[0][1]), 64)
	h, _ := strconv.ParseFloat(string(boxes[0][2]), 64)
	if math.Abs(w-283.46) > 2 || math.Abs(h-425.2) > 2 {
		t.Errorf("label page %.1f × %.1f pt, want 100 × 150 mm (283.5 × 425.2 pt)", w, h)
	}
	// And a picture of it, as the print media shows it (100 mm ≈ 378 px).
	if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	b.viewport(378, 567)
	b.screenshot(strings.TrimSuffix(name, ".pdf"), 378, 567)
	b.viewport(1366, 900)
	if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
		t.Fatal(err)
	}
}

// seedTracking records what carriers said about four returns on their way,
// as their webhooks would.
func seedTracking(t *testing.T, db *bolt.DB) {
	t.Helper()
	now := time.Now()
	tomorrow := now.Add(24 * time.Hour)
	env := station.Env{StationID: "st-ui", Actor: "carrier:test", Role: station.RoleAdmin, Now: time.Now, NewID: station.NewIDSource(time.Now, rand.Reader).New}
	for i, u := range []station.TrackingUpdate{
		{Tracking: "SF4000000000001", Carrier: "SF", Status: station.TrackOutForDelivery, OccurredAt: now.Add(-time.Hour), Location: "深圳南山 Shenzhen Nanshan"},
		{Tracking: "YT4000000000002", Carrier: "YTO", Status: station.TrackDelivered, OccurredAt: now.Add(-6 * time.Hour), Description: "签收 signed at the dock"},
		{Tracking: "JD4000000000003", Carrier: "JD", Status: station.TrackInTransit, OccurredAt: now.Add(-2 * time.Hour), ETA: &tomorrow, Location: "广州 Guangzhou"},
		{Tracking: "ZT4000000000004", Carrier: "ZTO", Status: station.TrackReturnToSender, OccurredAt: now.Add(-3 * time.Hour), Description: "拒收 refused"},
	} {
		u.Provider, u.DedupKey = "webhook", fmt.Sprintf("seed-%d", i)
		if _, err := db.Update(context.Background(), nil, func(tx station.Tx) (any, error) {
			_, err := station.ApplyTracking(tx, env, u)
			return nil, err
		}); err != nil {
			t.Fatal(err)
		}
	}
}

func writePNG(t *testing.T, path string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 160, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
