package web_test

import (
	"log/slog"
	"strings"
	"testing"

	"returns-station/station"
	"returns-station/station/bolt"
	"returns-station/station/web"
)

// damagedStore panics on one read, as bbolt does when it meets a page whose
// header was damaged on disk.
type damagedStore struct{ *bolt.DB }

func (damagedStore) ListParcels(station.ParcelFilter, string, int) ([]*station.Parcel, string, error) {
	var pages []int
	_ = pages[3] // index out of range, like a page header with a wild count
	return nil, "", nil
}

func TestPanicAnswers500AndTheStationLives(t *testing.T) {
	logs := &syncBuffer{}
	h := newHarness(t, func(c *web.Config) {
		c.Store = damagedStore{c.Store.(*bolt.DB)}
		c.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	})
	r := h.do("operator", "GET", "/api/v1/parcels", nil)
	if r.status != 500 {
		t.Fatalf("panicking handler answered %d %s, want 500", r.status, r.body)
	}
	p := r.problem(t)
	if p.Status != 500 || p.Detail == "" || strings.Contains(p.Detail, "index out of range") {
		t.Errorf("problem %+v: want a 500 that does not leak the panic", p)
	}
	out := logs.String()
	for _, want := range []string{`"panic":"runtime error: index out of range`, `"stack":"goroutine`, "recover_test.go", `"component":"web"`, "station check"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	// The process lives: the same server answers the next requests.
	h.must(200, h.do("", "GET", "/healthz", nil))
	h.must(404, h.do("operator", "GET", "/api/v1/parcels/P-NOPE", nil))
	if r := h.do("operator", "GET", "/api/v1/parcels", nil); r.status != 500 {
		t.Errorf("second panic answered %d", r.status)
	}
}

// The station's store serves the hot backup route.
var _ web.Backuper = (*bolt.DB)(nil)
