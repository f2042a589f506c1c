package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"returns-station/station"
	"returns-station/station/web"
)

// TestRMATextLimits: an RMA whose texts are too long is refused with a
// problem naming each field at fault, and nothing is stored; one at the
// limits is taken.
func TestRMATextLimits(t *testing.T) {
	h := newHarness(t)
	now := time.Now()
	r := sampleRMA("RMA-LONG-1", "SF5100000000001", "quality", "audio", now.Add(-48*time.Hour), now)
	r.Lines[0].Name = strings.Repeat("耳", 900<<10/3) // 900 KB of UTF-8
	r.Reason.Text = strings.Repeat("x", station.MaxReasonText+1)
	r.Customer.Name = strings.Repeat("张", station.MaxCustomerName+1)
	r.Lines[0].Serials = []string{strings.Repeat("S", station.MaxSerial+1)}
	seq := h.db.LastSeq()
	p := h.must(400, h.do("supervisor", "POST", "/api/v1/returns", r)).problem(t)
	fields := map[string]string{}
	for _, e := range p.Errors {
		fields[e.Field] = e.Detail
	}
	for _, f := range []string{"lines[0].name", "reason.text", "customer.name", "lines[0].serials[0]"} {
		if !strings.Contains(fields[f], "at most") {
			t.Errorf("problem does not name %s: %+v", f, p.Errors)
		}
	}
	if h.db.LastSeq() != seq {
		t.Error("a refused RMA changed the log")
	}
	h.must(404, h.do("operator", "GET", "/api/v1/returns/RMA-LONG-1", nil))

	r = sampleRMA("RMA-LONG-2", "SF5100000000002", "quality", "audio", now.Add(-48*time.Hour), now)
	r.Lines[0].Name = strings.Repeat("耳", station.MaxItemName)
	r.Reason.Text = strings.Repeat("x", station.MaxReasonText)
	h.must(201, h.do("supervisor", "POST", "/api/v1/returns", r))
}

// TestLabelSheetIsBounded: a sheet takes at most 200 codes, and a unit whose
// name was stored before the limits (900 KB) prints a clipped name, so a
// sheet of 100 such labels stays small.
func TestLabelSheetIsBounded(t *testing.T) {
	h := newHarness(t, func(c *web.Config) { c.Labels = sheetRenderer{} })
	_, unitID := inspectedUnit(t, h, "SF5200000000001")
	huge := strings.Repeat("蓝牙耳机", 900<<10/12)
	_, err := h.db.Update(context.Background(), nil, func(tx station.Tx) (any, error) {
		u, err := tx.Unit(unitID)
		if err != nil {
			return nil, err
		}
		u.Name = huge
		return nil, tx.PutUnit(u)
	})
	if err != nil {
		t.Fatal(err)
	}
	q := strings.Repeat("&code=RS1:U:"+unitID, 100)
	sheet := h.must(200, h.do("operator", "GET", "/api/v1/labels/sheet?size=100x150"+q, nil))
	t.Logf("a sheet of 100 labels of a unit with a %d KB name: %d KB", len(huge)>>10, len(sheet.body)>>10)
	if len(sheet.body) > 4<<20 {
		t.Errorf("the sheet is %d KB; a label's text must be clipped", len(sheet.body)>>10)
	}
	if !strings.Contains(string(sheet.body), "…") {
		t.Error("the clipped name does not end in …")
	}
	p := h.must(400, h.do("operator", "GET", "/api/v1/labels/sheet?size=50x25"+strings.Repeat("&code=T-0001", 201), nil)).problem(t)
	if len(p.Errors) == 0 || p.Errors[0].Field != "code" {
		t.Errorf("201 codes: %+v", p)
	}
}
