package ui_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"returns-station/station"
	"returns-station/station/web"
)

// focusOn fails the test unless the element with id has the focus.
func (b *browser) focusOn(after, id string) {
	b.t.Helper()
	// Focus moves on the next tick after a click or a re-render.
	b.do(chromedp.Evaluate[chromedp.Void](`new Promise((r) => setTimeout(() => requestAnimationFrame(() => r(true)), 0))`, chromedp.EvalAwaitPromise))
	if got := eval[string](b, `document.activeElement ? (document.activeElement.id || document.activeElement.tagName) : ''`); got != id {
		b.t.Errorf("after %s the focus is on %q, want #%s", after, got, id)
	}
}

// inView tells whether the whole element is on the screen, above the
// status bar.
func (b *browser) inView(sel string) bool {
	b.t.Helper()
	return eval[bool](b, fmt.Sprintf(`(() => {
		const e = document.querySelector(%q);
		if (!e || !e.getClientRects().length) return false;
		const r = e.getBoundingClientRect(), bar = document.getElementById('statusbar').getBoundingClientRect();
		return r.top >= 0 && r.bottom <= Math.min(innerHeight, bar.top) + 1;
	})()`, sel))
}

// TestBrowserFocus works an inspection at 1366 × 768 from the keyboard and a
// wedge scanner only: the scan field holds the focus on arrival (typed URL,
// reload, home tile), after every scan, click, confirm and print; the
// checklist answers from F-keys and arrows; the suggestion and Confirm stay in
// view; and the handheld page never scrolls sideways.
func TestBrowserFocus(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	st := startStation(t, func(c *web.Config) { c.Labels = labelImages{} })
	if _, err := st.db.AddUser(station.User{Username: clerkUser, DisplayName: "李伟", Role: station.RoleOperator}, clerkPIN, clerkBadge); err != nil {
		t.Fatal(err)
	}
	const tracking = "SF7000000000001"
	st.mustCall(201, "POST", "/api/v1/returns", rma("RMA-F001", tracking, "数码/耳机"), nil)
	st.mustCall(201, "POST", "/api/v1/parcels/receive", map[string]string{"code": tracking}, nil)
	st.mustCall(200, "PUT", "/api/v1/printers/desk-1", station.Printer{Name: "desk-1", Addr: "127.0.0.1:9", DPI: 203, Size: station.LabelSizeLarge}, nil)
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, st.url)
	b.acceptLanguage("en-US,en;q=0.9")
	b.reportProblems(t)
	b.viewport(1366, 768)

	// A typed URL: sign in with the badge, back at Inspect, ready to scan.
	b.open("/inspect")
	b.until("sign-in page", `location.pathname === '/' && !document.getElementById('signin').hidden`)
	b.focusOn("the sign-in page opens", "badge")
	b.wedge(clerkBadge)
	b.until("inspect page", `location.pathname === '/inspect' && document.body.dataset.ready === 'true'`)
	b.focusOn("arriving by a typed URL", "parcel-scan")
	b.do(chromedp.Reload())
	b.until("inspect page again", `document.body.dataset.ready === 'true'`)
	b.focusOn("a reload", "parcel-scan")
	b.open("/")
	b.click(`.tile[href="/inspect"]`)
	b.until("inspect page from the tile", `location.pathname === '/inspect' && document.body.dataset.ready === 'true'`)
	b.focusOn("the home tile", "parcel-scan")

	// A click on nothing in particular, then a scan: no key is lost.
	b.click("#main")
	b.focusOn("a click on the page", "parcel-scan")
	eval[bool](b, `(document.activeElement.blur(), true)`)
	b.wedge(tracking)
	b.until("the parcel", `document.getElementById('parcel').innerText.includes('RMA-F001')`)
	b.focusOn("the parcel scan", "unit-scan")

	b.wedge("06901234567892")
	b.until("checklist", `document.querySelectorAll('#checklist fieldset').length === 15`)
	// Electronics needs a serial: the next scan goes there.
	b.focusOn("the unit scan", "serial")
	if !b.inView("#confirm") || !b.inView("#suggestion") {
		t.Error("the suggestion or Confirm is off the screen when the checklist opens")
	}

	// Nine questions from the keyboard: F2 yes / first option, F3 no /
	// second, arrows for the rest; the current question moves on by itself.
	keys := []struct {
		key  string
		q, v string
	}{
		{kb.ArrowRight, "packaging", "sealed"},  // ← → step through the options …
		{kb.ArrowRight, "packaging", "opened"},  // … and stay on the question
		{kb.ArrowDown, "used", ""},              // ↓ to the next question
		{kb.F3, "used", "false"},                // F3 = no, then on to the next
		{kb.F2, "powers_on", "true"},            // F2 = yes
		{kb.F2, "functions_ok", "true"},         //
		{kb.F2, "cosmetic", "none"},             // F2 = the first option
		{kb.F3, "liquid_damage", "false"},       //
		{kb.F3, "account_locked", "false"},      //
		{kb.F2, "accessories_complete", "true"}, //
		{kb.F2, "missing_parts_count", "0"},     // F2 on a number: the least
		{kb.ArrowUp, "missing_parts_count", ""}, // ↑ goes back
	}
	for i, k := range keys {
		cur := eval[string](b, `(document.querySelector('#checklist .q.cur') || {dataset: {}}).dataset.q || ''`)
		if k.v != "" && cur != k.q {
			t.Fatalf("key %d: the current question is %q, want %q", i, cur, k.q)
		}
		b.do(chromedp.KeyEvent(k.key))
		if k.v != "" {
			b.until(fmt.Sprintf("answer %s=%s", k.q, k.v), fmt.Sprintf(`(() => {
				const f = document.querySelector('fieldset[data-q=%q]');
				const p = f.querySelector('button[aria-pressed=true]'), n = f.querySelector('input');
				return (p && p.dataset.v === %q) || (n && n.value === %q);
			})()`, k.q, k.v, k.v))
		}
		b.focusOn("checklist key "+fmt.Sprint(i), "serial")
		if !b.inView("#confirm") || !b.inView("#suggestion .grade-big, #suggestion p") {
			t.Errorf("after key %d (%s) the suggestion or Confirm is off the screen", i, k.q)
		}
	}
	// The answer to missing_parts_count moved on to missing_accessories (the
	// next unanswered question); ↑ goes back one.
	if cur := eval[string](b, `document.querySelector('#checklist .q.cur').dataset.q`); cur != "missing_parts_count" {
		t.Errorf("after ↑ the current question is %q, want missing_parts_count", cur)
	}
	b.wedge("SN8842AA") // the serial barcode on the device
	b.until("serial saved and confirm ready", `!document.getElementById('confirm').disabled && !!document.querySelector('#suggestion .grade-big')`)
	b.focusOn("the serial scan", "unit-scan")
	var u web.UnitView
	unitID := eval[string](b, `new URLSearchParams(location.search).get('unit')`)
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) { // the save after Enter
		st.mustCall(200, "GET", "/api/v1/units/"+unitID, nil, &u)
		if u.Serial != "" || time.Now().After(end) {
			break
		}
	}
	if u.Serial != "SN8842AA" || fmt.Sprint(u.Checklist["packaging"]) != "opened" || fmt.Sprint(u.Checklist["missing_parts_count"]) != "0" || len(u.Checklist) != 9 {
		t.Errorf("the API holds serial %q and answers %v; want SN8842AA and all nine, packaging opened", u.Serial, u.Checklist)
	}
	b.screenshot("en-desk768-focus-answered", 1366, 768)

	b.do(chromedp.KeyEvent(kb.F8)) // confirm
	b.until("confirmed", `!!document.querySelector('#suggestion .gradebox.final')`)
	b.focusOn("confirm (F8)", "unit-scan")
	for _, sel := range []string{"#print-label", "#print-net", `#actions a[href="/putaway"]`} {
		if !b.inView(sel) {
			t.Errorf("after confirming, %s is off the screen", sel)
			t.Log(eval[string](b, `JSON.stringify(['#unit-side','#suggestion','#actions','#print-net','#actions a[href="/putaway"]','#statusbar'].map((s) => [s, document.querySelector(s).getBoundingClientRect().top, document.querySelector(s).getBoundingClientRect().bottom, document.querySelector(s).scrollHeight])) + ' ' + scrollY + ' ' + innerHeight`))
		}
	}
	b.click("#print-net")
	b.until("print answer", `document.getElementById('label-msg').innerText.length > 0`)
	b.focusOn("a click on print", "unit-scan")
	if !b.inView("#label-msg") {
		t.Error("the print message is off the screen")
	}
	eval[bool](b, `(window.print = () => { window.printed = (window.printed || 0) + 1; }, true)`)
	b.do(chromedp.KeyEvent(kb.F9))
	b.until("second print answer", `document.getElementById('label-msg').innerText.includes('desk-1')`)
	b.focusOn("print (F9)", "unit-scan")
	b.screenshot("en-desk768-focus-confirmed", 1366, 768)

	// Receive and put away keep their field too, after a click anywhere.
	for _, p := range []string{"/receive", "/putaway"} {
		b.open(p)
		b.focusOn("opening "+p, "scan")
		b.click(".history h2")
		b.focusOn("a click on "+p, "scan")
	}

	// The handheld: a long unit id or code never widens the page.
	b.viewport(360, 740)
	long := "ZT" + strings.Repeat("9", 38)
	b.open("/receive")
	b.wedge(long)
	b.until("answer", `document.getElementById('result').dataset.seq !== undefined`)
	for _, p := range []string{"/receive", "/inspect?parcel=" + u.ParcelID + "&unit=" + u.ID, "/putaway"} {
		b.open(p)
		if p == "/putaway" {
			b.wedge("RS1:U:" + u.ID)
			b.until("unit in hand", `document.getElementById('result').classList.contains('info') || document.getElementById('result').classList.contains('error')`)
		}
		if w := eval[int](b, `document.documentElement.scrollWidth`); w > 360 {
			t.Errorf("%s at 360 px is %d px wide", p, w)
			b.screenshot("handheld-too-wide", 360, 740)
		}
	}
}
