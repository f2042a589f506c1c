package web_test

import (
	"testing"
)

// TestPrinterAddressRefusedWhenSaved: an address the spooler could never
// send to (no port, no host, a port out of range) is refused when the admin
// saves the printer, naming the addr field, and nothing is saved; before,
// it was accepted and the printer's queue held at its first label.
func TestPrinterAddressRefusedWhenSaved(t *testing.T) {
	h := newHarness(t)
	for _, addr := range []string{"10.0.0.9", ":9100", "10.0.0.9:0", "10.0.0.9:70000", "zebra:lpt"} {
		seq := h.db.LastSeq()
		r := h.do("admin", "PUT", "/api/v1/printers/dock-1", map[string]any{"addr": addr, "dpi": 203, "size": "50x25"})
		if r.status != 400 {
			t.Fatalf("addr %q: %d %s, want 400", addr, r.status, r.body)
		}
		p := r.problem(t)
		if len(p.Errors) != 1 || p.Errors[0].Field != "addr" {
			t.Errorf("addr %q: fields at fault %+v, want addr alone", addr, p.Errors)
		}
		if h.db.LastSeq() != seq {
			t.Errorf("addr %q: a refused printer changed the log", addr)
		}
	}
	printers, err := h.db.Printers(t.Context())
	if err != nil || len(printers) != 0 {
		t.Fatalf("printers after refusals: %+v, %v; want none", printers, err)
	}
	h.must(200, h.do("admin", "PUT", "/api/v1/printers/dock-1", map[string]any{"addr": "zebra-dock.lan:9100", "dpi": 203, "size": "50x25"}))
}
