package station_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"returns-station/station"
)

// oneUnit is return n: qty units of sku sent back under one waybill of its
// own, by the customer of the waiting RMA. With qty 1 it is the kind of
// parcel the station learns the SKU's weight from.
func oneUnit(n int, sku string, qty int) *station.ReturnAuthorization {
	r := waitingRMA(1, station.RMAApproved)
	r.RMA, r.OrderID = fmt.Sprintf("RMA-2026-W%03d", n), fmt.Sprintf("JD-W-%03d", n)
	r.ReturnShipments = []station.ReturnShipment{{Carrier: "sf", Tracking: fmt.Sprintf("SF9%012d", n)}}
	r.Lines = []station.RMALine{{Line: 1, SKU: sku, Name: sku, Category: "手机壳", Qty: qty, UnitPrice: "30.00"}}
	return r
}

// weighed stores r and receives its parcel weighed at g grams.
func (f *fixture) weighed(t *testing.T, r *station.ReturnAuthorization, g int) *station.ReceiveResult {
	t.Helper()
	f.put(t, r)
	res, err := station.Receive(f.tx, f.env, station.ReceiveInput{Code: r.ReturnShipments[0].Tracking, WeightG: &g})
	if err != nil {
		t.Fatalf("Receive %s at %d g: %v", r.RMA, g, err)
	}
	return res
}

