package web_test

import (
	"testing"

	"returns-station/station/web"
)

// TestCapabilitiesAreWiredNotDiscovered: accounts, printing, backups and
// browser set-up work only when the caller wires them into web.Config. The
// store below is the same bbolt file that implements all of them, so a
// server that still found them by looking at the store's type would answer
// 200 here. Without them each route answers a problem naming what is
// missing, and nothing changes.
func TestCapabilitiesAreWiredNotDiscovered(t *testing.T) {
	bare := newHarness(t, func(c *web.Config) {
		c.Accounts, c.FirstAdmin, c.Printing, c.Backups = nil, nil, nil, nil
		c.SetupCode = "K7QM-3XWD-9HTP"
	})
	full := newHarness(t)
	cases := []struct {
		name   string
		role   string
		method string
		path   string
		body   any
		status int
		code   string
	}{
		{"list users", "admin", "GET", "/api/v1/users", nil, 503, "accounts_off"},
		{"add a user", "admin", "POST", "/api/v1/users", map[string]any{"username": "li.wei", "role": "operator", "pin": "2468"}, 503, "accounts_off"},
		{"create a token", "admin", "POST", "/api/v1/tokens", map[string]any{"name": "scanner-9", "role": "operator"}, 503, "accounts_off"},
		{"list printers", "operator", "GET", "/api/v1/printers", nil, 503, "printing_off"},
		{"add a printer", "admin", "PUT", "/api/v1/printers/zebra-1", map[string]any{"name": "zebra-1", "addr": "10.0.0.9:9100", "dpi": 203, "size": "100x150"}, 503, "printing_off"},
		{"backup", "admin", "GET", "/api/v1/backup", nil, 501, "not_configured"},
		{"first admin", "", "POST", "/api/v1/setup", map[string]any{"code": "K7QM-3XWD-9HTP", "username": "boss", "pin": "2468"}, 501, "not_configured"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := bare.do(tc.role, tc.method, tc.path, tc.body)
			if r.status != tc.status {
				t.Fatalf("without the capability: status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if p := r.problem(t); p.Code != tc.code || p.Detail == "" {
				t.Errorf("without the capability: problem %+v, want code %q and a detail", p, tc.code)
			}
		})
	}
	users, err := bare.db.Users()
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := bare.db.Tokens()
	if err != nil {
		t.Fatal(err)
	}
	printers, err := bare.db.Printers(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 0 || len(tokens) != 4 || len(printers) != 0 {
		t.Errorf("refused requests changed the store: %d users, %d tokens, %d printers; want 0, 4 (the harness's), 0", len(users), len(tokens), len(printers))
	}
	// Token use is recorded through Accounts: without it, never.
	for _, tk := range tokens {
		if tk.LastUsedAt != nil {
			t.Errorf("token %s: last use recorded without Accounts wired", tk.Name)
		}
	}

	// The same routes answer on a server with the capabilities wired.
	full.must(200, full.do("admin", "GET", "/api/v1/users", nil))
	full.must(200, full.do("operator", "GET", "/api/v1/printers", nil))
	full.must(201, full.do("admin", "POST", "/api/v1/tokens", map[string]any{"name": "scanner-9", "role": "operator"}))
	r := full.do("admin", "GET", "/api/v1/backup", nil)
	if r.status != 200 || r.header.Get("Content-Type") != "application/x-tar" {
		t.Errorf("backup with Backups wired: %d %s", r.status, r.header.Get("Content-Type"))
	}
	tokens, err = full.db.Tokens()
	if err != nil {
		t.Fatal(err)
	}
	used := false
	for _, tk := range tokens {
		used = used || (tk.Name == "admin-1" && tk.LastUsedAt != nil)
	}
	if !used {
		t.Errorf("admin-1's use not recorded with Accounts wired: %+v", tokens)
	}
}
