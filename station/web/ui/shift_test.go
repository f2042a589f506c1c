package ui_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"returns-station/labels"
	"returns-station/station"
	"returns-station/station/web"
)

// realLabels renders labels as the station does (labels/), for the shift.
type realLabels struct{}

func (realLabels) PNG(c station.LabelContent, size string, dpi int) ([]byte, error) {
	return labels.PNG(c, size, dpi)
}
func (realLabels) ZPL(c station.LabelContent, size string, dpi int, font string) ([]byte, error) {
	return labels.ZPL(c, size, dpi, font)
}
func (realLabels) Sheet(w io.Writer, list []station.LabelContent, size string) error {
	return labels.Sheet(w, list, size)
}

// zebra is a label printer on the raw 9100 protocol: it keeps every job it
// is sent.
type zebra struct {
	ln   net.Listener
	mu   sync.Mutex
	jobs [][]byte
}

func startZebra(t *testing.T) *zebra {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	z := &zebra{ln: ln}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				b, _ := io.ReadAll(c)
				if len(b) > 0 {
					z.mu.Lock()
					z.jobs = append(z.jobs, b)
					z.mu.Unlock()
				}
			})
		}
	})
	return z
}

func (z *zebra) printed() [][]byte {
	z.mu.Lock()
	defer z.mu.Unlock()
	return append([][]byte(nil), z.jobs...)
}

// shiftReturn is one return of the shift and how its parcel is first
// scanned.
type shiftReturn struct {
	rma, order, tracking string
	raw                  string // the first scan, as the scanner sends it
	category             string
}

func shiftRMA(r shiftReturn, i int) station.ReturnAuthorization {
	delivered := time.Now().Add(-72 * time.Hour)
	requested := time.Now().Add(-48 * time.Hour)
	line := station.RMALine{Line: 1, SKU: "HOME-KT-01", GTIN: "06901234567892", Name: "电热水壶", Category: r.category, Qty: 1, UnitPrice: "129.00"}
	if r.category == "数码/耳机" {
		line = station.RMALine{Line: 1, SKU: "EAR-BT-01", GTIN: "06901234567892", Name: "蓝牙耳机", Category: r.category, Qty: 1, UnitPrice: "199.00",
			Serials: []string{"SN8842AA"}}
	}
	return station.ReturnAuthorization{
		RMA: r.rma, Version: 1, Status: "approved", OrderID: r.order, Channel: "tmall",
		Customer: station.Customer{Name: "王*", PhoneTail: fmt.Sprintf("%04d", i)}, Reason: station.ReturnReason{Code: "no_reason_7d", Text: "不想要了"},
		Policy: station.PolicyNoReason7d, DeliveredAt: &delivered, RequestedAt: &requested, Refund: station.Money{Amount: line.UnitPrice, Currency: "CNY"},
		ReturnShipments: []station.ReturnShipment{{Carrier: "SF", Tracking: r.tracking}},
		Lines:           []station.RMALine{line},
	}
}

// shiftReturns are 50 returns whose parcels arrive with every raw form a
// scanner sends: AIM prefixes, lower case, spaces, dashes, a JD child
// waybill, a USPS ZIP prefix, and carriers' own number shapes; five are first
// scanned by the RMA number on the packing slip, five by the order number.
func shiftReturns() []shiftReturn {
	var out []shiftReturn
	for i := range 50 {
		r := shiftReturn{rma: fmt.Sprintf("RMA-S%03d", i+1), order: fmt.Sprintf("SO-88%04d", i+1), category: "home"}
		if i%7 == 3 {
			r.category = "数码/耳机"
		}
		n := fmt.Sprintf("%012d", 700000000000+int64(i)*7919)
		switch i % 10 {
		case 0:
			r.tracking = "SF" + n[:12] + "1"
			r.raw = r.tracking
		case 1:
			r.tracking = "SF" + n[:12] + "2"
			r.raw = " sf " + strings.ToLower(r.tracking[2:6]) + " " + r.tracking[6:10] + " " + r.tracking[10:] + " "
		case 2:
			r.tracking = "SF" + n[:12] + "3"
			r.raw = "SF-" + r.tracking[2:6] + "-" + r.tracking[6:10] + "-" + r.tracking[10:]
		case 3:
			r.tracking = "SF" + n[:12] + "4"
			r.raw = "]C0" + r.tracking
		case 4:
			r.tracking = "JDVA" + n[1:12]
			r.raw = "]Q1" + r.tracking
		case 5:
			r.tracking = "JDX" + n
			r.raw = strings.ToLower(r.tracking) + "-1-2"
		case 6:
			r.tracking = "YT" + n + "5"
			r.raw = r.tracking
		case 7:
			r.tracking = "75" + n
			r.raw = r.tracking
		case 8:
			r.tracking = "773" + n
			r.raw = r.tracking[:5] + " " + r.tracking[5:10] + " " + r.tracking[10:]
		case 9:
			r.tracking = "43" + n[1:]
			r.raw = r.tracking
		}
		if i == 9 {
			r.tracking = "9400111899223100000017"
			r.raw = "420123459400111899223100000017"
		}
		switch {
		case i >= 40 && i < 45:
			r.raw = strings.ToLower(r.rma) // the slip's RMA number, as typed
		case i >= 45:
			r.raw = r.order
		}
		out = append(out, r)
	}
	return out
}

