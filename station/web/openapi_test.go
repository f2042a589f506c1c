package web_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// apiDoc is the server's OpenAPI document, read once from the first
// harness's /api/v1/openapi.json, validated as a document, and routed.
var apiDoc struct {
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error
}

func (h *harness) openAPI() (*openapi3.T, routers.Router) {
	h.t.Helper()
	apiDoc.once.Do(func() {
		res, err := http.Get(h.url + "/api/v1/openapi.json")
		if err != nil {
			apiDoc.err = err
			return
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(raw)
		if err != nil {
			apiDoc.err = err
			return
		}
		if apiDoc.err = doc.Validate(context.Background()); apiDoc.err != nil {
			return
		}
		apiDoc.doc = doc
		apiDoc.router, apiDoc.err = gorillamux.NewRouter(doc)
	})
	if apiDoc.err != nil {
		h.t.Fatalf("the OpenAPI document is not valid: %v", apiDoc.err)
	}
	return apiDoc.doc, apiDoc.router
}

// checkOpenAPI validates one exchange with /api/v1 against the document,
// with kin-openapi as an integrator's generated client would meet it.
func (h *harness) checkOpenAPI(req *http.Request, body []byte, r resp) {
	h.t.Helper()
	if !strings.HasPrefix(req.URL.Path, "/api/v1/") {
		return
	}
	_, router := h.openAPI()
	route, params, err := router.FindRoute(req)
	if err != nil {
		if r.status >= 400 {
			return // an unknown route or method: TestEveryErrorIsACompleteProblem checks those answers
		}
		h.t.Errorf("OpenAPI: %s %s answered %d but the document has no such operation: %v", req.Method, req.URL.Path, r.status, err)
		return
	}
	ctx := context.Background()
	// A compressed body (Content-Encoding) is transport: its JSON is the same
	// as an uncompressed request's, which other tests validate.
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true,
			ExcludeRequestBody: req.Header.Get("Content-Encoding") != ""}}
	if r.status < 300 {
		req.Body = io.NopCloser(bytes.NewReader(body))
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			h.t.Errorf("OpenAPI: the server accepted %s %s (%d) but the document says the request is invalid: %v", req.Method, req.URL.RequestURI(), r.status, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.status, Header: r.header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	out.SetBodyBytes(r.body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		h.t.Errorf("OpenAPI: the answer %d to %s %s does not match the document: %v\nbody: %.300s", r.status, req.Method, req.URL.RequestURI(), err, r.body)
	}
}

// TestEveryRouteHasAnOperation compares the routes Fiber really serves
// under /api/v1 with the document: each has an operation with a unique
// operationId and a success answer, and the document has nothing else.
func TestEveryRouteHasAnOperation(t *testing.T) {
	h := newHarness(t)
	doc, _ := h.openAPI()
	param := regexp.MustCompile(`:([a-z]+)`)
	served := map[string]bool{}
	for _, rt := range h.srv.App().GetRoutes(true) {
		if !strings.HasPrefix(rt.Path, "/api/v1/") || rt.Method == "HEAD" || rt.Method == "USE" {
			continue
		}
		path := param.ReplaceAllString(rt.Path, "{$1}")
		served[rt.Method+" "+path] = true
		item := doc.Paths.Find(path)
		var op *openapi3.Operation
		if item != nil {
			op = item.GetOperation(rt.Method)
		}
		if op == nil {
			t.Errorf("%s %s is served but has no operation in /api/v1/openapi.json", rt.Method, path)
			continue
		}
		ok := false
		for code := range op.Responses.Map() {
			ok = ok || strings.HasPrefix(code, "2")
		}
		if !ok {
			t.Errorf("%s %s documents no success answer", rt.Method, path)
		}
	}
	ids := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := method + " " + path
			if !served[key] {
				t.Errorf("the document describes %s, which the server does not serve", key)
			}
			if op.OperationID == "" {
				t.Errorf("%s has no operationId", key)
			} else if other, dup := ids[op.OperationID]; dup {
				t.Errorf("operationId %s is used by both %s and %s", op.OperationID, other, key)
			}
			ids[op.OperationID] = key
		}
	}
	if len(served) < 40 {
		t.Errorf("only %d routes found under /api/v1; the route listing is broken", len(served))
	}
}
