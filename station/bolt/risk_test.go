package bolt_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"returns-station/station"
	"returns-station/station/bolt"
)

// riskScript is a station on a real bbolt file with a clock the test moves:
// each rule of the risk alarms is scripted over days and checked against
// figures the test works out by itself.
type riskScript struct {
	t   *testing.T
	db  *bolt.DB
	now time.Time
	ids *station.IDSource
	n   int
}

func newRiskScript(t *testing.T) *riskScript {
	s := &riskScript{t: t, now: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)}
	s.ids = station.NewIDSource(func() time.Time { return s.now }, rand.Reader)
	s.open(filepath.Join(t.TempDir(), "station.db"))
	t.Cleanup(func() { // the store open last, after any reopening
		if err := s.db.Check(); err != nil {
			t.Errorf("integrity check: %v", err)
		}
		s.db.Close()
	})
	return s
}

func (s *riskScript) open(path string) {
	s.t.Helper()
	db, err := bolt.Open(path, bolt.Options{StationID: "st-t"})
	if err != nil {
		s.t.Fatal(err)
	}
	s.db = db
}

func (s *riskScript) env(actor, role string) station.Env {
	return station.Env{StationID: "st-t", Actor: actor, Role: role, Now: func() time.Time { return s.now }, NewID: s.ids.New}
}

// do runs fn as one command of actor and fails the test on an error.
func (s *riskScript) do(actor, role string, fn func(tx station.Tx, env station.Env) error) {
	s.t.Helper()
	env := s.env(actor, role)
	if _, err := s.db.Update(context.Background(), nil, func(tx station.Tx) (any, error) { return nil, fn(tx, env) }); err != nil {
		s.t.Fatal(err)
	}
}

// rma stores a return of lines (sku, qty) for a customer and channel and
// returns its waybill.
func (s *riskScript) rma(channel, name, tail string, lines ...any) (rmaID, waybill string) {
	s.t.Helper()
	s.n++
	rmaID, waybill = fmt.Sprintf("RMA-R-%04d", s.n), fmt.Sprintf("SF%013d", 7000000000000+s.n)
	r := &station.ReturnAuthorization{RMA: rmaID, Version: 1, Status: station.RMAApproved, OrderID: "SO-" + rmaID,
		Policy: station.PolicyQuality, Channel: channel, Customer: station.Customer{Name: name, PhoneTail: tail},
		ReturnShipments: []station.ReturnShipment{{Carrier: "sf", Tracking: waybill}}}
	for i := 0; i < len(lines); i += 2 {
		r.Lines = append(r.Lines, station.RMALine{Line: i/2 + 1, SKU: lines[i].(string), Qty: lines[i+1].(int), UnitPrice: "100.00"})
	}
	s.do("user:central", station.RoleSupervisor, func(tx station.Tx, env station.Env) error {
		_, err := station.PutReturn(tx, env, r, "pull")
		return err
	})
	return rmaID, waybill
}

// receive scans a waybill at the dock with a weight (0: none).
func (s *riskScript) receive(waybill string, grams int) *station.Parcel {
	s.t.Helper()
	var p *station.Parcel
	in := station.ReceiveInput{Code: waybill}
	if grams > 0 {
		in.WeightG = &grams
	}
	s.do("user:dock", station.RoleOperator, func(tx station.Tx, env station.Env) error {
		res, err := station.Receive(tx, env, in)
		if err == nil {
			p = res.Parcel
		}
		return err
	})
	return p
}

var cleanAnswers = map[string]any{"packaging": "sealed", "used": false, "damaged": false, "works": true, "accessories_complete": true}

// inspect adds a unit to a parcel, answers the checklist (works=false: a
// defect) and confirms it, overriding the grade to B when override is set.
func (s *riskScript) inspect(actor, role, parcelID, code, serial string, works, override bool) *station.Unit {
	s.t.Helper()
	var u *station.Unit
	answers := map[string]any{}
	for k, v := range cleanAnswers {
		answers[k] = v
	}
	answers["works"] = works
	s.do(actor, role, func(tx station.Tx, env station.Env) error {
		res, err := station.AddUnit(tx, env, parcelID, station.AddUnitInput{Code: code})
		if err != nil {
			return err
		}
		if _, err := station.Inspect(tx, env, res.Unit.ID, station.InspectInput{Checklist: answers, Serial: serial}); err != nil {
			return err
		}
		in := station.ConfirmInput{}
		if override {
			in = station.ConfirmInput{Grade: "B", OverrideReason: "light marks the checklist does not ask about"}
		}
		u, err = station.Confirm(tx, env, res.Unit.ID, in)
		return err
	})
	return u
}

