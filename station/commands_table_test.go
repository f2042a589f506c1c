package station_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"returns-station/station"
)

// The RMA a clerk is waiting for: a phone (line 1, serial on file) and two
// phone cases (line 2), sent back by SF, under the seven-day no-reason
// policy, asked for in time (signed 3/1, asked 3/4).
const (
	rmaID     = "RMA-2026-0001"
	orderID   = "JD-7788-1234"
	waybill   = "SF1234567890123"
	phoneGTIN = "6901234567892"
	phoneSN   = "SN-A1B2C3"
	caseSKU   = "CASE-01"
)

func waitingRMA(version int64, status string) *station.ReturnAuthorization {
	delivered := time.Date(2026, 3, 1, 20, 0, 0, 0, time.FixedZone("CST", 8*3600))
	asked := delivered.AddDate(0, 0, 3)
	return &station.ReturnAuthorization{
		RMA: rmaID, Version: version, Status: status, OrderID: orderID,
		Customer: station.Customer{Name: "王*", PhoneTail: "1234"},
		Reason:   station.ReturnReason{Code: "no_reason_7d"}, Policy: station.PolicyNoReason7d,
		DeliveredAt: &delivered, RequestedAt: &asked,
		Refund:          station.Money{Amount: "2059.00", Currency: "CNY"},
		ReturnShipments: []station.ReturnShipment{{Carrier: "sf", Tracking: waybill}},
		Lines: []station.RMALine{
			{Line: 1, SKU: "PHONE-X1", GTIN: phoneGTIN, Name: "Phone X1", Category: "手机", Qty: 1, UnitPrice: "1999.00", Serials: []string{phoneSN}},
			{Line: 2, SKU: caseSKU, Name: "Case", Category: "手机壳", Qty: 2, UnitPrice: "30.00"},
		},
	}
}

// fixture is a station in memory with a clock and ids that count up.
type fixture struct {
	tx  *memTx
	env station.Env
	n   int
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{tx: newMemTx()}
	now := time.Date(2026, 3, 6, 9, 0, 0, 0, time.UTC)
	f.env = station.Env{StationID: "sh-01", Actor: "user:li.wei", Role: station.RoleOperator,
		Now:   func() time.Time { now = now.Add(time.Minute); return now },
		NewID: func() string { f.n++; return fmt.Sprintf("ID%04d", f.n) }}
	return f
}

func (f *fixture) as(role string) station.Env {
	env := f.env
	env.Role, env.Actor = role, "user:"+role
	return env
}

// put stores r as central would send it.
func (f *fixture) put(t *testing.T, r *station.ReturnAuthorization) {
	t.Helper()
	if _, err := station.PutReturn(f.tx, f.env, r, "pull"); err != nil {
		t.Fatalf("PutReturn %s v%d: %v", r.RMA, r.Version, err)
	}
}

func (f *fixture) receive(t *testing.T, code string) *station.Parcel {
	t.Helper()
	res, err := station.Receive(f.tx, f.env, station.ReceiveInput{Code: code})
	if err != nil {
		t.Fatalf("Receive %q: %v", code, err)
	}
	return res.Parcel
}

func (f *fixture) addUnit(t *testing.T, parcelID, code string) *station.Unit {
	t.Helper()
	res, err := station.AddUnit(f.tx, f.env, parcelID, station.AddUnitInput{Code: code})
	if err != nil {
		t.Fatalf("AddUnit %q: %v", code, err)
	}
	return res.Unit
}

// mark is where the event log stood before the command under test.
func (f *fixture) mark() int { return len(f.tx.events) }

// eventsSince returns the types of the events appended after mark and checks
// their seq has no gap.
func (f *fixture) eventsSince(t *testing.T, mark int) []string {
	t.Helper()
	types := []string{}
	for i, e := range f.tx.events[mark:] {
		if want := uint64(mark + i + 1); e.Seq != want {
			t.Errorf("event %s: seq %d, want %d", e.Type, e.Seq, want)
		}
		if e.Source != "urn:returns-station:sh-01" || e.Actor == "" {
			t.Errorf("event %s: source %q actor %q, want the station's source and an actor", e.Type, e.Source, e.Actor)
		}
		types = append(types, e.Type)
	}
	return types
}

// data decodes the data of the last event of type typ.
func (f *fixture) data(t *testing.T, typ string) map[string]any {
	t.Helper()
	for i := len(f.tx.events) - 1; i >= 0; i-- {
		if e := f.tx.events[i]; e.Type == typ {
			var m map[string]any
			if err := json.Unmarshal(e.Data, &m); err != nil {
				t.Fatalf("decode %s: %v", typ, err)
			}
			return m
		}
	}
	t.Fatalf("no %s event", typ)
	return nil
}

func checkField(t *testing.T, what string, m map[string]any, field string, want any) {
	t.Helper()
	if got := m[field]; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s %s: got %v, want %v", what, field, got, want)
	}
}

