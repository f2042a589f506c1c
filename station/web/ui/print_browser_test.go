package ui_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"

	"returns-station/labels"
	"returns-station/station"
	"returns-station/station/web"
)

// lateSpooler is the server's spooler, set once the store it works on
// exists.
type lateSpooler struct {
	s atomic.Pointer[labels.Spooler]
}

func (k *lateSpooler) Kick() {
	if s := k.s.Load(); s != nil {
		s.Kick()
	}
}

// rawPrinter is a raw TCP 9100 label printer on 127.0.0.1 that can be off
// (nothing listens: connections are refused) and on; each connection's
// bytes are one label.
type rawPrinter struct {
	addr string
	mu   sync.Mutex
	ln   net.Listener
	docs []string
	wg   sync.WaitGroup
}

func newRawPrinter(t *testing.T) *rawPrinter {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &rawPrinter{addr: ln.Addr().String()}
	ln.Close() // starts off
	t.Cleanup(p.off)
	return p
}

func (p *rawPrinter) on(t *testing.T) {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			b, _ := io.ReadAll(conn)
			conn.Close()
			p.mu.Lock()
			p.docs = append(p.docs, string(b))
			p.mu.Unlock()
		}
	})
}

func (p *rawPrinter) off() {
	p.mu.Lock()
	ln := p.ln
	p.ln = nil
	p.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	p.wg.Wait()
}

func (p *rawPrinter) labels() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.docs...)
}

