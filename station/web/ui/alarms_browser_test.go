package ui_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"returns-station/station"
	"returns-station/station/web"
)

// TestBrowserWeightAndAlarms: the station has learned an earphone's weight
// from two parcels. A clerk on the Receive screen (Chinese, then English)
// lets a USB scale type "905" and Enter into the scan field, then scans the
// waybill: the parcel is received at 905 g and the answer warns of the
// weight alarm; the same again through the weight field (F6, "0.260 kg").
// A supervisor then sees the weight alarm and a 48-hour alarm in the
// dashboard's alarms panel in both languages, at desk and handheld sizes;
// axe finds nothing serious on either page.
func TestBrowserWeightAndAlarms(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	src := axeSource(t)
	var mu sync.Mutex
	var shift time.Duration
	at := func(d time.Duration) { mu.Lock(); shift = d; mu.Unlock() }
	st := startStation(t, func(c *web.Config) {
		c.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return time.Now().Add(shift) }
	})
	for _, u := range []struct {
		user station.User
		pin  string
	}{
		{station.User{Username: clerkUser, DisplayName: "李伟", Role: station.RoleOperator}, clerkPIN},
		{station.User{Username: supUser, DisplayName: "张敏", Role: station.RoleSupervisor}, supPIN},
	} {
		if _, err := st.db.AddUser(u.user, u.pin, ""); err != nil {
			t.Fatal(err)
		}
	}
	var rs station.RuleSet
	st.mustCall(200, "GET", "/api/v1/rules", nil, &rs)
	rs.Alarms.Weight.MinSamples = 2
	st.mustCall(200, "PUT", "/api/v1/rules", rs, nil)
	n := 0
	enter := func() string { // a one-earphone return on its way
		n++
		tracking := fmt.Sprintf("SF72000000000%02d", n)
		st.mustCall(201, "POST", "/api/v1/returns", rma(fmt.Sprintf("RMA-W-%d", n), tracking, "数码/耳机"), nil)
		return tracking
	}
	at(-3 * time.Hour)
	for _, g := range []int{248, 262} { // learned: the lower middle, 248 g
		st.mustCall(201, "POST", "/api/v1/parcels/receive", map[string]any{"code": enter(), "weight_g": g}, nil)
	}
	// A parcel received 50 hours ago crosses the 48-hour alarm; the age
	// worker's pass is run here as cmd/station runs it every minute.
	at(-50 * time.Hour)
	var old station.ReceiveResult
	st.mustCall(201, "POST", "/api/v1/parcels/receive", map[string]any{"code": "YT9200000000001"}, &old)
	at(0)
	open, err := st.db.OpenParcels(time.Unix(0, 0), 100)
	if err != nil {
		t.Fatal(err)
	}
	env := station.NewClock(time.Now, rand.Reader).Env("st-ui", "system:risk", station.RoleAdmin)
	if _, err := st.db.Update(context.Background(), nil, func(tx station.Tx) (any, error) {
		return station.AlarmAgedParcels(tx, env, open, time.Now(), station.DefaultAgeAlarm)
	}); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, st.url)
	b.acceptLanguage("zh-CN,zh;q=0.9")
	b.reportProblems(t)
	b.open("/receive")
	b.until("sign-in page", `location.pathname === '/' && !document.getElementById('signin').hidden`)
	b.typeInto("#username", clerkUser)
	b.typeInto("#pin", clerkPIN+kb.Enter)
	b.until("receive page", `location.pathname === '/receive' && document.body.dataset.ready === 'true'`)

	seq := 0
	// weighAndScan lets the scale type into whatever has the focus, then
	// scans the waybill, and checks the parcel was received at grams.
	weighAndScan := func(lang string, weigh func(), grams int, texts ...string) {
		t.Helper()
		weigh()
		b.until("weight taken", fmt.Sprintf(`document.getElementById('weight').value === '%d' && document.activeElement.id === 'scan'`, grams))
		tracking := enter()
		seq++
		b.wedge(tracking)
		b.until(fmt.Sprintf("answer %d", seq), fmt.Sprintf(`document.getElementById('result').dataset.seq === '%d'`, seq))
		b.wantText("#result", texts...)
		if got := eval[string](b, `document.querySelector('#result [data-weight]') ? document.querySelector('#result [data-weight]').dataset.weight : ''`); got != fmt.Sprint(grams) {
			t.Errorf("%s: the answer shows weight %q, want %d", lang, got, grams)
		}
		if v := eval[string](b, `document.getElementById('weight').value`); v != "" {
			t.Errorf("%s: the weight %q stays for the next parcel", lang, v)
		}
		var pg struct {
			Parcels []station.Parcel `json:"parcels"`
		}
		st.mustCall(200, "GET", "/api/v1/parcels?tracking="+tracking, nil, &pg)
		if len(pg.Parcels) != 1 || pg.Parcels[0].WeightG == nil || *pg.Parcels[0].WeightG != grams {
			t.Errorf("%s: parcel %s stored as %+v, want weight_g %d", lang, tracking, pg.Parcels, grams)
		}
		for _, s := range []struct {
			name string
			w, h int64
		}{{"desk", 1366, 768}, {"handheld", 360, 740}} {
			b.viewport(s.w, s.h)
			b.axe(src, fmt.Sprintf("%s %s /receive", lang, s.name))
			b.screenshot(lang+"-"+s.name+"-12-receive-weight", s.w, s.h)
		}
		b.viewport(1366, 900)
	}
	// The scale types into the scan field, which has the focus.
	weighAndScan("zh", func() {
		b.wedge("905")
		b.until("weight shown", `!!document.querySelector('#result [data-weight-set="905"]')`)
		b.wantText("#result", "重量 905 克")
	}, 905, "称重 905 克", "告警：包裹重量与商品不符")
	b.click(`[data-set-lang=en]`)
	b.until("English page", `document.documentElement.lang === 'en' && document.body.dataset.ready === 'true'`)
	b.wantText(".weighing", "Weight (g)")
	// By hand, or a scale typing kilograms, into the weight field.
	weighAndScan("en", func() {
		b.do(chromedp.KeyEvent(kb.F6))
		b.until("weight field focused", `document.activeElement.id === 'weight'`)
		b.do(chromedp.KeyEvent("0.260" + kb.Enter))
	}, 260, "Weighed 260 g")

	sup := newBrowser(t, st.url)
	sup.acceptLanguage("en-US,en;q=0.9")
	sup.reportProblems(t)
	sup.open("/dashboard")
	sup.until("sign-in page", `location.pathname === '/' && !document.getElementById('signin').hidden`)
	sup.typeInto("#username", supUser)
	sup.typeInto("#pin", supPIN+kb.Enter)
	sup.until("dashboard", `location.pathname === '/dashboard' && document.body.dataset.ready === 'true'`)
	check := func(lang string, texts ...string) {
		t.Helper()
		sup.until("alarms panel", `document.body.dataset.alerts === '2'`)
		got := eval[[]string](sup, `[...document.querySelectorAll('#alerts-table tr[data-alert]')].map((r) => r.dataset.kind + ' ' + r.dataset.state)`)
		if len(got) != 2 || got[0] != "weight_mismatch open" || got[1] != "parcel_age open" {
			t.Errorf("%s alarm rows %v, want the weight alarm (raised last) and the age alarm, open", lang, got)
		}
		sup.wantText("#alerts-panel", texts...)
		if href := eval[string](sup, `document.getElementById('alerts-csv').getAttribute('href')`); href == "" {
			t.Errorf("%s: no CSV link", lang)
		}
		for _, s := range []struct {
			name string
			w, h int64
		}{{"desk", 1366, 768}, {"handheld", 360, 740}} {
			sup.viewport(s.w, s.h)
			sup.axe(src, fmt.Sprintf("%s %s /dashboard alarms", lang, s.name))
			sup.screenshot(lang+"-"+s.name+"-13-dashboard-alarms", s.w, s.h)
		}
		sup.viewport(1366, 900)
	}
	check("en", "Alarms", "Open alarms: 2", "Weight mismatch", "Parcel past the age alarm", "905 g", "YT9200000000001")

	// The supervisor edits the weight alarm's tolerance on the dashboard: a
	// value out of range is refused naming the field, nothing saved; a good
	// one makes a new rules version.
	sup.click(`#th-box summary`)
	tol := `[data-field="alarms.weight.tolerance_pct"]`
	sup.until("thresholds form", fmt.Sprintf(`document.querySelector('%s') && document.querySelector('%s').value === '25'`, tol, tol))
	setTol := func(v string) {
		t.Helper()
		eval[bool](sup, fmt.Sprintf(`(document.querySelector('%s').value = '', true)`, tol))
		sup.typeInto(tol, v)
		sup.click(`#th-form button[type=submit]`)
	}
	setTol("5000")
	sup.until("field refused", fmt.Sprintf(`document.querySelector('%s').getAttribute('aria-invalid') === 'true'`, tol))
	var after station.RuleSet
	st.mustCall(200, "GET", "/api/v1/rules", nil, &after)
	if after.Version != rs.Version+1 || after.Alarms.Weight.TolerancePct != 0 && after.Alarms.Weight.TolerancePct != 25 {
		t.Errorf("a refused edit changed the rules: version %d, tolerance %d", after.Version, after.Alarms.Weight.TolerancePct)
	}
	setTol("30")
	sup.until("saved", `!!document.body.dataset.rulesVersion`)
	sup.wantText("#th-msg", "Saved")
	st.mustCall(200, "GET", "/api/v1/rules", nil, &after)
	if after.Alarms.Weight.TolerancePct != 30 || after.Alarms.Weight.MinSamples != 2 || after.Alarms.Customer.Count != 3 {
		t.Errorf("saved alarms %+v, want tolerance 30 and the rest as they were", after.Alarms)
	}
	sup.axe(src, "en desk /dashboard thresholds")
	sup.click(`[data-set-lang=zh]`)
	sup.until("Chinese page", `document.documentElement.lang === 'zh-CN' && document.body.dataset.ready === 'true'`)
	check("zh", "告警", "未处理告警：2", "重量不符", "包裹超时告警", "905 克", "YT9200000000001")
}
