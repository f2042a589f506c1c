package web_test

import (
	"encoding/json"
	"io"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"returns-station/station"
	"returns-station/station/web"
)

// FuzzSearch types anything into the one search box. No query may crash the
// station or earn a 5xx; an answer is a list of hits of known kinds, and a
// refusal is a problem naming the field q.
func FuzzSearch(f *testing.F) {
	h := newHarness(f)
	r := sampleRMA("RMA-FUZZ-1", "SF1234567890123", "quality", "electronics", time.Now().Add(-72*time.Hour), time.Now().Add(-24*time.Hour))
	h.must(201, h.do("supervisor", "POST", "/api/v1/returns", r))
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": "SF1234567890123"}))
	for _, seed := range []string{"sf 1234 5678 9012 3", "rma-fuzz-1", "so-rma-fuzz-1", "1234", "SN8842AA", "RS1:T:T-1", "T-0001", "L-01-02",
		"rs1:u:01abc", "01M8N1SPGE2CTHE1Y0J2HYKGA5", "", "   ", "退货", "%%%", "\x00\xff",
		"ＳＦ１２３４　５６７８　９０１２３", "ｒｍａ－ｆｕｚｚ－１", "\uff00\uff5f", "(01)06901234567892(21)SN8842AA", "]d20106901234567892\x1d21"} {
		f.Add(seed)
	}
	app := h.srv.App()
	kinds := map[string]bool{"parcel": true, "unit": true, "rma": true, "tote": true, "location": true}
	f.Fuzz(func(t *testing.T, q string) {
		if len(url.QueryEscape(q)) > 3000 {
			t.Skip("longer than an HTTP request line the server reads (4 KB); the station refuses q over 512 bytes anyway")
		}
		req := httptest.NewRequest("GET", "/api/v1/search?q="+url.QueryEscape(q), nil)
		req.Header.Set("Authorization", "Bearer "+h.token["operator"])
		res, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(res.Body)
		switch {
		case res.StatusCode == 200:
			var sr web.SearchResult
			if err := json.Unmarshal(raw, &sr); err != nil {
				t.Fatalf("search %q: %v: %s", q, err, raw)
			}
			for _, x := range sr.Hits {
				if !kinds[x.Kind] {
					t.Fatalf("search %q: a hit of kind %q", q, x.Kind)
				}
			}
			if len(sr.Hits) > station.MaxSearchHits {
				t.Fatalf("search %q: %d hits", q, len(sr.Hits))
			}
		case res.StatusCode == 400:
			var p web.Problem
			if json.Unmarshal(raw, &p) != nil || len(p.Errors) != 1 || p.Errors[0].Field != "q" {
				t.Fatalf("search %q refused without naming q: %s", q, raw)
			}
		default:
			t.Fatalf("search %q → %d %s", q, res.StatusCode, raw)
		}
	})
}