// alerts lists every alert raised so far, oldest first.
func (s *riskScript) alerts() []*station.Exception {
	s.t.Helper()
	var l *station.AlertList
	if err := s.db.View(func(tx station.Tx) (err error) {
		l, err = station.ListAlerts(tx, s.now.AddDate(-1, 0, 0), s.now.AddDate(0, 0, 1), station.AlertFilter{}, 1000)
		return err
	}); err != nil {
		s.t.Fatal(err)
	}
	sort.Slice(l.Alerts, func(i, j int) bool { return l.Alerts[i].ID < l.Alerts[j].ID })
	return l.Alerts
}

func (s *riskScript) alertsOf(kind string) []*station.Exception {
	var out []*station.Exception
	for _, a := range s.alerts() {
		if a.Alert.Kind == kind {
			out = append(out, a)
		}
	}
	return out
}

// raisedEvents decodes every returns.alert.raised strictly into its Go type.
func (s *riskScript) raisedEvents() []station.AlertRaisedData {
	s.t.Helper()
	evs, err := s.db.EventsAfter(context.Background(), 0, 100000)
	if err != nil {
		s.t.Fatal(err)
	}
	var out []station.AlertRaisedData
	for _, e := range evs {
		if e.Type != station.EventAlertRaised {
			continue
		}
		var d station.AlertRaisedData
		dec := json.NewDecoder(bytes.NewReader(e.Data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&d); err != nil {
			s.t.Fatalf("alert event data %s: %v", e.Data, err)
		}
		if e.Subject != d.Subject || e.Actor != "system:risk" || d.AlertID == "" || d.ExceptionID != d.AlertID {
			s.t.Errorf("alert event: subject %q (data %q) actor %q id %q exception %q", e.Subject, d.Subject, e.Actor, d.AlertID, d.ExceptionID)
		}
		if d.Message.EN == "" || d.Message.ZH == "" || len(d.Figures) == 0 || len(d.Threshold) == 0 {
			s.t.Errorf("alert event lacks a message in both languages, figures or threshold: %s", e.Data)
		}
		out = append(out, d)
	}
	return out
}

func (s *riskScript) resolve(id string) {
	s.t.Helper()
	s.do("user:sup", station.RoleSupervisor, func(tx station.Tx, env station.Env) error {
		_, err := station.ResolveException(tx, env, id, station.ResolveInput{Action: station.ActDismiss, Note: "looked at it"})
		return err
	})
}

// threeSignificant rounds grams to three significant digits the way a
// person would write it, through the decimal formatter.
func threeSignificant(g int) int {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(g), 'g', 3, 64), 64)
	return int(f)
}

// lowerMedian is the middle of the sorted list (the lower middle of an even one).
func lowerMedian(list []int) int {
	s := append([]int(nil), list...)
	sort.Ints(s)
	return s[(len(s)-1)/2]
}

