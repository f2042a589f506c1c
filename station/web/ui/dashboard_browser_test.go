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
			b.axe(src, fmt.Sprintf("%s %s /dashboard", lang, s.name))
			b.screenshot(lang+"-"+s.name+"-11-dashboard", s.w, s.h)
		}
		b.viewport(1366, 900)
	}
	check("en", []string{"Open: 4", "Late: 2", "Alarm: 1", "Late within 4 h: 1", "Oldest: 50.0 h"}, "YT9100000000001", "alarm", "late", "due soon")
	b.click(`[data-set-lang=zh]`)
	b.until("Chinese page", `document.documentElement.lang === 'zh-CN' && document.body.dataset.ready === 'true'`)
	check("zh", []string{"未完成：4", "已超时：2", "告警：1", "4小时内超时：1"}, "告警", "已超时", "即将超时")
}
