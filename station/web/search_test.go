package web_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"returns-station/station"
	"returns-station/station/web"
)

// One search box finds a return by anything a clerk has in hand, in any case.
func TestSearch(t *testing.T) {
	h := newHarness(t)
	r := sampleRMA("RMA-SEARCH-1", "SF1234567890123", "quality", "electronics", time.Now().Add(-72*time.Hour), time.Now().Add(-24*time.Hour))
	r.Customer.PhoneTail = "4821"
	h.must(201, h.do("supervisor", "POST", "/api/v1/returns", r))
	other := sampleRMA("RMA-SEARCH-2", "SF1234567890999", "quality", "electronics", time.Now().Add(-72*time.Hour), time.Now().Add(-24*time.Hour))
	h.must(201, h.do("supervisor", "POST", "/api/v1/returns", other))
	pid := h.receive(201, map[string]any{"code": "SF1234567890123"}).Parcel.ID
	var ur station.UnitResult
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/"+pid+"/units", map[string]any{"code": "]d20106901234567892\x1d21SN8842AA"})).json(t, &ur)
	uid := ur.Unit.ID

	search := func(q string) []station.SearchHit {
		t.Helper()
		var res web.SearchResult
		h.must(200, h.do("operator", "GET", "/api/v1/search?q="+url.QueryEscape(q), nil)).json(t, &res)
		return res.Hits
	}
	has := func(hits []station.SearchHit, kind, id, by string) bool {
		for _, x := range hits {
			if x.Kind == kind && x.ObjectID() == id && (by == "" || x.MatchedBy == by) {
				return true
			}
		}
		return false
	}
	for _, tc := range []struct {
		q, kind, id, by string
	}{
		{"sf 1234 5678 9012 3", "parcel", pid, "tracking"},
		{"rma-search-1", "rma", r.RMA, "rma"},
		{"rma-search-1", "parcel", pid, "return"},
		{"so-rma-search-1", "rma", r.RMA, "order"},
		{"4821", "rma", r.RMA, "phone"},
		{"4821", "parcel", pid, "return"},
		{"sn8842aa", "unit", uid, "serial"},
		{"rs1:u:" + strings.ToLower(uid), "unit", uid, "label"},
		{strings.ToLower(uid), "unit", uid, "id"},
		{"RS1:P:" + pid, "parcel", pid, "label"},
	} {
		if hits := search(tc.q); !has(hits, tc.kind, tc.id, tc.by) {
			t.Errorf("search %q: %d hits, none a %s %s matched by %s", tc.q, len(hits), tc.kind, tc.id, tc.by)
		}
	}
	if hits := search("4821"); has(hits, "rma", other.RMA, "") {
		t.Error("phone 4821 found the other customer's return")
	}
	if hits := search("nothing-here-99"); len(hits) != 0 {
		t.Errorf("a code nobody has found %d hits", len(hits))
	}
	p := h.must(400, h.do("operator", "GET", "/api/v1/search?q=", nil)).problem(t)
	if len(p.Errors) != 1 || p.Errors[0].Field != "q" {
		t.Errorf("empty search: %+v, want the field q named", p)
	}
}

// The work queue lists parcels received and not yet inspected, oldest first.
func TestWorkQueue(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	clock := now
	h := newHarness(t, func(c *web.Config) { c.Now = func() time.Time { return clock } })
	var ids []string
	for i, code := range []string{"YT2412345678901", "YT2412345678902", "YT2412345678903"} {
		clock = now.Add(time.Duration(i) * time.Hour)
		ids = append(ids, h.receive(201, map[string]any{"code": code}).Parcel.ID)
	}
	h.must(200, h.do("operator", "POST", "/api/v1/parcels/"+ids[1]+"/close", nil))
	clock = now.Add(5 * time.Hour)
	var q web.QueueResult
	h.must(200, h.do("operator", "GET", "/api/v1/queue", nil)).json(t, &q)
	if len(q.Parcels) != 2 || q.Parcels[0].ID != ids[0] || q.Parcels[1].ID != ids[2] {
		t.Fatalf("queue %+v, want the first and third parcels, oldest first", q.Parcels)
	}
	if q.Parcels[0].AgeSeconds != 5*3600 || q.Parcels[1].AgeSeconds != 3*3600 {
		t.Errorf("ages %d and %d s, want 18000 and 10800", q.Parcels[0].AgeSeconds, q.Parcels[1].AgeSeconds)
	}
	h.must(200, h.do("operator", "GET", "/api/v1/queue?limit=1", nil)).json(t, &q)
	if len(q.Parcels) != 1 || q.Parcels[0].ID != ids[0] {
		t.Errorf("queue limited to 1: %+v", q.Parcels)
	}
	h.must(400, h.do("operator", "GET", "/api/v1/queue?limit=0", nil))
}

// The audit finds a parcel by its tracking number as scanned, and a person
// by the Chinese name the team knows them by.
func TestAuditByTrackingAndDisplayName(t *testing.T) {
	h := newHarness(t)
	if _, err := h.db.AddUser(station.User{Username: "li.wei", DisplayName: "李伟", Role: station.RoleSupervisor}, "1234", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := h.db.AddUser(station.User{Username: "wang.fang", DisplayName: "王芳", Role: station.RoleOperator}, "2222", ""); err != nil {
		t.Fatal(err)
	}
	a := h.receive(201, map[string]any{"code": "YT2412345678901"})
	h.receive(201, map[string]any{"code": "YT2412345678902"})
	var page web.AuditPage
	h.must(200, h.do("supervisor", "GET", "/api/v1/audit?parcel="+url.QueryEscape("yt 2412 3456 7890 1"), nil)).json(t, &page)
	if len(page.Entries) == 0 {
		t.Fatal("the audit finds nothing for the parcel's tracking number")
	}
	for _, e := range page.Entries {
		if !strings.Contains(string(e.Data), a.Parcel.ID) {
			t.Errorf("entry %s (%s) is not about parcel %s", e.Type, e.Data, a.Parcel.ID)
		}
	}
	// Each of them did one thing (added an account).
	for _, who := range []string{"li.wei", "wang.fang"} {
		if _, err := h.db.AddUserAs("user:"+who, station.User{Username: "new." + strings.ReplaceAll(who, ".", ""), Role: station.RoleOperator}, "5555", ""); err != nil {
			t.Fatal(err)
		}
	}
	for name, actor := range map[string]string{"李伟": "user:li.wei", "王芳": "user:wang.fang", "LI.WEI": "user:li.wei"} {
		h.must(200, h.do("supervisor", "GET", "/api/v1/audit?user="+url.QueryEscape(name), nil)).json(t, &page)
		if len(page.Entries) != 1 || page.Entries[0].Actor != actor {
			t.Errorf("audit for %s: %d entries (first by %v), want the one by %s", name, len(page.Entries), page.Entries, actor)
		}
	}
	h.must(200, h.do("supervisor", "GET", "/api/v1/audit?user="+url.QueryEscape("token:operator-1"), nil)).json(t, &page)
	if len(page.Entries) == 0 || page.Entries[0].Actor != "token:operator-1" {
		t.Errorf("audit by token: %+v", page.Entries)
	}
}