// primaryText is the JavaScript for the words a message shows in the page's
// language: without the other language beside it, codes and keys.
const primaryText = `((el) => {
	if (!el) return '';
	const c = el.cloneNode(true);
	for (const e of c.querySelectorAll('.ra, .alt, .mono, kbd, .lines, time, [lang]')) e.remove();
	return c.innerText.trim();
})`

var (
	han       = regexp.MustCompile(`\p{Han}`)
	enWord    = regexp.MustCompile(`[A-Za-z]{4,}`)
	dataToken = regexp.MustCompile(`RMA-S\d+|SO-\d+|[A-Z0-9]{10,}|RS1:\S+|T-\d+|L-Q\d+|[A-Z][a-z]+/[A-Z][A-Za-z_]+`)
)

// inChinese fails the test unless the message reads in Chinese: Chinese
// characters, and no English word outside codes and numbers.
func (b *browser) inChinese(what, sel string) {
	b.t.Helper()
	s := eval[string](b, primaryText+`(document.querySelector(`+fmt.Sprintf("%q", sel)+`))`)
	if s == "" {
		return
	}
	rest := dataToken.ReplaceAllString(s, "")
	if !han.MatchString(s) || enWord.MatchString(rest) {
		b.t.Errorf("%s: %s reads %q, not Chinese", what, sel, s)
	}
}

