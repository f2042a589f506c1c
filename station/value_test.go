package station_test

import (
	"fmt"
	"testing"
	"time"

	"returns-station/station"
)

// pctOf is price × pct / 100 in cents, rounded half up: the recovery a
// person works out with a calculator.
func pctOf(cents int64, pct int) int64 { return (cents*int64(pct) + 50) / 100 }

// handlingCents prices minutes at an hourly rate in cents.
func handlingCents(min, ratePerHour int64) int64 { return (min*ratePerHour + 30) / 60 }

func money(c int64) string {
	if c < 0 {
		return "-" + money(-c)
	}
	return fmt.Sprintf("%d.%02d", c/100, c%100)
}

// A scripted few days: each confirmed unit is valued at the line's price ×
// the supervisor's factor for its disposition (and grade), handling is
// priced from the minutes between starting and confirming it, freight paid
// at the dock counts once per parcel; a regrade re-values the unit in its
// first day, a voided unit leaves the figures. The expected figures are
// worked out here from the script, not by the code under test.
func TestValueFiguresScriptedDays(t *testing.T) {
	f := newFixture(t)
	var now time.Time
	f.env.Now = func() time.Time { return now }
	at := func(s string) { // warehouse time, Asia/Shanghai
		t.Helper()
		var err error
		if now, err = time.ParseInLocation("2006-01-02 15:04:05", s, time.FixedZone("CST", 8*3600)); err != nil {
			t.Fatal(err)
		}
	}
	sup := f.as(station.RoleSupervisor)
	sup.Now = f.env.Now

	// The supervisor's own factors: the expectations below use this table.
	factor := map[string]int{"restock": 80, "open_box": 50}
	const gradeARestock, otherPct, ratePerHour, maxMin = 90, 10, 6000, 25 // cents per hour; minutes
	rs := station.DefaultRules()
	rs.Value = &station.ValueRules{Currency: "CNY", HandlingPerHour: money(ratePerHour), MaxHandlingMin: maxMin,
		Recovery: []station.RecoveryFactor{{Disposition: "restock", Grade: "A", Pct: gradeARestock}}}
	for _, d := range rs.Dispositions {
		pct, ok := factor[d.Code]
		if !ok {
			pct = otherPct
		}
		rs.Value.Recovery = append(rs.Value.Recovery, station.RecoveryFactor{Disposition: d.Code, Pct: pct})
	}
	pctFor := func(grade, disp string) int {
		if grade == "A" && disp == "restock" {
			return gradeARestock
		}
		if p, ok := factor[disp]; ok {
			return p
		}
		return otherPct
	}
	at("2026-03-01 09:00:00")
	if _, err := station.ReplaceRules(f.tx, sup, rs); err != nil {
		t.Fatalf("the supervisor's value rules were refused: %v", err)
	}

	phones := waitingRMA(1, station.RMAApproved) // a phone at 1999.00 and two cases at 30.00
	dress := waitingRMA(1, station.RMAApproved)
	dress.RMA, dress.OrderID = "RMA-2026-0002", "JD-7788-9999"
	dress.ReturnShipments = []station.ReturnShipment{{Carrier: "yto", Tracking: "YT2412345678001"}}
	dress.Lines = []station.RMALine{{Line: 1, SKU: "DRS-SUM-23", Name: "碎花连衣裙", Category: "女装/连衣裙", Qty: 1, UnitPrice: "259.00"}}
	f.put(t, phones)
	f.put(t, dress)

	want := map[string]*figures{} // day + " " + category
	wantAt := func(day, cat string) *figures {
		k := day + " " + cat
		if want[k] == nil {
			want[k] = &figures{}
		}
		return want[k]
	}

	// 2 March, 10:00 in the warehouse: the phones' parcel, freight collect 12.50.
	at("2026-03-02 10:00:00")
	res, err := station.Receive(f.tx, f.env, station.ReceiveInput{Code: waybill, Freight: "12.5"})
	if err != nil {
		t.Fatal(err)
	}
	parcel := res.Parcel
	wantAt("2026-03-02", "electronics").freight += 1250
	wantAt("2026-03-02", "electronics").freightParcels++

	confirm := func(env station.Env, unit string, checklist map[string]any, serial string, in station.ConfirmInput, started, done string) *station.Unit {
		t.Helper()
		at(started)
		u := f.addUnit(t, parcel.ID, unit)
		if _, err := station.Inspect(f.tx, f.env, u.ID, station.InspectInput{Checklist: checklist, Serial: serial}); err != nil {
			t.Fatalf("inspect %s: %v", unit, err)
		}
		at(done)
		u, err := station.Confirm(f.tx, env, u.ID, in)
		if err != nil {
			t.Fatalf("confirm %s: %v", unit, err)
		}
		return u
	}
	// The phone, as new: 12 minutes on the bench.
	phone := confirm(f.env, phoneGTIN, cleanPhone(), phoneSN, station.ConfirmInput{}, "2026-03-02 10:05:00", "2026-03-02 10:17:00")
	if phone.Result.Grade != "A" || phone.Result.Disposition != "restock" {
		t.Fatalf("the clean phone graded %s/%s, want A/restock", phone.Result.Grade, phone.Result.Disposition)
	}
	w := wantAt("2026-03-02", "electronics")
	w.units, w.priced, w.price, w.recovery = 1, 1, 199900, pctOf(199900, gradeARestock)
	w.handMin, w.handCost = 12, handlingCents(12, ratePerHour)

	// A case, box opened: 7 min 40 s rounds to 8 minutes.
	openedCase := map[string]any{"packaging": "opened", "used": false, "damaged": false, "works": true}
	c1 := confirm(f.env, caseSKU, openedCase, "", station.ConfirmInput{}, "2026-03-02 10:20:00", "2026-03-02 10:27:40")
	w = wantAt("2026-03-02", "accessories")
	w.units, w.priced, w.price, w.recovery = 1, 1, 3000, pctOf(3000, pctFor(c1.Result.Grade, c1.Result.Disposition))
	w.handMin, w.handCost = 8, handlingCents(8, ratePerHour)

	// The second case, confirmed, then voided by a supervisor: it counts for nothing.
	c2 := confirm(f.env, caseSKU, openedCase, "", station.ConfirmInput{}, "2026-03-02 10:30:00", "2026-03-02 10:33:00")
	at("2026-03-02 10:40:00")
	if _, err := station.VoidUnit(f.tx, sup, c2.ID, station.VoidInput{Reason: "scanned twice"}); err != nil {
		t.Fatal(err)
	}

	// 3 March, 01:00 in the warehouse (still 2 March in UTC): the dress, no freight known.
	at("2026-03-03 01:00:00")
	res, err = station.Receive(f.tx, f.env, station.ReceiveInput{Code: "YT2412345678001"})
	if err != nil {
		t.Fatal(err)
	}
	parcel = res.Parcel
	cleanDress := map[string]any{"tags_attached": true, "worn": false, "washed": false, "stains_or_odour": false, "fabric_fault": false, "packaging": "sealed"}
	// 30 minutes between starting and confirming it: counted as the cap, 25.
	d := confirm(f.env, "DRS-SUM-23", cleanDress, "", station.ConfirmInput{}, "2026-03-03 01:02:00", "2026-03-03 01:32:00")
	w = wantAt("2026-03-03", "apparel")
	w.units, w.priced, w.price, w.recovery = 1, 1, 25900, pctOf(25900, pctFor(d.Result.Grade, d.Result.Disposition))
	w.handMin, w.handCost = maxMin, handlingCents(maxMin, ratePerHour)

	// 4 March: a supervisor regrades the phone to D; it is re-valued in its first day.
	at("2026-03-04 15:00:00")
	phone, err = station.Confirm(f.tx, sup, phone.ID, station.ConfirmInput{Grade: "D", OverrideReason: "screen flickers"})
	if err != nil {
		t.Fatal(err)
	}
	if phone.Result.Disposition == "restock" {
		t.Fatalf("a D phone restocked")
	}
	wantAt("2026-03-02", "electronics").recovery = pctOf(199900, pctFor("D", phone.Result.Disposition))

	check := func(from, to string) {
		t.Helper()
		fd, _ := time.Parse(time.DateOnly, from)
		td, _ := time.Parse(time.DateOnly, to)
		rep, err := station.ValueFigures(f.tx, fd, td)
		if err != nil {
			t.Fatal(err)
		}
		cats, days, total := map[string]*figures{}, map[string]*figures{}, &figures{}
		for k, v := range want {
			day, cat := k[:10], k[11:]
			if day < from || day > to {
				continue
			}
			for _, s := range []*figures{at2(cats, cat), at2(days, day), total} {
				s.units += v.units
				s.priced += v.priced
				s.price += v.price
				s.recovery += v.recovery
				s.handMin += v.handMin
				s.handCost += v.handCost
				s.freight += v.freight
				s.freightParcels += v.freightParcels
			}
		}
		same := func(what string, r *station.ValueRow, e *figures) {
			t.Helper()
			if r.Currency != "CNY" || r.Units != e.units || r.Priced != e.priced || r.Price != money(e.price) || r.Recovery != money(e.recovery) ||
				r.HandlingMin != e.handMin || r.HandlingCost != money(e.handCost) || r.Freight != money(e.freight) || r.FreightParcels != e.freightParcels ||
				r.Cost != money(e.freight+e.handCost) || r.Net != money(e.recovery-e.freight-e.handCost) {
				t.Errorf("%s %s..%s: got %+v\nwant %+v (cost %s, net %s)", what, from, to, *r, *e, money(e.freight+e.handCost), money(e.recovery-e.freight-e.handCost))
			}
		}
		if len(rep.Categories) != len(cats) || len(rep.Days) != len(days) || len(rep.Totals) != 1 {
			for _, r := range rep.Categories {
				t.Logf("%+v", *r)
			}
			t.Fatalf("%s..%s: %d categories, %d days, %d totals; want %d, %d, 1", from, to, len(rep.Categories), len(rep.Days), len(rep.Totals), len(cats), len(days))
		}
		for i, r := range rep.Categories {
			same("category "+r.Category, r, cats[r.Category])
			if i > 0 && rep.Categories[i-1].RecoveryMinor < r.RecoveryMinor {
				t.Errorf("categories not in order of recovery: %s before %s", rep.Categories[i-1].Category, r.Category)
			}
		}
		for _, r := range rep.Days {
			same("day "+r.Day, r, days[r.Day])
		}
		same("total", rep.Totals[0], total)
	}
	check("2026-03-01", "2026-03-07")
	check("2026-03-03", "2026-03-03")
	check("2026-03-02", "2026-03-02")
}

