package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// stationBin is the binary under test, built once per test run exactly as the
// Dockerfile builds it (CGO_ENABLED=0, -trimpath, -ldflags "-s -w").
var stationBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "station-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	stationBin = filepath.Join(dir, "station")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", stationBin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build station: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a station child process.
type proc struct {
	cmd  *exec.Cmd
	url  string
	logs *syncBuffer
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startStation runs `station serve` on data and waits until it answers.
func startStation(t testing.TB, data string, extra ...string) *proc {
	t.Helper()
	addr := freeAddr(t)
	p := &proc{url: "http://" + addr, logs: &syncBuffer{}}
	p.cmd = exec.Command(stationBin, append([]string{"serve", "--data", data, "--addr", addr}, extra...)...)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if r, err := http.Get(p.url + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return p
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("station did not become ready:\n%s", p.logs)
	return nil
}

func (p *proc) kill(t testing.TB) {
	t.Helper()
	p.cmd.Process.Kill() // SIGKILL: no chance to flush or close
	p.cmd.Wait()
}

// runCLI runs the station binary with args and returns stdout.
func runCLI(t testing.TB, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(stationBin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

func newToken(t testing.TB, data, name, role string) string {
	t.Helper()
	out, errOut, err := runCLI(t, "token", "create", "--data", data, "--name", name, "--role", role)
	if err != nil {
		t.Fatalf("token create: %v: %s", err, errOut)
	}
	return strings.TrimSpace(out)
}

// call sends a JSON request and decodes a JSON answer into v (if not nil).
func call(client *http.Client, url, token, method, path string, body any, v any) (int, error) {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, err
	}
	if v != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(raw, v); err != nil {
			return res.StatusCode, fmt.Errorf("decode %s: %w", raw, err)
		}
	}
	return res.StatusCode, nil
}