// alerts lists the alert exceptions of kind, open or resolved, oldest first.
func (f *fixture) alerts(t *testing.T, kind string) []*station.Exception {
	t.Helper()
	var out []*station.Exception
	err := visitAll(f.tx.exceptions, func(e *station.Exception) error {
		if e.Code == "alert_"+kind {
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// alertEvents lists the returns.alert.raised events of kind, oldest first.
func (f *fixture) alertEvents(t *testing.T, kind string) []*station.Event {
	t.Helper()
	var out []*station.Event
	for _, e := range f.tx.events {
		if e.Type == station.EventAlertRaised && strings.Contains(string(e.Data), `"kind":"`+kind+`"`) {
			out = append(out, e)
		}
	}
	return out
}

// openAlerts is the dashboard's count of open alerts of kind.
func (f *fixture) openAlerts(t *testing.T, kind string) int64 {
	t.Helper()
	n, err := station.OpenAlertCounts(f.tx)
	if err != nil {
		t.Fatal(err)
	}
	if len(n) < len(station.AlertKinds) {
		t.Errorf("open alert counts %v: want every kind listed, 0 included", n)
	}
	return n[kind]
}

// checkAlert checks what a supervisor and central see of one alert: the
// exception, and the returns.alert.raised event naming it with the same
// figures.
func checkAlert(t *testing.T, f *fixture, e *station.Exception, kind, subject string, figures, threshold map[string]float64) {
	t.Helper()
	if e.Code != "alert_"+kind || e.State != station.ExOpen || e.OpenedBy != "system:risk" || e.Alert == nil {
		t.Fatalf("alert exception %+v: want an open alert_%s opened by system:risk", e, kind)
	}
	if e.Alert.Kind != kind || e.Alert.Subject != subject {
		t.Errorf("alert %s about %s, want %s about %s", e.Alert.Kind, e.Alert.Subject, kind, subject)
	}
	if e.Alert.Message.EN == "" || e.Alert.Message.ZH == "" || !strings.Contains(e.Note, e.Alert.Message.EN) {
		t.Errorf("alert message %+v note %q: want both languages, in the note too", e.Alert.Message, e.Note)
	}
	var ev *station.Event
	for _, x := range f.tx.events {
		if x.Type == station.EventAlertRaised && strings.Contains(string(x.Data), `"alert_id":"`+e.ID+`"`) {
			ev = x
		}
	}
	if ev == nil {
		t.Fatalf("no returns.alert.raised event for alert %s", e.ID)
	}
	if ev.Actor != "system:risk" || ev.Subject != subject {
		t.Errorf("event actor %q subject %q, want system:risk and %s", ev.Actor, ev.Subject, subject)
	}
	var a station.AlertRaisedData
	if err := json.Unmarshal(ev.Data, &a); err != nil {
		t.Fatal(err)
	}
	if a.ExceptionID != e.ID || a.Kind != kind || a.Subject != subject || a.ParcelID != e.ParcelID || a.UnitID != e.UnitID || a.RMA != e.RMA {
		t.Errorf("event data %+v: want the exception's id %s, kind, subject, parcel %q, unit %q, rma %q", a, e.ID, e.ParcelID, e.UnitID, e.RMA)
	}
	if a.Message != e.Alert.Message {
		t.Errorf("event message %+v, exception's %+v", a.Message, e.Alert.Message)
	}
	for what, pair := range map[string][2]map[string]float64{"figures": {a.Figures, figures}, "threshold": {a.Threshold, threshold}} {
		got, want := pair[0], pair[1]
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s %s: got %v, want %v (all: %v)", what, k, got[k], v, got)
			}
		}
	}
	if fmt.Sprint(e.Alert.Figures) != fmt.Sprint(a.Figures) {
		t.Errorf("exception figures %v, event's %v", e.Alert.Figures, a.Figures)
	}
}

func TestLearnedWeightTable(t *testing.T) {
	const sku = "KETTLE-1"
	cases := []struct {
		name    string
		parcels func(t *testing.T, f *fixture)
		samples int
		median  int
	}{
		{name: "nothing weighed yet", parcels: func(t *testing.T, f *fixture) {}},
		{name: "an odd count: the middle one", samples: 3, median: 500, parcels: func(t *testing.T, f *fixture) {
			for i, g := range []int{510, 480, 500} {
				f.weighed(t, oneUnit(i, sku, 1), g)
			}
		}},
		{name: "an even count: the lower middle", samples: 4, median: 500, parcels: func(t *testing.T, f *fixture) {
			for i, g := range []int{530, 480, 510, 500} {
				f.weighed(t, oneUnit(i, sku, 1), g)
			}
		}},
		{name: "rounded to 3 significant digits, down", samples: 1, median: 12300, parcels: func(t *testing.T, f *fixture) {
			f.weighed(t, oneUnit(1, sku, 1), 12345)
		}},
		{name: "rounded to 3 significant digits, half up", samples: 1, median: 12400, parcels: func(t *testing.T, f *fixture) {
			f.weighed(t, oneUnit(1, sku, 1), 12350)
		}},
		{name: "three digits kept as they are", samples: 1, median: 999, parcels: func(t *testing.T, f *fixture) {
			f.weighed(t, oneUnit(1, sku, 1), 999)
		}},
		{name: "rounding up into the next decade", samples: 1, median: 100000, parcels: func(t *testing.T, f *fixture) {
			f.weighed(t, oneUnit(1, sku, 1), 99950)
		}},
		{name: "samples that round alike share a bucket", samples: 3, median: 1010, parcels: func(t *testing.T, f *fixture) {
			for i, g := range []int{1005, 1014, 2000} {
				f.weighed(t, oneUnit(i, sku, 1), g)
			}
		}},
		{name: "a parcel of two units is no sample", parcels: func(t *testing.T, f *fixture) {
			f.weighed(t, oneUnit(1, sku, 2), 2000)
		}},
		{name: "a return of two lines is no sample", parcels: func(t *testing.T, f *fixture) {
			r := oneUnit(1, sku, 1)
			r.Lines = append(r.Lines, station.RMALine{Line: 2, SKU: "LID-1", Name: "Lid", Category: "手机壳", Qty: 1, UnitPrice: "5.00"})
			f.weighed(t, r, 1200)
		}},
		{name: "a return sent under two waybills is no sample", parcels: func(t *testing.T, f *fixture) {
			r := oneUnit(1, sku, 1)
			r.ReturnShipments = append(r.ReturnShipments, station.ReturnShipment{Carrier: "yto", Tracking: "YT1000000000001"})
			f.weighed(t, r, 1000)
		}},
		{name: "a parcel received unweighed is no sample", parcels: func(t *testing.T, f *fixture) {
			f.put(t, oneUnit(1, sku, 1))
			f.receive(t, oneUnit(1, sku, 1).ReturnShipments[0].Tracking)
		}},
		{name: "a parcel matched to its return after receipt is not learned from", parcels: func(t *testing.T, f *fixture) {
			g := 1000
			r := oneUnit(1, sku, 1)
			if _, err := station.Receive(f.tx, f.env, station.ReceiveInput{Code: r.ReturnShipments[0].Tracking, WeightG: &g}); err != nil {
				t.Fatal(err)
			}
			f.put(t, r) // its return arrives later and matches it
			if ps, _ := f.tx.ParcelsByRMA(r.RMA); len(ps) != 1 {
				t.Fatalf("the parcel did not match its return when it arrived: %v", ps)
			}
		}},
		{name: "an added box of the return is no sample", parcels: func(t *testing.T, f *fixture) {
			r := oneUnit(1, sku, 1)
			f.put(t, r)
			p := f.receive(t, r.ReturnShipments[0].Tracking)
			g := 1000
			if _, err := station.AddBox(f.tx, f.env, p.ID, station.AddBoxInput{Code: "SF8000000000001", WeightG: &g}); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "another SKU's samples are not this one's", parcels: func(t *testing.T, f *fixture) {
			f.weighed(t, oneUnit(1, "KETTLE-2", 1), 1000)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			c.parcels(t, f)
			lw, err := station.LearnedWeightOf(f.tx, sku)
			if err != nil {
				t.Fatal(err)
			}
			if lw.SKU != sku || lw.Samples != c.samples || lw.MedianG != c.median {
				t.Errorf("learned weight %+v, want %d samples with median %d g", lw, c.samples, c.median)
			}
		})
	}
}

func TestWeightMismatchTable(t *testing.T) {
	const sku = "KETTLE-1"
	cases := []struct {
		name    string
		learned []int // single-unit parcels of sku weighed before
		alarms  func(a *station.WeightAlarm)
		qty     int // units of sku the parcel under test holds
		weight  int
		later   bool // received before its return was known, matched when it arrives
		box     bool // a box added to the return's parcel received unweighed
		alarm   bool
		expect  float64 // expected_g when it alarms
	}{
		{name: "25 % heavier than learned: alarm", learned: fives(1000), qty: 1, weight: 1250, alarm: true, expect: 1000},
		{name: "one gram short of 25 % heavier: no alarm", learned: fives(1000), qty: 1, weight: 1249},
		{name: "25 % lighter than learned: alarm", learned: fives(1000), qty: 1, weight: 750, alarm: true, expect: 1000},
		{name: "one gram short of 25 % lighter: no alarm", learned: fives(1000), qty: 1, weight: 751},
		{name: "a light SKU 100 g off (50 %): alarm", learned: fives(200), qty: 1, weight: 300, alarm: true, expect: 200},
		{name: "a light SKU 99 g off (49.5 %): no alarm, under the gram floor", learned: fives(200), qty: 1, weight: 299},
		{name: "0 g, a scale with nothing on it: no weight, no alarm", learned: fives(1000), qty: 1, weight: 0},
		{name: "0 g on a parcel matched later: no alarm either", learned: fives(1000), qty: 1, weight: 0, later: true},
		{name: "1 g is a weight: alarm", learned: fives(1000), qty: 1, weight: 1, alarm: true, expect: 1000},
		{name: "four samples besides the parcel's own: not learned yet, no check", learned: fives(1000)[:4], qty: 1, weight: 3000},
		{name: "two units against twice the learned weight: alarm", learned: fives(1000), qty: 2, weight: 2500, alarm: true, expect: 2000},
		{name: "two units, one gram short of 25 %: no alarm", learned: fives(1000), qty: 2, weight: 2499},
		{name: "the median is not moved by one odd sample", learned: []int{1000, 1000, 1000, 1000, 5000}, qty: 2, weight: 2000},
		{name: "the rule switched off: no alarm", learned: fives(1000), qty: 1, weight: 3000,
			alarms: func(a *station.WeightAlarm) { a.Off = true }},
		{name: "tolerance 10 % and 50 g from the rules: alarm at 10 %", learned: fives(1000), qty: 1, weight: 1100, alarm: true, expect: 1000,
			alarms: func(a *station.WeightAlarm) { a.TolerancePct, a.MinDiffG = 10, 50 }},
		{name: "tolerance 10 % and 50 g from the rules: 9.9 % no alarm", learned: fives(1000), qty: 1, weight: 1099,
			alarms: func(a *station.WeightAlarm) { a.TolerancePct, a.MinDiffG = 10, 50 }},
		{name: "weighed before its return was known: checked when it matches", learned: fives(1000), qty: 1, weight: 1250, later: true, alarm: true, expect: 1000},
		{name: "weighed before its return was known: 24 % off, no alarm", learned: fives(1000), qty: 1, weight: 1240, later: true},
		{name: "weighed before its return was known: not left out of the samples it is not in", learned: []int{1000, 1000, 1000, 2000, 2000, 2000},
			qty: 1, weight: 1000, later: true},
		{name: "a box added to the return is not weighed: it holds part of it", learned: fives(1000), qty: 1, weight: 3000, box: true},
		{name: "3 samples asked for by the rules are enough", learned: fives(1000)[:3], qty: 1, weight: 2000, alarm: true, expect: 1000,
			alarms: func(a *station.WeightAlarm) { a.MinSamples = 3 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			if c.alarms != nil {
				c.alarms(&f.tx.rules.Alarms.Weight)
			}
			for i, g := range c.learned {
				f.weighed(t, oneUnit(100+i, sku, 1), g)
			}
			// Alarms raised while learning are not the parcel's under test.
			earlier, earlierEvents, earlierOpen := len(f.alerts(t, station.AlertWeight)), len(f.alertEvents(t, station.AlertWeight)), f.openAlerts(t, station.AlertWeight)
			r := oneUnit(1, sku, c.qty)
			var res *station.ReceiveResult
			if c.later {
				var err error
				if res, err = station.Receive(f.tx, f.env, station.ReceiveInput{Code: r.ReturnShipments[0].Tracking, WeightG: &c.weight}); err != nil {
					t.Fatal(err)
				}
				if len(f.alerts(t, station.AlertWeight)) != earlier {
					t.Fatal("a parcel no return matches yet raised a weight alarm")
				}
				f.put(t, r)
				res.Parcel, _ = f.tx.Parcel(res.Parcel.ID)
				res.Exceptions = nil
			} else if c.box {
				f.put(t, r)
				p := f.receive(t, r.ReturnShipments[0].Tracking)
				var err error
				if res, err = station.AddBox(f.tx, f.env, p.ID, station.AddBoxInput{Code: "SF8000000000001", WeightG: &c.weight}); err != nil {
					t.Fatal(err)
				}
			} else {
				res = f.weighed(t, r, c.weight)
			}
			got := f.alerts(t, station.AlertWeight)[earlier:]
			if !c.alarm {
				if len(got) != 0 || len(f.alertEvents(t, station.AlertWeight)) != earlierEvents || f.openAlerts(t, station.AlertWeight) != earlierOpen {
					t.Fatalf("a parcel of %d g raised %d weight alarm(s): %+v", c.weight, len(got), got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("a parcel of %d g against %v g raised %d weight alarms, want 1", c.weight, c.expect, len(got))
			}
			e := got[0]
			var shown bool
			for _, x := range res.Exceptions {
				shown = shown || x.ID == e.ID
			}
			if !shown && !c.later {
				t.Errorf("the clerk at the dock was not shown the alarm: answer's exceptions %+v", res.Exceptions)
			}
			if e.ParcelID != res.Parcel.ID || e.RMA != r.RMA || e.Tracking != res.Parcel.Tracking {
				t.Errorf("alarm about parcel %q rma %q tracking %q, want %s %s %s", e.ParcelID, e.RMA, e.Tracking, res.Parcel.ID, r.RMA, res.Parcel.Tracking)
			}
			th := station.DefaultAlarmRules.Weight
			if c.alarms != nil {
				c.alarms(&th)
			}
			diff := float64(c.weight) - c.expect
			checkAlert(t, f, e, station.AlertWeight, "parcel/"+res.Parcel.ID,
				map[string]float64{"weight_g": float64(c.weight), "expected_g": c.expect, "diff_g": diff, "diff_pct": float64(int(1000*diff/c.expect)) / 10},
				map[string]float64{"tolerance_pct": float64(th.TolerancePct), "min_diff_g": float64(th.MinDiffG)})
			if f.openAlerts(t, station.AlertWeight) != earlierOpen+1 {
				t.Errorf("open weight alarms %d, want %d", f.openAlerts(t, station.AlertWeight), earlierOpen+1)
			}
		})
	}
}

// fives is five samples of g grams: the default number to learn from.
func fives(g int) []int { return []int{g, g, g, g, g} }

// openList is the open-parcel index as the age worker reads it: oldest first.
func (f *fixture) openList(t *testing.T, ps ...*station.Parcel) []station.OpenParcel {
	t.Helper()
	var out []station.OpenParcel
	for _, p := range ps {
		cur, err := f.tx.Parcel(p.ID)
		if err != nil {
			t.Fatal(err)
		}
		o, err := station.OpenParcelOf(f.tx, cur)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, *o)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ReceivedAt.Before(out[j].ReceivedAt) })
	return out
}

// clockAt makes the fixture's clock stand still at *at (tests move it).
func (f *fixture) clockAt(at *time.Time) {
	f.env.Now = func() time.Time { return *at }
}

func TestAgeAlarmTable(t *testing.T) {
	t0 := time.Date(2026, 3, 6, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai
	const alarm = station.DefaultAgeAlarm
	// Three parcels, received at t0, t0+1h and t0+3h.
	setup := func(t *testing.T) (*fixture, []*station.Parcel, *time.Time) {
		f := newFixture(t)
		now := t0
		f.clockAt(&now)
		var ps []*station.Parcel
		for i, off := range []time.Duration{0, time.Hour, 3 * time.Hour} {
			now = t0.Add(off)
			ps = append(ps, f.weighed(t, oneUnit(i, "KETTLE-1", 1), 1000).Parcel)
		}
		return f, ps, &now
	}
	cases := []struct {
		name   string
		before func(t *testing.T, f *fixture, ps []*station.Parcel, now *time.Time) // earlier runs of the worker, and work done
		at     time.Duration                                                        // since t0
		alarm  time.Duration
		due    []int // indexes of the parcels due
		raised []int // indexes of the parcels that raise now
	}{
		{name: "one second short of 48 hours: nothing", at: alarm - time.Second},
		{name: "48 hours to the second: the oldest", at: alarm, due: []int{0}, raised: []int{0}},
		{name: "49 hours: the two oldest, oldest first", at: alarm + time.Hour, due: []int{0, 1}, raised: []int{0, 1}},
		{name: "an --age-alarm of 72 hours: nothing at 71", at: 71 * time.Hour, alarm: 72 * time.Hour},
		{name: "an --age-alarm of 72 hours: the oldest at 72", at: 72 * time.Hour, alarm: 72 * time.Hour, due: []int{0}, raised: []int{0}},
		{name: "raised once per parcel: the next minute's run raises nothing", at: alarm + time.Minute,
			before: func(t *testing.T, f *fixture, ps []*station.Parcel, now *time.Time) {
				f.ageRun(t, ps, t0.Add(alarm), alarm, 1)
			}},
		{name: "once per parcel even after a supervisor resolved its alarm", at: alarm + 2*time.Hour, due: []int{1}, raised: []int{1},
			before: func(t *testing.T, f *fixture, ps []*station.Parcel, now *time.Time) {
				f.ageRun(t, ps, t0.Add(alarm), alarm, 1)
				e := f.alerts(t, station.AlertAge)[0]
				if _, err := station.ResolveException(f.tx, f.as(station.RoleSupervisor), e.ID, station.ResolveInput{Action: station.ActAccept, Note: "found on the shelf"}); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "a parcel closed after the index was read raises nothing", at: alarm + time.Hour, due: []int{0, 1}, raised: []int{1},
			before: func(t *testing.T, f *fixture, ps []*station.Parcel, now *time.Time) {
				if _, err := station.CloseParcel(f.tx, f.env, ps[0].ID); err != nil {
					t.Fatal(err)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, ps, now := setup(t)
			open := f.openList(t, ps...) // the index as the worker read it
			if c.before != nil {
				c.before(t, f, ps, now)
			}
			al := alarm
			if c.alarm != 0 {
				al = c.alarm
			}
			earlier := len(f.alertEvents(t, station.AlertAge))
			*now = t0.Add(c.at)
			due, err := station.AgeAlarmsDue(f.tx, open, *now, al)
			if err != nil {
				t.Fatal(err)
			}
			var dueIDs, wantDue []string
			for _, o := range due {
				dueIDs = append(dueIDs, o.ID)
			}
			for _, i := range c.due {
				wantDue = append(wantDue, ps[i].ID)
			}
			sameList(t, "due", dueIDs, wantDue)
			n, err := station.AlarmAgedParcels(f.tx, f.env, open, *now, al)
			if err != nil {
				t.Fatal(err)
			}
			if n != len(c.raised) {
				t.Errorf("raised %d age alarms, want %d", n, len(c.raised))
			}
			evs := f.alertEvents(t, station.AlertAge)[earlier:]
			var subjects, want []string
			for _, e := range evs {
				subjects = append(subjects, e.Subject)
			}
			for _, i := range c.raised {
				want = append(want, "parcel/"+ps[i].ID)
			}
			sameList(t, "alarms raised now", subjects, want)
			for _, e := range f.alerts(t, station.AlertAge) {
				if e.State != station.ExOpen || !e.OpenedAt.Equal(*now) {
					continue
				}
				var p *station.Parcel
				for _, x := range ps {
					if "parcel/"+x.ID == e.Alert.Subject {
						p = x
					}
				}
				if p == nil {
					t.Fatalf("age alarm about %s: no such parcel", e.Alert.Subject)
				}
				if e.RMA != p.RMA || e.Tracking != p.Tracking {
					t.Errorf("age alarm rma %q tracking %q, want %s %s", e.RMA, e.Tracking, p.RMA, p.Tracking)
				}
				hours := now.Sub(p.ReceivedAt).Hours()
				checkAlert(t, f, e, station.AlertAge, "parcel/"+p.ID,
					map[string]float64{"age_hours": hours}, map[string]float64{"alarm_hours": al.Hours()})
				if !strings.Contains(e.Alert.Message.EN, p.Tracking) || !strings.Contains(e.Alert.Message.ZH, p.Tracking) {
					t.Errorf("age alarm message %+v does not name the waybill %s", e.Alert.Message, p.Tracking)
				}
			}
		})
	}
}

// ageRun is one run of the age worker at now, which must raise n alarms.
func (f *fixture) ageRun(t *testing.T, ps []*station.Parcel, now time.Time, alarm time.Duration, n int) {
	t.Helper()
	got, err := station.AlarmAgedParcels(f.tx, f.env, f.openList(t, ps...), now, alarm)
	if err != nil || got != n {
		t.Fatalf("age worker at %s: raised %d (%v), want %d", now, got, err, n)
	}
}

func TestAlertRaisedOnceWhileOpen(t *testing.T) {
	// Every step is one more empty box from the same customer (王*, phone
	// tail 1234), or a supervisor resolving the open customer alarm.
	f := newFixture(t)
	n := 0
	emptyBox := func(t *testing.T) {
		n++
		f.put(t, oneUnit(n, "KETTLE-1", 1))
		p := f.receive(t, oneUnit(n, "KETTLE-1", 1).ReturnShipments[0].Tracking)
		if _, err := station.CloseParcel(f.tx, f.env, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	resolve := func(t *testing.T) {
		for _, e := range f.alerts(t, station.AlertCustomer) {
			if e.State == station.ExOpen {
				if _, err := station.ResolveException(f.tx, f.as(station.RoleSupervisor), e.ID, station.ResolveInput{Action: station.ActEscalate, Note: "sent to the risk team"}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	steps := []struct {
		name   string
		do     func(t *testing.T)
		raised int // alert events so far
		open   int64
		count  float64 // the figure of the newest alert
	}{
		{name: "first empty box", do: emptyBox},
		{name: "second: one short of the threshold", do: emptyBox},
		{name: "third: the threshold, raised", do: emptyBox, raised: 1, open: 1, count: 3},
		{name: "fourth while the alarm is open: not raised again", do: emptyBox, raised: 1, open: 1, count: 3},
		{name: "a supervisor resolves it", do: resolve, raised: 1, count: 3},
		{name: "fifth after it was resolved: raised again", do: emptyBox, raised: 2, open: 1, count: 5},
	}
	for _, s := range steps {
		s.do(t)
		evs := f.alertEvents(t, station.AlertCustomer)
		if len(evs) != s.raised || f.openAlerts(t, station.AlertCustomer) != s.open {
			t.Fatalf("after %s: %d alerts raised, %d open; want %d and %d", s.name, len(evs), f.openAlerts(t, station.AlertCustomer), s.raised, s.open)
		}
		es := f.alerts(t, station.AlertCustomer)
		if len(es) != s.raised {
			t.Fatalf("after %s: %d alert exceptions, want %d", s.name, len(es), s.raised)
		}
		if s.raised > 0 && s.open > 0 {
			e := es[len(es)-1]
			checkAlert(t, f, e, station.AlertCustomer, "customer/王*|1234|",
				map[string]float64{"count": s.count, "window_days": 90}, map[string]float64{"count": 3, "window_days": 90})
		}
	}
}

func TestListAlertsTable(t *testing.T) {
	// Age alarms of parcels received on 3/1, raised on 3/3, 3/4 and 3/5 (two
	// that day) at noon in Shanghai; the one of 3/3 was resolved.
	day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC) }
	f := newFixture(t)
	now := day(1).Add(4 * time.Hour)
	f.clockAt(&now)
	var ps []*station.Parcel
	for i := 0; i < 5; i++ {
		ps = append(ps, f.weighed(t, oneUnit(i, "KETTLE-1", 1), 1000).Parcel)
	}
	for i, d := range []int{3, 4, 5, 5} {
		now = day(d).Add(4 * time.Hour)
		f.ageRun(t, ps[i:i+1], now, station.DefaultAgeAlarm, 1)
	}
	// The fifth at 20:00 UTC on 3/5: 04:00 on 3/6 in the warehouse; resolved.
	now = day(5).Add(20 * time.Hour)
	f.ageRun(t, ps[4:], now, station.DefaultAgeAlarm, 1)
	for _, i := range []int{0, 4} {
		e := f.alerts(t, station.AlertAge)[i]
		if _, err := station.ResolveException(f.tx, f.as(station.RoleSupervisor), e.ID, station.ResolveInput{Action: station.ActAccept, Note: "closed by hand"}); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name     string
		from, to int
		filter   station.AlertFilter
		limit    int
		want     []int // parcels whose alarms are listed, in order
	}{
		{name: "the days of all four, newest first", from: 3, to: 5, limit: 10, want: []int{3, 2, 1, 0}},
		{name: "the day of the resolved alarm alone, and the open ones", from: 3, to: 3, limit: 10, want: []int{3, 2, 1, 0}},
		{name: "later days: the resolved alarm of 3/3 is left out", from: 4, to: 5, limit: 10, want: []int{3, 2, 1}},
		{name: "the warehouse's day, not UTC's: 20:00 UTC on 3/5 is 3/6", from: 6, to: 6, limit: 10, want: []int{4, 3, 2, 1}},
		{name: "a day with none raised: the open ones still listed", from: 7, to: 7, limit: 10, want: []int{3, 2, 1}},
		{name: "open only, whatever the days", from: 3, to: 5, filter: station.AlertFilter{OpenOnly: true}, limit: 10, want: []int{3, 2, 1}},
		{name: "at most limit, the newest kept", from: 3, to: 5, limit: 2, want: []int{3, 2}},
		{name: "one kind: age alarms", from: 3, to: 5, filter: station.AlertFilter{Kind: station.AlertAge}, limit: 10, want: []int{3, 2, 1, 0}},
		{name: "one kind: weight alarms, none", from: 3, to: 5, filter: station.AlertFilter{Kind: station.AlertWeight}, limit: 10},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, err := station.ListAlerts(f.tx, day(c.from), day(c.to), c.filter, c.limit)
			if err != nil {
				t.Fatal(err)
			}
			var got, want []string
			for _, e := range l.Alerts {
				got = append(got, e.Alert.Subject)
			}
			for _, i := range c.want {
				want = append(want, "parcel/"+ps[i].ID)
			}
			sameList(t, "alerts", got, want)
			if l.Open[station.AlertAge] != 3 || len(l.Open) != len(station.AlertKinds) || l.Open[station.AlertWeight] != 0 {
				t.Errorf("open counts %v: want 3 age alarms and every other kind at 0", l.Open)
			}
			if l.From != day(c.from).Format(time.DateOnly) || l.To != day(c.to).Format(time.DateOnly) {
				t.Errorf("range %s..%s, want the days asked", l.From, l.To)
			}
		})
	}
}

func TestSKUSpikeTable(t *testing.T) {
	d0 := time.Date(2026, 3, 1, 4, 0, 0, 0, time.UTC) // noon in Shanghai
	week := func(n int) []int { return []int{n, n, n, n, n, n, n} }
	cases := []struct {
		name    string
		history []int // units of the SKU confirmed on each day before today, oldest first
		alarms  func(a *station.SKUAlarm)
		broken  bool    // every unit, before and today, found not working: a defect
		kind    string  // the alarm watched; "" = sku_return_spike
		today   int     // units confirmed today, one by one
		alarmAt int     // the unit of today that raises the alarm; 0 = none
		mean    float64 // the trailing mean it reports
		days    float64
	}{
		{name: "one unit a week ago: the 5th today, the minimum count", history: []int{1, 0, 0, 0, 0, 0, 0}, today: 8, alarmAt: 5, mean: 0.14, days: 7},
		{name: "2 a day all week: the 6th today, 3× the mean", history: week(2), today: 8, alarmAt: 6, mean: 2, days: 7},
		{name: "first returned 6 days ago: not compared yet", history: []int{1, 0, 0, 0, 0, 0}, today: 10},
		{name: "never returned before today: not compared", today: 10},
		{name: "a minimum of 8 from the rules", history: []int{1, 0, 0, 0, 0, 0, 0}, today: 9, alarmAt: 8, mean: 0.14, days: 7,
			alarms: func(a *station.SKUAlarm) { a.MinCount = 8 }},
		{name: "the rule switched off", history: []int{1, 0, 0, 0, 0, 0, 0}, today: 8,
			alarms: func(a *station.SKUAlarm) { a.Off = true }},
		{name: "a busy fortnight ago counts over the default 28 days", history: append(week(10), week(1)...), today: 10},
		{name: "defects: none all week, the 5th defective today", history: week(2), broken: true, today: 8, alarmAt: 5, mean: 0, days: 7,
			kind: station.AlertSKUDefects},
		{name: "defects: units that work are no defect spike", history: []int{1, 0, 0, 0, 0, 0, 0}, today: 8, kind: station.AlertSKUDefects},
		{name: "7 trailing days from the rules leave the busy fortnight out", history: append(week(10), week(1)...), today: 10, alarmAt: 5, mean: 1, days: 7,
			alarms: func(a *station.SKUAlarm) { a.TrailingDays = 7 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			if c.alarms != nil {
				c.alarms(&f.tx.rules.Alarms.SKU)
			}
			now := d0
			f.clockAt(&now)
			r := oneUnit(1, caseSKU, 200)
			f.put(t, r)
			p := f.receive(t, r.ReturnShipments[0].Tracking)
			kind := station.AlertSKUReturns
			if c.kind != "" {
				kind = c.kind
			}
			unit := func(broken bool) {
				if broken {
					f.confirmed(t, p.ID, caseSKU, answersFor("手机壳", A{"works": false}), "")
				} else {
					restockCase(t, f, p)
				}
			}
			for i, n := range c.history {
				now = d0.AddDate(0, 0, i)
				for range n {
					unit(false)
				}
			}
			if n := len(f.alerts(t, kind)); n != 0 {
				t.Fatalf("%d SKU alarms raised by the history alone", n)
			}
			now = d0.AddDate(0, 0, len(c.history))
			at := 0
			for i := 1; i <= c.today; i++ {
				unit(c.broken)
				if n := len(f.alerts(t, kind)); n > 1 {
					t.Fatalf("unit %d today: %d SKU alarms, want one while it is open", i, n)
				} else if n == 1 && at == 0 {
					at = i
				}
			}
			if at != c.alarmAt {
				t.Fatalf("alarm at unit %d of today, want %d", at, c.alarmAt)
			}
			if at == 0 {
				return
			}
			th := station.DefaultAlarmRules.SKU
			if c.alarms != nil {
				c.alarms(&th)
			}
			checkAlert(t, f, f.alerts(t, kind)[0], kind, "sku/"+caseSKU,
				map[string]float64{"today": float64(c.alarmAt), "trailing_mean": c.mean, "trailing_days": c.days},
				map[string]float64{"factor": th.Factor, "min_count": float64(th.MinCount)})
		})
	}
}

func TestOverrideRateTable(t *testing.T) {
	cases := []struct {
		name      string
		others    int // units an operator confirmed today as suggested
		units     int // units the supervisor then confirmed
		overrides int // of those, the first ones graded against the suggestion
		alarms    func(a *station.OverrideAlarm)
		alarmAt   int // the supervisor's unit that raises the alarm; 0 = none
	}{
		{name: "20 units, 4 overridden (20 %, twice the station's 10 %): at the 20th", others: 20, units: 20, overrides: 4, alarmAt: 20},
		{name: "19 units, 10 overridden: too few units to judge", others: 20, units: 19, overrides: 10},
		{name: "20 units, 3 overridden (15 %): under the minimum rate", others: 20, units: 20, overrides: 3},
		{name: "20 units, 4 overridden, the station's rate 16 %: under twice it", others: 5, units: 20, overrides: 4},
		{name: "the rule switched off", others: 20, units: 20, overrides: 10, alarms: func(a *station.OverrideAlarm) { a.Off = true }},
		{name: "10 units are enough by the rules: at the 10th", others: 20, units: 10, overrides: 2, alarmAt: 10,
			alarms: func(a *station.OverrideAlarm) { a.MinUnits = 10 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			if c.alarms != nil {
				c.alarms(&f.tx.rules.Alarms.Override)
			}
			r := oneUnit(1, caseSKU, 100)
			f.put(t, r)
			p := f.receive(t, r.ReturnShipments[0].Tracking)
			for range c.others {
				restockCase(t, f, p)
			}
			sup := f.as(station.RoleSupervisor)
			at := 0
			for i := 1; i <= c.units; i++ {
				res, err := station.AddUnit(f.tx, sup, p.ID, station.AddUnitInput{Code: caseSKU})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := station.Inspect(f.tx, sup, res.Unit.ID, station.InspectInput{Checklist: answersFor("手机壳", nil)}); err != nil {
					t.Fatal(err)
				}
				in := station.ConfirmInput{}
				if i <= c.overrides {
					in = station.ConfirmInput{Grade: "B", OverrideReason: "scuffs the checklist does not ask about"}
				}
				u, err := station.Confirm(f.tx, sup, res.Unit.ID, in)
				if err != nil {
					t.Fatal(err)
				}
				if u.Result.Override != (i <= c.overrides) {
					t.Fatalf("unit %d: override %v, want %v", i, u.Result.Override, i <= c.overrides)
				}
				if n := len(f.alerts(t, station.AlertOverride)); n == 1 && at == 0 {
					at = i
				} else if n > 1 {
					t.Fatalf("unit %d: %d override alarms, want one while it is open", i, n)
				}
			}
			if at != c.alarmAt {
				t.Fatalf("alarm at the supervisor's unit %d, want %d", at, c.alarmAt)
			}
			if at == 0 {
				return
			}
			th := station.DefaultAlarmRules.Override
			if c.alarms != nil {
				c.alarms(&th)
			}
			rate := 100 * float64(c.overrides) / float64(c.alarmAt)
			whole := 100 * float64(c.overrides) / float64(c.alarmAt+c.others)
			checkAlert(t, f, f.alerts(t, station.AlertOverride)[0], station.AlertOverride, "inspector/user:supervisor",
				map[string]float64{"units": float64(c.alarmAt), "overridden": float64(c.overrides), "rate_pct": rate,
					"station_rate_pct": float64(int(whole*10+0.5)) / 10, "window_days": 30},
				map[string]float64{"factor": th.Factor, "min_rate_pct": float64(th.MinRatePct), "min_units": float64(th.MinUnits)})
		})
	}
}

func TestSerialRepeatTable(t *testing.T) {
	// again is a second return of the phone of the waiting RMA, the same
	// serial on file, under its own waybill.
	again := func(n int) *station.ReturnAuthorization {
		r := waitingRMA(1, station.RMAApproved)
		r.RMA, r.OrderID = fmt.Sprintf("RMA-2026-01%02d", n), fmt.Sprintf("JD-7788-99%02d", n)
		r.ReturnShipments = []station.ReturnShipment{{Carrier: "sf", Tracking: fmt.Sprintf("SF76543210987%02d", n)}}
		return r
	}
	cases := []struct {
		name   string
		before func(t *testing.T, f *fixture) // the serial's earlier history here
		off    bool
		alarm  bool
	}{
		{name: "the serial never came back before: no alarm", before: func(t *testing.T, f *fixture) {}},
		{name: "the same serial returned before: alarm", alarm: true, before: func(t *testing.T, f *fixture) {
			f.put(t, waitingRMA(1, station.RMAApproved))
			f.confirmed(t, f.receive(t, waybill).ID, phoneGTIN, cleanPhone(), phoneSN)
		}},
		{name: "the earlier unit was scanned by mistake and voided: no alarm", before: func(t *testing.T, f *fixture) {
			f.put(t, waitingRMA(1, station.RMAApproved))
			u := f.addUnit(t, f.receive(t, waybill).ID, phoneGTIN)
			if _, err := station.Inspect(f.tx, f.env, u.ID, station.InspectInput{Checklist: cleanPhone(), Serial: phoneSN}); err != nil {
				t.Fatal(err)
			}
			if _, err := station.VoidUnit(f.tx, f.env, u.ID, station.VoidInput{Reason: "scanned the wrong box"}); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "the rule switched off: no alarm", off: true, before: func(t *testing.T, f *fixture) {
			f.put(t, waitingRMA(1, station.RMAApproved))
			f.confirmed(t, f.receive(t, waybill).ID, phoneGTIN, cleanPhone(), phoneSN)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.tx.rules.Alarms.Serial.Off = c.off
			c.before(t, f)
			r := again(1)
			f.put(t, r)
			p := f.receive(t, r.ReturnShipments[0].Tracking)
			u := f.confirmed(t, p.ID, phoneGTIN, cleanPhone(), phoneSN)
			got := f.alerts(t, station.AlertSerial)
			if !c.alarm {
				if len(got) != 0 {
					t.Fatalf("%d serial alarms, want none", len(got))
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("%d serial alarms, want 1", len(got))
			}
			e := got[0]
			if e.ParcelID != p.ID || e.UnitID != u.ID || e.RMA != r.RMA {
				t.Errorf("alarm about parcel %q unit %q rma %q, want %s %s %s", e.ParcelID, e.UnitID, e.RMA, p.ID, u.ID, r.RMA)
			}
			checkAlert(t, f, e, station.AlertSerial, "serial/"+phoneSN,
				map[string]float64{"times_returned": 2}, map[string]float64{"times_returned": 2})
			// A third return of it while the alarm is open raises no second one.
			r3 := again(2)
			f.put(t, r3)
			f.confirmed(t, f.receive(t, r3.ReturnShipments[0].Tracking).ID, phoneGTIN, cleanPhone(), phoneSN)
			if n := len(f.alerts(t, station.AlertSerial)); n != 1 {
				t.Errorf("after a third return: %d serial alarms, want 1 while it is open", n)
			}
		})
	}
}

func TestCustomerPatternTable(t *testing.T) {
	d0 := time.Date(2026, 1, 5, 4, 0, 0, 0, time.UTC) // noon in Shanghai
	type box struct {
		day     int  // days after d0
		dismiss bool // a supervisor dismissed it as no real problem
	}
	cases := []struct {
		name  string
		boxes []box
		alarm bool
		count float64
	}{
		{name: "three empty boxes the same day", boxes: []box{{0, false}, {0, false}, {0, false}}, alarm: true, count: 3},
		{name: "two, and one dismissed as no real problem", boxes: []box{{0, false}, {0, true}, {0, false}}},
		{name: "a fourth after a dismissed one reaches three", boxes: []box{{0, false}, {0, true}, {0, false}, {0, false}}, alarm: true, count: 3},
		{name: "the first 89 days before the third: within 90 days", boxes: []box{{0, false}, {89, false}, {89, false}}, alarm: true, count: 3},
		{name: "the first 90 days before the third: out of the window", boxes: []box{{0, false}, {90, false}, {90, false}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			now := d0
			f.clockAt(&now)
			for i, b := range c.boxes {
				now = d0.AddDate(0, 0, b.day).Add(time.Duration(i) * time.Minute)
				r := oneUnit(i, "KETTLE-1", 1)
				f.put(t, r)
				p := f.receive(t, r.ReturnShipments[0].Tracking)
				if _, err := station.CloseParcel(f.tx, f.env, p.ID); err != nil {
					t.Fatal(err)
				}
				if b.dismiss {
					e := f.openExc(t, p.ID, station.ExEmptyBox)
					if _, err := station.ResolveException(f.tx, f.as(station.RoleSupervisor), e.ID, station.ResolveInput{Action: station.ActDismiss, Note: "the carrier lost the contents"}); err != nil {
						t.Fatal(err)
					}
				}
			}
			got := f.alerts(t, station.AlertCustomer)
			if !c.alarm {
				if len(got) != 0 {
					t.Fatalf("%d customer alarms, want none", len(got))
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("%d customer alarms, want 1", len(got))
			}
			checkAlert(t, f, got[0], station.AlertCustomer, "customer/王*|1234|",
				map[string]float64{"count": c.count, "window_days": 90}, map[string]float64{"count": 3, "window_days": 90})
			if got[0].RMA != oneUnit(len(c.boxes)-1, "", 1).RMA {
				t.Errorf("alarm names return %s, want the latest, %s", got[0].RMA, oneUnit(len(c.boxes)-1, "", 1).RMA)
			}
		})
	}
}
