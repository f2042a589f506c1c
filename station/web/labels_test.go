package web_test

import (
	"bufio"
	"bytes"
	"context"
	"image"
	_ "image/png"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"returns-station/labels"
	"returns-station/station"
	"returns-station/station/web"
)

// inspectedUnit makes a parcel with one confirmed unit and returns the unit id.
func inspectedUnit(t *testing.T, h *harness, tracking string) (parcelID, unitID string) {
	t.Helper()
	// A unit of a known return, intact and in time: it gets a normal
	// disposition (a unit of an unknown parcel would be held for review).
	now := time.Now()
	h.must(201, h.do("supervisor", "POST", "/api/v1/returns", sampleRMA("RMA-"+tracking, tracking, "no_reason_7d", "electronics", now.Add(-48*time.Hour), now.Add(-24*time.Hour))))
	var rec station.ReceiveResult
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": tracking})).json(t, &rec)
	var ur station.UnitResult
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/units", map[string]any{"code": "EAR-BT-01"})).json(t, &ur)
	h.must(200, h.do("operator", "PUT", "/api/v1/units/"+ur.Unit.ID+"/inspection", map[string]any{"serial": "SN8842AA", "checklist": map[string]any{
		"packaging": "sealed", "used": false, "powers_on": true, "functions_ok": true, "cosmetic": "none",
		"liquid_damage": false, "account_locked": false, "accessories_complete": true}}))
	h.must(200, h.do("operator", "POST", "/api/v1/units/"+ur.Unit.ID+"/confirm", map[string]any{}))
	return rec.Parcel.ID, ur.Unit.ID
}

func decodeQR(t *testing.T, png []byte) string {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(png))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("the label's QR does not decode: %v", err)
	}
	return res.GetText()
}

func TestLabelsReadBackAndScan(t *testing.T) {
	h := newHarness(t, func(c *web.Config) { c.Labels = sheetRenderer{} })
	parcelID, unitID := inspectedUnit(t, h, "SF4100000000001")
	for _, q := range []string{"?size=100x150&dpi=203", "?size=100x150&dpi=300", "?size=50x25&dpi=203", "?size=50x25&dpi=300"} {
		r := h.must(200, h.do("operator", "GET", "/api/v1/units/"+unitID+"/label.png"+q, nil))
		if got, want := decodeQR(t, r.body), "RS1:U:"+unitID; got != want {
			t.Errorf("label %s reads %q, want %q", q, got, want)
		}
	}
	zpl := h.must(200, h.do("operator", "GET", "/api/v1/units/"+unitID+"/label.zpl", nil))
	if !strings.HasPrefix(string(zpl.body), "^XA") || !strings.Contains(string(zpl.body), "^GF") || !strings.Contains(string(zpl.body), "^CI28") {
		t.Errorf("ZPL label: %.80s", zpl.body)
	}
	tote := h.must(200, h.do("operator", "GET", "/api/v1/labels/png?code=T-0042&size=50x25", nil))
	if got := decodeQR(t, tote.body); got != "RS1:T:T-0042" {
		t.Errorf("tote label reads %q", got)
	}
	sheet := h.must(200, h.do("operator", "GET", "/api/v1/labels/sheet?size=50x25&code=RS1:U:"+unitID+"&code=T-0042", nil))
	if !strings.Contains(string(sheet.body), "@page") || !strings.Contains(string(sheet.body), unitID) {
		t.Errorf("print sheet lacks @page or the unit: %.200s", sheet.body)
	}
	h.must(400, h.do("operator", "GET", "/api/v1/units/"+unitID+"/label.png?dpi=600", nil))
	h.must(404, h.do("operator", "GET", "/api/v1/units/NOPE/label.png", nil))

	// Scanning the labels where they are used finds their objects.
	var lk web.LookupResult
	h.must(200, h.do("operator", "GET", "/api/v1/lookup?code=RS1:U:"+unitID, nil)).json(t, &lk)
	if lk.Kind != "unit" || lk.Unit.ID != unitID {
		t.Errorf("look-up of the unit label: %+v", lk)
	}
	h.must(200, h.do("operator", "GET", "/api/v1/lookup?code=]Q1RS1:T:T-0042", nil)).json(t, &lk)
	if lk.Kind != "tote" || lk.ID != "T-0042" {
		t.Errorf("look-up of the tote label: %+v", lk)
	}
	var moved station.Unit
	h.must(200, h.do("operator", "POST", "/api/v1/units/RS1:U:"+unitID+"/move", map[string]any{"to": "RS1:T:T-0042"})).json(t, &moved)
	if moved.Location != "T-0042" {
		t.Errorf("moved to %q", moved.Location)
	}
	var rec station.ReceiveResult
	h.must(200, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": "RS1:P:" + parcelID})).json(t, &rec)
	if !rec.Duplicate || rec.Parcel.ID != parcelID {
		t.Errorf("receiving a parcel label: %+v", rec)
	}
	p := h.must(400, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": "RS1:U:" + unitID})).problem(t)
	if !strings.Contains(p.Errors[0].Detail, "unit") {
		t.Errorf("a unit label at receiving: %+v", p)
	}
}

// sheetRenderer is the real labels package.
type sheetRenderer struct{}

func (sheetRenderer) PNG(c station.LabelContent, size string, dpi int) ([]byte, error) {
	return labels.PNG(c, size, dpi)
}
func (sheetRenderer) ZPL(c station.LabelContent, size string, dpi int, font string) ([]byte, error) {
	return labels.ZPL(c, size, dpi, font)
}
func (sheetRenderer) Sheet(w io.Writer, l []station.LabelContent, size string) error {
	return labels.Sheet(w, l, size)
}

// fakePrinter is a raw 9100 printer on loopback that records each document.
type fakePrinter struct {
	mu   sync.Mutex
	docs []string
	ln   net.Listener
}

func (f *fakePrinter) listen(t *testing.T, addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	f.ln = ln
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				sc := bufio.NewScanner(conn)
				sc.Buffer(make([]byte, 1<<20), 1<<22)
				sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
					if i := bytes.Index(data, []byte("^XZ")); i >= 0 {
						return i + 3, data[:i+3], nil
					}
					if atEOF {
						return len(data), nil, nil
					}
					return 0, nil, nil
				})
				for sc.Scan() {
					f.mu.Lock()
					f.docs = append(f.docs, strings.TrimSpace(sc.Text()))
					f.mu.Unlock()
				}
			}()
		}
	}()
	t.Cleanup(func() { ln.Close() })
}

