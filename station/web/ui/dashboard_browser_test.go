package ui_test

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"returns-station/station"
	"returns-station/station/web"
)

// TestBrowserDashboard: parcels received 50, 30, 21 and 2 hours ago; a
// supervisor opens the dashboard in English and in Chinese, at desk and
// handheld sizes, and sees the counts, the chart the station drew and the
// late and due parcels oldest first; axe finds nothing serious.
// valueTexts are what the cost and recovery table shows for the dress: its
// category named in the language, its price × the built-in 95 % share for
// restocking grade A, and the freight paid.
var valueTexts = map[string][]string{"en": {"Apparel", "246.05", "15.00"}, "zh": {"服", "246.05", "15.00"}}

// thrTexts are the throughput chips over the last 7 days: the five parcels
// received, the dress inspected, nothing put away.
var thrTexts = map[string][]string{"en": {"Received: 5", "Inspected: 1", "Put away: 0"}, "zh": {"签收：5", "质检：1", "上架：0"}}

func TestBrowserDashboard(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	src := axeSource(t)
	var mu sync.Mutex
	var shift time.Duration
	st := startStation(t, func(c *web.Config) {
		c.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return time.Now().Add(shift) }
	})
	if _, err := st.db.AddUser(station.User{Username: supUser, DisplayName: "张敏", Role: station.RoleSupervisor}, supPIN, ""); err != nil {
		t.Fatal(err)
	}
	var ids []string // oldest first: alarm, late, due soon
	for _, r := range []struct {
		ago      time.Duration
		tracking string
	}{{50 * time.Hour, "YT9100000000001"}, {30 * time.Hour, "YT9100000000002"}, {21 * time.Hour, "YT9100000000003"}, {2 * time.Hour, "YT9100000000004"}} {
		mu.Lock()
		shift = -r.ago
		mu.Unlock()
		var rec station.ReceiveResult
		if code := st.call("POST", "/api/v1/parcels/receive", map[string]any{"code": r.tracking}, &rec); code != 201 {
			t.Fatalf("receive %s: %d", r.tracking, code)
		}
		if r.ago > 20*time.Hour {
			ids = append(ids, rec.Parcel.ID)
		}
	}
	// A return received an hour ago with freight paid, its unit confirmed:
	// the cost and recovery panel has one category to show.
	mu.Lock()
	shift = -time.Hour
	mu.Unlock()
	deliv := time.Now().Add(-72 * time.Hour)
	asked := deliv.Add(24 * time.Hour)
	rma := station.ReturnAuthorization{RMA: "RMA-DASH-1", Version: 1, Status: station.RMAApproved, OrderID: "SO-DASH-1",
		Policy: station.PolicyNoReason7d, DeliveredAt: &deliv, RequestedAt: &asked, Refund: station.Money{Amount: "259.00", Currency: "CNY"},
		ReturnShipments: []station.ReturnShipment{{Carrier: "SF", Tracking: "SF9100000000009"}},
		Lines:           []station.RMALine{{Line: 1, SKU: "DRS-SUM-23", Name: "碎花连衣裙", Category: "女装/连衣裙", Qty: 1, UnitPrice: "259.00"}}}
	if code := st.call("POST", "/api/v1/returns", rma, nil); code != 201 {
		t.Fatalf("enter the RMA: %d", code)
	}
	var rec station.ReceiveResult
	if code := st.call("POST", "/api/v1/parcels/receive", map[string]any{"code": "SF9100000000009", "freight": "15.00"}, &rec); code != 201 {
		t.Fatalf("receive with freight: %d", code)
	}
	var ur station.UnitResult
	if code := st.call("POST", "/api/v1/parcels/"+rec.Parcel.ID+"/units", map[string]any{"code": "DRS-SUM-23"}, &ur); code != 201 {
		t.Fatalf("add unit: %d", code)
	}
	dress := map[string]any{"tags_attached": true, "worn": false, "washed": false, "stains_or_odour": false, "fabric_fault": false, "packaging": "sealed"}
	if code := st.call("PUT", "/api/v1/units/"+ur.Unit.ID+"/inspection", map[string]any{"checklist": dress}, nil); code != 200 {
		t.Fatalf("inspect: %d", code)
	}
	if code := st.call("POST", "/api/v1/units/"+ur.Unit.ID+"/confirm", map[string]any{}, nil); code != 200 {
		t.Fatalf("confirm: %d", code)
	}
	mu.Lock()
	shift = 0
	mu.Unlock()

	if err := os.MkdirAll(outDir, 0o755); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, st.url)
	b.acceptLanguage("en-US,en;q=0.9")
	b.reportProblems(t)
	b.do(chromedp.Navigate(st.url + "/dashboard"))
	b.until("sign-in page", `location.pathname === '/' && !document.getElementById('signin').hidden`)
	b.typeInto("#username", supUser)
	b.typeInto("#pin", supPIN+kb.Enter)
	b.until("dashboard", `location.pathname === '/dashboard' && document.body.dataset.ready === 'true'`)
	if eval[bool](b, `document.querySelector('[data-nav=dashboard]').hidden`) {
		t.Error("a supervisor is not offered the dashboard in the nav")
	}

	check := func(lang string, counts []string, texts ...string) {
		t.Helper()
		b.until("board", `!!document.body.dataset.board && document.getElementById('dash-chart').complete && document.getElementById('dash-chart').naturalWidth > 0`)
		if got := eval[string](b, `document.documentElement.dataset.lang`); got != lang {
			t.Errorf("dashboard in %q, want %q", got, lang)
		}
		b.wantText("#dash-counts", counts...)
		b.wantText("#dash-list", texts...)
		b.until("value panel", `!!document.body.dataset.value && document.getElementById('val-chart').complete && document.getElementById('val-chart').naturalWidth > 0`)
		if got := eval[[]string](b, `[...document.querySelectorAll('#val-table tr[data-category]')].map((r) => r.dataset.category)`); strings.Join(got, ",") != "apparel" {
			t.Errorf("%s value rows %v, want the one apparel unit", lang, got)
		}
		b.wantText("#val-list", valueTexts[lang]...)
		if src := eval[string](b, `document.getElementById('val-chart').getAttribute('src')`); !strings.Contains(src, "lang="+lang) {
			t.Errorf("value chart %q is not in %s", src, lang)
		}
		// Throughput and time to result over the last 7 days: five parcels
		// received, the dress inspected, nothing put away; its category and
		// its inspector listed.
		b.until("throughput panel", `/ day$/.test(document.body.dataset.throughput || '') && !!document.body.dataset.inspectors && document.getElementById('thr-chart').complete && document.getElementById('thr-chart').naturalWidth > 0`)
		b.wantText("#thr-totals", thrTexts[lang]...)
		if got := eval[[]string](b, `[...document.querySelectorAll('#thr-cat-table tr[data-category]')].map((r) => r.dataset.category)`); strings.Join(got, ",") != "apparel" {
			t.Errorf("%s time-to-result rows %v, want the one apparel unit", lang, got)
		}
		if got := eval[[]string](b, `[...document.querySelectorAll('#insp-table tr[data-inspector]')].map((r) => r.dataset.inspector + ' ' + r.children[1].textContent)`); strings.Join(got, ",") != "token:ui-test 1" {
			t.Errorf("%s inspectors %v, want the one who confirmed the dress with 1 unit", lang, got)
		}
		if src := eval[string](b, `document.getElementById('thr-chart').getAttribute('src')`); !strings.Contains(src, "lang="+lang) {
			t.Errorf("throughput chart %q is not in %s", src, lang)
		}
		b.click(`[data-thr-span="1"]`)
		b.until("today per hour", `/ hour$/.test(document.body.dataset.throughput || '') && document.getElementById('thr-chart').complete && document.getElementById('thr-chart').naturalWidth > 0`)
		if got := eval[string](b, `document.body.dataset.throughput`); got[:10] != got[12:22] {
			t.Errorf("%s today is %q, want one day", lang, got)
		}
		if !eval[bool](b, `document.querySelector('[data-thr-span="1"]').getAttribute('aria-pressed') === 'true'`) {
			t.Errorf("%s: the Today button is not shown pressed", lang)
		}
		got := eval[[]string](b, `[...document.querySelectorAll('#dash-list tr[data-parcel]')].map((r) => r.dataset.parcel + ' ' + r.dataset.state)`)
		want := []string{ids[0] + " alarm", ids[1] + " late", ids[2] + " due_soon"}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s rows %v, want %v", lang, got, want)
		}
		if src := eval[string](b, `document.getElementById('dash-chart').getAttribute('src')`); !strings.Contains(src, "lang="+lang) {
			t.Errorf("chart %q is not in %s", src, lang)
		}
		for _, s := range []struct {
			name string
			w, h int64
		}{{"desk", 1366, 768}, {"handheld", 360, 740}} {
			b.viewport(s.w, s.h)
			// Every chart is drawn at about the width it is shown, so its
			// words are read at the size they were written, not shrunk.
			b.until(s.name+" charts at their width", `[...document.querySelectorAll('img.chart')].filter((i) => i.getAttribute('src')).every((i) => {
				const w = +new URL(i.src).searchParams.get('w');
				return i.complete && i.naturalWidth > 0 && w >= 300 && i.clientWidth >= 0.9 * w && i.clientWidth <= 1.1 * w;
			})`)
			b.axe(src, fmt.Sprintf("%s %s /dashboard", lang, s.name))
			if wide := eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth + 1`); wide {
				t.Errorf("%s %s: the dashboard scrolls sideways", lang, s.name)
			}
			b.screenshot(lang+"-"+s.name+"-11-dashboard", s.w, s.h)
		}
		b.viewport(1366, 900)
	}
	check("en", []string{"Open: 5", "Late: 2", "Alarm: 1", "Late within 4 h: 1", "Oldest: 50.0 h"}, "YT9100000000001", "alarm", "late", "due soon")
	// Another range: nothing confirmed then; a range running backwards is
	// refused with the field marked, the figures left out.
	eval[bool](b, `(document.getElementById('val-from').value = '2026-01-01', document.getElementById('val-to').value = '2026-01-02', document.getElementById('val-go').click(), true)`)
	b.until("value range", `document.body.dataset.value === '2026-01-01..2026-01-02'`)
	b.wantText("#val-list", "No units confirmed in these days.")
	eval[bool](b, `(document.getElementById('val-from').value = '2026-01-05', document.getElementById('val-go').click(), true)`)
	b.until("range refused", `document.getElementById('val-from').getAttribute('aria-invalid') === 'true'`)
	if rows := eval[int](b, `document.querySelectorAll('#val-table tr[data-category]').length`); rows != 0 {
		t.Errorf("a refused range still shows %d rows", rows)
	}
	eval[bool](b, `(document.getElementById('val-from').value = '', document.getElementById('val-to').value = '', document.getElementById('val-go').click(), true)`)
	b.until("value reset", `document.querySelectorAll('#val-table tr[data-category]').length === 1`)
	b.click(`[data-set-lang=zh]`)
	b.until("Chinese page", `document.documentElement.lang === 'zh-CN' && document.body.dataset.ready === 'true'`)
	check("zh", []string{"未完成：5", "已超时：2", "告警：1", "4小时内超时：1"}, "告警", "已超时", "即将超时")
}
