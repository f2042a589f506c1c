package web_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"strings"
	"testing"
	"time"

	"returns-station/station"
)

var cst = time.FixedZone("CST", 8*3600)

func TestReturnFlow(t *testing.T) {
	h := newHarness(t)
	r := sampleRMA("RMA-20261122-000123", "SF1234567890123", "no_reason_7d", "electronics",
		time.Date(2026, 11, 15, 10, 0, 0, 0, cst), time.Date(2026, 11, 18, 21, 14, 9, 0, cst))
	h.must(201, h.do("supervisor", "POST", "/api/v1/returns", r))

	// The clerk scans the waybill as a wedge scanner sends it: AIM prefix, lower case, spaces.
	var rec station.ReceiveResult
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": "]C0sf 1234 5678 9012 3"})).json(t, &rec)
	if !rec.Matched || rec.Parcel.RMA != r.RMA || rec.Parcel.Carrier != "SF" {
		t.Fatalf("receive: matched %v rma %q carrier %q; want matched to %s by SF", rec.Matched, rec.Parcel.RMA, rec.Parcel.Carrier, r.RMA)
	}
	// A second scan says so and creates nothing.
	var again station.ReceiveResult
	h.must(200, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": "SF1234567890123"})).json(t, &again)
	if !again.Duplicate || again.Parcel.ID != rec.Parcel.ID {
		t.Fatalf("repeat scan: duplicate %v parcel %s, want duplicate of %s", again.Duplicate, again.Parcel.ID, rec.Parcel.ID)
	}

	// The inspector scans the product's GS1 DataMatrix: GTIN + serial.
	var ur station.UnitResult
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/units", map[string]any{"code": "]d20106901234567892\x1d21SN8842AA"})).json(t, &ur)
	u := ur.Unit
	if u.Line != 1 || u.Serial != "SN8842AA" || u.Category != "electronics" || len(ur.Template.Questions) == 0 {
		t.Fatalf("unit: line %d serial %q category %q questions %d", u.Line, u.Serial, u.Category, len(ur.Template.Questions))
	}
	answers := map[string]any{"packaging": "opened", "used": false, "powers_on": true, "functions_ok": false, "cosmetic": "none",
		"liquid_damage": false, "account_locked": false, "accessories_complete": true}
	var inspected station.Unit
	h.must(200, h.do("operator", "PUT", "/api/v1/units/"+u.ID+"/inspection", map[string]any{"checklist": answers, "serial": "SN8842AA"})).json(t, &inspected)
	s := inspected.Suggestion
	if s.Grade != "D" || s.Disposition != "repair" || s.Refund.Decision != "full" || s.Refund.Amount != "199.00" {
		t.Fatalf("suggestion %s/%s refund %s %s, want D/repair full 199.00", s.Grade, s.Disposition, s.Refund.Decision, s.Refund.Amount)
	}

	// A photo of the fault.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("photo", "fault.png")
	fw.Write([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"))
	mw.Close()
	h.must(200, h.do("operator", "POST", "/api/v1/units/"+u.ID+"/photos", buf.Bytes(), "Content-Type", mw.FormDataContentType()))

	// An operator may not override the suggestion; a supervisor may, with a reason.
	p := h.must(403, h.do("operator", "POST", "/api/v1/units/"+u.ID+"/confirm", map[string]any{"grade": "C", "override_reason": "works for me"})).problem(t)
	if !strings.Contains(p.Detail, "supervisor") {
		t.Errorf("override refusal %q does not say who may override", p.Detail)
	}
	h.must(200, h.do("operator", "POST", "/api/v1/units/"+u.ID+"/confirm", map[string]any{}))
	var regraded station.Unit
	h.must(200, h.do("supervisor", "POST", "/api/v1/units/"+u.ID+"/confirm", map[string]any{"grade": "C", "override_reason": "fault was a loose cable, fixed"})).json(t, &regraded)
	if regraded.Result.Grade != "C" || regraded.Result.PreviousGrade != "D" {
		t.Fatalf("regrade: grade %s previous %s, want C from D", regraded.Result.Grade, regraded.Result.PreviousGrade)
	}

	// Put away, close, and the parcel is complete.
	h.must(200, h.do("operator", "POST", "/api/v1/units/"+u.ID+"/move", map[string]any{"to": "RS1:T:T-0007"}))
	var closed station.Parcel
	h.must(200, h.do("operator", "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/close", nil)).json(t, &closed)
	if closed.Status != "closed" || !closed.Complete {
		t.Fatalf("close: status %s complete %v", closed.Status, closed.Complete)
	}

	// The events tell the story in order, each with its actor.
	var types []string
	for i, e := range h.allEvents() {
		if e.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d: the log has a gap", i+1, e.Seq)
		}
		if e.Source != "urn:returns-station:st-test" || e.SpecVersion != "1.0" || e.Actor == "" {
			t.Errorf("event %d: source %q specversion %q actor %q", e.Seq, e.Source, e.SpecVersion, e.Actor)
		}
		if !strings.HasPrefix(e.Type, "returns.admin.") { // the harness's tokens
			types = append(types, e.Type)
		}
	}
	want := []string{"returns.rma.upserted", "returns.parcel.received", "returns.parcel.matched", "returns.unit.started",
		"returns.unit.photo_added", "returns.unit.inspected", "returns.unit.regraded", "returns.unit.moved", "returns.parcel.closed"}
	if strings.Join(types, " ") != strings.Join(want, " ") {
		t.Errorf("event types\n got %v\nwant %v", types, want)
	}
	var view struct {
		Parcels []station.Parcel `json:"parcels"`
		Units   []station.Unit   `json:"units"`
	}
	h.must(200, h.do("operator", "GET", "/api/v1/returns/"+r.RMA, nil)).json(t, &view)
	if len(view.Parcels) != 1 || len(view.Units) != 1 || view.Units[0].Location != "T-0007" || len(view.Units[0].Photos) != 1 {
		t.Errorf("RMA view: %d parcels %d units, location %q", len(view.Parcels), len(view.Units), view.Units[0].Location)
	}
}