// TestBrowserPrinting prints from the inspect page to a label printer on
// 127.0.0.1 that is off, then on: the failure shows on the page at once
// (not a green "queued"), Retry prints the held label once the printer is
// on, the print jobs page lists it and reprints it, and a label printed on
// confirm (the per-browser setting) comes out too. The printer receives ZPL
// whose text is graphics (the Chinese product name prints without a
// printer font).
func TestBrowserPrinting(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	k := &lateSpooler{}
	st := startStation(t, func(c *web.Config) { c.Labels, c.Spooler = realLabels{}, k })
	spool := labels.NewSpooler(st.db, nil)
	spool.MinBackoff, spool.MaxBackoff = time.Minute, time.Minute // only the page's print and retry try again
	k.s.Store(spool)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { spool.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	if _, err := st.db.AddUser(station.User{Username: clerkUser, DisplayName: "李伟", Role: station.RoleOperator}, clerkPIN, ""); err != nil {
		t.Fatal(err)
	}
	printer := newRawPrinter(t)
	st.mustCall(200, "PUT", "/api/v1/printers/desk-1", station.Printer{Name: "desk-1", Addr: printer.addr, DPI: 300, Size: station.LabelSizeSmall}, nil)
	spool.Kick()
	inspected := func(rmaID, tracking string) (parcel, unit string) {
		st.mustCall(201, "POST", "/api/v1/returns", rma(rmaID, tracking, "home"), nil)
		var rec station.ReceiveResult
		st.mustCall(201, "POST", "/api/v1/parcels/receive", map[string]string{"code": tracking}, &rec)
		var ur station.UnitResult
		st.mustCall(201, "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/units", map[string]string{"code": "06901234567892"}, &ur)
		st.mustCall(200, "PUT", "/api/v1/units/"+ur.Unit.ID+"/inspection", map[string]any{"checklist": map[string]any{
			"packaging": "sealed", "used": false, "damaged": false, "works": true, "accessories_complete": true}}, nil)
		return rec.Parcel.ID, ur.Unit.ID
	}
	parcelID, unitID := inspected("RMA-P001", "SF7000000000001")

	b := newBrowser(t, st.url)
	b.acceptLanguage("en-US,en;q=0.9")
	b.reportProblems(t)
	b.open("/inspect?parcel=" + parcelID + "&unit=" + unitID)
	b.until("sign-in page", `location.pathname === '/' && !document.getElementById('signin').hidden`)
	b.typeInto("#username", clerkUser)
	b.typeInto("#pin", clerkPIN+kb.Enter)
	b.until("the unit", `location.pathname === '/inspect' && document.body.dataset.ready === 'true' && !!document.getElementById('confirm')`)

	// Print on confirm, to a printer that is off: the page says so at once.
	b.click("#auto-print")
	if !eval[bool](b, `localStorage.getItem('rs.autoprint') === '1'`) {
		t.Fatal("the print-on-confirm choice is not kept in this browser")
	}
	start := time.Now()
	b.click("#confirm")
	b.until("the printer's failure", `(() => { const m = document.getElementById('label-msg'); return m && m.classList.contains('bad'); })()`)
	shown := time.Since(start)
	b.wantText("#label-msg", "desk-1", "did not take the label", "connection refused")
	if eval[bool](b, `document.getElementById('label-msg').innerText.includes('queued')`) {
		t.Error("a printer that is off is reported as queued")
	}
	var jobs struct{ Jobs []station.PrintJob }
	st.mustCall(200, "GET", "/api/v1/labels/jobs?printer=desk-1", nil, &jobs)
	if len(jobs.Jobs) != 1 || jobs.Jobs[0].State != station.JobQueued || jobs.Jobs[0].Content.Code.ID != unitID {
		t.Fatalf("got jobs %+v, want the unit's label held in the queue", jobs.Jobs)
	}

	// Switch it on and retry from the page: the label prints.
	printer.on(t)
	b.click("#print-retry")
	b.until("printed after retry", `document.getElementById('label-msg').innerText.includes('Printed on desk-1')`)
	if got := printer.labels(); len(got) != 1 || !strings.HasPrefix(got[0], "^XA") || strings.Count(got[0], "^GFA,") < 3 || strings.Contains(got[0], "^FD") {
		t.Fatalf("printer received %d labels (%.80q), want one ZPL label with its text as graphics", len(got), got)
	}

	// The print jobs page lists it as printed, and reprints it. It redraws
	// its tables every few seconds, so buttons are pressed in one step.
	press := func(sel string) {
		t.Helper()
		b.until(sel, fmt.Sprintf(`document.querySelector(%q)`, sel))
		eval[bool](b, fmt.Sprintf(`(document.querySelector(%q).click(), true)`, sel))
	}
	b.open("/printing")
	b.until("jobs listed", `!!document.querySelector('tr[data-job="`+jobs.Jobs[0].ID+`"][data-state="done"]')`)
	b.wantText(`tr[data-printer="desk-1"]`, "desk-1", printer.addr)
	press(`tr[data-job="` + jobs.Jobs[0].ID + `"] .reprint`)
	b.until("reprinted", `document.getElementById('printing-msg').innerText.includes('queued again')`)
	deadline := time.Now().Add(10 * time.Second)
	for len(printer.labels()) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(printer.labels()); n != 2 {
		t.Fatalf("printer received %d labels after the reprint, want 2", n)
	}

	// Off again: a reprint waits with the printer's error on the page;
	// switched on, "Retry now" prints it.
	printer.off()
	press(`tr[data-job="` + jobs.Jobs[0].ID + `"] .reprint`)
	b.until("the printer's error listed", `(() => { const r = document.querySelector('tr[data-printer="desk-1"]'); return r && r.classList.contains('flagged'); })()`)
	printer.on(t)
	press(`tr[data-printer="desk-1"] .retry`)
	deadline = time.Now().Add(10 * time.Second)
	for len(printer.labels()) < 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(printer.labels()); n != 3 {
		t.Fatalf("printer received %d labels after retry, want 3", n)
	}
	b.until("the printer is fine again", `(() => { const r = document.querySelector('tr[data-printer="desk-1"]'); return r && !r.classList.contains('flagged'); })()`)
	t.Logf("the failure of a printer that is off showed %v after Confirm (confirm, then print)", shown)
}
