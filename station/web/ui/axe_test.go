package ui_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"returns-station/station"
	"returns-station/station/web"
)

// axeSource finds axe-core's browser script, installed from npm for the
// tests only (never shipped): $AXE_CORE_JS, or the package under npm's
// global or a local node_modules. .ci/run installs it.
func axeSource(t *testing.T) string {
	t.Helper()
	cands := []string{os.Getenv("AXE_CORE_JS")}
	if out, err := exec.Command("npm", "root", "-g").Output(); err == nil {
		cands = append(cands, filepath.Join(strings.TrimSpace(string(out)), "axe-core", "axe.min.js"))
	}
	cands = append(cands, filepath.Join("node_modules", "axe-core", "axe.min.js"))
	for _, p := range cands {
		if p == "" {
			continue
		}
		if b, err := os.ReadFile(p); err == nil {
			return string(b)
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("axe-core is not installed: .ci/run installs it from npm and sets AXE_CORE_JS")
	}
	t.Skip("axe-core is not installed (npm install axe-core, then set AXE_CORE_JS to its axe.min.js); CI runs this test")
	return ""
}

// axeViolation is one rule that failed on a page, as axe-core reports it.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// mustFix are rules of lesser impact that the pages must pass all the same:
// one main heading and one main landmark per page.
var mustFix = map[string]bool{"page-has-heading-one": true, "landmark-one-main": true}

// axe runs axe-core on the page as it is now and fails the test for every
// serious or critical violation, and for the rules in mustFix. The page must
// not scroll sideways either.
func (b *browser) axe(src, page string) {
	b.t.Helper()
	if w := eval[[]int](b, `[document.documentElement.scrollWidth, innerWidth]`); w[0] > w[1] {
		wide := eval[string](b, `Array.from(document.querySelectorAll('main *')).filter((e) => e.getBoundingClientRect().right > innerWidth + 1).slice(-3).map((e) => e.tagName + '.' + e.className + ' ' + (e.textContent || '').slice(0, 40)).join(' | ')`)
		b.t.Errorf("%s is %d px wide at %d px: %s", page, w[0], w[1], wide)
	}
	if !eval[bool](b, `typeof axe === 'object'`) {
		eval[bool](b, src+";\ntrue")
	}
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ['violations']}).then((r) => JSON.stringify(r.violations))`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("axe on %s: %v", page, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		b.t.Fatalf("axe on %s: %v", page, err)
	}
	for _, v := range vs {
		if v.Impact != "serious" && v.Impact != "critical" && !mustFix[v.ID] {
			continue
		}
		var where []string
		for i, n := range v.Nodes {
			if i == 3 {
				where = append(where, fmt.Sprintf("… and %d more", len(v.Nodes)-3))
				break
			}
			where = append(where, fmt.Sprint(n.Target)+": "+strings.ReplaceAll(n.Summary, "\n", " "))
		}
		b.t.Errorf("%s: %s (%s, %s): %s", page, v.ID, v.Impact, v.Help, strings.Join(where, "; "))
	}
}

// TestBrowserAccessibility runs axe-core on every page, in the states a
// shift shows them (answers on the receive page, a checklist, a confirmed
// unit, a unit in hand for put-away), at 1366 × 768 and 360 × 740 in Chinese
// and at 1366 × 768 in English: no serious or critical violation, and one
// main heading on every page.
func TestBrowserAccessibility(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	src := axeSource(t)
	st := startStation(t, func(c *web.Config) { c.Labels = labelImages{} })
	const adminUser, adminPIN = "chen.jie", "2468"
	if _, err := st.db.AddUser(station.User{Username: adminUser, DisplayName: "陈杰", Role: station.RoleAdmin}, adminPIN, ""); err != nil {
		t.Fatal(err)
	}
	st.mustCall(201, "POST", "/api/v1/returns", rma("RMA-X001", "SF8000000000001", "数码/耳机"), nil)
	st.mustCall(201, "POST", "/api/v1/returns", rma("RMA-X002", "SF8000000000002", "home"), nil)
	st.mustCall(201, "POST", "/api/v1/returns", rma("RMA-X003", "SF8000000000003", "home"), nil)
	var rec station.ReceiveResult
	st.mustCall(201, "POST", "/api/v1/parcels/receive", map[string]string{"code": "SF8000000000002"}, &rec)
	var ur station.UnitResult
	st.mustCall(201, "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/units", map[string]string{"code": "06901234567892"}, &ur)
	st.mustCall(200, "PUT", "/api/v1/units/"+ur.Unit.ID+"/inspection", map[string]any{"checklist": map[string]any{
		"packaging": "sealed", "used": false, "damaged": false, "works": true, "accessories_complete": true}}, nil)
	st.mustCall(200, "POST", "/api/v1/units/"+ur.Unit.ID+"/confirm", map[string]any{}, nil)
	var open station.ReceiveResult
	st.mustCall(201, "POST", "/api/v1/parcels/receive", map[string]string{"code": "SF8000000000001"}, &open)
	var ou station.UnitResult
	st.mustCall(201, "POST", "/api/v1/parcels/"+open.Parcel.ID+"/units", map[string]string{"code": "06901234567892"}, &ou)
	st.mustCall(200, "PUT", "/api/v1/printers/desk-1", station.Printer{Name: "desk-1", Addr: "127.0.0.1:9", DPI: 203, Size: station.LabelSizeLarge}, nil)
	seedTracking(t, st.db)

	b := newBrowser(t, st.url)
	b.reportProblems(t)
	for _, lang := range []string{"zh", "en"} {
		b.acceptLanguage(lang)
		for _, s := range []struct {
			name string
			w, h int64
		}{{"desk", 1366, 768}, {"handheld", 360, 740}} {
			if lang == "en" && s.name == "handheld" {
				continue // the same layout as in Chinese, with shorter words
			}
			b.viewport(s.w, s.h)
			at := lang + " " + s.name + " "
			b.open("/")
			b.until("sign-in page", `!document.getElementById('signin').hidden`)
			b.axe(src, at+"sign-in")
			b.typeInto("#username", adminUser)
			b.typeInto("#pin", adminPIN+kb.Enter)
			b.until("home", `location.pathname === '/' && !document.getElementById('home').hidden`)
			b.axe(src, at+"home")

			b.open("/receive")
			b.axe(src, at+"receive (ready)")
			scan := func(code string) {
				seq := eval[string](b, `document.getElementById('result').dataset.seq || ''`)
				b.wedge(code)
				b.until("answer to "+code, fmt.Sprintf(`(document.getElementById('result').dataset.seq || '') !== %q`, seq))
			}
			for _, code := range []string{"SF8000000000003", "SF8000000000003", "YT8000000000009", "06901234567892", "hello world"} {
				scan(code)
				b.axe(src, at+"receive answer "+eval[string](b, `document.getElementById('result').className`)+" to "+code)
			}
			b.do(chromedp.KeyEvent(kb.F4))
			scan("SF8000000000002") // a repeat with an exception: the blue block's warning line
			b.axe(src, at+"receive repeat with exception")

			b.open("/inspect")
			b.axe(src, at+"inspect (empty)")
			b.open(fmt.Sprintf("/inspect?parcel=%s&unit=%s", open.Parcel.ID, ou.Unit.ID))
			b.until("checklist", `document.querySelectorAll('#checklist fieldset').length > 0`)
			b.axe(src, at+"inspect checklist")
			b.open(fmt.Sprintf("/inspect?parcel=%s&unit=%s", rec.Parcel.ID, ur.Unit.ID))
			b.until("result", `!!document.getElementById('print-label')`)
			b.click("#override-box summary")
			b.axe(src, at+"inspect confirmed")

			b.open("/putaway")
			b.axe(src, at+"put-away")
			b.wedge("RS1:U:" + ur.Unit.ID)
			b.until("unit in hand", `document.getElementById('result').classList.contains('info')`)
			b.axe(src, at+"put-away unit in hand")
			b.wedge("NOT-A-CODE")
			b.until("wrong scan", `document.getElementById('result').classList.contains('error')`)
			b.axe(src, at+"put-away wrong scan")

			b.open("/find")
			b.axe(src, at+"find")
			b.wedge("rma-x002")
			b.until("found", `document.querySelector('main').innerText.includes('RMA-X002')`)
			b.axe(src, at+"find RMA-X002")
			for _, p := range []string{"/exceptions", "/inbound", "/printing", "/audit", "/admin", "/dashboard"} {
				b.open(p)
				b.axe(src, at+p)
			}
			if w := eval[int](b, `document.documentElement.scrollWidth`); w > int(s.w) {
				t.Errorf("%s/admin is %d px wide", at, w)
			}
			b.click("#signout")
			b.until("signed out", `!document.getElementById('signin').hidden`)
		}
	}
}
