package web_test

import (
	"bytes"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"returns-station/station"
	"returns-station/station/web"
)

// syncBuffer is a log sink the server writes to from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

var rank = map[string]int{"operator": 1, "supervisor": 2, "admin": 3}

// allowed says whether a caller of role may use a route needing need.
func allowed(role, need string) bool {
	if need == "central" {
		return role == "central" || role == "admin"
	}
	return rank[role] >= rank[need] && rank[role] > 0
}

// TestEveryRouteEveryRole calls every API route as every kind of caller. Each
// answer is what the role allows, and a refused request changes nothing.
func TestEveryRouteEveryRole(t *testing.T) {
	logs := &syncBuffer{}
	t0 := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	clk := &clock{t: t0}
	h := newHarness(t, func(c *web.Config) {
		c.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		c.Now = clk.now
	})
	if _, err := h.db.AddUser(station.User{Username: "zhao.lei", Role: "operator"}, "8642", ""); err != nil {
		t.Fatal(err)
	}
	revokedSecret, _, _ := h.db.CreateToken("old-handheld", "operator")
	if _, err := h.db.RevokeToken("old-handheld", "user:test"); err != nil {
		t.Fatal(err)
	}
	expired := newBrowser(t, h)
	h.must(200, expired.login("zhao.lei", "8642"))
	clk.set(t0.Add(web.DefaultIdleTimeout + time.Second)) // idle past the timeout
	h.token["revoked"] = revokedSecret

	var doc struct {
		Paths map[string]map[string]struct {
			Description string `json:"description"`
		} `json:"paths"`
	}
	h.must(200, h.do("", "GET", "/api/v1/openapi.json", nil)).json(t, &doc)
	roleOf := regexp.MustCompile(`Role: (\w+)`)
	n := 0
	for path, ops := range doc.Paths {
		for method, op := range ops {
			m := roleOf.FindStringSubmatch(op.Description)
			if m == nil {
				continue // a route open to everyone or to any signed-in caller (session, the document itself)
			}
			need := m[1]
			url := strings.NewReplacer("{id}", "x", "{rma}", "x", "{sha}", "x", "{name}", "x").Replace(path)
			method = strings.ToUpper(method)
			var body any
			if method != "GET" && method != "DELETE" {
				body = map[string]any{}
			}
			for _, who := range []string{"", "revoked", "expired", "operator", "supervisor", "admin", "central"} {
				n++
				before := h.db.LastSeq()
				var r resp
				if who == "expired" {
					r = expired.do(method, url, body)
				} else {
					r = h.do(who, method, url, body)
				}
				switch {
				case who == "" || who == "revoked" || who == "expired":
					if r.status != 401 {
						t.Errorf("%s %s as %q: %d, want 401", method, url, who, r.status)
					}
				case allowed(who, need):
					if r.status == 401 || r.status == 403 {
						t.Errorf("%s %s as %s (route needs %s): refused with %d", method, url, who, need, r.status)
					}
				default:
					if r.status != 403 {
						t.Errorf("%s %s as %s (route needs %s): %d, want 403", method, url, who, need, r.status)
					}
				}
				if (r.status == 401 || r.status == 403) && h.db.LastSeq() != before {
					t.Errorf("%s %s as %q was refused but changed the log", method, url, who)
				}
			}
		}
	}
	if n < 150 {
		t.Fatalf("only %d calls: the route table is not being read", n)
	}
	// No secret ever reaches the log.
	out := logs.String()
	for role, secret := range h.token {
		if strings.Contains(out, secret) {
			t.Errorf("the %s token appears in the log", role)
		}
	}
	for _, pin := range []string{"8642"} {
		if strings.Contains(out, pin) {
			t.Errorf("a PIN appears in the log")
		}
	}
}

