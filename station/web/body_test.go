package web_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"returns-station/station/web"
)

func compress(t testing.TB, coding string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	switch coding {
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "deflate":
		w = zlib.NewWriter(&buf)
	case "br":
		w = brotli.NewWriter(&buf)
	default:
		t.Fatalf("no coding %q", coding)
	}
	w.Write(data)
	w.Close()
	return buf.Bytes()
}

// postEncoded posts an encoded body as the operator. It bypasses the
// harness's OpenAPI check, which reads bodies as sent, not as decoded.
func postEncoded(t *testing.T, h *harness, path, enc string, body []byte) resp {
	t.Helper()
	req, _ := http.NewRequest("POST", h.url+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", enc)
	req.Header.Set("Authorization", "Bearer "+h.token["operator"])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, body: raw, header: res.Header}
}

// TestCompressedBodies: an honest gzip or deflate body still works, alone or
// stacked; one that inflates past the route's limit, uses br, an unknown or
// too many encodings, or is not what it claims, is refused with a problem and
// changes nothing.
func TestCompressedBodies(t *testing.T) {
	h := newHarness(t)
	scan := []byte(`{"code":"SF1000000000001"}`)
	for i, enc := range []string{"gzip", "deflate", "x-gzip"} {
		h.must(201, postEncoded(t, h, "/api/v1/parcels/receive", enc, compress(t, strings.TrimPrefix(enc, "x-"), []byte(`{"code":"SF100000000002`+itoa(uint64(i))+`"}`))))
	}
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", scan))
	h.must(201, postEncoded(t, h, "/api/v1/parcels/receive", "deflate, gzip", compress(t, "gzip", compress(t, "deflate", []byte(`{"code":"SF1000000000077"}`)))))
	h.must(200, h.do("operator", "POST", "/api/v1/parcels/receive", scan, "Content-Encoding", "identity"))
	seq := h.db.LastSeq()

	big := []byte(`{"code":"` + strings.Repeat("1", 2<<20) + `"}`)
	cases := []struct {
		name, enc string
		body      []byte
		status    int
	}{
		{"over 1 MB once inflated", "gzip", compress(t, "gzip", big), 413},
		{"over 1 MB stacked", "gzip, deflate", compress(t, "deflate", compress(t, "gzip", big)), 413},
		{"unknown encoding", "compress", scan, 415},
		{"brotli", "br", compress(t, "br", scan), 415},
		{"three layers", "gzip, gzip, gzip", compress(t, "gzip", compress(t, "gzip", compress(t, "gzip", scan))), 415},
		{"not gzip at all", "gzip", scan, 400},
		{"truncated", "deflate", compress(t, "deflate", scan)[:10], 400},
	}
	for _, c := range cases {
		r := h.do("operator", "POST", "/api/v1/parcels/receive", c.body, "Content-Encoding", c.enc)
		if r.status != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.name, r.status, c.status, r.body)
			continue
		}
		if p := r.problem(t); p.Status != c.status || p.Detail == "" {
			t.Errorf("%s: problem %+v", c.name, p)
		}
	}
	// Photos are compressed already: no encoding on the routes allowed 9 MB.
	for _, path := range []string{"/api/v1/units/01ABC/photos", "/api/v1/parcels/01ABC/photos"} {
		if r := postEncoded(t, h, path, "gzip", compress(t, "gzip", []byte("--x--"))); r.status != 415 {
			t.Errorf("gzip photo upload to %s: %d %s, want 415", path, r.status, r.body)
		}
	}
	// The same holds before sign-in.
	r := h.do("", "POST", "/api/v1/session", compress(t, "gzip", big), "Content-Encoding", "gzip")
	if r.status != 413 {
		t.Errorf("sign-in with a 2 MB inflated body: %d %s, want 413", r.status, r.body)
	}
	if h.db.LastSeq() != seq {
		t.Errorf("refused bodies changed the log: seq %d → %d", seq, h.db.LastSeq())
	}
}

// FuzzCompressedBody sends arbitrary bytes under each encoding (and stacks of
// them) to sign-in and to a JSON route: nothing crashes or earns a 5xx, and
// every refusal is a problem document.
func FuzzCompressedBody(f *testing.F) {
	h := newHarness(f)
	encs := []string{"gzip", "deflate", "br", "gzip, br", "identity", "x-gzip", "gzip, gzip, gzip", "zstd", ""}
	f.Add(uint8(0), compress(f, "gzip", []byte(`{"username":"a","pin":"1234"}`)))
	f.Add(uint8(1), compress(f, "deflate", []byte(`{"code":"SF1"}`)))
	f.Add(uint8(2), compress(f, "br", []byte(`{}`)))
	f.Add(uint8(3), compress(f, "br", compress(f, "gzip", []byte(`null`))))
	f.Add(uint8(0), []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	app := h.srv.App()
	f.Fuzz(func(t *testing.T, pick uint8, body []byte) {
		path := "/api/v1/session"
		if pick&0x80 != 0 {
			path = "/api/v1/parcels/receive"
		}
		enc := encs[int(pick&0x7f)%len(encs)]
		req := httptest.NewRequest("POST", path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+h.token["operator"])
		if enc != "" {
			req.Header.Set("Content-Encoding", enc)
		}
		res, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(res.Body)
		if res.StatusCode >= 500 {
			t.Fatalf("%s %q %q → %d %s", path, enc, body, res.StatusCode, raw)
		}
		if res.StatusCode >= 400 {
			var p web.Problem
			if json.Unmarshal(raw, &p) != nil || p.Status != res.StatusCode {
				t.Fatalf("%s %q %q → %d without a problem document: %s", path, enc, body, res.StatusCode, raw)
			}
		}
	})
}
