package labels_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"

	"returns-station/station"
)

var (
	sizes = []string{station.LabelSizeLarge, station.LabelSizeSmall}
	dpis  = []int{203, 300}
	day   = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
)

// unitLabel is a full unit label with a mixed Chinese and Latin name.
func unitLabel() station.LabelContent {
	return station.LabelContent{
		Code:        station.LabelCode{Kind: station.LabelUnit, ID: "01JD2Z6W8Q3M5T7V9X1Z3B5D7E"},
		Title:       "01JD2Z6W8Q3M5T7V9X1Z3B5D7E",
		SKU:         "SKU-MX-4471",
		Name:        "小米 Redmi Buds 4 无线耳机 white",
		Grade:       "B",
		Disposition: "resell open box",
		Destination: "T-0012",
		RMA:         "RMA-2026-000123",
		Date:        day,
		Station:     "WH-SH-01",
	}
}

// codes covers every kind, the longest id the scheme allows, and a '.'.
var codes = []station.LabelCode{
	{Kind: station.LabelUnit, ID: "01JD2Z6W8Q3M5T7V9X1Z3B5D7E"},
	{Kind: station.LabelTote, ID: "T-0012"},
	{Kind: station.LabelLocation, ID: "L-01-02-03"},
	{Kind: station.LabelParcel, ID: "01JD30AA8Q3M5T7V9X1Z3B5D7F"},
	{Kind: station.LabelUnit, ID: "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"},
	{Kind: station.LabelLocation, ID: "A.1"},
}

// decodeQR reads the one QR code in img with a real decoder.
func decodeQR(tb testing.TB, img image.Image) string {
	tb.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		tb.Fatalf("bitmap: %v", err)
	}
	res, err := gzqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		tb.Fatalf("decode qr: %v", err)
	}
	return res.GetText()
}

// graphic is a ^GF graphic read back from ZPL: bit (x, y) is a printed dot.
type graphic struct {
	x, y, w, h int // origin from ^FO, size in dots (w is a whole number of bytes)
	bits       [][]bool
}

var gfPattern = regexp.MustCompile(`\^FO(\d+),(\d+)\^GFA,(\d+),(\d+),(\d+),([0-9A-Za-z:,]+)\^FS`)

// parseGF returns the first ^GFA graphic of a ZPL format: the QR.
func parseGF(tb testing.TB, zpl []byte) graphic {
	tb.Helper()
	gs := parseGFs(tb, zpl)
	if len(gs) == 0 {
		tb.Fatal("got no ^GFA graphic")
	}
	return gs[0]
}

// parseGFs reads every ^GFA graphic in a ZPL format, expanding ZPL's
// ASCII-hex compression as the printer does: ':' repeats the row above, ','
// fills the rest of the row with 0, '!' with F, and letters G-Y (1-19) and
// g-z (20-400 by 20) add up to a repeat count for the hex digit after them.
func parseGFs(tb testing.TB, zpl []byte) []graphic {
	tb.Helper()
	var out []graphic
	for _, m := range gfPattern.FindAllSubmatch(zpl, -1) {
		num := func(b []byte) int {
			n, err := strconv.Atoi(string(b))
			if err != nil {
				tb.Fatalf("number %q: %v", b, err)
			}
			return n
		}
		x, y, total, total2, bpr := num(m[1]), num(m[2]), num(m[3]), num(m[4]), num(m[5])
		if total != total2 || bpr == 0 || total%bpr != 0 {
			tb.Fatalf("^GFA sizes %d,%d,%d are not consistent", total, total2, bpr)
		}
		g := graphic{x: x, y: y, w: bpr * 8, h: total / bpr}
		var prev, hex []byte
		count := 0
		flush := func() {
			if len(hex) != 2*bpr {
				tb.Fatalf("got a row of %d hex digits, want %d", len(hex), 2*bpr)
			}
			row := make([]bool, g.w)
			for i := range bpr {
				v, err := strconv.ParseUint(string(hex[2*i:2*i+2]), 16, 8)
				if err != nil {
					tb.Fatalf("hex: %v", err)
				}
				for b := range 8 {
					row[i*8+b] = v&(0x80>>b) != 0
				}
			}
			g.bits = append(g.bits, row)
			prev, hex = hex, nil
		}
		for _, c := range m[6] {
			switch {
			case c == ':':
				if prev == nil || len(hex) != 0 {
					tb.Fatal("':' not at the start of a row after a row")
				}
				hex = append([]byte(nil), prev...)
				flush()
			case c == ',' || c == '!':
				fillc := byte('0')
				if c == '!' {
					fillc = 'F'
				}
				for len(hex) < 2*bpr {
					hex = append(hex, fillc)
				}
				flush()
			case c >= 'G' && c <= 'Y':
				count += int(c-'G') + 1
			case c >= 'g' && c <= 'z':
				count += 20 * (int(c-'g') + 1)
			default:
				n := max(count, 1)
				count = 0
				for range n {
					hex = append(hex, c)
				}
				if len(hex) == 2*bpr {
					flush()
				}
			}
		}
		if len(hex) != 0 || count != 0 {
			tb.Fatal("graphic data ends inside a row")
		}
		if len(g.bits) != g.h {
			tb.Fatalf("got %d rows, want %d", len(g.bits), g.h)
		}
		out = append(out, g)
	}
	return out
}