func TestUnknownParcelMatchesLater(t *testing.T) {
	h := newHarness(t)
	var rec station.ReceiveResult
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": "YT2412345678901", "packaging": "damaged"})).json(t, &rec)
	if rec.Matched || len(rec.Exceptions) != 2 || rec.Exceptions[0].Code != "unmatched" || rec.Exceptions[1].Code != "damaged_in_transit" {
		t.Fatalf("unknown damaged parcel: matched %v exceptions %+v", rec.Matched, rec.Exceptions)
	}
	r := sampleRMA("RMA-LATE-1", "YT2412345678901", "quality", "electronics", time.Now().Add(-72*time.Hour), time.Now().Add(-24*time.Hour))
	var put station.PutReturnResult
	h.must(201, h.do("supervisor", "POST", "/api/v1/returns", r)).json(t, &put)
	if len(put.Matched) != 1 || put.Matched[0] != rec.Parcel.ID {
		t.Fatalf("RMA arriving later matched %v, want [%s]", put.Matched, rec.Parcel.ID)
	}
	var ex struct{ Exceptions []station.Exception }
	h.must(200, h.do("supervisor", "GET", "/api/v1/exceptions?state=open", nil)).json(t, &ex)
	if len(ex.Exceptions) != 1 || ex.Exceptions[0].Code != "damaged_in_transit" {
		t.Fatalf("open exceptions after the match: %+v; want only damaged_in_transit (unmatched resolved itself)", ex.Exceptions)
	}
	// Same version again: ignored. Cancelled after receipt: an exception.
	h.must(200, h.do("supervisor", "POST", "/api/v1/returns", r))
	r.Version, r.Status = 2, "cancelled"
	h.must(201, h.do("supervisor", "POST", "/api/v1/returns", r))
	h.must(200, h.do("supervisor", "GET", "/api/v1/exceptions", nil)).json(t, &ex)
	if len(ex.Exceptions) != 2 || ex.Exceptions[0].Code != "rma_cancelled" {
		t.Fatalf("after cancellation: %+v, want rma_cancelled on top", ex.Exceptions)
	}
	if strings.Join(ex.Exceptions[0].Actions, ",") != "accept,return_to_sender,escalate" {
		t.Errorf("open exception offers actions %v", ex.Exceptions[0].Actions)
	}
	// A supervisor resolves it; an operator may not even see the queue.
	h.must(403, h.do("operator", "GET", "/api/v1/exceptions", nil))
	p := h.must(400, h.do("supervisor", "POST", "/api/v1/exceptions/"+ex.Exceptions[0].ID+"/resolve", map[string]any{"action": "match", "note": "x"})).problem(t)
	if len(p.Errors) != 1 || p.Errors[0].Field != "action" {
		t.Errorf("wrong action: problem %+v, want field action", p)
	}
	h.must(200, h.do("supervisor", "POST", "/api/v1/exceptions/"+ex.Exceptions[0].ID+"/resolve", map[string]any{"action": "return_to_sender", "note": "sent back with SF"}))
	h.must(409, h.do("supervisor", "POST", "/api/v1/exceptions/"+ex.Exceptions[0].ID+"/resolve", map[string]any{"action": "accept", "note": "again"}))
}