func (f *fakePrinter) count() int { f.mu.Lock(); defer f.mu.Unlock(); return len(f.docs) }

func TestPrinterOutageLosesNoLabel(t *testing.T) {
	var spool *labels.Spooler
	h := newHarness(t, func(c *web.Config) { c.Labels = sheetRenderer{} })
	spool = labels.NewSpooler(h.db, nil)
	spool.MinBackoff, spool.MaxBackoff, spool.Rescan = 30*time.Millisecond, 150*time.Millisecond, 100*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { spool.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	// A printer whose address answers nothing yet (switched off).
	probe, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := probe.Addr().String()
	probe.Close()
	// A printer font keeps the unit id as text in each format, so the order
	// of the labels can be read off what the printer received.
	h.must(200, h.do("admin", "PUT", "/api/v1/printers/dock-1", map[string]any{"addr": addr, "dpi": 203, "size": "50x25", "font": "E:SIMSUN.FNT"}))
	spool.Kick()
	var units []string
	for i := 0; i < 3; i++ {
		_, u := inspectedUnit(t, h, "SF42000000000"+string(rune('1'+i))+"1")
		units = append(units, u)
		h.must(201, h.do("operator", "POST", "/api/v1/labels/print", map[string]any{"unit": u, "printer": "dock-1"}))
		spool.Kick()
	}
	time.Sleep(500 * time.Millisecond)
	var jobs struct{ Jobs []station.PrintJob }
	h.must(200, h.do("operator", "GET", "/api/v1/labels/jobs?printer=dock-1", nil)).json(t, &jobs)
	if len(jobs.Jobs) != 3 {
		t.Fatalf("%d jobs, want 3", len(jobs.Jobs))
	}
	for _, j := range jobs.Jobs {
		if j.State == station.JobDone {
			t.Fatalf("job %s done while the printer is off", j.ID)
		}
	}
	if oldest := jobs.Jobs[2]; oldest.Attempts == 0 || oldest.LastError == "" {
		t.Errorf("the first job shows no failed attempt while the printer is off: %+v", oldest)
	}
	var printers struct {
		Printers []struct {
			Name   string `json:"name"`
			Queued int    `json:"queued"`
		} `json:"printers"`
	}
	h.must(200, h.do("operator", "GET", "/api/v1/printers", nil)).json(t, &printers)
	if printers.Printers[0].Queued != 3 {
		t.Errorf("printer list shows %d queued, want 3", printers.Printers[0].Queued)
	}
	// Switch it on: every label prints exactly once, in order.
	fp := &fakePrinter{}
	fp.listen(t, addr)
	h.must(202, h.do("operator", "POST", "/api/v1/printers/dock-1/retry", nil))
	deadline := time.Now().Add(10 * time.Second)
	for fp.count() < 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // anything extra would arrive now
	if fp.count() != 3 {
		t.Fatalf("printer received %d labels, want exactly 3", fp.count())
	}
	for i, doc := range fp.docs {
		if !strings.HasPrefix(doc, "^XA") || !strings.Contains(doc, units[i]) {
			t.Errorf("label %d is not unit %s's (order kept?): %.60s", i, units[i], doc)
		}
	}
	printed := 0
	for _, e := range h.allEvents() {
		if e.Type == station.EventLabelPrinted {
			printed++
		}
	}
	if printed != 3 {
		t.Errorf("%d label.printed events, want 3", printed)
	}
	// Reprint is always possible.
	h.must(201, h.do("operator", "POST", "/api/v1/labels/jobs/"+jobs.Jobs[0].ID+"/reprint", nil))
	spool.Kick()
	for fp.count() < 4 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if fp.count() != 4 {
		t.Errorf("reprint: printer has %d labels, want 4", fp.count())
	}
	p := h.must(400, h.do("operator", "POST", "/api/v1/labels/print", map[string]any{"unit": units[0], "printer": "nowhere"})).problem(t)
	if p.Errors[0].Field != "printer" {
		t.Errorf("unknown printer problem %+v", p)
	}
}

// TestPrintAnswersWithThePrintersFirstAnswer: a print request replies after
// the printer's first answer, so a printer that is off shows as a failure at
// once (the job kept, queued), and one that is on as done.
func TestPrintAnswersWithThePrintersFirstAnswer(t *testing.T) {
	k := &lateKicker{}
	h := newHarness(t, func(c *web.Config) { c.Labels, c.Spooler = sheetRenderer{}, k })
	spool := labels.NewSpooler(h.db, nil)
	spool.MinBackoff, spool.MaxBackoff = time.Minute, time.Minute // only "print" and "retry" try again
	k.s.Store(spool)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { spool.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	probe, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := probe.Addr().String()
	probe.Close() // off: the port refuses connections
	h.must(200, h.do("admin", "PUT", "/api/v1/printers/desk-1", map[string]any{"addr": addr, "dpi": 203, "size": "50x25"}))
	spool.Kick()
	_, unit := inspectedUnit(t, h, "SF4200000000091")

	var res web.PrintResult
	start := time.Now()
	h.must(201, h.do("operator", "POST", "/api/v1/labels/print", map[string]any{"unit": unit, "printer": "desk-1"})).json(t, &res)
	took := time.Since(start)
	if res.PrinterError == "" || len(res.Jobs) != 1 || res.Jobs[0].State != station.JobQueued || res.Jobs[0].Attempts != 1 {
		t.Fatalf("got %+v after %v for a printer that is off, want the printer's error and the job queued after one attempt", res, took)
	}
	if !strings.Contains(res.PrinterError, addr) {
		t.Errorf("got printer error %q, want it to name the printer's address", res.PrinterError)
	}

	fp := &fakePrinter{}
	fp.listen(t, addr)
	res = web.PrintResult{}
	h.must(201, h.do("operator", "POST", "/api/v1/labels/print", map[string]any{"unit": unit, "printer": "desk-1"})).json(t, &res)
	if res.PrinterError != "" || res.Jobs[0].State != station.JobDone {
		t.Fatalf("got %+v from a printer that is on, want the job done", res)
	}
	// Both labels came out, the held one first.
	deadline := time.Now().Add(5 * time.Second)
	for fp.count() < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if fp.count() != 2 {
		t.Errorf("printer received %d labels, want 2", fp.count())
	}
	t.Logf("answer with the printer off came after %v", took)
}

// lateKicker is the server's spooler, set once the store it works on exists.
type lateKicker struct {
	s atomic.Pointer[labels.Spooler]
}

func (k *lateKicker) Kick() {
	if s := k.s.Load(); s != nil {
		s.Kick()
	}
}