// image rasterises the graphic, black dots on white.
func (g graphic) image() *image.Gray {
	img := image.NewGray(image.Rect(0, 0, g.w, g.h))
	for y, row := range g.bits {
		for x, dark := range row {
			if dark {
				img.SetGray(x, y, color.Gray{})
			} else {
				img.SetGray(x, y, color.Gray{Y: 255})
			}
		}
	}
	return img
}

func isDark(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r+g+b < 3*0x8000
}

// fakePrinter is a raw TCP printer on 127.0.0.1 that can be switched off
// and on at the same address. Each connection's bytes are one job.
type fakePrinter struct {
	addr string

	mu   sync.Mutex
	ln   net.Listener
	jobs [][]byte
	wg   sync.WaitGroup
}

func newFakePrinter(tb testing.TB) *fakePrinter {
	tb.Helper()
	p := &fakePrinter{addr: "127.0.0.1:0"}
	if err := p.up(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(p.down)
	return p
}

// up starts listening (again) at the printer's address.
func (p *fakePrinter) up() error {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		return fmt.Errorf("printer up: %w", err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	p.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			// One connection at a time, in the order they came, as a
			// printer takes jobs.
			b, err := io.ReadAll(bufio.NewReader(c))
			c.Close()
			if err != nil {
				continue
			}
			p.mu.Lock()
			p.jobs = append(p.jobs, b)
			p.mu.Unlock()
		}
	})
	return nil
}

// down closes the listener: connections are refused until up.
func (p *fakePrinter) down() {
	p.mu.Lock()
	ln := p.ln
	p.ln = nil
	p.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	p.wg.Wait()
}

func (p *fakePrinter) received() [][]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.jobs)
}

// memStore is an in-memory JobStore for tests: jobs in queue order.
type memStore struct {
	mu       sync.Mutex
	printers []station.Printer
	jobs     []station.PrintJob
	events   []string       // "label printed" events, by job id
	fail     map[string]int // method name → how many more calls fail with EUnavailable
}

func (s *memStore) add(j station.PrintJob) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if j.State == "" {
		j.State = station.JobQueued
	}
	s.jobs = append(s.jobs, j)
}

func (s *memStore) printed() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events)
}

func (s *memStore) snapshot() []station.PrintJob {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.jobs)
}

// flaky fails a call to method while the test asked for failures of it.
// The caller holds s.mu.
func (s *memStore) flaky(method string) error {
	if s.fail[method] > 0 {
		s.fail[method]--
		return station.Errorf(station.EUnavailable, "store is busy")
	}
	return nil
}