func TestRiskWeightLearnsMedianAndFlagsFarParcels(t *testing.T) {
	s := newRiskScript(t)
	// Five single-unit kettles weighed at receive: the fifth is an odd one
	// (a heavier box) that the median shrugs off. No sample ends on a tie.
	samples := []int{1483, 1523, 1512, 1497, 1911}
	var rounded []int
	for _, g := range samples {
		_, wb := s.rma("tmall", "李*", "0001", "KETTLE-1", 1)
		s.receive(wb, g)
		rounded = append(rounded, threeSignificant(g))
		s.now = s.now.Add(time.Hour)
	}
	want := lowerMedian(rounded)
	var lw station.LearnedWeight
	s.db.View(func(tx station.Tx) (err error) { lw, err = station.LearnedWeightOf(tx, "KETTLE-1"); return err })
	if lw.Samples != len(samples) || lw.MedianG != want {
		t.Fatalf("learned KETTLE-1: %d samples, median %d g; want %d samples, median %d g", lw.Samples, lw.MedianG, len(samples), want)
	}
	if n := len(s.alertsOf(station.AlertWeight)); n != 0 {
		t.Fatalf("%d weight alarms while the station was still learning", n)
	}

	th := station.DefaultAlarmRules.Weight
	far := func(g, expected int) bool {
		d := g - expected
		if d < 0 {
			d = -d
		}
		return d >= th.MinDiffG && float64(d) >= float64(th.TolerancePct)/100*float64(expected)
	}
	cases := []struct {
		name  string
		qty   int
		grams int
	}{
		{"heavier but within tolerance", 1, want * 120 / 100},
		{"two kettles, a little heavy", 2, 2*want + 90},
		{"lighter but within tolerance", 1, want * 80 / 100},
		{"an empty box", 1, 300},
		{"two kettles, one missing", 2, want + 40},
	}
	for _, c := range cases {
		before := len(s.alertsOf(station.AlertWeight))
		expected := c.qty * lowerMedian(rounded) // what the station has learned so far
		_, wb := s.rma("tmall", "赵*", "0002", "KETTLE-1", c.qty)
		p := s.receive(wb, c.grams)
		if c.qty == 1 { // a single-unit parcel is a sample, after it was checked
			rounded = append(rounded, threeSignificant(c.grams))
		}
		got := s.alertsOf(station.AlertWeight)
		if trip := far(c.grams, expected); trip != (len(got) == before+1) {
			t.Errorf("%s: %d g against %d g expected: want alarm %v, got %d new alarms", c.name, c.grams, expected, trip, len(got)-before)
		} else if trip {
			a := got[len(got)-1]
			if a.ParcelID != p.ID || a.Alert.Subject != "parcel/"+p.ID || a.Alert.Figures["expected_g"] != float64(expected) || a.Alert.Figures["weight_g"] != float64(c.grams) {
				t.Errorf("%s: alarm %+v on parcel %s, want expected_g %d weight_g %d", c.name, a.Alert, a.ParcelID, expected, c.grams)
			}
		}
	}
	// A return with a SKU not learned yet is not weighed against anything.
	_, wb := s.rma("tmall", "赵*", "0002", "KETTLE-1", 1, "MUG-1", 1)
	s.receive(wb, 50)
	if n := len(s.alertsOf(station.AlertWeight)); n != 2 {
		t.Errorf("weight alarms: got %d, want the 2 scripted ones", n)
	}
	// Only the single-unit parcels taught the station (three within
	// tolerance after learning, one empty box, none of the two-unit ones).
	s.db.View(func(tx station.Tx) (err error) { lw, err = station.LearnedWeightOf(tx, "KETTLE-1"); return err })
	if lw.Samples != len(rounded) || lw.MedianG != lowerMedian(rounded) {
		t.Errorf("KETTLE-1: %d samples, median %d g; want %d samples, median %d g (%v)", lw.Samples, lw.MedianG, len(rounded), lowerMedian(rounded), rounded)
	}
	if ev := s.raisedEvents(); len(ev) != 2 || ev[0].Kind != station.AlertWeight || ev[0].ParcelID == "" {
		t.Errorf("alert events: %+v", ev)
	}

	// A parcel weighed before its return is known is weighed against the
	// lines when the return arrives and matches it, and not learned from.
	early := s.receive("SF7999999999999", 400)
	s.do("user:central", station.RoleSupervisor, func(tx station.Tx, env station.Env) error {
		_, err := station.PutReturn(tx, env, &station.ReturnAuthorization{RMA: "RMA-LATE-1", Version: 1, Status: station.RMAApproved,
			OrderID: "SO-LATE-1", Policy: station.PolicyQuality, Customer: station.Customer{Name: "孙*", PhoneTail: "0003"},
			ReturnShipments: []station.ReturnShipment{{Carrier: "sf", Tracking: "SF7999999999999"}},
			Lines:           []station.RMALine{{Line: 1, SKU: "KETTLE-1", Qty: 1, UnitPrice: "100.00"}}}, "later_pull")
		return err
	})
	got := s.alertsOf(station.AlertWeight)
	if len(got) != 3 || got[2].ParcelID != early.ID || got[2].Alert.Figures["expected_g"] != float64(lowerMedian(rounded)) {
		t.Errorf("weight alarms after the late match: %d, the last %+v; want one on %s against %d g", len(got), got[len(got)-1].Alert, early.ID, lowerMedian(rounded))
	}
	s.db.View(func(tx station.Tx) (err error) { lw, err = station.LearnedWeightOf(tx, "KETTLE-1"); return err })
	if lw.Samples != len(rounded) {
		t.Errorf("KETTLE-1 samples after the late match: %d, want still %d", lw.Samples, len(rounded))
	}
}