func TestWrongItemAndEmptyBox(t *testing.T) {
	h := newHarness(t)
	now := time.Now()
	h.must(201, h.do("supervisor", "POST", "/api/v1/returns", sampleRMA("RMA-W", "SF1000000000001", "no_reason_7d", "electronics", now.Add(-48*time.Hour), now.Add(-24*time.Hour))))
	var rec station.ReceiveResult
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": "SF1000000000001"})).json(t, &rec)
	var ur station.UnitResult
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/units", map[string]any{"code": "4006381333931"})).json(t, &ur)
	if ur.Unit.Line != 0 || len(ur.Exceptions) != 1 || ur.Exceptions[0].Code != "wrong_item" {
		t.Fatalf("wrong product: line %d exceptions %+v", ur.Unit.Line, ur.Exceptions)
	}
	// A second unit of a one-unit line is an extra.
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/units", map[string]any{"code": "EAR-BT-01"}))
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/units", map[string]any{"code": "6901234567892"})).json(t, &ur)
	if ur.Unit.Line != 0 || ur.Exceptions[0].Code != "qty_exceeded" {
		t.Fatalf("extra unit: line %d exceptions %+v", ur.Unit.Line, ur.Exceptions)
	}
	// Closing with units not confirmed is refused, and says which.
	p := h.must(409, h.do("operator", "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/close", nil)).problem(t)
	if !strings.Contains(p.Detail, "3 unit") {
		t.Errorf("close refusal %q does not count the waiting units", p.Detail)
	}
	// An empty box.
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": "SF2000000000002"})).json(t, &rec)
	h.must(200, h.do("operator", "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/close", nil))
	var pv station.ParcelView
	h.must(200, h.do("operator", "GET", "/api/v1/parcels/"+rec.Parcel.ID, nil)).json(t, &pv)
	codes := []string{}
	for _, e := range pv.Exceptions {
		codes = append(codes, e.Code)
	}
	if strings.Join(codes, ",") != "unmatched,empty_box" {
		t.Errorf("empty unknown parcel exceptions %v, want unmatched,empty_box", codes)
	}
}

func TestBadInputChangesNothing(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name, role, method, path string
		body                     any
		status                   int
		field                    string
	}{
		{"no token", "", "POST", "/api/v1/parcels/receive", map[string]any{"code": "SF1"}, 401, ""},
		{"empty scan", "operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": "  "}, 400, "code"},
		{"product barcode at receiving", "operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": "6901234567892"}, 400, "code"},
		{"bad packaging", "operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": "SF1234567890123", "packaging": "wet"}, 400, "packaging"},
		{"unknown field", "operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": "SF1234567890123", "packging": "intact"}, 400, "packging"},
		{"wrong type", "operator", "POST", "/api/v1/parcels/receive", `{"code": 42}`, 400, "code"},
		{"malformed JSON", "operator", "POST", "/api/v1/parcels/receive", `{"code": "SF1`, 400, "body"},
		{"trailing data", "operator", "POST", "/api/v1/parcels/receive", `{"code": "SF1234567890123"} {}`, 400, "body"},
		{"too large", "operator", "POST", "/api/v1/parcels/receive", `{"code":"` + strings.Repeat("A", 2<<20) + `"}`, 413, ""},
		{"RMA without lines", "supervisor", "POST", "/api/v1/returns", map[string]any{"rma": "R-1", "version": 1, "status": "approved", "order_id": "O", "policy": "quality"}, 400, "lines"},
		{"RMA with float price", "supervisor", "POST", "/api/v1/returns", map[string]any{"rma": "R-1", "version": 1, "status": "approved", "order_id": "O", "policy": "quality",
			"lines": []any{map[string]any{"line": 1, "sku": "A", "qty": 1, "unit_price": 1.5}}}, 400, "lines.unit_price"},
		{"RMA by operator", "operator", "POST", "/api/v1/returns", sampleRMA("R-2", "SF1", "quality", "x", time.Now(), time.Now()), 403, ""},
		{"unknown parcel", "operator", "GET", "/api/v1/parcels/nope", nil, 404, ""},
		{"bad limit", "operator", "GET", "/api/v1/parcels?limit=0", nil, 400, "limit"},
		{"feed by operator", "operator", "GET", "/api/v1/feed", nil, 403, ""},
		{"bad rules", "supervisor", "PUT", "/api/v1/rules", map[string]any{"version": 1}, 400, "grades"},
		{"rules by operator", "operator", "PUT", "/api/v1/rules", map[string]any{}, 403, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := h.db.LastSeq()
			r := h.do(tt.role, tt.method, tt.path, tt.body)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			p := r.problem(t)
			if p.Status != tt.status || p.Title == "" || p.Detail == "" || !strings.HasPrefix(p.Type, "urn:returns-station:problem:") {
				t.Errorf("problem %+v is incomplete", p)
			}
			if tt.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tt.field) {
				t.Errorf("problem errors %+v, want field %q", p.Errors, tt.field)
			}
			if h.db.LastSeq() != before {
				t.Errorf("a refused request appended events (seq %d → %d)", before, h.db.LastSeq())
			}
		})
	}
}