// TestBrowserShift works the shift of issue 12's "Done when" in Chinese at a
// 1366 × 768 desk with a wedge scanner and the keyboard: 50 parcels in every
// raw scan form, RMA and order numbers from packing slips, garbage, a unit
// scanned twice and voided, units inspected from the keyboard, labels
// printed on a label printer and units put away into a tote per
// disposition. After every action the scan field has the focus and every
// message reads in Chinese; at the end the station holds exactly one parcel
// per return, no parcel from a wrong scan, and each tote one disposition.
func TestBrowserShift(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	z := startZebra(t)
	var spooler *labels.Spooler
	st := startStation(t, func(c *web.Config) { c.Labels = realLabels{} })
	spooler = labels.NewSpooler(st.db, nil)
	ctx, stop := context.WithCancel(context.Background())
	var spooled sync.WaitGroup
	t.Cleanup(func() { stop(); spooled.Wait() })
	if _, err := st.db.AddUser(station.User{Username: clerkUser, DisplayName: "李伟", Role: station.RoleOperator}, clerkPIN, clerkBadge); err != nil {
		t.Fatal(err)
	}
	returns := shiftReturns()
	for i, r := range returns {
		st.mustCall(201, "POST", "/api/v1/returns", shiftRMA(r, i), nil)
	}
	st.mustCall(200, "PUT", "/api/v1/printers/zb1", station.Printer{Name: "zb1", Addr: z.ln.Addr().String(), DPI: 203, Size: station.LabelSizeSmall}, nil)
	spooled.Go(func() { spooler.Run(ctx) })
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, st.url)
	b.acceptLanguage("zh-CN,zh;q=0.9")
	b.reportProblems(t)
	b.viewport(1366, 768)
	b.open("/receive")
	b.until("sign-in page", `location.pathname === '/' && !document.getElementById('signin').hidden`)
	b.wedge(clerkBadge)
	b.until("receive page", `location.pathname === '/receive' && document.body.dataset.ready === 'true'`)
	b.focusOn("signing in", "scan")

	// ---- receive -----------------------------------------------------------
	scans := 0
	receive := func(code, wantClass string) {
		t.Helper()
		scans++
		b.wedge(code)
		b.until(fmt.Sprintf("answer %d (%q)", scans, code), fmt.Sprintf(`document.getElementById('result').dataset.seq === '%d'`, scans))
		if cls := eval[string](b, `document.getElementById('result').className`); cls != "result "+wantClass {
			t.Errorf("scan %q: answer %q, want %q: %s", code, cls, "result "+wantClass, b.text("#result"))
		}
		b.focusOn(fmt.Sprintf("scan %q", code), "scan")
		b.inChinese(fmt.Sprintf("answer to %q", code), "#result")
	}
	garbage := []string{"hello world", "%%%%", "12", "http://x.cn/a", "退货", "T-0007", "tote-12", "06901234567892", "RS1:U:01JD2Z6W8Q3M5T7V9X1Z3B5D7E"}
	for i, r := range returns {
		if i == 17 { // a crushed box: F4, and the answer says what to do in Chinese first
			b.do(chromedp.KeyEvent(kb.F4))
			receive(r.raw, "warn")
			if first := eval[string](b, `(document.querySelector('#result .exc .note2 > span') || {}).textContent || ''`); !han.MatchString(first) {
				t.Errorf("the damaged box's note starts with %q, want the Chinese words first", first)
			}
			continue
		}
		receive(r.raw, "ok")
		switch {
		case i%5 == 4: // the slip's RMA number, then its order number, scanned after the waybill
			receive(r.rma, "dup")
			receive(r.order, "dup")
		case i%6 == 5 && i < 40: // the waybill again
			receive(r.raw, "dup")
		}
		if i%5 == 2 && len(garbage) > 0 {
			receive(garbage[0], "error")
			garbage = garbage[1:]
		}
		if i >= 40 && i%2 == 0 { // slip first, then the waybill on the box: the same parcel
			receive(r.tracking, "dup")
		}
	}
	for _, g := range garbage {
		receive(g, "error")
	}
	b.screenshot("zh-desk768-shift-receive", 1366, 768)

	var list struct{ Parcels []station.Parcel }
	st.mustCall(200, "GET", "/api/v1/parcels?limit=500", nil, &list)
	perRMA := map[string][]string{}
	parcelOf := map[string]string{}
	for _, p := range list.Parcels {
		perRMA[p.RMA] = append(perRMA[p.RMA], p.Tracking)
		parcelOf[p.RMA] = p.ID
	}
	if len(list.Parcels) != len(returns) {
		t.Errorf("%d parcels after the shift's scans, want %d, one per return", len(list.Parcels), len(returns))
	}
	for _, r := range returns {
		if got := perRMA[r.rma]; len(got) != 1 || got[0] != r.tracking {
			t.Errorf("return %s has parcels %v, want exactly one, %s", r.rma, got, r.tracking)
		}
	}
	var exs struct{ Exceptions []station.Exception }
	st.mustCall(200, "GET", "/api/v1/exceptions?state=open", nil, &exs)
	for _, e := range exs.Exceptions {
		if e.Code == "unmatched" {
			t.Errorf("a wrong scan became a parcel: unmatched exception %+v", e)
		}
	}
	if t.Failed() {
		return
	}

	// ---- inspect -----------------------------------------------------------
	// Questions where "yes" is the bad answer; every other one is answered
	// with its first option (yes, sealed, none …): good goods.
	badIfYes := map[string]bool{"used": true, "damaged": true, "liquid_damage": true, "account_locked": true, "washed": true,
		"worn": true, "stains_or_odour": true, "fabric_fault": true, "leaking": true, "suspect_counterfeit": true, "spoiled": true}
	var units []string
	b.open("/inspect")
	b.focusOn("opening Inspect", "parcel-scan")
	for k, r := range []shiftReturn{returns[0], returns[3], returns[12], returns[21], returns[30]} {
		used := k == 2      // one opened and used: another grade, another disposition
		b.wedge(r.tracking) // into the product field after the first: a waybill there opens its parcel
		b.until("parcel "+r.tracking, fmt.Sprintf(`document.getElementById('parcel').innerText.includes(%q)`, r.tracking))
		b.focusOn("the parcel scan", "unit-scan")
		before := eval[int](b, `document.querySelectorAll('.units li').length`)
		b.wedge("06901234567892")
		b.until("checklist", fmt.Sprintf(`document.querySelectorAll('.units li').length === %d && document.querySelectorAll('#checklist fieldset').length > 0`, before+1))
		unit := eval[string](b, `new URLSearchParams(location.search).get('unit')`)
		if k == 0 { // the same item scanned twice: the second unit is voided
			b.wedge("06901234567892")
			b.until("second unit", `document.querySelectorAll('.units li').length === 2 && !!document.getElementById('void-box')`)
			b.click("#void-box summary")
			b.typeInto("#void-reason", "重复扫描")
			b.do(chromedp.KeyEvent(kb.Enter))
			b.until("voided", `!!document.getElementById('voided')`)
			b.inChinese("voiding", "#voided")
			b.focusOn("voiding", "unit-scan")
			b.click(fmt.Sprintf(`.unit-btn[data-unit=%q]`, unit))
			b.until("first unit again", fmt.Sprintf(`new URLSearchParams(location.search).get('unit') === %q && !!document.getElementById('confirm')`, unit))
		}
		home := eval[string](b, `document.activeElement.id`)
		for q := 0; q < 12; q++ {
			cur := eval[string](b, `(document.querySelector('#checklist .q.cur:not(.answered)') || {dataset: {}}).dataset.q || ''`)
			if cur == "" {
				break
			}
			key := kb.F2
			if badIfYes[cur] && !(used && cur == "used") {
				key = kb.F3
			}
			b.do(chromedp.KeyEvent(key))
			b.until("answered "+cur, fmt.Sprintf(`document.querySelector('fieldset[data-q=%q]').classList.contains('answered')`, cur))
			b.focusOn("answering "+cur, home)
			if !b.inView("#confirm") {
				t.Errorf("answering %s: Confirm is off the screen", cur)
			}
		}
		if home == "serial" {
			b.wedge("SN8842AA")
			b.focusOn("the serial scan", "unit-scan")
		}
		b.until("ready to confirm", `!document.getElementById('confirm').disabled && !!document.querySelector('#suggestion .grade-big')`)
		b.inChinese("the suggestion", "#suggestion")
		b.do(chromedp.KeyEvent(kb.F8))
		b.until("confirmed", `!!document.querySelector('#suggestion .gradebox.final')`)
		b.focusOn("confirming", "unit-scan")
		b.do(chromedp.KeyEvent(kb.F9))
		b.until("label sent", `document.getElementById('label-msg').innerText.length > 0`)
		b.focusOn("printing", "unit-scan")
		b.inChinese("printing", "#label-msg")
		if !b.inView("#label-msg") || !b.inView(`#actions a[href="/putaway"]`) {
			t.Error("after printing, the print message or Put away is off the screen")
		}
		units = append(units, unit)
		if k == 0 { // the voided unit does not hold the parcel open
			b.click("#close-parcel")
			b.until("closed", `!document.getElementById('close-parcel')`)
			b.focusOn("closing the parcel", "parcel-scan")
		}
	}
	b.screenshot("zh-desk768-shift-inspect", 1366, 768)

	// ---- labels ------------------------------------------------------------
	deadline := time.Now().Add(30 * time.Second)
	for len(z.printed()) < len(units) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if got := z.printed(); len(got) != len(units) {
		t.Errorf("the label printer got %d jobs, want %d", len(got), len(units))
	} else {
		for i, j := range got {
			if !strings.Contains(string(j), "^XA") || !strings.Contains(string(j), "^XZ") || !strings.Contains(string(j), "^GF") {
				t.Errorf("job %d is not a ZPL label with its graphics: %.80q", i, j)
			}
		}
	}

	// ---- put away ----------------------------------------------------------
	disp := map[string]string{}
	tote := map[string]string{}
	for _, id := range units {
		var u station.Unit
		st.mustCall(200, "GET", "/api/v1/units/"+id, nil, &u)
		if u.Result == nil {
			t.Fatalf("unit %s has no result after confirming", id)
		}
		disp[id] = u.Result.Disposition
		if _, ok := tote[u.Result.Disposition]; !ok {
			tote[u.Result.Disposition] = fmt.Sprintf("T-%04d", 100+len(tote))
			if u.Result.Disposition == "quarantine" {
				tote[u.Result.Disposition] = "L-Q01"
			}
		}
	}
	if len(tote) < 2 {
		t.Errorf("the shift's units have dispositions %v: want at least two kinds, to fill totes by disposition", disp)
	}
	b.open("/putaway")
	b.focusOn("opening Put away", "scan")
	wrongTried := false
	for i, id := range units {
		before := b.text("#result")
		b.wedge("RS1:U:" + id)
		b.until("unit in hand", fmt.Sprintf(`document.getElementById('result').innerText !== %q`, before))
		b.focusOn("the unit scan", "scan")
		b.inChinese("the unit scan", "#result")
		if first := tote[disp[units[0]]]; i > 0 && !wrongTried && disp[id] != disp[units[0]] && strings.HasPrefix(first, "T-") {
			// Into the tote of another disposition: refused, saying where it goes.
			wrongTried = true
			before = b.text("#result")
			b.wedge(first)
			b.until("wrong tote refused", fmt.Sprintf(`document.getElementById('result').innerText !== %q`, before))
			if cls := eval[string](b, `document.getElementById('result').className`); cls != "result error" {
				t.Errorf("putting a %s unit into %s (%s): %q, want refused", disp[id], first, disp[units[0]], cls)
			}
			b.focusOn("the wrong tote", "scan")
			b.inChinese("the wrong tote", "#result")
		}
		before = b.text("#result")
		b.wedge(tote[disp[id]])
		b.until("put away", fmt.Sprintf(`document.getElementById('result').innerText !== %q`, before))
		if cls := eval[string](b, `document.getElementById('result').className`); cls != "result ok" {
			t.Errorf("putting %s (%s) into %s: %q %s", id, disp[id], tote[disp[id]], cls, b.text("#result"))
		}
		b.focusOn("the tote scan", "scan")
		b.inChinese("the tote scan", "#result")
	}
	if !wrongTried && len(tote) >= 2 && strings.HasPrefix(tote[disp[units[0]]], "T-") {
		t.Error("no unit was tried in a tote of another disposition")
	}
	inTote := map[string]map[string]bool{}
	for _, id := range units {
		var u station.Unit
		st.mustCall(200, "GET", "/api/v1/units/"+id, nil, &u)
		if u.Location != tote[disp[id]] {
			t.Errorf("unit %s (%s) is at %q, want %s", id, disp[id], u.Location, tote[disp[id]])
		}
		if inTote[u.Location] == nil {
			inTote[u.Location] = map[string]bool{}
		}
		inTote[u.Location][disp[id]] = true
	}
	for loc, ds := range inTote {
		if len(ds) != 1 {
			t.Errorf("%s holds units of %d dispositions: %v", loc, len(ds), ds)
		}
	}

	// ---- the handheld ------------------------------------------------------
	// Long codes and unit ids never widen a page at 360 px.
	b.viewport(360, 740)
	for _, p := range []string{"/receive", "/inspect?parcel=" + parcelOf[returns[3].rma] + "&unit=" + units[1], "/putaway", "/inbound"} {
		b.open(p)
		if w := eval[int](b, `document.documentElement.scrollWidth`); w > 360 {
			t.Errorf("%s at 360 px is %d px wide", p, w)
			b.screenshot("zh-handheld-too-wide", 360, 740)
		}
	}
	t.Logf("shift: %d receive scans (%d parcels), %d units inspected, voided one, printed %d labels, places by disposition %v, wrong tote tried: %v",
		scans, len(list.Parcels), len(units), len(z.printed()), tote, wrongTried)
}