func (s *memStore) find(id string) (*station.PrintJob, error) {
	for i := range s.jobs {
		if s.jobs[i].ID == id {
			return &s.jobs[i], nil
		}
	}
	return nil, station.Errorf(station.ENotFound, "no print job %s", id)
}

func (s *memStore) NextJob(ctx context.Context, printer string) (station.PrintJob, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.flaky("NextJob"); err != nil {
		return station.PrintJob{}, false, err
	}
	for _, j := range s.jobs {
		if j.Printer == printer && (j.State == station.JobQueued || j.State == station.JobSending) {
			return j, true, nil
		}
	}
	return station.PrintJob{}, false, nil
}

func (s *memStore) update(method, id string, f func(j *station.PrintJob) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.flaky(method); err != nil {
		return err
	}
	j, err := s.find(id)
	if err != nil {
		return err
	}
	return f(j)
}

func (s *memStore) MarkSending(ctx context.Context, id string) error {
	return s.update("MarkSending", id, func(j *station.PrintJob) error {
		if j.State != station.JobQueued && j.State != station.JobSending {
			return station.Errorf(station.EConflict, "job %s is %s", id, j.State)
		}
		j.State = station.JobSending
		return nil
	})
}

func (s *memStore) MarkDone(ctx context.Context, id string, at time.Time) error {
	return s.update("MarkDone", id, func(j *station.PrintJob) error {
		if j.State != station.JobSending {
			return station.Errorf(station.EConflict, "job %s is %s, not sending", id, j.State)
		}
		j.State, j.PrintedAt, j.UpdatedAt = station.JobDone, &at, at
		s.events = append(s.events, id)
		return nil
	})
}

func (s *memStore) MarkRetry(ctx context.Context, id string, attempts int, lastErr string, next time.Time) error {
	return s.update("MarkRetry", id, func(j *station.PrintJob) error {
		j.State, j.Attempts, j.LastError, j.NextAttemptAt = station.JobQueued, attempts, lastErr, next
		return nil
	})
}

func (s *memStore) MarkFailed(ctx context.Context, id string, lastErr string, at time.Time) error {
	return s.update("MarkFailed", id, func(j *station.PrintJob) error {
		j.State, j.LastError, j.UpdatedAt = station.JobFailed, lastErr, at
		return nil
	})
}

func (s *memStore) Printers(ctx context.Context) ([]station.Printer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.flaky("Printers"); err != nil {
		return nil, err
	}
	return slices.Clone(s.printers), nil
}

// fakeClock moves on by exactly what the spooler waits for, at once, and
// records each wait.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	waits  []time.Duration
	onWait func(n int) // called after the n-th wait, outside the lock
	// stop makes every wait last for ever (until a kick or the end), for
	// tests that look at one attempt.
	stop bool
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.waits = append(c.waits, d)
	n, now := len(c.waits), c.now
	c.mu.Unlock()
	if c.onWait != nil {
		c.onWait(n)
	}
	if c.stop {
		return nil
	}
	ch := make(chan time.Time, 1)
	ch <- now
	return ch
}

func (c *fakeClock) recorded() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.waits)
}

// eventually polls cond until it holds or a few seconds pass.
func eventually(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// zplLines returns the lines of a format, for tests that look at commands.
func zplLines(z []byte) []string {
	return strings.Split(strings.TrimSuffix(string(z), "\n"), "\n")
}

func jobID(i int) string { return fmt.Sprintf("J%03d", i) }

// sendLog is a Send that records every call and fails those fail picks.
type sendLog struct {
	mu    sync.Mutex
	calls []sendCall
	fail  func(addr string) error
}

type sendCall struct {
	addr string
	data []byte
}

func (l *sendLog) Send(ctx context.Context, addr string, data []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, sendCall{addr, bytes.Clone(data)})
	if l.fail != nil {
		return l.fail(addr)
	}
	return nil
}

func (l *sendLog) to(addr string) [][]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out [][]byte
	for _, c := range l.calls {
		if c.addr == addr {
			out = append(out, c.data)
		}
	}
	return out
}

var errAway = errors.New("connection refused")
