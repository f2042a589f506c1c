package bolt_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"returns-station/station"
)

// countingTx counts the counter writes a command makes: under why/, and all.
type countingTx struct {
	station.Tx
	why, all int
}

func (c *countingTx) Count(key string, delta int64) error {
	c.all++
	if strings.HasPrefix(key, "why/") {
		c.why++
	}
	return c.Tx.Count(key, delta)
}

// The cost of what-comes-back per event, as README and station/why.go say:
// a first confirmation with one finding and a refund due writes 3 × (4 + 1
// + 1) + 1 + 1 (a defect) + 1 (the name) = 21 counters; its regrade 2 × 20
// (the previous result out, the new in; the new one here with no finding
// and nothing refunded: 20 + 3 × 4 + 1 = 33); a void of it 3 × 4 + 1 = 13.
// Events the figure does not count write none.
func TestWhyCountCallsPerEvent(t *testing.T) {
	db := openDB(t)
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	rma := "RMA-C"
	first := station.UnitInspectedData{UnitID: "u1", ParcelID: "p", RMA: &rma, Line: 1, SKU: "S", Findings: []string{"not_working"},
		Grade: "D", Disposition: "return_to_vendor", Refund: station.RefundAdvice{Decision: station.RefundFull, Amount: "9.00", Currency: "CNY"},
		Category: "c", Name: "n", Reason: "quality_issue", Channel: "tmall"}
	prev := &station.Result{Grade: "D", Disposition: "return_to_vendor", Findings: first.Findings, Refund: first.Refund,
		InspectedAt: at, FirstInspectedAt: at, Reason: "quality_issue", Channel: "tmall"}
	again := first
	again.Findings, again.Grade, again.Disposition = nil, "A", "restock"
	again.Refund = station.RefundAdvice{Decision: station.RefundReject, Amount: "0.00", Currency: "CNY"}
	later := *prev
	later.Findings, later.Grade, later.Disposition, later.Refund = nil, "A", "restock", again.Refund
	for _, c := range []struct {
		name string
		d    station.EventData
		want int
	}{
		{"first confirmation", first, 21},
		{"regrade", station.UnitRegradedData{UnitInspectedData: again, PreviousGrade: "D", OverrideReason: "r", Previous: prev}, 33},
		{"void", station.UnitVoidedData{UnitID: "u1", ParcelID: "p", RMA: &rma, Line: 1, SKU: "S", Reason: "twice", Confirmed: true, Grade: "A", Category: "c", Result: &later}, 13},
		{"parcel received", station.ParcelReceivedData{ParcelID: "p", Tracking: "T", ReceivedAt: at}, 0},
	} {
		var calls, all int
		_, err := db.Update(context.Background(), nil, func(tx station.Tx) (any, error) {
			ct := &countingTx{Tx: tx}
			e := env(station.RoleSupervisor)
			e.Now = func() time.Time { return at }
			err := e.Emit(ct, "unit/u1", c.d)
			calls, all = ct.why, ct.all
			return nil, err
		})
		if err != nil {
			t.Fatal(err)
		}
		if calls != c.want {
			t.Errorf("%s: %d why/ counter writes, want %d", c.name, calls, c.want)
		}
		t.Logf("%s: %d why/ counter writes, %d by all the figures", c.name, calls, all)
		if got := whyCalls(t, db); c.name == "void" && got != 0 {
			t.Errorf("after the void %d why/ counters are left (the name dictionary aside), want none", got)
		}
	}
}

// whyCalls counts the day-bucketed why/ counters (not the name dictionary).
func whyCalls(t *testing.T, db interface {
	View(func(station.Tx) error) error
}) int {
	n := 0
	if err := db.View(func(tx station.Tx) error {
		return tx.Counts("why/2", func(station.Counter) error { n++; return nil })
	}); err != nil {
		t.Fatal(err)
	}
	return n
}
