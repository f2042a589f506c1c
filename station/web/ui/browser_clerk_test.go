package ui_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"returns-station/station"
	"returns-station/station/web"
)

// TestBrowserClerkTools drives the bench's safety nets in headless chromium
// against a real station: garbage scans refused in the page's language (and
// an unlikely code kept on purpose), the RMA and order numbers of the slip
// finding the parcel instead of making new ones, and another box added to a
// return by its own waybill.
func TestBrowserClerkTools(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	st := startStation(t, func(c *web.Config) { c.Labels = labelImages{} })
	for _, u := range []struct {
		user       station.User
		pin, badge string
	}{
		{station.User{Username: clerkUser, DisplayName: "李伟", Role: station.RoleOperator}, clerkPIN, clerkBadge},
		{station.User{Username: supUser, DisplayName: "张敏", Role: station.RoleSupervisor}, supPIN, supBadge},
	} {
		if _, err := st.db.AddUser(u.user, u.pin, u.badge); err != nil {
			t.Fatal(err)
		}
	}
	two := rma("RMA-BOX-2", "SF7000000000001", "数码/耳机")
	two.ReturnShipments = append(two.ReturnShipments, station.ReturnShipment{Carrier: "SF", Tracking: "SF7000000000002"})
	st.mustCall(201, "POST", "/api/v1/returns", two, nil)

	b := newBrowser(t, st.url)
	b.acceptLanguage("zh-CN,zh;q=0.9")
	use := func(t *testing.T) { b.t, st.t = t, t }
	t.Cleanup(func() {
		use(t)
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, p := range b.problems {
			t.Error(p)
		}
	})
	b.open("/receive")
	b.until("sign-in page", `location.pathname === '/' && !document.getElementById('signin').hidden`)
	b.typeInto("#username", clerkUser)
	b.typeInto("#pin", clerkPIN+kb.Enter)
	b.until("receive page after sign-in", `location.pathname === '/receive' && document.body.dataset.ready === 'true'`)

	seq := 0
	scan := func(code, wantClass string, want ...string) {
		t.Helper()
		seq++
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
	parcels := func() int {
		t.Helper()
		var list struct{ Parcels []station.Parcel }
		st.mustCall(200, "GET", "/api/v1/parcels?limit=500", nil, &list)
		return len(list.Parcels)
	}

	t.Run("garbage", func(t *testing.T) {
		use(t)
		scan("%%%%", "error", "运单号、退货单号和订单号只含字母和数字")
		scan("https://example.com/t?id=1", "error", "这是网址")
		scan("退货 左耳没有声音", "error", "这是文字，不是条码")
		scan("T-0007", "error", "这是周转箱或库位编码")
		scan(clerkBadge, "error", "这是员工工牌")
		if eval[bool](b, `!!document.getElementById('keep')`) {
			t.Error("a badge can be kept as a parcel")
		}
		scan("hello world", "error", "这是文字，不是运单号", "Words, not a waybill")
		if n := parcels(); n != 0 {
			t.Fatalf("%d parcels after garbage, want none", n)
		}
		// Keeping an unlikely code is a second, deliberate action.
		b.click("#keep")
		seq++
		b.until("kept parcel", fmt.Sprintf(`document.getElementById('result').dataset.seq === '%d'`, seq))
		b.wantText("#result", "HELLOWORLD")
		if cls := eval[string](b, `document.getElementById('result').className`); cls != "result unknown" {
			t.Errorf("kept on purpose: answer class %q, want result unknown", cls)
		}
		if active := eval[string](b, `document.activeElement.id`); active != "scan" {
			t.Errorf("after keeping the focus is on %q, want the scan field", active)
		}
		if n := parcels(); n != 1 {
			t.Errorf("%d parcels after keeping one on purpose, want 1", n)
		}
	})

	t.Run("slip numbers and another box", func(t *testing.T) {
		use(t)
		scan("SF7000000000001", "ok", "RMA-BOX-2")
		scan("RMA-BOX-2", "dup", "这是单据上的退货单号", "SF7000000000001")
		scan("SO-RMA-BOX-2", "dup", "这是单据上的订单号", "SF7000000000001")
		if n := parcels(); n != 2 {
			t.Fatalf("%d parcels after the slip's numbers, want 2 (one kept on purpose, one for the return)", n)
		}
		b.click("#add-box")
		b.until("box field has the focus", `document.activeElement && document.activeElement.id === 'box-code'`)
		b.wedge("SF7000000000001") // the first box's waybill again: refused, nothing made
		b.until("refusal", `document.getElementById('box-msg').innerText.length > 0`)
		if n := parcels(); n != 2 {
			t.Fatalf("%d parcels after a refused box, want 2", n)
		}
		b.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('box-code').value = ''`))
		b.wedge("SF7000000000002")
		seq++
		b.until("added box", fmt.Sprintf(`document.getElementById('result').dataset.seq === '%d'`, seq))
		b.wantText("#result", "SF7000000000002", "RMA-BOX-2")
		if active := eval[string](b, `document.activeElement.id`); active != "scan" {
			t.Errorf("after adding a box the focus is on %q, want the scan field", active)
		}
		var view struct{ Parcels []station.Parcel }
		st.mustCall(200, "GET", "/api/v1/returns/RMA-BOX-2", nil, &view)
		if len(view.Parcels) != 2 || view.Parcels[1].MatchedHow != "manual" && view.Parcels[0].MatchedHow != "manual" {
			t.Errorf("the return's parcels %+v, want two, one added by hand", view.Parcels)
		}
	})

	t.Run("void a mis-scan", func(t *testing.T) {
		use(t)
		var list struct{ Parcels []station.Parcel }
		st.mustCall(200, "GET", "/api/v1/parcels?tracking=SF7000000000001", nil, &list)
		pid := list.Parcels[0].ID
		b.open("/inspect?parcel=" + pid)
		b.until("product field has the focus", `document.activeElement && document.activeElement.id === 'unit-scan'`)
		b.wedge("06901234567892")
		b.until("first unit", `document.querySelectorAll('.units li').length === 1`)
		b.do(chromedp.Focus(chromedp.CSS("#unit-scan"))) // the serial field asks first: this inspector scans the item again instead
		b.wedge("06901234567892")                        // the same item scanned twice
		b.until("second unit", `document.querySelectorAll('.units li').length === 2 && !!document.getElementById('void-box')`)
		second := eval[string](b, `new URLSearchParams(location.search).get('unit')`)
		b.click("#void-box summary")
		b.click("#void-go") // no reason yet: refused in the page's language
		b.until("reason asked for", `document.getElementById('void-msg').innerText.includes('请填写作废原因')`)
		b.typeInto("#void-reason", "重复扫描")
		b.click("#void-go")
		b.until("voided", `!!document.getElementById('voided')`)
		b.wantText("#voided", "作废", "重复扫描", clerkUser)
		var u station.Unit
		st.mustCall(200, "GET", "/api/v1/units/"+second, nil, &u)
		if u.Status != station.UnitVoided || u.VoidReason != "重复扫描" || u.VoidedBy != "user:"+clerkUser {
			t.Errorf("unit after voiding: status %s reason %q by %q", u.Status, u.VoidReason, u.VoidedBy)
		}
		b.until("the unit list shows the voided unit", `document.querySelector('.units').innerText.includes('已作废')`)
		b.until("product field has the focus after voiding", `document.activeElement && document.activeElement.id === 'unit-scan'`)
		b.click("#close-parcel") // the first unit still needs its grade; the voided one no longer counts
		b.until("close refused", `document.getElementById('close-msg').innerText.length > 0`)
		if got := b.text("#close-msg"); strings.Contains(got, second) {
			t.Errorf("closing still waits for the voided unit: %q", got)
		}
	})

	t.Run("put away by disposition", func(t *testing.T) {
		use(t)
		two := rma("RMA-PUT-1", "SF7100000000001", "数码/耳机")
		two.Lines[0].Qty, two.Lines[0].Serials = 2, nil
		st.mustCall(201, "POST", "/api/v1/returns", two, nil)
		var rec station.ReceiveResult
		st.mustCall(201, "POST", "/api/v1/parcels/receive", map[string]any{"code": "SF7100000000001"}, &rec)
		answers := map[string]any{"packaging": "opened", "used": false, "powers_on": true, "functions_ok": false, "cosmetic": "none",
			"liquid_damage": false, "account_locked": false, "accessories_complete": true}
		var ids []string
		for i, body := range []map[string]any{{}, {"disposition": "open_box", "override_reason": "works after a reset"}} {
			var ur station.UnitResult
			st.mustCall(201, "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/units", map[string]any{"code": "EAR-BT-01"}, &ur)
			st.mustCall(200, "PUT", "/api/v1/units/"+ur.Unit.ID+"/inspection", map[string]any{"checklist": answers, "serial": fmt.Sprintf("SNPUT%d", i)}, nil)
			st.mustCall(200, "POST", "/api/v1/units/"+ur.Unit.ID+"/confirm", body, nil)
			ids = append(ids, ur.Unit.ID)
		}
		b.open("/putaway")
		step := func(code, want string) {
			t.Helper()
			b.wedge(code)
			b.until("answer to "+code, fmt.Sprintf(`document.querySelector('main').innerText.includes(%q) && document.getElementById('result').className !== 'result idle'`, want))
			if active := eval[string](b, `document.activeElement.id`); active != "scan" {
				t.Errorf("after %s the focus is on %q, want the scan field", code, active)
			}
		}
		step("RS1:U:"+ids[0], ids[0])
		b.wantText("#place", "请取一个空周转箱")
		step("T-0101", "T-0101")
		b.until("tote panel", `!!document.getElementById('tote') && document.getElementById('tote').innerText.includes('1 件')`)
		step("RS1:U:"+ids[1], ids[1])
		step("T-0101", "请放入 一个空周转箱")
		b.wantText("#result", "周转箱 T-0101 装的是")
		step("T-0102", "T-0102")
		var v station.ToteView
		st.mustCall(200, "GET", "/api/v1/totes/T-0101", nil, &v)
		if len(v.UnitList) != 1 || v.UnitList[0].ID != ids[0] || v.Disposition != "repair" {
			t.Fatalf("tote T-0101: %d units, disposition %q; want the repair unit alone", len(v.UnitList), v.Disposition)
		}
		step("T-0101", "周转箱内容")
		b.wantText("#tote", "T-0101", ids[0], "1 件")
		b.click("#tote-close")
		b.until("closed", `document.getElementById('tote-msg').innerText.includes('已封箱')`)
		b.wantText("#tote", "已封箱")
		st.mustCall(200, "GET", "/api/v1/totes/T-0101", nil, &v)
		if v.Status != station.ToteClosed {
			t.Errorf("tote after closing from the page: %s", v.Status)
		}
		b.until("scan field has the focus after closing", `document.activeElement && document.activeElement.id === 'scan'`)
	})

	t.Run("find and the work queue", func(t *testing.T) {
		use(t)
		b.open("/find")
		b.until("work queue", `document.querySelectorAll('#queue li').length > 0`)
		b.wantText("#queue", "SF7000000000001", "已等待")
		first := eval[string](b, `document.querySelector('#queue li .mono').textContent`)
		if first != "HELLOWORLD" { // the parcel kept on purpose arrived first
			t.Errorf("the queue starts with %q, want the oldest parcel, HELLOWORLD", first)
		}
		if active := eval[string](b, `document.activeElement.id`); active != "scan" {
			t.Errorf("focus on %q, want the search box", active)
		}
		b.wedge("rma-box-2")
		b.until("hits for the RMA", `document.querySelectorAll('#hits li').length >= 3`)
		b.wantText("#hits", "RMA-BOX-2", "SF7000000000001", "SF7000000000002", "按退货单号")
		b.wedge("1234") // the customer's phone tail
		b.until("hits for the phone tail", `document.getElementById('find-msg').innerText.includes('1234')`)
		b.wantText("#hits", "按手机尾号", "RMA-BOX-2", "RMA-PUT-1")
		b.wedge("T-0101")
		b.until("the tote", `!!document.querySelector('#hits li[data-kind=tote]')`)
		b.wantText("#hits", "T-0101", "1 件")
		b.wedge("nothing-like-this-1")
		b.until("nothing found", `document.getElementById('find-msg').innerText.includes('本站没有')`)
		if active := eval[string](b, `document.activeElement.id`); active != "scan" {
			t.Errorf("after searching the focus is on %q, want the search box", active)
		}
		b.click("#queue li a")
		b.until("inspect page from the queue", `location.pathname === '/inspect' && document.body.dataset.ready === 'true'`)
	})

	t.Run("photo of a damaged box", func(t *testing.T) {
		use(t)
		b.open("/receive")
		b.do(chromedp.KeyEvent(kb.F4)) // the box is damaged
		before := eval[string](b, `document.getElementById('result').dataset.seq || '0'`)
		b.wedge("SF7200000000001")
		b.until("answer", fmt.Sprintf(`document.getElementById('result').dataset.seq !== %q && !!document.getElementById('damage-photo')`, before))
		pic := filepath.Join(t.TempDir(), "box.jpg")
		if err := os.WriteFile(pic, []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"), 0o600); err != nil {
			t.Fatal(err)
		}
		b.do(chromedp.SetUploadFiles(chromedp.CSS("#damage-photo"), []string{pic}))
		b.until("photo kept", `document.getElementById('damage-photo-msg').innerText.includes('1')`)
		var list struct{ Parcels []station.Parcel }
		st.mustCall(200, "GET", "/api/v1/parcels?tracking=SF7200000000001", nil, &list)
		if len(list.Parcels) != 1 || list.Parcels[0].Packaging != "damaged" || len(list.Parcels[0].Photos) != 1 {
			t.Fatalf("damaged parcel in the API: %+v, want one with its photo", list.Parcels)
		}
		b.until("scan field has the focus after the photo", `document.activeElement && document.activeElement.id === 'scan'`)
	})

	t.Run("audit by tracking number and Chinese name", func(t *testing.T) {
		use(t)
		sup := b.tab(t, st.url)
		sup.open("/audit")
		sup.until("sign-in page", `location.pathname === '/' && !document.getElementById('signin').hidden`)
		sup.typeInto("#username", supUser)
		sup.typeInto("#pin", supPIN+kb.Enter)
		sup.until("audit page after sign-in", `location.pathname === '/audit' && document.body.dataset.ready === 'true'`)
		sup.typeInto("#f-parcel", "sf 7000 0000 0000 1"+kb.Enter)
		sup.until("the parcel's history asked for", `performance.getEntriesByType('resource').some((e) => e.name.includes('/api/v1/audit?') && e.name.includes('parcel=sf'))`)
		time.Sleep(300 * time.Millisecond) // the answer's rendering
		sup.until("entries of that parcel only", `[...document.querySelectorAll('#audit-list li')].some((li) => li.innerText.includes('SF7000000000001'))`)
		if n := eval[int](sup, `[...document.querySelectorAll('#audit-list li')].filter((li) => li.innerText.includes('SF7000000000002')).length`); n != 0 {
			t.Errorf("the history of SF7000000000001 shows %d entries of the other box: %s", n, eval[string](sup, `[...document.querySelectorAll('#audit-list li')].filter((li) => li.innerText.includes('SF7000000000002')).map((li) => li.innerText).join('\n---\n')`))
		}
		sup.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('f-parcel').value = ''`))
		sup.typeInto("#f-user", "李伟"+kb.Enter)
		sup.until("the clerk's entries asked for", `performance.getEntriesByType('resource').some((e) => e.name.includes('/api/v1/audit?') && decodeURIComponent(e.name).includes('李伟'))`)
		time.Sleep(300 * time.Millisecond)
		sup.until("the clerk's entries", `document.querySelectorAll('#audit-list li').length > 5`)
		if n := eval[int](sup, `[...document.querySelectorAll('#audit-list li')].filter((li) => !li.innerText.includes('li.wei') && !li.innerText.includes('李伟')).length`); n != 0 {
			t.Errorf("%d entries for 李伟 are by someone else", n)
		}
		sup.wantText("#audit-list", "Voided")
	})
}
