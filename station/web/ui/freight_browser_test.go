package ui_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"returns-station/station"
)

// TestBrowserReceiveFreight: a clerk types the freight the dock paid for a
// parcel (Chinese comma decimal "12,5"), scans its waybill, and the parcel is
// stored with 12.50 CNY; the field empties for the next parcel, which is
// received without freight; something that is not an amount is marked and
// not sent. Desk and handheld, axe finds nothing serious.
func TestBrowserReceiveFreight(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	src := axeSource(t)
	st := startStation(t, nil)
	if _, err := st.db.AddUser(station.User{Username: clerkUser, DisplayName: "李伟", Role: station.RoleOperator}, clerkPIN, ""); err != nil {
		t.Fatal(err)
	}
	n := 0
	enter := func() string {
		n++
		tracking := fmt.Sprintf("SF73000000000%02d", n)
		st.mustCall(201, "POST", "/api/v1/returns", rma(fmt.Sprintf("RMA-F-%d", n), tracking, "数码/耳机"), nil)
		return tracking
	}
	b := newBrowser(t, st.url)
	b.acceptLanguage("zh-CN,zh;q=0.9")
	b.reportProblems(t)
	b.open("/receive")
	b.until("sign-in page", `location.pathname === '/' && !document.getElementById('signin').hidden`)
	b.typeInto("#username", clerkUser)
	b.typeInto("#pin", clerkPIN+kb.Enter)
	b.until("receive page", `location.pathname === '/receive' && document.body.dataset.ready === 'true'`)

	stored := func(tracking string) *station.Money {
		t.Helper()
		var pg struct {
			Parcels []station.Parcel `json:"parcels"`
		}
		st.mustCall(200, "GET", "/api/v1/parcels?tracking="+tracking, nil, &pg)
		if len(pg.Parcels) != 1 {
			t.Fatalf("parcel %s: %d found", tracking, len(pg.Parcels))
		}
		return pg.Parcels[0].Freight
	}
	seq := 0
	scan := func(tracking string) {
		t.Helper()
		seq++
		b.wedge(tracking)
		b.until(fmt.Sprintf("answer %d", seq), fmt.Sprintf(`document.getElementById('result').dataset.seq === '%d'`, seq))
	}

	b.typeInto("#freight", "12,5"+kb.Enter)
	b.until("back to the scan field", `document.activeElement.id === 'scan'`)
	first := enter()
	scan(first)
	if f := stored(first); f == nil || f.Amount != "12.50" || f.Currency != "CNY" {
		t.Errorf("parcel received with freight %+v, want 12.50 CNY", f)
	}
	if v := eval[string](b, `document.getElementById('freight').value`); v != "" {
		t.Errorf("the freight %q stays for the next parcel", v)
	}
	second := enter()
	scan(second)
	if f := stored(second); f != nil {
		t.Errorf("the next parcel was received with freight %+v, want none", f)
	}
	b.typeInto("#freight", "十二元"+kb.Enter)
	if !eval[bool](b, `document.getElementById('freight').getAttribute('aria-invalid') === 'true'`) {
		t.Error("a freight that is not an amount is not marked")
	}
	third := enter()
	b.do(chromedp.Focus(chromedp.CSS("#scan")))
	scan(third)
	if f := stored(third); f != nil {
		t.Errorf("a freight that is not an amount was sent: %+v", f)
	}
	for _, s := range []struct {
		name string
		w, h int64
	}{{"desk", 1366, 768}, {"handheld", 360, 740}} {
		b.viewport(s.w, s.h)
		b.axe(src, "zh "+s.name+" /receive freight")
		b.screenshot("zh-"+s.name+"-13-receive-freight", s.w, s.h)
	}
}