func TestRiskCustomerPatternRaisedOnceWhileOpen(t *testing.T) {
	s := newRiskScript(t)
	th := station.DefaultAlarmRules.Customer
	// incident sends a wrong item (a unit not on the return) or an empty box.
	incident := func(channel, name, tail string, empty bool) *station.Parcel {
		_, wb := s.rma(channel, name, tail, "SHOE-1", 1)
		p := s.receive(wb, 0)
		if empty {
			s.do("user:bench", station.RoleOperator, func(tx station.Tx, env station.Env) error {
				_, err := station.CloseParcel(tx, env, p.ID)
				return err
			})
			return p
		}
		s.do("user:bench", station.RoleOperator, func(tx station.Tx, env station.Env) error {
			_, err := station.AddUnit(tx, env, p.ID, station.AddUnitInput{Code: "BRICK-99"})
			return err
		})
		return p
	}
	// The same masked name and phone tail on another channel is another
	// customer; two incidents further apart than the window do not add up.
	incident("jd", "王*", "1234", true)
	incident("jd", "王*", "1234", false)
	incident("tmall", "孙*", "8888", false)
	s.now = s.now.AddDate(0, 0, th.WindowDays)
	incident("tmall", "孙*", "8888", true)
	for i := 1; i < th.Count; i++ {
		incident("tmall", "王*", "1234", i%2 == 0)
		s.now = s.now.AddDate(0, 0, 10)
	}
	// An empty box the supervisor dismisses (the goods were found) is no
	// incident.
	p := incident("tmall", "王*", "1234", true)
	var excs, empty []*station.Exception
	s.db.View(func(tx station.Tx) (err error) { excs, err = tx.ExceptionsByParcel(p.ID); return err })
	for _, e := range excs {
		if e.Code == station.ExEmptyBox {
			empty = append(empty, e)
		}
	}
	if len(empty) != 1 {
		t.Fatalf("the empty box's exceptions: %d empty_box of %d", len(empty), len(excs))
	}
	if n := len(s.alertsOf(station.AlertCustomer)); n != 1 {
		t.Fatalf("the count-th incident raised %d customer alarms, want 1", n)
	}
	s.resolve(s.alertsOf(station.AlertCustomer)[0].ID)
	s.resolve(empty[0].ID) // dismissed: no incident after all
	if got := s.alertsOf(station.AlertCustomer); len(got) != 1 || got[0].State != station.ExResolved {
		t.Fatalf("near misses raised customer alarms: %+v", got)
	}
	s.now = s.now.Add(time.Hour)
	incident("tmall", "王*", "1234", true) // the count-th within the window, the dismissed one aside
	got := s.alertsOf(station.AlertCustomer)
	if len(got) != 2 || got[1].Alert.Subject != "customer/王*|1234|tmall" || got[1].Alert.Figures["count"] != float64(th.Count) {
		t.Fatalf("customer alarms: %d, want a second about customer/王*|1234|tmall with count %d: %+v", len(got), th.Count, got)
	}
	if !strings.Contains(got[1].Alert.Message.ZH, "王*") || !strings.Contains(got[1].Alert.Message.EN, "****1234") {
		t.Errorf("message does not name the masked customer: %+v", got[1].Alert.Message)
	}
	incident("tmall", "王*", "1234", false)
	if n := len(s.alertsOf(station.AlertCustomer)); n != 2 {
		t.Fatalf("raised again while open: %d alarms", n)
	}
	s.resolve(got[1].ID)
	incident("tmall", "王*", "1234", false)
	if n := len(s.alertsOf(station.AlertCustomer)); n != 3 {
		t.Fatalf("after the second was resolved, a new incident raised %d alarms in all, want 3", n)
	}
	var open map[string]int64
	s.db.View(func(tx station.Tx) (err error) { open, err = station.OpenAlertCounts(tx); return err })
	if open[station.AlertCustomer] != 1 {
		t.Errorf("open customer alarms: got %d, want 1", open[station.AlertCustomer])
	}
}

