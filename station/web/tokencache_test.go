package web_test

import (
	"testing"

	"returns-station/station/web"
)

// Tokens are remembered after their first use; revoking or rotating one
// through the API must still refuse it from the very next request.
func TestRevokedOrRotatedTokenRefusedAtOnce(t *testing.T) {
	h := newHarness(t)
	var hand, scanner web.NewToken
	h.must(201, h.do("admin", "POST", "/api/v1/tokens", map[string]any{"name": "handheld-7", "role": "operator"})).json(t, &hand)
	h.must(201, h.do("admin", "POST", "/api/v1/tokens", map[string]any{"name": "scanner-2", "role": "operator"})).json(t, &scanner)
	h.token["hand"], h.token["scanner"] = hand.Secret, scanner.Secret
	for range 2 { // the second use is answered from memory
		h.must(200, h.do("hand", "GET", "/api/v1/queue", nil))
		h.must(200, h.do("scanner", "GET", "/api/v1/queue", nil))
	}

	h.must(200, h.do("admin", "DELETE", "/api/v1/tokens/handheld-7", nil))
	if p := h.must(401, h.do("hand", "GET", "/api/v1/queue", nil)).problem(t); p.Code != "token_unknown" {
		t.Errorf("revoked token: code %q, want token_unknown", p.Code)
	}
	h.must(401, h.do("hand", "POST", "/api/v1/parcels/receive", map[string]any{"code": "SF1234567890123"}))

	var rotated web.NewToken
	h.must(201, h.do("admin", "POST", "/api/v1/tokens/scanner-2/rotate", nil)).json(t, &rotated)
	h.must(401, h.do("scanner", "GET", "/api/v1/queue", nil))
	h.token["scanner"] = rotated.Secret
	h.must(200, h.do("scanner", "GET", "/api/v1/queue", nil))

	// A token created again under a revoked name works at once too.
	var again web.NewToken
	h.must(201, h.do("admin", "POST", "/api/v1/tokens", map[string]any{"name": "handheld-7", "role": "supervisor"})).json(t, &again)
	h.token["again"] = again.Secret
	h.must(200, h.do("again", "GET", "/api/v1/queue", nil))
	h.must(401, h.do("hand", "GET", "/api/v1/queue", nil))
}
