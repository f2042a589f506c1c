package main_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

// bombSize is what each compressed body below inflates to: far beyond any
// route's limit, yet only a few hundred kilobytes (or, stacked, bytes) on the wire.
const bombSize = 256 << 20

// compressBomb returns bombSize zero bytes compressed by each coding in turn
// (the order a sender applies them, which is the order Content-Encoding lists).
func compressBomb(t *testing.T, cache map[string][]byte, codings ...string) []byte {
	t.Helper()
	var data []byte
	for i, c := range codings {
		if i == 0 && cache[c] != nil {
			data = cache[c]
			continue
		}
		var buf bytes.Buffer
		var w io.WriteCloser
		switch c {
		case "gzip":
			w, _ = gzip.NewWriterLevel(&buf, gzip.BestCompression)
		case "deflate":
			w, _ = zlib.NewWriterLevel(&buf, zlib.BestCompression)
		case "br":
			w = brotli.NewWriterLevel(&buf, 5)
		}
		if i == 0 {
			zeros := make([]byte, 1<<20)
			for n := 0; n < bombSize; n += len(zeros) {
				w.Write(zeros)
			}
		} else {
			w.Write(data)
		}
		w.Close()
		data = buf.Bytes()
		if i == 0 {
			cache[c] = data
		}
	}
	return data
}

// peakRSS is the process's high-water resident memory in kB (VmHWM).
func peakRSS(t *testing.T, pid int) int {
	t.Helper()
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				t.Fatal(err)
			}
			return kb
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}

// TestCompressionBombsAreRefusedCheaply posts compressed bodies that inflate
// to 256 MB, alone and stacked, to the sign-in route (no account needed) and
// to a configured carrier webhook, and to the photo upload, on the built binary. Each is refused with a
// problem, and the process's peak memory stays near where it started.
func TestCompressionBombsAreRefusedCheaply(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc to read the process's peak memory")
	}
	t.Setenv("STATION_CARRIER_KUAIDI100_SECRET", "bomb-test-secret")
	p := startStation(t, t.TempDir())
	pid := p.cmd.Process.Pid

	// Warm up with ordinary requests so the baseline includes a working server.
	for i := 0; i < 20; i++ {
		res, err := http.Post(p.url+"/api/v1/session", "application/json", strings.NewReader(`{"username":"nobody","pin":"0000"}`))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	before := peakRSS(t, pid)

	bombs, single := map[string][]byte{}, map[string][]byte{}
	for _, enc := range []string{"gzip", "deflate", "br", "gzip, gzip", "gzip, deflate", "br, gzip"} {
		bombs[enc] = compressBomb(t, single, strings.Split(enc, ", ")...)
	}
	// The photo route allows the largest body (9 MB) and is refused only after
	// the body is read, for want of a token.
	for _, path := range []string{"/api/v1/session", "/hooks/carriers/kuaidi100", "/api/v1/units/01ABC/photos"} {
		for enc, body := range bombs {
			req, _ := http.NewRequest("POST", p.url+path, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Content-Encoding", enc)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("POST %s (%s, %d bytes): %v\n%s", path, enc, len(body), err, p.logs)
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			// Too large once inflated (413), or an encoding the route refuses
			// outright (415: br anywhere, any encoding on the photo upload).
			want := http.StatusRequestEntityTooLarge
			if strings.Contains(enc, "br") || strings.HasSuffix(path, "/photos") {
				want = http.StatusUnsupportedMediaType
			}
			if res.StatusCode != want || res.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("POST %s with %d bytes of %s: %d %s %s, want a %d problem", path, len(body), enc, res.StatusCode, res.Header.Get("Content-Type"), raw, want)
			}
		}
	}
	after := peakRSS(t, pid)
	t.Logf("peak resident memory: %d MB before the bombs, %d MB after (each bomb inflates to %d MB)", before>>10, after>>10, bombSize>>20)
	if grew := after - before; grew > 64<<10 {
		t.Errorf("peak memory grew by %d MB while refusing compressed bombs; want under 64 MB", grew>>10)
	}
	if res, err := http.Get(p.url + "/readyz"); err != nil || res.StatusCode != 200 {
		t.Fatalf("station not ready after the bombs: %v\n%s", err, p.logs)
	}
}