// wantErr checks err is a station error with the code and message key.
// wantRefusal is wantErr for a refusal that names the field at fault
// (field "" when it names none).
func wantRefusal(t *testing.T, err error, code, key, field string) {
	t.Helper()
	wantErr(t, err, code, key)
	if fs := station.Fields(err); field != "" && (len(fs) != 1 || fs[0].Field != field) {
		t.Errorf("fields: got %+v, want one naming %s", fs, field)
	}
}

func wantErr(t *testing.T, err error, code, key string) {
	t.Helper()
	var se *station.Error
	if !errors.As(err, &se) {
		t.Fatalf("got error %v, want a %s error %s", err, code, key)
	}
	fieldCode := false // a problem with several fields carries its codes on the fields
	for _, fe := range se.Fields {
		fieldCode = fieldCode || fe.Code == key
	}
	if se.Code != code || (se.Key != key && !fieldCode) {
		t.Errorf("got error %s/%s (%v), want %s/%s", se.Code, se.Key, err, code, key)
	}
}

func sameList(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

func TestReceiveTable(t *testing.T) {
	cases := []struct {
		name     string
		setup    func(t *testing.T, f *fixture) // before the scan
		in       station.ReceiveInput
		role     string
		errCode  string // "" = the scan is accepted
		errKey   string
		dup      bool
		matched  bool
		by       string
		tracking string   // the parcel's tracking
		keys     []string // the parcel's keys, for new parcels
		carrier  string
		events   []string
		excs     []string // open exceptions in the answer
		how      string   // how the parcel matched; "" = scan
	}{
		{name: "known waybill as the carrier prints it, lower case with spaces",
			setup: func(t *testing.T, f *fixture) { f.put(t, waitingRMA(1, station.RMAApproved)) },
			in:    station.ReceiveInput{Code: " sf 1234 5678 90123 "}, matched: true, by: "tracking",
			tracking: waybill, keys: []string{waybill}, carrier: "SF",
			events: []string{station.EventParcelReceived, station.EventParcelMatched}},
		{name: "known waybill typed with a Chinese input method in full-width mode",
			setup: func(t *testing.T, f *fixture) { f.put(t, waitingRMA(1, station.RMAApproved)) },
			in:    station.ReceiveInput{Code: "ＳＦ１２３４　５６７８　９０１２３"}, matched: true, by: "tracking",
			tracking: waybill, keys: []string{waybill}, carrier: "SF",
			events: []string{station.EventParcelReceived, station.EventParcelMatched}},
		{name: "second scan of the same waybill finds the parcel and changes nothing",
			setup: func(t *testing.T, f *fixture) { f.put(t, waitingRMA(1, station.RMAApproved)); f.receive(t, waybill) },
			in:    station.ReceiveInput{Code: waybill}, dup: true, matched: true, by: "tracking", tracking: waybill},
		{name: "slip's RMA number of a parcel already here is the same parcel",
			setup: func(t *testing.T, f *fixture) { f.put(t, waitingRMA(1, station.RMAApproved)); f.receive(t, waybill) },
			in:    station.ReceiveInput{Code: "rma-2026-0001"}, dup: true, matched: true, by: "rma", tracking: waybill},
		{name: "slip's order number of a parcel already here is the same parcel",
			setup: func(t *testing.T, f *fixture) { f.put(t, waitingRMA(1, station.RMAApproved)); f.receive(t, waybill) },
			in:    station.ReceiveInput{Code: orderID}, dup: true, matched: true, by: "order", tracking: waybill},
		{name: "RMA number before the waybill files the parcel under the RMA's one waybill",
			setup: func(t *testing.T, f *fixture) { f.put(t, waitingRMA(1, station.RMAApproved)) },
			in:    station.ReceiveInput{Code: rmaID}, matched: true, by: "rma",
			tracking: waybill, keys: []string{"RMA20260001", waybill}, carrier: "SF",
			events: []string{station.EventParcelReceived, station.EventParcelMatched}},
		{name: "unknown plausible waybill is kept with an unmatched exception",
			in:       station.ReceiveInput{Code: "YT9876543210987"},
			tracking: "YT9876543210987", keys: []string{"YT9876543210987"}, carrier: "YTO",
			events: []string{station.EventParcelReceived, station.EventParcelException}, excs: []string{station.ExUnmatched}},
		{name: "damaged box of a known return opens a damage exception for the carrier claim",
			setup: func(t *testing.T, f *fixture) { f.put(t, waitingRMA(1, station.RMAApproved)) },
			in:    station.ReceiveInput{Code: waybill, Packaging: station.PackagingDamaged}, matched: true, by: "tracking",
			tracking: waybill, keys: []string{waybill}, carrier: "SF",
			events: []string{station.EventParcelReceived, station.EventParcelMatched, station.EventParcelException},
			excs:   []string{station.ExDamagedInTransit}},
		{name: "goods for a cancelled return are kept with an exception",
			setup: func(t *testing.T, f *fixture) { f.put(t, waitingRMA(1, station.RMACancelled)) },
			in:    station.ReceiveInput{Code: waybill}, matched: true, by: "tracking", tracking: waybill, keys: []string{waybill}, carrier: "SF",
			events: []string{station.EventParcelReceived, station.EventParcelMatched, station.EventParcelException},
			excs:   []string{station.ExRMACancelled}},
		{name: "unknown here but found by central's online look-up: stored and matched",
			in:      station.ReceiveInput{Code: waybill, LookedUp: waitingRMA(1, station.RMAApproved)},
			matched: true, by: "tracking", tracking: waybill, keys: []string{waybill}, carrier: "SF", how: "lookup",
			events: []string{station.EventRMAUpserted, station.EventParcelReceived, station.EventParcelMatched}},
		{name: "short code is refused unless the clerk insists",
			in: station.ReceiveInput{Code: "AB12"}, errCode: station.EInvalid, errKey: "scan_too_short"},
		{name: "short code kept with force, unmatched",
			in:       station.ReceiveInput{Code: "AB12", Force: true},
			tracking: "AB12", keys: []string{"AB12"},
			events: []string{station.EventParcelReceived, station.EventParcelException}, excs: []string{station.ExUnmatched}},
		{name: "Chinese text is refused even with force",
			in: station.ReceiveInput{Code: "顺丰快递", Force: true}, errCode: station.EInvalid, errKey: "scan_text"},
		{name: "a web address is refused",
			in: station.ReceiveInput{Code: "https://example.com/q/123456789"}, errCode: station.EInvalid, errKey: "scan_url"},
		{name: "a product barcode is refused at the dock",
			in: station.ReceiveInput{Code: phoneGTIN}, errCode: station.EInvalid, errKey: "scan_product"},
		{name: "empty scan is refused",
			in: station.ReceiveInput{Code: "   "}, errCode: station.EInvalid, errKey: "scan_empty"},
		{name: "unknown packaging is refused",
			in: station.ReceiveInput{Code: waybill, Packaging: "wet"}, errCode: station.EInvalid},
		{name: "a signed-in machine without a staff role cannot receive",
			in: station.ReceiveInput{Code: waybill}, role: station.RoleCentral, errCode: station.EForbidden, errKey: "role_needed"},
	}
	// Each case runs twice: as a caller inside the transaction sends it, and
	// as the web layer does, checked by ValidateReceive first and handed
	// over already validated.
	for _, checked := range []bool{false, true} {
		for _, c := range cases {
			name := c.name
			if checked {
				name += " (checked before the transaction)"
			}
			t.Run(name, func(t *testing.T) {
				f := newFixture(t)
				if c.setup != nil {
					c.setup(t, f)
				}
				before, parcels := f.mark(), len(f.tx.parcels)
				env := f.env
				if c.role != "" {
					env = f.as(c.role)
				}
				var res *station.ReceiveResult
				var err error
				if in := c.in; checked {
					var scan station.Scan
					if scan, err = station.ValidateReceive(&in); err == nil {
						in.Validated = &scan
						res, err = station.Receive(f.tx, env, in)
					}
				} else {
					res, err = station.Receive(f.tx, env, c.in)
				}
				if c.errCode != "" {
					if c.errKey != "" {
						wantErr(t, err, c.errCode, c.errKey)
					} else if se := (*station.Error)(nil); !errors.As(err, &se) || se.Code != c.errCode {
						t.Fatalf("got error %v, want a %s error", err, c.errCode)
					}
					if got := f.eventsSince(t, before); len(got) != 0 {
						t.Errorf("events after a refused scan: got %v, want none", got)
					}
					if got := len(f.tx.parcels); got != parcels {
						t.Errorf("parcels after a refused scan: got %d, want %d", got, parcels)
					}
					return
				}
				if err != nil {
					t.Fatalf("Receive: %v", err)
				}
				if res.Duplicate != c.dup || res.Matched != c.matched || res.MatchedBy != c.by {
					t.Errorf("duplicate/matched/by: got %v/%v/%q, want %v/%v/%q", res.Duplicate, res.Matched, res.MatchedBy, c.dup, c.matched, c.by)
				}
				if res.Parcel.Tracking != c.tracking {
					t.Errorf("tracking: got %q, want %q", res.Parcel.Tracking, c.tracking)
				}
				sameList(t, "events", f.eventsSince(t, before), c.events)
				var excs []string
				for _, e := range res.Exceptions {
					excs = append(excs, e.Code)
				}
				sameList(t, "exceptions", excs, c.excs)
				if c.dup {
					if got := len(f.tx.parcels); got != parcels {
						t.Errorf("parcels after a repeat scan: got %d, want %d", got, parcels)
					}
					return
				}
				stored, _ := f.tx.Parcel(res.Parcel.ID)
				if stored == nil {
					t.Fatalf("parcel %s not stored", res.Parcel.ID)
				}
				sameList(t, "keys", stored.Keys, c.keys)
				if stored.Carrier != c.carrier {
					t.Errorf("carrier: got %q, want %q", stored.Carrier, c.carrier)
				}
				for _, k := range c.keys { // every key finds the parcel again
					if p, _ := f.tx.ParcelByKey(k); p == nil || p.ID != stored.ID {
						t.Errorf("key %s finds %v, want parcel %s", k, p, stored.ID)
					}
				}
				d := f.data(t, station.EventParcelReceived)
				checkField(t, "parcel.received", d, "parcel_id", stored.ID)
				checkField(t, "parcel.received", d, "tracking", c.tracking)
				if c.matched {
					if stored.RMA != rmaID || stored.OrderID != orderID {
						t.Errorf("parcel RMA/order: got %q/%q, want %q/%q", stored.RMA, stored.OrderID, rmaID, orderID)
					}
					checkField(t, "parcel.received", d, "rma", rmaID)
					m := f.data(t, station.EventParcelMatched)
					checkField(t, "parcel.matched", m, "rma", rmaID)
					how := c.how
					if how == "" {
						how = "scan"
					}
					checkField(t, "parcel.matched", m, "how", how)
					if stored.MatchedHow != how {
						t.Errorf("parcel matched how: got %q, want %q", stored.MatchedHow, how)
					}
				} else {
					if stored.RMA != "" {
						t.Errorf("parcel RMA: got %q, want none", stored.RMA)
					}
					if d["rma"] != nil {
						t.Errorf("parcel.received rma: got %v, want null", d["rma"])
					}
				}
				if len(c.excs) > 0 {
					checkField(t, "parcel.exception", f.data(t, station.EventParcelException), "code", c.excs[len(c.excs)-1])
				}
			})
		}
	}
}

// receivedFor is a fixture with the waiting RMA and its parcel received.
func receivedFor(t *testing.T) (*fixture, *station.Parcel) {
	f := newFixture(t)
	f.put(t, waitingRMA(1, station.RMAApproved))
	return f, f.receive(t, waybill)
}

func TestAddUnitTable(t *testing.T) {
	cases := []struct {
		name     string
		setup    func(t *testing.T, f *fixture, p *station.Parcel)
		unknown  bool // the parcel matches no RMA
		code     string
		errCode  string
		errKey   string
		line     int
		sku      string
		category string
		findings []string
		exc      string // exception opened
	}{
		{name: "phone by its GTIN matches line 1", code: phoneGTIN, line: 1, sku: "PHONE-X1", category: "electronics"},
		{name: "phone by its GTIN-14 form matches line 1", code: "0" + phoneGTIN, line: 1, sku: "PHONE-X1", category: "electronics"},
		{name: "case by SKU typed in lower case matches line 2", code: "case-01", line: 2, sku: caseSKU, category: "accessories"},
		{name: "second case still within the line's quantity of 2",
			setup: func(t *testing.T, f *fixture, p *station.Parcel) { f.addUnit(t, p.ID, caseSKU) },
			code:  caseSKU, line: 2, sku: caseSKU, category: "accessories"},
		{name: "third case is more than the RMA's quantity",
			setup: func(t *testing.T, f *fixture, p *station.Parcel) {
				f.addUnit(t, p.ID, caseSKU)
				f.addUnit(t, p.ID, caseSKU)
			},
			code: caseSKU, line: 0, sku: caseSKU, category: "accessories", findings: []string{"qty_exceeded"}, exc: station.ExQtyExceeded},
		{name: "second phone is more than the RMA's quantity",
			setup: func(t *testing.T, f *fixture, p *station.Parcel) { f.addUnit(t, p.ID, phoneGTIN) },
			code:  phoneGTIN, line: 0, sku: "PHONE-X1", category: "electronics", findings: []string{"qty_exceeded"}, exc: station.ExQtyExceeded},
		{name: "item not on the RMA is a wrong item",
			code: "MUG-77", line: 0, sku: "MUG77", category: "default", findings: []string{"wrong_item"}, exc: station.ExWrongItem},
		{name: "item in an unmatched parcel has nothing to be compared with",
			unknown: true, code: "MUG-77", line: 0, sku: "MUG77", category: "default"},
		{name: "the waybill scanned at the bench is refused", code: waybill, errCode: station.EInvalid, errKey: "unit_scan_is_waybill"},
		{name: "an empty scan is refused", code: " ", errCode: station.EInvalid, errKey: "unit_scan_empty"},
		{name: "a closed parcel takes no more units",
			setup: func(t *testing.T, f *fixture, p *station.Parcel) {
				p.Status = station.ParcelClosed
				if err := f.tx.PutParcel(p); err != nil {
					t.Fatal(err)
				}
			},
			code: caseSKU, errCode: station.EConflict, errKey: "parcel_closed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, p := receivedFor(t)
			if c.unknown {
				p = f.receive(t, "YT9876543210987")
			}
			if c.setup != nil {
				c.setup(t, f, p)
			}
			before, units := f.mark(), len(f.tx.units)
			res, err := station.AddUnit(f.tx, f.env, p.ID, station.AddUnitInput{Code: c.code})
			if c.errCode != "" {
				wantErr(t, err, c.errCode, c.errKey)
				if got := len(f.tx.units); got != units {
					t.Errorf("units after a refused scan: got %d, want %d", got, units)
				}
				if got := f.eventsSince(t, before); len(got) != 0 {
					t.Errorf("events after a refused scan: got %v, want none", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("AddUnit: %v", err)
			}
			u, _ := f.tx.Unit(res.Unit.ID)
			if u == nil {
				t.Fatalf("unit %s not stored", res.Unit.ID)
			}
			if u.Line != c.line || u.SKU != c.sku || u.Category != c.category || u.Status != station.UnitInspecting {
				t.Errorf("line/sku/category/status: got %d/%q/%q/%q, want %d/%q/%q/%q", u.Line, u.SKU, u.Category, u.Status,
					c.line, c.sku, c.category, station.UnitInspecting)
			}
			if res.Template == nil || res.Template.ID != c.category {
				t.Errorf("template: got %v, want %s", res.Template, c.category)
			}
			sameList(t, "findings", u.Findings, c.findings)
			want := []string{station.EventUnitStarted}
			if c.exc != "" {
				want = append(want, station.EventParcelException)
			}
			sameList(t, "events", f.eventsSince(t, before), want)
			d := f.data(t, station.EventUnitStarted)
			checkField(t, "unit.started", d, "unit_id", u.ID)
			checkField(t, "unit.started", d, "line", c.line)
			checkField(t, "unit.started", d, "sku", c.sku)
			if c.exc != "" {
				if len(res.Exceptions) != 1 || res.Exceptions[0].Code != c.exc || res.Exceptions[0].UnitID != u.ID {
					t.Errorf("exceptions: got %+v, want one %s about unit %s", res.Exceptions, c.exc, u.ID)
				}
				checkField(t, "parcel.exception", f.data(t, station.EventParcelException), "code", c.exc)
			} else if len(res.Exceptions) != 0 {
				t.Errorf("exceptions: got %+v, want none", res.Exceptions)
			}
			got, _ := f.tx.Parcel(p.ID)
			if got.Units != len(f.tx.unitParcel[p.ID]) {
				t.Errorf("parcel units: got %d, want %d", got.Units, len(f.tx.unitParcel[p.ID]))
			}
		})
	}
}

// cleanPhone is a checklist of a phone as new, in its sealed box.
func cleanPhone() map[string]any {
	return map[string]any{"packaging": "sealed", "used": false, "powers_on": true, "functions_ok": true, "cosmetic": "none",
		"liquid_damage": false, "account_locked": false, "accessories_complete": true}
}

func with(m map[string]any, k string, v any) map[string]any {
	m[k] = v
	return m
}

func TestInspectTable(t *testing.T) {
	cases := []struct {
		name        string
		in          station.InspectInput
		confirmed   bool // the unit was confirmed before
		errCode     string
		errKey      string
		grade       string // "" = not checked
		disposition string
		decision    string
		rule        string
	}{
		{name: "sealed phone, right serial, in time: refund in full and restock",
			in: station.InspectInput{Checklist: cleanPhone(), Serial: phoneSN}, grade: "A", disposition: "restock",
			decision: station.RefundFull, rule: "intact"},
		{name: "used phone under the no-reason policy: refused and sent back",
			in:          station.InspectInput{Checklist: with(cleanPhone(), "used", true), Serial: phoneSN},
			disposition: "return_to_customer", decision: station.RefundReject, rule: "not_intact"},
		{name: "serial not the one sold: held for a supervisor",
			in:          station.InspectInput{Checklist: cleanPhone(), Serial: "SN-OTHER"},
			disposition: "quarantine", decision: station.RefundEscalate, rule: "finding_needs_review"},
		{name: "an answer of the wrong type is refused",
			in: station.InspectInput{Checklist: with(cleanPhone(), "powers_on", "maybe")}, errCode: station.EInvalid},
		{name: "a question the checklist does not have is refused",
			in: station.InspectInput{Checklist: with(cleanPhone(), "smells_nice", true)}, errCode: station.EInvalid},
		{name: "notes longer than 2000 characters are refused",
			in: station.InspectInput{Checklist: cleanPhone(), Notes: string(make([]byte, 2001))}, errCode: station.EInvalid, errKey: "notes_long"},
		{name: "a confirmed unit is not inspected again",
			in: station.InspectInput{Checklist: cleanPhone(), Serial: phoneSN}, confirmed: true, errCode: station.EConflict, errKey: "unit_confirmed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, p := receivedFor(t)
			u := f.addUnit(t, p.ID, phoneGTIN)
			if c.confirmed {
				if _, err := station.Inspect(f.tx, f.env, u.ID, station.InspectInput{Checklist: cleanPhone(), Serial: phoneSN}); err != nil {
					t.Fatal(err)
				}
				if _, err := station.Confirm(f.tx, f.env, u.ID, station.ConfirmInput{}); err != nil {
					t.Fatal(err)
				}
			}
			before := f.mark()
			beforeUnit := f.tx.units[u.ID]
			got, err := station.Inspect(f.tx, f.env, u.ID, c.in)
			if got := f.eventsSince(t, before); len(got) != 0 {
				t.Errorf("events of an inspection: got %v, want none (nothing is final until confirm)", got)
			}
			if c.errCode != "" {
				if c.errKey != "" {
					wantErr(t, err, c.errCode, c.errKey)
				} else if se := (*station.Error)(nil); !errors.As(err, &se) || se.Code != c.errCode {
					t.Fatalf("got error %v, want a %s error", err, c.errCode)
				}
				if string(f.tx.units[u.ID]) != string(beforeUnit) {
					t.Errorf("unit changed by a refused inspection")
				}
				return
			}
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			stored, _ := f.tx.Unit(u.ID)
			s := stored.Suggestion
			if s == nil {
				t.Fatalf("no suggestion stored")
			}
			if stored.Serial != c.in.Serial || stored.Status != station.UnitInspecting {
				t.Errorf("serial/status: got %q/%q, want %q/%q", stored.Serial, stored.Status, c.in.Serial, station.UnitInspecting)
			}
			if c.grade != "" && s.Grade != c.grade {
				t.Errorf("grade: got %s, want %s", s.Grade, c.grade)
			}
			if s.Disposition != c.disposition || s.Refund.Decision != c.decision || s.Refund.Rule != c.rule {
				t.Errorf("disposition/decision/rule: got %s/%s/%s, want %s/%s/%s", s.Disposition, s.Refund.Decision, s.Refund.Rule,
					c.disposition, c.decision, c.rule)
			}
			if got.Suggestion == nil || got.Suggestion.Grade != s.Grade {
				t.Errorf("returned suggestion %+v differs from the stored one %+v", got.Suggestion, s)
			}
		})
	}
}

func TestConfirmTable(t *testing.T) {
	cases := []struct {
		name        string
		checklist   map[string]any
		serial      string
		confirmed   bool // confirmed once already (a regrade)
		role        string
		in          station.ConfirmInput
		errCode     string
		errKey      string
		grade       string
		disposition string
		decision    string
		override    bool
		events      []string
		event       string // the event carrying the result
		exc         string // exception opened
	}{
		{name: "operator confirms the suggestion", checklist: cleanPhone(), serial: phoneSN, role: station.RoleOperator,
			grade: "A", disposition: "restock", decision: station.RefundFull,
			events: []string{station.EventUnitInspected}, event: station.EventUnitInspected},
		{name: "a phone without its serial cannot be confirmed", checklist: cleanPhone(), role: station.RoleOperator,
			errCode: station.EInvalid, errKey: "serial_required"},
		{name: "an unanswered checklist cannot be confirmed", checklist: map[string]any{}, serial: phoneSN, role: station.RoleOperator,
			errCode: station.EInvalid},
		{name: "operator may not override the grade", checklist: cleanPhone(), serial: phoneSN, role: station.RoleOperator,
			in: station.ConfirmInput{Grade: "B", OverrideReason: "box dented"}, errCode: station.EForbidden, errKey: "role_needed"},
		{name: "supervisor override needs a reason", checklist: cleanPhone(), serial: phoneSN, role: station.RoleSupervisor,
			in: station.ConfirmInput{Grade: "B"}, errCode: station.EInvalid, errKey: "override_reason_needed"},
		{name: "supervisor overrides to open box with a reason", checklist: cleanPhone(), serial: phoneSN, role: station.RoleSupervisor,
			in:    station.ConfirmInput{Grade: "B", OverrideReason: "box dented"},
			grade: "B", disposition: "open_box", decision: station.RefundFull, override: true,
			events: []string{station.EventUnitInspected}, event: station.EventUnitInspected},
		{name: "an unknown grade is refused", checklist: cleanPhone(), serial: phoneSN, role: station.RoleSupervisor,
			in: station.ConfirmInput{Grade: "Z", OverrideReason: "x"}, errCode: station.EInvalid, errKey: "grade_unknown"},
		{name: "a refunded unit sent back to the customer contradicts itself", checklist: cleanPhone(), serial: phoneSN, role: station.RoleSupervisor,
			in: station.ConfirmInput{Disposition: "return_to_customer", OverrideReason: "x"}, errCode: station.EInvalid},
		{name: "wrong serial is held with a serial exception", checklist: cleanPhone(), serial: "SN-OTHER", role: station.RoleOperator,
			disposition: "quarantine", decision: station.RefundEscalate,
			events: []string{station.EventUnitInspected, station.EventParcelException}, event: station.EventUnitInspected, exc: station.ExSerialMismatch},
		{name: "operator may not regrade a confirmed unit", checklist: cleanPhone(), serial: phoneSN, confirmed: true, role: station.RoleOperator,
			errCode: station.EForbidden, errKey: "role_needed"},
		{name: "supervisor regrades a confirmed unit with a reason", checklist: cleanPhone(), serial: phoneSN, confirmed: true, role: station.RoleSupervisor,
			in:    station.ConfirmInput{Grade: "B", OverrideReason: "scratch found at put-away"},
			grade: "B", disposition: "open_box", decision: station.RefundFull, override: true,
			events: []string{station.EventUnitRegraded}, event: station.EventUnitRegraded},
		{name: "a regrade that leaves the refund to a person opens the review exception", checklist: cleanPhone(), serial: phoneSN, confirmed: true, role: station.RoleSupervisor,
			in:          station.ConfirmInput{OverrideReason: "customer disputes the grade", RefundDecision: station.RefundEscalate, RefundReason: "central to decide after the dispute"},
			disposition: "quarantine", decision: station.RefundEscalate, override: true,
			events: []string{station.EventUnitRegraded, station.EventParcelException}, event: station.EventUnitRegraded, exc: station.ExNeedsReview},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, p := receivedFor(t)
			u := f.addUnit(t, p.ID, phoneGTIN)
			if _, err := station.Inspect(f.tx, f.env, u.ID, station.InspectInput{Checklist: c.checklist, Serial: c.serial}); err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			if c.confirmed {
				if _, err := station.Confirm(f.tx, f.env, u.ID, station.ConfirmInput{}); err != nil {
					t.Fatalf("first Confirm: %v", err)
				}
			}
			before, beforeUnit, excs := f.mark(), f.tx.units[u.ID], len(f.tx.exceptions)
			_, err := station.Confirm(f.tx, f.as(c.role), u.ID, c.in)
			if c.errCode != "" {
				if c.errKey != "" {
					wantErr(t, err, c.errCode, c.errKey)
				} else if se := (*station.Error)(nil); !errors.As(err, &se) || se.Code != c.errCode {
					t.Fatalf("got error %v, want a %s error", err, c.errCode)
				}
				if string(f.tx.units[u.ID]) != string(beforeUnit) {
					t.Errorf("unit changed by a refused confirmation")
				}
				if got := f.eventsSince(t, before); len(got) != 0 {
					t.Errorf("events after a refused confirmation: got %v, want none", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Confirm: %v", err)
			}
			stored, _ := f.tx.Unit(u.ID)
			r := stored.Result
			if stored.Status != station.UnitInspected || r == nil {
				t.Fatalf("status: got %q (result %v), want %q with a result", stored.Status, r, station.UnitInspected)
			}
			if c.grade != "" && r.Grade != c.grade {
				t.Errorf("grade: got %s, want %s", r.Grade, c.grade)
			}
			if r.Disposition != c.disposition || r.Refund.Decision != c.decision || r.Override != c.override {
				t.Errorf("disposition/decision/override: got %s/%s/%v, want %s/%s/%v", r.Disposition, r.Refund.Decision, r.Override,
					c.disposition, c.decision, c.override)
			}
			if r.Inspector != "user:"+c.role {
				t.Errorf("inspector: got %q, want %q", r.Inspector, "user:"+c.role)
			}
			sameList(t, "events", f.eventsSince(t, before), c.events)
			d := f.data(t, c.event)
			checkField(t, c.event, d, "unit_id", u.ID)
			checkField(t, c.event, d, "rma", rmaID)
			checkField(t, c.event, d, "line", 1)
			checkField(t, c.event, d, "grade", r.Grade)
			checkField(t, c.event, d, "disposition", c.disposition)
			checkField(t, c.event, d, "inspector", "user:"+c.role)
			if refund, _ := d["refund"].(map[string]any); refund == nil || refund["decision"] != c.decision {
				t.Errorf("%s refund: got %v, want decision %s", c.event, d["refund"], c.decision)
			}
			if c.override {
				checkField(t, c.event, d, "override_reason", c.in.OverrideReason)
				checkField(t, c.event, d, "suggested_grade", "A")
			} else if _, ok := d["override_reason"]; ok {
				t.Errorf("%s override_reason: got %v, want none without an override", c.event, d["override_reason"])
			}
			if c.event == station.EventUnitRegraded {
				checkField(t, c.event, d, "previous_grade", "A")
				if r.PreviousGrade != "A" {
					t.Errorf("previous grade: got %q, want A", r.PreviousGrade)
				}
			}
			if c.exc != "" {
				exs, _ := f.tx.ExceptionsByParcel(p.ID)
				found := false
				for _, e := range exs {
					found = found || (e.Code == c.exc && e.UnitID == u.ID && e.State == station.ExOpen)
				}
				if !found {
					t.Errorf("exceptions: got %+v, want an open %s about unit %s", exs, c.exc, u.ID)
				}
			} else if got := len(f.tx.exceptions); got != excs {
				t.Errorf("exceptions: got %d, want %d", got, excs)
			}
		})
	}
}

func TestPutReturnTable(t *testing.T) {
	newWaybill := func(r *station.ReturnAuthorization) *station.ReturnAuthorization {
		r.ReturnShipments = []station.ReturnShipment{{Carrier: "yto", Tracking: "YT9876543210987"}}
		return r
	}
	cases := []struct {
		name    string
		setup   func(t *testing.T, f *fixture)
		r       *station.ReturnAuthorization
		errKey  bool // refused as invalid
		applied bool
		version int64  // version stored after
		matched int    // parcels matched
		carrier string // of the matched parcel
		events  []string
		findBy  map[string]bool // code → whether it finds the RMA afterwards
		exc     string          // exception opened on the waiting parcel
	}{
		{name: "a new RMA is stored and found by waybill, RMA and order number", r: waitingRMA(1, station.RMAApproved),
			applied: true, version: 1, events: []string{station.EventRMAUpserted},
			findBy: map[string]bool{waybill: true, "RMA20260001": true, "JD77881234": true, "YT9876543210987": false}},
		{name: "an older version is ignored",
			setup: func(t *testing.T, f *fixture) { f.put(t, waitingRMA(3, station.RMAApproved)) },
			r:     waitingRMA(2, station.RMACancelled), version: 3},
		{name: "the same version again is ignored",
			setup: func(t *testing.T, f *fixture) { f.put(t, waitingRMA(3, station.RMAApproved)) },
			r:     waitingRMA(3, station.RMACancelled), version: 3},
		{name: "a newer version replaces it and its old waybill no longer finds it",
			setup: func(t *testing.T, f *fixture) { f.put(t, waitingRMA(1, station.RMAApproved)) },
			r:     newWaybill(waitingRMA(2, station.RMAApproved)), applied: true, version: 2, events: []string{station.EventRMAUpserted},
			findBy: map[string]bool{waybill: false, "YT9876543210987": true}},
		{name: "a parcel that arrived first is matched by its waybill",
			setup: func(t *testing.T, f *fixture) { f.receive(t, waybill) },
			r:     waitingRMA(1, station.RMAApproved), applied: true, version: 1, matched: 1, carrier: "SF",
			events: []string{station.EventRMAUpserted, station.EventParcelMatched}},
		{name: "a parcel that arrived first under the order number is matched",
			setup: func(t *testing.T, f *fixture) { f.receive(t, orderID) },
			r:     waitingRMA(1, station.RMAApproved), applied: true, version: 1, matched: 1,
			events: []string{station.EventRMAUpserted, station.EventParcelMatched}},
		{name: "cancelled after the goods arrived opens an exception",
			setup: func(t *testing.T, f *fixture) { f.put(t, waitingRMA(1, station.RMAApproved)); f.receive(t, waybill) },
			r:     waitingRMA(2, station.RMACancelled), applied: true, version: 2,
			events: []string{station.EventRMAUpserted, station.EventParcelException}, exc: station.ExRMACancelled},
		{name: "an RMA without lines is refused", r: func() *station.ReturnAuthorization {
			r := waitingRMA(1, station.RMAApproved)
			r.Lines = nil
			return r
		}(), errKey: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			if c.setup != nil {
				c.setup(t, f)
			}
			before, rmas := f.mark(), len(f.tx.rmas)
			res, err := station.PutReturn(f.tx, f.env, c.r, "pull")
			if c.errKey {
				var se *station.Error
				if !errors.As(err, &se) || se.Code != station.EInvalid {
					t.Fatalf("got error %v, want an invalid-input error", err)
				}
				if len(f.tx.rmas) != rmas || len(f.eventsSince(t, before)) != 0 {
					t.Errorf("a refused RMA changed the store")
				}
				return
			}
			if err != nil {
				t.Fatalf("PutReturn: %v", err)
			}
			if res.Applied != c.applied || len(res.Matched) != c.matched {
				t.Errorf("applied/matched: got %v/%v, want %v/%d parcels", res.Applied, res.Matched, c.applied, c.matched)
			}
			stored, _ := f.tx.RMA(rmaID)
			if stored == nil || stored.Version != c.version {
				t.Fatalf("stored RMA: got %+v, want version %d", stored, c.version)
			}
			if res.RMA.Version != c.version {
				t.Errorf("answer's RMA version: got %d, want %d", res.RMA.Version, c.version)
			}
			sameList(t, "events", f.eventsSince(t, before), c.events)
			if c.applied {
				d := f.data(t, station.EventRMAUpserted)
				checkField(t, "rma.upserted", d, "rma", rmaID)
				checkField(t, "rma.upserted", d, "version", c.version)
				checkField(t, "rma.upserted", d, "how", "pull")
			}
			for code, want := range c.findBy {
				r, err := station.FindReturn(f.tx, code)
				if got := err == nil && r != nil && r.RMA == rmaID; got != want {
					t.Errorf("FindReturn(%s): got %v (%v), want found=%v", code, r, err, want)
				}
			}
			for _, id := range res.Matched {
				p, _ := f.tx.Parcel(id)
				if p.RMA != rmaID || p.OrderID != orderID || p.MatchedHow != "pull" || p.Carrier != c.carrier {
					t.Errorf("matched parcel RMA/order/how/carrier: got %q/%q/%q/%q, want %q/%q/pull/%q", p.RMA, p.OrderID, p.MatchedHow, p.Carrier, rmaID, orderID, c.carrier)
				}
				exs, _ := f.tx.ExceptionsByParcel(id)
				for _, e := range exs {
					if e.Code == station.ExUnmatched && e.State != station.ExResolved {
						t.Errorf("unmatched exception of parcel %s: got %s, want resolved", id, e.State)
					}
				}
				checkField(t, "parcel.matched", f.data(t, station.EventParcelMatched), "parcel_id", id)
			}
			if c.exc != "" {
				checkField(t, "parcel.exception", f.data(t, station.EventParcelException), "code", c.exc)
			}
		})
	}
}
