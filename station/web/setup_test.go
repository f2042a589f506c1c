package web_test

import (
	"testing"

	"returns-station/station"
	"returns-station/station/web"
)

const setupCode = "K7QM-3XWD-9HTP"

func withSetupCode(c *web.Config) { c.SetupCode = setupCode }

func userCount(t *testing.T, h *harness) int {
	t.Helper()
	n, err := h.db.UserCount()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSetupCodeCreatesFirstAdminOnce: the code from the log creates one
// admin, who then signs in; a wrong code or a bad PIN changes nothing and
// leaves the code usable; the same code a second time is refused.
func TestSetupCodeCreatesFirstAdminOnce(t *testing.T) {
	h := newHarness(t, withSetupCode)
	body := func(code, pin string) map[string]any {
		return map[string]any{"code": code, "username": "Admin", "display_name": "王芳", "pin": pin}
	}
	p := h.must(400, h.do("", "POST", "/api/v1/setup", body("K7QM-3XWD-9HTQ", "4711"))).problem(t)
	if len(p.Errors) != 1 || p.Errors[0].Field != "code" {
		t.Errorf("got %+v for a wrong code, want the field code named", p)
	}
	p = h.must(400, h.do("", "POST", "/api/v1/setup", body(setupCode, "12"))).problem(t)
	if len(p.Errors) != 1 || p.Errors[0].Field != "pin" {
		t.Errorf("got %+v for a short PIN, want the field pin named", p)
	}
	if n := userCount(t, h); n != 0 {
		t.Fatalf("got %d accounts after refused set-ups, want 0", n)
	}
	// Typed in lower case without dashes, it is the same code.
	var made struct{ Username, Role string }
	h.must(201, h.do("", "POST", "/api/v1/setup", body(" k7qm 3xwd9htp ", "4711"))).json(t, &made)
	if made.Username != "admin" || made.Role != station.RoleAdmin {
		t.Errorf("got %+v, want admin with role admin", made)
	}
	h.must(200, h.do("", "POST", "/api/v1/session", map[string]any{"username": "admin", "pin": "4711"}))

	p = h.must(410, h.do("", "POST", "/api/v1/setup", map[string]any{"code": setupCode, "username": "second", "pin": "4711"})).problem(t)
	if p.Type != "urn:returns-station:problem:setup_closed" {
		t.Errorf("got type %q for a used code", p.Type)
	}
	if n := userCount(t, h); n != 1 {
		t.Errorf("got %d accounts, want only the first admin", n)
	}
}

// TestSetupCodeUselessOnceAnAccountExists: an account made another way (the
// command line before start) closes set-up, and a station started with an
// account has no code at all.
func TestSetupCodeUselessOnceAnAccountExists(t *testing.T) {
	h := newHarness(t, withSetupCode)
	if _, err := h.db.AddUser(station.User{Username: "li.wei", Role: station.RoleOperator}, "1111", ""); err != nil {
		t.Fatal(err)
	}
	h.must(410, h.do("", "POST", "/api/v1/setup", map[string]any{"code": setupCode, "username": "boss", "pin": "4711"}))
	if n := userCount(t, h); n != 1 {
		t.Errorf("got %d accounts, want 1", n)
	}
	h2 := newHarness(t)
	h2.must(410, h2.do("", "POST", "/api/v1/setup", map[string]any{"code": "", "username": "boss", "pin": "4711"}))
}

// TestSetupCodeAttemptsLimited: after five wrong codes a client must wait,
// even with the right code, and is told how long.
func TestSetupCodeAttemptsLimited(t *testing.T) {
	h := newHarness(t, withSetupCode)
	for range 5 {
		h.must(400, h.do("", "POST", "/api/v1/setup", map[string]any{"code": "AAAA-AAAA-AAAA", "username": "boss", "pin": "4711"}))
	}
	r := h.must(429, h.do("", "POST", "/api/v1/setup", map[string]any{"code": setupCode, "username": "boss", "pin": "4711"}))
	if r.header.Get("Retry-After") == "" {
		t.Error("got no Retry-After on a limited set-up")
	}
	if n := userCount(t, h); n != 0 {
		t.Errorf("got %d accounts while limited, want 0", n)
	}
}