func TestRiskSerialReturnedBefore(t *testing.T) {
	s := newRiskScript(t)
	_, wb := s.rma("tmall", "周*", "2222", "PHONE-1", 1)
	p := s.receive(wb, 0)
	s.inspect("user:a", station.RoleOperator, p.ID, "PHONE-1", "SN-777", true, false)
	_, wb = s.rma("tmall", "吴*", "3333", "PHONE-1", 1)
	p = s.receive(wb, 0)
	s.inspect("user:a", station.RoleOperator, p.ID, "PHONE-1", "SN-778", true, false)
	if n := len(s.alertsOf(station.AlertSerial)); n != 0 {
		t.Fatalf("two different serials raised %d alarms", n)
	}
	s.now = s.now.AddDate(0, 2, 0)
	_, wb = s.rma("jd", "郑*", "4444", "PHONE-1", 1)
	p = s.receive(wb, 0)
	u := s.inspect("user:a", station.RoleOperator, p.ID, "PHONE-1", "SN-777", true, false)
	got := s.alertsOf(station.AlertSerial)
	if len(got) != 1 || got[0].Alert.Subject != "serial/SN-777" || got[0].UnitID != u.ID {
		t.Fatalf("serial alarms: %+v, want one about serial/SN-777 on unit %s", got, u.ID)
	}
}

func TestRiskSKUSpikeAgainstTrailingMean(t *testing.T) {
	s := newRiskScript(t)
	th := station.DefaultAlarmRules.SKU
	start := s.now
	// batch returns n units of sku in one parcel, defective or not.
	batch := func(sku string, n int, works bool) {
		_, wb := s.rma("tmall", "钱*", "5555", sku, n)
		p := s.receive(wb, 0)
		for i := 0; i < n; i++ {
			s.inspect("user:a", station.RoleOperator, p.ID, sku, "", works, false)
		}
	}
	// A trailing month: FAN-1 one a day (mean 1), FAN-2 two a day (mean 2);
	// HEATER-1 one a day, none defective.
	for d := th.TrailingDays; d >= 1; d-- {
		s.now = start.AddDate(0, 0, -d)
		batch("FAN-1", 1, true)
		batch("FAN-2", 2, true)
		batch("HEATER-1", 1, true)
	}
	s.now = start
	trips := func(today, past int) bool {
		mean := float64(past) / float64(th.TrailingDays)
		return today >= th.MinCount && float64(today) >= th.Factor*mean
	}
	for i := 1; i <= th.MinCount; i++ {
		batch("FAN-1", 1, true)
		batch("FAN-2", 1, true)
		for _, c := range []struct {
			sku  string
			past int
		}{{"FAN-1", th.TrailingDays}, {"FAN-2", 2 * th.TrailingDays}} {
			n := 0
			for _, a := range s.alertsOf(station.AlertSKUReturns) {
				if a.Alert.Subject == "sku/"+c.sku {
					n++
				}
			}
			if want := trips(i, c.past); want != (n == 1) || n > 1 {
				t.Errorf("%s after %d today (mean %.1f): %d alarms, want alarm %v", c.sku, i, float64(c.past)/float64(th.TrailingDays), n, want)
			}
		}
	}
	// A product first returned three days ago has no week of its own history:
	// a busy day of it is not called a jump, however many come back.
	for d := 3; d >= 1; d-- {
		s.now = start.AddDate(0, 0, -d)
		batch("LAMP-NEW", 1, true)
	}
	s.now = start
	batch("LAMP-NEW", 4*th.MinCount, false)
	for _, a := range append(s.alertsOf(station.AlertSKUReturns), s.alertsOf(station.AlertSKUDefects)...) {
		if a.Alert.Subject == "sku/LAMP-NEW" {
			t.Errorf("a SKU with three days of history raised %s: %s", a.Alert.Kind, a.Alert.Message.EN)
		}
	}
	// Defects: HEATER-1 had none; MinCount defective today trips it.
	batch("HEATER-1", th.MinCount-1, false)
	if n := len(s.alertsOf(station.AlertSKUDefects)); n != 0 {
		t.Fatalf("%d defects raised %d alarms, want none below %d", th.MinCount-1, n, th.MinCount)
	}
	_, wb := s.rma("tmall", "钱*", "5555", "HEATER-1", 1)
	p := s.receive(wb, 0)
	u := s.inspect("user:a", station.RoleOperator, p.ID, "HEATER-1", "", false, false)
	got := s.alertsOf(station.AlertSKUDefects)
	if len(got) != 1 || got[0].Alert.Figures["today"] != float64(th.MinCount) || got[0].Alert.Figures["trailing_mean"] != 0 {
		t.Fatalf("defect alarms: %+v", got)
	}
	// A regrade that finds no defect moves the unit out of the day's defects.
	s.do("user:sup", station.RoleSupervisor, func(tx station.Tx, env station.Env) error {
		_, err := station.Confirm(tx, env, u.ID, station.ConfirmInput{Grade: "A", OverrideReason: "the fault was a flat battery"})
		return err
	})
	var defects int64
	s.db.View(func(tx station.Tx) error {
		return tx.Counts("risk/d/HEATER-1/", func(c station.Counter) error { defects += c.N; return nil })
	})
	if defects != int64(th.MinCount-1) {
		t.Errorf("HEATER-1 defects after the regrade: got %d, want %d", defects, th.MinCount-1)
	}
}