// figures are the expected value figures of a day, category or range.
type figures struct {
	units, priced, price, recovery, handMin, handCost, freight, freightParcels int64
}

func at2(m map[string]*figures, k string) *figures {
	if m[k] == nil {
		m[k] = &figures{}
	}
	return m[k]
}

// The value section of the rules is checked like the rest: unknown
// dispositions and grades, shares outside 0–100, a disposition without a
// share, a bad currency or rate are refused naming the field.
func TestValueRulesValidation(t *testing.T) {
	rs := station.DefaultRules()
	rs.Value = &station.ValueRules{Currency: "yuan", HandlingPerHour: "-3", MaxHandlingMin: -1, Recovery: []station.RecoveryFactor{
		{Disposition: "restock", Pct: 120}, {Disposition: "melt_down", Pct: 5}, {Disposition: "restock", Grade: "Q", Pct: 50}, {Disposition: "restock", Pct: 80}}}
	err := rs.Validate()
	if err == nil {
		t.Fatal("bad value rules accepted")
	}
	fields := map[string]bool{}
	for _, fe := range err.(*station.Error).Fields {
		fields[fe.Field] = true
	}
	for _, f := range []string{"value.currency", "value.handling_per_hour", "value.max_handling_min", "value.recovery[0].pct", "value.recovery[1].disposition", "value.recovery[2].grade", "value.recovery[3]", "value.recovery"} {
		if !fields[f] {
			t.Errorf("no problem named %s; got %v", f, fields)
		}
	}
	// Without a value section, the built-in factors apply.
	rs = station.DefaultRules()
	rs.Value = nil
	if err := rs.Validate(); err != nil {
		t.Fatalf("rules without a value section refused: %v", err)
	}
	if rs.RecoveryPct("A", "restock") != station.DefaultRules().RecoveryPct("A", "restock") || rs.RecoveryPct("A", "restock") == 0 {
		t.Errorf("rules without a value section do not use the built-in factors")
	}
}
