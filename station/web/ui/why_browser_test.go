package ui_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"returns-station/station"
)

// TestBrowserWhyReturns: three T-shirts come back today: one said faulty
// with a fabric fault, one said faulty and clean, one "changed mind" with a
// fabric fault. A supervisor opens the dashboard in English and in Chinese,
// at desk and handheld sizes, and sees the reason-against-finding figures,
// the chart, the product team's defect list and CSV links in the page's
// language; a channel filter narrows the figures and a backwards range is
// refused on the field at fault; axe finds nothing serious.
func TestBrowserWhyReturns(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	src := axeSource(t)
	st := startStation(t, nil)
	if _, err := st.db.AddUser(station.User{Username: supUser, DisplayName: "张敏", Role: station.RoleSupervisor}, supPIN, ""); err != nil {
		t.Fatal(err)
	}
	tee := map[string]any{"tags_attached": true, "worn": false, "washed": false, "stains_or_odour": false, "fabric_fault": false, "packaging": "sealed"}
	faulty := map[string]any{"tags_attached": true, "worn": false, "washed": false, "stains_or_odour": false, "fabric_fault": true, "packaging": "opened"}
	for i, r := range []struct {
		channel, reason, policy string
		answers                 []map[string]any
	}{
		{"tmall", "quality_issue", station.PolicyQuality, []map[string]any{faulty, tee}},
		{"jd", "changed_mind", station.PolicyNoReason7d, []map[string]any{faulty}},
	} {
		tracking := fmt.Sprintf("SF930000000000%d", i+1)
		x := rma(fmt.Sprintf("RMA-WHY-%d", i+1), tracking, "apparel")
		x.Channel, x.Reason, x.Policy = r.channel, station.ReturnReason{Code: r.reason}, r.policy
		x.Lines = []station.RMALine{{Line: 1, SKU: "TEE-01", Name: "纯棉T恤", Category: "apparel", Qty: len(r.answers), UnitPrice: "59.00"}}
		st.mustCall(201, "POST", "/api/v1/returns", x, nil)
		var rec station.ReceiveResult
		st.mustCall(201, "POST", "/api/v1/parcels/receive", map[string]any{"code": tracking}, &rec)
		for _, a := range r.answers {
			var ur station.UnitResult
			st.mustCall(201, "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/units", map[string]any{"code": "TEE-01"}, &ur)
			st.mustCall(200, "PUT", "/api/v1/units/"+ur.Unit.ID+"/inspection", map[string]any{"checklist": a}, nil)
			st.mustCall(200, "POST", "/api/v1/units/"+ur.Unit.ID+"/confirm", map[string]any{}, nil)
		}
	}
	// What the page must show, counted from the script: 3 units, the two
	// with a fabric fault are defects (2 of 3 = 66.7 %), one said faulty and
	// clean, one said "changed mind" and faulty.
	var api station.WhyReport
	st.mustCall(200, "GET", "/api/v1/stats/returns", nil, &api)
	if api.Total.Units != 3 || api.Total.DefectUnits != 2 || api.Total.SaidFaultNoneFound != 1 || api.Total.SaidNoFaultDefectFound != 1 {
		t.Fatalf("the station counts %+v; the script makes 3 units, 2 defects, 1 said faulty none found, 1 changed mind defect found", api.Total)
	}

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

	texts := map[string]struct{ chips, reasons, defects []string }{
		"en": {[]string{"Units: 3", "Confirmed defects: 2 (66.7%)", "Said faulty, no fault found: 1", "Said no fault, defect found: 1"},
			[]string{"quality", "changed", "Defect found"}, []string{"TEE-01", "纯棉T恤", "66.7%"}},
		"zh": {[]string{"件数：3", "确认缺陷：2（66.7%）", "称有问题、未发现问题：1", "称无理由、发现缺陷：1"},
			[]string{"质量问题", "不想要了", "确认缺陷"}, []string{"TEE-01", "纯棉T恤", "66.7%"}},
	}
	check := func(lang string) {
		t.Helper()
		b.until("why panel", `!!document.body.dataset.why && document.getElementById('why-chart').complete && document.getElementById('why-chart').naturalWidth > 0 && document.getElementById('why-defects-chart').complete && document.getElementById('why-defects-chart').naturalWidth > 0`)
		want := texts[lang]
		b.wantText("#why-totals", want.chips...)
		b.wantText("#why-reasons", want.reasons...)
		b.wantText("#why-defects", want.defects...)
		if got := eval[[]string](b, `[...document.querySelectorAll('#why-chan-table tr[data-key]')].map((r) => r.dataset.key)`); strings.Join(got, ",") != "jd,tmall" && strings.Join(got, ",") != "tmall,jd" {
			t.Errorf("%s channel rows %v, want jd and tmall", lang, got)
		}
		for _, img := range []string{"why-chart", "why-defects-chart"} {
			if src := eval[string](b, `document.getElementById('`+img+`').getAttribute('src')`); !strings.Contains(src, "lang="+lang) {
				t.Errorf("%s %q is not in %s", img, src, lang)
			}
		}
		for _, l := range []string{"zh", "en"} {
			href := eval[string](b, `document.querySelector('[data-csv="skus-`+l+`"]').getAttribute('href')`)
			if !strings.Contains(href, "table=skus") || !strings.Contains(href, "lang="+l) || !strings.Contains(href, "from=") {
				t.Errorf("%s: the SKU CSV link in %s is %q", lang, l, href)
			}
		}
		for _, s := range []struct {
			name string
			w, h int64
		}{{"desk", 1366, 768}, {"handheld", 360, 740}} {
			b.viewport(s.w, s.h)
			b.axe(src, fmt.Sprintf("%s %s /dashboard (what comes back)", lang, s.name))
			if wide := eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth + 1`); wide {
				t.Errorf("%s %s: the dashboard scrolls sideways", lang, s.name)
			}
			b.screenshot(lang+"-"+s.name+"-12-why", s.w, s.h)
		}
		b.viewport(1366, 900)
	}
	check("en")

	// One channel: the figures narrow to it, the category table says it is
	// not kept by channel.
	setValue(b, "why-by", "channel")
	setValue(b, "why-value", "jd")
	b.click("#why-go")
	b.until("channel filter", `(document.body.dataset.why || '').endsWith('channel=jd')`)
	b.wantText("#why-totals", "Units: 1", "Confirmed defects: 1 (100.0%)", "Said no fault, defect found: 1")
	b.wantText("#why-rows", "Not kept under this filter")
	// A range that runs backwards is refused on the field at fault.
	setValue(b, "why-by", "")
	setValue(b, "why-from", "2026-12-09")
	setValue(b, "why-to", "2026-12-01")
	b.click("#why-go")
	b.until("range refused", `document.getElementById('why-from').getAttribute('aria-invalid') === 'true'`)

	b.click(`[data-set-lang=zh]`)
	b.until("Chinese page", `document.documentElement.lang === 'zh-CN' && document.body.dataset.ready === 'true'`)
	check("zh")
}

// setValue sets a form field's value as a person choosing it would leave it.
func setValue(b *browser, id, v string) {
	b.t.Helper()
	eval[bool](b, fmt.Sprintf(`(() => { const e = document.getElementById(%q); e.value = %q; e.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`, id, v))
}