func TestRiskInspectorOverrideRateStandsOut(t *testing.T) {
	s := newRiskScript(t)
	th := station.DefaultAlarmRules.Override
	_, wb := s.rma("tmall", "冯*", "6666", "TOY-1", 200)
	p := s.receive(wb, 0)
	units, regraded := map[string]int{}, map[string]int{} // regraded: overridden units, each once
	confirm := func(who string) *station.Unit {
		units[who]++
		return s.inspect(who, station.RoleOperator, p.ID, "TOY-1", "", true, false)
	}
	// A supervisor inspecting grades against the suggestion: overridden.
	confirmOverride := func(who string) *station.Unit {
		units[who]++
		regraded[who]++
		return s.inspect(who, station.RoleSupervisor, p.ID, "TOY-1", "", true, true)
	}
	regrade := func(who string, u *station.Unit, first bool) {
		s.do("user:sup", station.RoleSupervisor, func(tx station.Tx, env station.Env) error {
			_, err := station.Confirm(tx, env, u.ID, station.ConfirmInput{Grade: "C", OverrideReason: "scuffs the inspector missed"})
			return err
		})
		if first {
			regraded[who]++
		}
	}
	// expected says, from the test's own counts, whether who stands out now:
	// the share of the units who first confirmed that were graded against
	// the suggestion or regraded since.
	expected := func(who string) bool {
		all, allR := 0, 0
		for k, n := range units {
			all, allR = all+n, allR+regraded[k]
		}
		rate := 100 * float64(regraded[who]) / float64(units[who])
		return units[who] >= th.MinUnits && rate >= float64(th.MinRatePct) && rate >= th.Factor*100*float64(allR)/float64(all)
	}
	for i := 0; i < 30; i++ {
		confirm("user:a")
	}
	for i := 0; i < 20; i++ { // 10%: below the minimum rate; a unit regraded twice counts once
		u := confirm("user:b")
		if i%10 == 0 {
			regrade("user:b", u, true)
			regrade("user:b", u, false)
		}
	}
	for i := 0; i < 5; i++ { // a supervisor's own overrides, one regraded again: 5 overridden units
		u := confirmOverride("user:sup")
		if i == 0 {
			regrade("user:sup", u, false)
		}
	}
	tripped := -1
	check := func(step string) {
		t.Helper()
		n := len(s.alertsOf(station.AlertOverride))
		if want := expected("user:c"); tripped < 0 && want != (n == 1) {
			t.Fatalf("after %s: %d alarms, want alarm %v (user:c %d units, %d regraded)", step, n, want, units["user:c"], regraded["user:c"])
		} else if want && tripped < 0 {
			tripped = units["user:c"]
		}
		if n > 1 {
			t.Fatalf("raised %d times while open", n)
		}
	}
	for i := 0; i < 30; i++ { // every other unit regraded: 50%
		u := confirm("user:c")
		check(fmt.Sprintf("user:c's unit %d", i+1))
		if i%2 == 0 {
			regrade("user:c", u, true)
			check(fmt.Sprintf("the regrade of user:c's unit %d", i+1))
		}
	}
	if tripped < th.MinUnits {
		t.Fatalf("tripped at user:c's unit %d, before the minimum sample %d", tripped, th.MinUnits)
	}
	got := s.alertsOf(station.AlertOverride)
	if got[0].Alert.Subject != "inspector/user:c" || got[0].Alert.Figures["units"] != float64(tripped) {
		t.Errorf("override alarm: %+v, want inspector/user:c at %d units", got[0].Alert, tripped)
	}
	if n := len(s.alertsOf(station.AlertOverride)); n != 1 {
		t.Errorf("%d override alarms, want only user:c's", n)
	}
}

