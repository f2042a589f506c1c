package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"returns-station/station"
	"returns-station/station/web"
)

// FuzzJSONInputs sends arbitrary bodies to every route that reads JSON. No
// input may crash the station or earn a 5xx, and every refusal is a problem
// document.
func FuzzJSONInputs(f *testing.F) {
	h := newHarness(f)
	var rec station.ReceiveResult
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": "SF1234567890123"})).json(f, &rec)
	var ur station.UnitResult
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/units", map[string]any{"code": "SKU"})).json(f, &ur)
	routes := []struct{ method, path string }{
		{"POST", "/api/v1/parcels/receive"},
		{"POST", "/api/v1/parcels/" + rec.Parcel.ID + "/units"},
		{"PUT", "/api/v1/units/" + ur.Unit.ID + "/inspection"},
		{"POST", "/api/v1/units/" + ur.Unit.ID + "/confirm"},
		{"POST", "/api/v1/units/" + ur.Unit.ID + "/move"},
		{"POST", "/api/v1/returns"},
		{"POST", "/api/v1/exceptions/x/resolve"},
		{"PUT", "/api/v1/rules"},
		{"POST", "/api/v1/parcels/" + rec.Parcel.ID + "/boxes"},
		{"POST", "/api/v1/units/" + ur.Unit.ID + "/void"},
		{"POST", "/api/v1/setup"},
		{"POST", "/api/v1/totes/T-0001/close"},
	}
	for i, seed := range []string{
		`{"code":"]C1sf 1234"}`, `{"checklist":{"packaging":"sealed","used":1e400}}`, `{"grade":"Z"}`, `{"to":"T-1"}`,
		`{"rma":"R","version":1,"status":"approved","order_id":"O","policy":"quality","lines":[{"line":1,"sku":"A","qty":1,"unit_price":"1.00"}]}`,
		`{"action":"match","note":"n","rma":"R"}`, `{"version":1}`, `[]`, `null`, `{"code":null}`, "\xff\xfe",
		`{"code":"hello world","force":true}`, `{"reason":"scanned twice"}`, `{"code":"ABCD-EFGH-JKLM","username":"a","pin":"1234"}`, `{"printer":"desk-1"}`,
	} {
		f.Add(uint8(i), []byte(seed))
	}
	app := h.srv.App()
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		r := routes[int(route)%len(routes)]
		req := httptest.NewRequest(r.method, r.path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+h.token["supervisor"])
		res, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(res.Body)
		if res.StatusCode >= 500 {
			t.Fatalf("%s %s %q → %d %s", r.method, r.path, body, res.StatusCode, raw)
		}
		if res.StatusCode >= 400 {
			var p web.Problem
			if json.Unmarshal(raw, &p) != nil || p.Status != res.StatusCode || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
				t.Fatalf("%s %s %q → %d without a problem document: %s", r.method, r.path, body, res.StatusCode, raw)
			}
		}
	})
}