func TestIdempotencyKey(t *testing.T) {
	h := newHarness(t)
	body := map[string]any{"code": "SF3000000000003"}
	first := h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", body, "Idempotency-Key", "k-1"))
	again := h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", body, "Idempotency-Key", "k-1"))
	if !bytes.Equal(first.body, again.body) || again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay differs from the first answer:\n%s\n%s", first.body, again.body)
	}
	seq := h.db.LastSeq()
	p := h.must(422, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": "SF4000000000004"}, "Idempotency-Key", "k-1")).problem(t)
	if p.Errors[0].Field != "Idempotency-Key" {
		t.Errorf("key reuse problem names %+v", p.Errors)
	}
	if h.db.LastSeq() != seq {
		t.Error("a refused key reuse changed the log")
	}
	// Keys are per caller: another token's k-1 is its own.
	h.must(201, h.do("supervisor", "POST", "/api/v1/parcels/receive", map[string]any{"code": "SF4000000000004"}, "Idempotency-Key", "k-1"))
}

func TestFeedCursorAndLongPoll(t *testing.T) {
	h := newHarness(t)
	for _, code := range []string{"SF5000000000001", "SF5000000000002", "SF5000000000003"} {
		h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": code}))
	}
	type page struct {
		Events     []station.Event `json:"events"`
		NextCursor string          `json:"next_cursor"`
		HasMore    bool            `json:"has_more"`
	}
	var p1, p2 page
	base := h.base // events the harness made (its tokens)
	h.must(200, h.do("central", "GET", "/api/v1/feed?limit="+itoa(base+4), nil)).json(t, &p1)
	if len(p1.Events) != int(base)+4 || !p1.HasMore || p1.Events[0].Seq != 1 {
		t.Fatalf("first page: %d events has_more %v", len(p1.Events), p1.HasMore)
	}
	h.must(200, h.do("central", "GET", "/api/v1/feed?limit=100&after="+p1.NextCursor, nil)).json(t, &p2)
	if len(p2.Events) != 2 || p2.HasMore || p2.Events[0].Seq != base+5 {
		t.Fatalf("second page: %d events from seq %d has_more %v, want 2 from %d", len(p2.Events), p2.Events[0].Seq, p2.HasMore, base+5)
	}
	// Long poll: nothing new, then a commit wakes the waiting request at once.
	answered := make(chan time.Time)
	var p3 page
	go func() {
		r := h.do("central", "GET", "/api/v1/feed?wait=10&after="+p2.NextCursor, nil)
		json.Unmarshal(r.body, &p3)
		answered <- time.Now()
	}()
	time.Sleep(300 * time.Millisecond)
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": "SF5000000000004"}))
	committed := time.Now() // the receive answers only after its commit
	at := <-answered
	if len(p3.Events) != 2 || p3.Events[0].Seq != base+7 {
		t.Fatalf("long poll answered %d events, want the 2 just committed", len(p3.Events))
	}
	lag := at.Sub(committed)
	t.Logf("long poll answered %v after the commit was acknowledged", lag)
	if lag > time.Second {
		t.Fatalf("long poll answered %v after the commit: it did not wake on commit", lag)
	}
	// Forged and foreign cursors.
	bad := h.must(400, h.do("central", "GET", "/api/v1/feed?after=AAAA", nil)).problem(t)
	if bad.Errors[0].Field != "after" {
		t.Errorf("bad cursor problem %+v", bad)
	}
	tampered := []byte(p2.NextCursor)
	tampered[len(tampered)/2] ^= 1
	h.must(400, h.do("central", "GET", "/api/v1/feed?after="+string(tampered), nil))
	other := newHarness(t)
	var po page
	other.must(201, other.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": "SF5000000000001"}))
	other.must(200, other.do("central", "GET", "/api/v1/feed", nil)).json(t, &po)
	h.must(400, h.do("central", "GET", "/api/v1/feed?after="+po.NextCursor, nil)) // signed by another station's key
}

func TestOpenAPIAndHealth(t *testing.T) {
	h := newHarness(t)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	h.must(200, h.do("", "GET", "/api/v1/openapi.json", nil)).json(t, &doc)
	for _, p := range []string{"/api/v1/parcels/receive", "/api/v1/units/{id}/confirm", "/api/v1/feed", "/api/v1/exceptions/{id}/resolve"} {
		if doc.Paths[p] == nil {
			t.Errorf("OpenAPI document lacks %s", p)
		}
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	h.must(200, h.do("", "GET", "/healthz", nil))
	h.must(200, h.do("", "GET", "/readyz", nil))
	m := h.must(200, h.do("", "GET", "/metrics", nil))
	if !strings.Contains(string(m.body), "station_http_requests_total") {
		t.Error("metrics lack station_http_requests_total")
	}
	h.must(501, h.do("operator", "GET", "/api/v1/sync", nil))
}
