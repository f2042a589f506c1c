package station_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"returns-station/station"
)

// countingTx records the throughput counters each command moves.
type countingTx struct {
	*memTx
	calls []string
}

func (c *countingTx) Count(key string, delta int64) error {
	if strings.HasPrefix(key, "thr/") {
		c.calls = append(c.calls, key)
	}
	return c.memTx.Count(key, delta)
}

// TestThroughputCountsPerEvent: what each step of the desk costs in
// throughput counters (the figures the package documents), and that a
// regraded or voided unit leaves the figures as a person would count them:
// one unit per first confirmation, regrades on the first inspector, a voided
// unit gone from everything but the all-time Prometheus counters.
func TestThroughputCountsPerEvent(t *testing.T) {
	f := newFixture(t)
	tx := &countingTx{memTx: f.tx}
	sup := f.as(station.RoleSupervisor)
	step := func(what string, want int, do func() error) {
		t.Helper()
		tx.calls = nil
		if err := do(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if len(tx.calls) != want {
			t.Errorf("%s: %d throughput Count calls %v, want %d", what, len(tx.calls), tx.calls, want)
		}
	}
	phone := func(n int) (*station.Unit, error) {
		r := waitingRMA(1, station.RMAApproved)
		r.RMA, r.OrderID = fmt.Sprintf("RMA-2026-%04d", n), fmt.Sprintf("JD-%04d", n)
		r.ReturnShipments[0].Tracking = fmt.Sprintf("SF12345678%05d", n)
		r.Lines[0].Serials = []string{fmt.Sprintf("SN-%04d", n)}
		if _, err := station.PutReturn(tx, f.env, r, "pull"); err != nil {
			return nil, err
		}
		var p *station.Parcel
		step("receive", 2, func() error {
			res, err := station.Receive(tx, f.env, station.ReceiveInput{Code: r.ReturnShipments[0].Tracking})
			if err == nil {
				p = res.Parcel
			}
			return err
		})
		var u *station.Unit
		step("start a unit", 0, func() error {
			res, err := station.AddUnit(tx, f.env, p.ID, station.AddUnitInput{Code: phoneGTIN})
			if err == nil {
				u = res.Unit
			}
			return err
		})
		step("answer the checklist", 0, func() error {
			_, err := station.Inspect(tx, f.env, u.ID, station.InspectInput{Checklist: cleanPhone(), Serial: r.Lines[0].Serials[0]})
			return err
		})
		step("confirm", 7, func() error { _, err := station.Confirm(tx, f.env, u.ID, station.ConfirmInput{}); return err })
		return u, nil
	}
	regrade := func(u *station.Unit, grade string, want int) {
		t.Helper()
		step("regrade to "+grade, want, func() error {
			_, err := station.Confirm(tx, sup, u.ID, station.ConfirmInput{Grade: grade, OverrideReason: "scratch under the case"})
			return err
		})
	}

	kept, err := phone(1)
	if err != nil {
		t.Fatal(err)
	}
	step("first put-away", 2, func() error { _, err := station.Move(tx, f.env, kept.ID, station.MoveInput{To: "L-A01"}); return err })
	step("moved on", 0, func() error { _, err := station.Move(tx, f.env, kept.ID, station.MoveInput{To: "L-B02"}); return err })
	regrade(kept, "C", 2) // the unit's first regrade: a regraded unit and a regrade
	regrade(kept, "B", 1) // another regrade of the same unit

	twice, err := phone(2)
	if err != nil {
		t.Fatal(err)
	}
	regrade(twice, "C", 2)
	step("void a regraded unit", 6, func() error {
		_, err := station.VoidUnit(tx, sup, twice.ID, station.VoidInput{Reason: "scanned twice"})
		return err
	})
	once, err := phone(3)
	if err != nil {
		t.Fatal(err)
	}
	step("void a confirmed unit", 4, func() error {
		_, err := station.VoidUnit(tx, sup, once.ID, station.VoidInput{Reason: "scanned twice"})
		return err
	})

	day := f.env.Now().In(station.DefaultRules().Location()).Format(time.DateOnly)
	th, err := station.Throughput(tx, day, day, station.ByDay)
	if err != nil {
		t.Fatal(err)
	}
	if th.Received != 3 || th.Inspected != 1 || th.PutAway != 1 || th.Dwell.Units != 1 {
		t.Errorf("the day: received %d inspected %d put away %d, %d units timed; want 3, 1 (two voided), 1, 1", th.Received, th.Inspected, th.PutAway, th.Dwell.Units)
	}
	ins, err := station.Inspectors(tx, day, day)
	if err != nil {
		t.Fatal(err)
	}
	if len(ins.Inspectors) != 1 || ins.Inspectors[0].Inspector != "user:li.wei" || ins.Inspectors[0].Units != 1 ||
		ins.Inspectors[0].RegradedUnits != 1 || ins.Inspectors[0].Regrades != 2 || ins.Inspectors[0].OverrideRate != 1 {
		t.Errorf("inspectors %+v; want li.wei with 1 unit, regraded twice (rate 1)", ins.Inspectors)
	}
	tot, err := station.Totals(tx)
	if err != nil {
		t.Fatal(err)
	}
	var observed uint64
	for _, n := range tot.DwellBuckets {
		observed += n
	}
	if tot.Received != 3 || tot.Inspected != 3 || tot.PutAway != 1 || observed != 3 {
		t.Errorf("all-time counters %+v; want 3 received, 3 inspected and observed (a counter never goes back), 1 put away", tot)
	}
	for k, n := range f.tx.counts {
		if strings.HasPrefix(k, "thr/") && n < 0 {
			t.Errorf("counter %s is %d", k, n)
		}
	}
}