func TestTokenLifecycle(t *testing.T) {
	h := newHarness(t)
	var nt web.NewToken
	h.must(201, h.do("admin", "POST", "/api/v1/tokens", map[string]any{"name": "handheld-7", "role": "operator"})).json(t, &nt)
	if !strings.HasPrefix(nt.Secret, "rs_") || nt.Hash != "" {
		t.Fatalf("new token %+v: want the secret once and no hash", nt)
	}
	h.token["handheld"] = nt.Secret
	h.must(200, h.do("handheld", "GET", "/api/v1/parcels", nil))
	var list struct{ Tokens []station.Token }
	h.must(200, h.do("admin", "GET", "/api/v1/tokens", nil)).json(t, &list)
	found := false
	for _, tk := range list.Tokens {
		if tk.Name == "handheld-7" {
			found = true
			if tk.LastUsedAt == nil || tk.Hash != "" {
				t.Errorf("listed token %+v: want last use recorded and no hash", tk)
			}
		}
	}
	if !found {
		t.Fatal("new token not listed")
	}
	var rotated web.NewToken
	h.must(201, h.do("admin", "POST", "/api/v1/tokens/handheld-7/rotate", nil)).json(t, &rotated)
	h.must(401, h.do("handheld", "GET", "/api/v1/parcels", nil))
	h.token["handheld"] = rotated.Secret
	h.must(200, h.do("handheld", "GET", "/api/v1/parcels", nil))
	h.must(200, h.do("admin", "DELETE", "/api/v1/tokens/handheld-7", nil))
	h.must(401, h.do("handheld", "GET", "/api/v1/parcels", nil))
	h.must(409, h.do("admin", "POST", "/api/v1/tokens", map[string]any{"name": "admin-1", "role": "admin"}))
}

func TestUsersAndAudit(t *testing.T) {
	h := newHarness(t)
	h.must(201, h.do("admin", "POST", "/api/v1/users", map[string]any{"username": "Chen.Jing", "display_name": "陈静", "role": "operator", "pin": "4321"}))
	p := h.must(400, h.do("admin", "POST", "/api/v1/users", map[string]any{"username": "x", "role": "boss", "pin": "12"})).problem(t)
	if len(p.Errors) != 3 {
		t.Errorf("bad user problem names %+v, want username, role and pin", p.Errors)
	}
	b := newBrowser(t, h)
	h.must(200, b.login("chen.jing", "4321"))
	var rec station.ReceiveResult
	h.must(201, b.do("POST", "/api/v1/parcels/receive", map[string]any{"code": "SF3100000000001"})).json(t, &rec)
	// A supervisor asks who received this parcel.
	var a struct {
		Entries []web.AuditEntry `json:"entries"`
	}
	h.must(200, h.do("supervisor", "GET", "/api/v1/audit?parcel="+rec.Parcel.ID, nil)).json(t, &a)
	if len(a.Entries) != 2 || a.Entries[0].Actor != "user:chen.jing" {
		t.Fatalf("audit for the parcel: %+v", a.Entries)
	}
	h.must(200, h.do("supervisor", "GET", "/api/v1/audit?user=chen.jing&type=returns.parcel", nil)).json(t, &a)
	if len(a.Entries) != 2 {
		t.Errorf("audit by user: %d entries, want 2", len(a.Entries))
	}
	h.must(200, h.do("supervisor", "GET", "/api/v1/audit?type=returns.admin", nil)).json(t, &a)
	if len(a.Entries) == 0 || a.Entries[0].Highlight != "admin" || a.Entries[0].Type != "returns.admin.user_added" || a.Entries[0].Actor != "token:admin-1" {
		t.Errorf("admin actions in the audit: %+v", a.Entries)
	}
	h.must(400, h.do("supervisor", "GET", "/api/v1/audit?from=yesterday", nil))
	// Disabling her signs her out at once.
	h.must(200, h.do("admin", "PATCH", "/api/v1/users/chen.jing", map[string]any{"disabled": true}))
	h.must(401, b.do("GET", "/api/v1/parcels", nil))
	h.must(401, b.login("chen.jing", "4321"))
}

func TestAuditPagesThroughSmallLogs(t *testing.T) {
	h := newHarness(t)
	for i := 0; i < 6; i++ {
		h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": "SF32000000000" + string(rune('0'+i)) + "1"}))
	}
	seen := map[uint64]bool{}
	before := ""
	for pages := 0; pages < 20; pages++ {
		var a struct {
			Entries    []web.AuditEntry `json:"entries"`
			NextBefore uint64           `json:"next_before"`
		}
		h.must(200, h.do("supervisor", "GET", "/api/v1/audit?type=returns.parcel.received&limit=2"+before, nil)).json(t, &a)
		for _, e := range a.Entries {
			if seen[e.Seq] {
				t.Fatalf("entry %d returned twice", e.Seq)
			}
			seen[e.Seq] = true
		}
		if a.NextBefore == 0 {
			break
		}
		before = "&before=" + itoa(a.NextBefore)
	}
	if len(seen) != 6 {
		t.Errorf("paging found %d of the 6 receipts", len(seen))
	}
}