func TestRiskAgeAlarmRaisedOnce(t *testing.T) {
	s := newRiskScript(t)
	_, wb := s.rma("tmall", "陈*", "7777", "LAMP-1", 1)
	p := s.receive(wb, 0)
	_, wb2 := s.rma("tmall", "陈*", "7777", "LAMP-1", 1)
	done := s.receive(wb2, 0)
	s.do("user:bench", station.RoleOperator, func(tx station.Tx, env station.Env) error {
		_, err := station.CloseParcel(tx, env, done.ID)
		return err
	})
	received := s.now
	sweep := func(at time.Time) int {
		s.t.Helper()
		s.now = at
		open, err := s.db.OpenParcels(time.Unix(0, 0), 1000)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		s.do("system:ageing", station.RoleAdmin, func(tx station.Tx, env station.Env) (err error) {
			n, err = station.AlarmAgedParcels(tx, env, open, s.now, station.DefaultAgeAlarm)
			return err
		})
		return n
	}
	if n := sweep(received.Add(station.DefaultAgeAlarm - time.Minute)); n != 0 {
		t.Fatalf("a minute before the alarm: %d raised", n)
	}
	if n := sweep(received.Add(station.DefaultAgeAlarm)); n != 1 {
		t.Fatalf("at the alarm: %d raised, want 1 (the closed parcel raises none)", n)
	}
	got := s.alertsOf(station.AlertAge)
	if len(got) != 1 || got[0].Alert.Subject != "parcel/"+p.ID || got[0].Alert.Figures["age_hours"] != 48 {
		t.Fatalf("age alarms: %+v", got)
	}
	if n := sweep(received.Add(station.DefaultAgeAlarm + time.Hour)); n != 0 {
		t.Fatalf("an hour later: raised again (%d)", n)
	}
	s.resolve(got[0].ID)
	if n := sweep(received.Add(station.DefaultAgeAlarm + 2*time.Hour)); n != 0 {
		t.Fatalf("after it was resolved: raised again (%d); the alarm is raised once per parcel", n)
	}
}

func TestRiskThresholdsEditedInTheRules(t *testing.T) {
	s := newRiskScript(t)
	rs := station.DefaultRules()
	rs.Alarms.Customer.Count = 1
	rs.Alarms.SKU.Factor = 0.5
	var se *station.Error
	if err := rs.Validate(); !errors.As(err, &se) || len(se.Fields) != 2 || se.Fields[0].Field != "alarms.customer.count" || se.Fields[1].Field != "alarms.sku.factor" {
		t.Fatalf("count 1 and factor 0.5: got %v, want a problem naming alarms.customer.count and alarms.sku.factor", err)
	}
	rs = station.DefaultRules()
	rs.Alarms.Weight.Off = true
	s.do("user:sup", station.RoleSupervisor, func(tx station.Tx, env station.Env) error {
		_, err := station.ReplaceRules(tx, env, rs)
		return err
	})
	for i := 0; i < 6; i++ {
		_, wb := s.rma("tmall", "李*", "0001", "KETTLE-1", 1)
		s.receive(wb, 1500)
	}
	_, wb := s.rma("tmall", "李*", "0001", "KETTLE-1", 1)
	s.receive(wb, 200)
	if n := len(s.alertsOf(station.AlertWeight)); n != 0 {
		t.Errorf("weight alarm switched off, yet %d raised", n)
	}
}

// The risk figures and the alert index are counted from the events alone:
// re-counted from the log (as after an upgrade) they come back the same.
func TestRiskCountersRebuiltFromTheLog(t *testing.T) {
	s := newRiskScript(t)
	for _, g := range []int{980, 1010, 1003, 995, 1021, 1002} {
		_, wb := s.rma("tmall", "李*", "0001", "IRON-1", 1)
		s.receive(wb, g)
	}
	_, wb := s.rma("tmall", "李*", "0001", "IRON-1", 1)
	s.receive(wb, 120) // trips the weight alarm
	for i := 0; i < 3; i++ {
		_, wb := s.rma("jd", "王*", "1234", "IRON-1", 1)
		p := s.receive(wb, 0)
		s.do("user:bench", station.RoleOperator, func(tx station.Tx, env station.Env) error {
			_, err := station.CloseParcel(tx, env, p.ID)
			return err
		})
	}
	_, wb = s.rma("tmall", "钱*", "5555", "IRON-1", 2)
	p := s.receive(wb, 0)
	u := s.inspect("user:a", station.RoleOperator, p.ID, "IRON-1", "", false, false)
	s.inspect("user:sup", station.RoleSupervisor, p.ID, "IRON-1", "", true, true)
	s.do("user:sup", station.RoleSupervisor, func(tx station.Tx, env station.Env) error {
		_, err := station.Confirm(tx, env, u.ID, station.ConfirmInput{Grade: "A", OverrideReason: "flat battery"})
		return err
	})
	if got := s.alerts(); len(got) != 2 {
		t.Fatalf("scripted alerts: got %d, want the weight and the customer alarm", len(got))
	}
	s.resolve(s.alertsOf(station.AlertWeight)[0].ID)

	snapshot := func(db *bolt.DB) map[string]int64 {
		m := map[string]int64{}
		db.View(func(tx station.Tx) error {
			return tx.Counts("risk/", func(c station.Counter) error { m[c.Key] = c.N; return nil })
		})
		return m
	}
	before := snapshot(s.db)
	path := s.db.Path()
	s.db.Close()
	raw, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw.Update(func(tx *bbolt.Tx) error { return tx.Bucket([]byte("meta")).Put([]byte("tally_version"), []byte("old")) })
	raw.Close()
	s.open(path)
	after := snapshot(s.db)
	if len(before) == 0 || fmt.Sprint(before) != fmt.Sprint(after) {
		t.Fatalf("risk counters re-counted from the log differ:\nkept    %v\nrebuilt %v", before, after)
	}
	if before["risk/n/"+station.AlertCustomer] != 1 || before["risk/n/"+station.AlertWeight] != 0 {
		t.Errorf("open alerts by kind: %v", before)
	}
}

// A confirmed unit voided by mistake leaves the SKU's and its inspector's
// counts, and the serial alarm it raised is dismissed with it, so the alarm
// may be raised again.
func TestRiskVoidTakesTheUnitBackOut(t *testing.T) {
	s := newRiskScript(t)
	_, wb := s.rma("tmall", "周*", "2222", "LAMP-9", 1)
	p := s.receive(wb, 0)
	s.inspect("user:a", station.RoleOperator, p.ID, "LAMP-9", "SN-900", true, false)
	_, wb = s.rma("jd", "吴*", "3333", "LAMP-9", 2)
	p = s.receive(wb, 0)
	mistake := s.inspect("user:a", station.RoleOperator, p.ID, "LAMP-9", "SN-900", false, false) // defective, serial seen before
	s.inspect("user:sup", station.RoleSupervisor, p.ID, "LAMP-9", "SN-901", true, true)
	if got := s.alertsOf(station.AlertSerial); len(got) != 1 || got[0].UnitID != mistake.ID {
		t.Fatalf("serial alarms before the void: %+v", got)
	}
	// A regraded unit voided too: it leaves its first inspector's units and
	// regraded units.
	_, wb = s.rma("jd", "吴*", "3333", "LAMP-9", 1)
	p = s.receive(wb, 0)
	again := s.inspect("user:a", station.RoleOperator, p.ID, "LAMP-9", "SN-902", true, false)
	s.do("user:sup", station.RoleSupervisor, func(tx station.Tx, env station.Env) error {
		if _, err := station.Confirm(tx, env, again.ID, station.ConfirmInput{Grade: "C", OverrideReason: "scratched"}); err != nil {
			return err
		}
		if _, err := station.VoidUnit(tx, env, again.ID, station.VoidInput{Reason: "a demo unit, not a return"}); err != nil {
			return err
		}
		_, err := station.VoidUnit(tx, env, mistake.ID, station.VoidInput{Reason: "scanned the first parcel's lamp again"})
		return err
	})
	day := s.now.In(station.DefaultRules().Location()).Format(time.DateOnly)
	want := map[string]int64{ // what is left: the first lamp by user:a, the second by user:sup, overridden
		"risk/s/LAMP-9/" + day: 2, "risk/d/LAMP-9/" + day: 0,
		"risk/ou/user:a/" + day: 1, "risk/ou/user:sup/" + day: 1, "risk/oo/user:sup/" + day: 1, "risk/oo/user:a/" + day: 0,
		"risk/ot/u/" + day: 2, "risk/ot/o/" + day: 1, "risk/n/" + station.AlertSerial: 0,
	}
	got := map[string]int64{}
	s.db.View(func(tx station.Tx) error {
		return tx.Counts("risk/", func(c station.Counter) error { got[c.Key] = c.N; return nil })
	})
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: got %d, want %d", k, got[k], n)
		}
	}
	if a := s.alertsOf(station.AlertSerial); len(a) != 1 || a[0].State != station.ExResolved {
		t.Errorf("the voided unit's serial alarm: %+v, want it dismissed", a)
	}
}
