package station_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"returns-station/station"
)

// Carrier tracking as the inbound desk sees it: the order updates arrive in,
// what a late or repeated push may not undo, the exceptions the sweep opens
// and the board of what arrives on a day.

// dockClock stops the fixture's clock at now; the sweep's tests move it by
// hand so that "4 hours after delivery" is exactly that.
func (f *fixture) dockClock(now time.Time) {
	f.env.Now = func() time.Time { return now }
}

// trk is one carrier push for the RMA's waybill, keyed as the provider's
// event id would be.
func trk(key, status string, occurred time.Time) station.TrackingUpdate {
	return station.TrackingUpdate{Provider: "kuaidi100", DedupKey: key, Tracking: waybill, Carrier: "SF",
		Status: status, RawStatus: "raw-" + status, OccurredAt: occurred, Location: "loc-" + key, Description: "desc-" + key}
}

// day0 is when the customer handed the parcel to the carrier.
var day0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func hours(n int) time.Time { return day0.Add(time.Duration(n) * time.Hour) }

func (f *fixture) apply(t *testing.T, u station.TrackingUpdate) bool {
	t.Helper()
	moved, err := station.ApplyTracking(f.tx, f.env, u)
	if err != nil {
		t.Fatalf("ApplyTracking %s %s: %v", u.DedupKey, u.Status, err)
	}
	return moved
}

func (f *fixture) shipment(t *testing.T) *station.Shipment {
	t.Helper()
	s, err := f.tx.Shipment(waybill)
	if err != nil || s == nil {
		t.Fatalf("shipment %s: %v %v", waybill, s, err)
	}
	return s
}

// openExceptions lists the codes of the open exceptions raised for the waybill.
func (f *fixture) openExceptions(t *testing.T) []string {
	t.Helper()
	out := []string{}
	err := visitAll(f.tx.exceptions, func(e *station.Exception) error {
		if e.Tracking == waybill && e.State == station.ExOpen {
			out = append(out, e.Code)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestApplyTrackingTable(t *testing.T) {
	eta := hours(30)
	cases := []struct {
		name    string
		rma     bool // the RMA is on the station
		receive bool // its parcel was scanned at the dock before the pushes
		pushes  []station.TrackingUpdate
		moved   []bool // what each push reported
		status  string
		at      time.Time
		where   string // location of the status shown
		history []string
		events  int    // returns.tracking.updated emitted
		flags   string // the shipment's flags, comma-separated
		excs    []string
		eta     *time.Time
	}{
		{name: "updates in order each move the status",
			pushes: []station.TrackingUpdate{trk("a", station.TrackLabelCreated, hours(0)), trk("b", station.TrackInTransit, hours(5)),
				trk("c", station.TrackOutForDelivery, hours(20))},
			moved: []bool{true, true, true}, status: station.TrackOutForDelivery, at: hours(20), where: "loc-c",
			history: []string{"out_for_delivery", "in_transit", "label_created"}, events: 3},
		{name: "an older update arriving late takes its place in the history but does not move the status back",
			pushes: []station.TrackingUpdate{trk("b", station.TrackInTransit, hours(5)), trk("a", station.TrackLabelCreated, hours(0))},
			moved:  []bool{true, false}, status: station.TrackInTransit, at: hours(5), where: "loc-b",
			history: []string{"in_transit", "label_created"}, events: 1},
		{name: "a redelivered push (same event id) changes nothing",
			pushes: []station.TrackingUpdate{trk("a", station.TrackInTransit, hours(5)), trk("a", station.TrackOutForDelivery, hours(9))},
			moved:  []bool{true, false}, status: station.TrackInTransit, at: hours(5), where: "loc-a",
			history: []string{"in_transit"}, events: 1},
		{name: "delivered is not undone by a later non-terminal push",
			pushes: []station.TrackingUpdate{trk("a", station.TrackDelivered, hours(20)), trk("b", station.TrackInTransit, hours(21))},
			moved:  []bool{true, false}, status: station.TrackDelivered, at: hours(20), where: "loc-a",
			history: []string{"in_transit", "delivered"}, events: 1},
		{name: "delivered is not undone by an older push arriving late",
			pushes: []station.TrackingUpdate{trk("a", station.TrackDelivered, hours(20)), trk("b", station.TrackOutForDelivery, hours(18))},
			moved:  []bool{true, false}, status: station.TrackDelivered, at: hours(20), where: "loc-a",
			history: []string{"delivered", "out_for_delivery"}, events: 1},
		{name: "an older terminal push does not replace a newer terminal status",
			pushes: []station.TrackingUpdate{trk("a", station.TrackDelivered, hours(20)), trk("b", station.TrackCancelled, hours(1))},
			moved:  []bool{true, false}, status: station.TrackDelivered, at: hours(20), where: "loc-a",
			history: []string{"delivered", "cancelled"}, events: 1},
		{name: "exception and in transit may follow each other",
			pushes: []station.TrackingUpdate{trk("a", station.TrackException, hours(5)), trk("b", station.TrackInTransit, hours(6))},
			moved:  []bool{true, true}, status: station.TrackInTransit, at: hours(6), where: "loc-b",
			history: []string{"in_transit", "exception"}, events: 2},
		{name: "the ETA a carrier gave stays when a later push has none",
			pushes: []station.TrackingUpdate{func() station.TrackingUpdate {
				u := trk("a", station.TrackInTransit, hours(5))
				u.ETA = &eta
				return u
			}(), trk("b", station.TrackInTransit, hours(8))},
			moved: []bool{true, true}, status: station.TrackInTransit, at: hours(8), where: "loc-b",
			history: []string{"in_transit", "in_transit"}, events: 2, eta: &eta},
		{name: "going back to the customer flags the return once",
			rma: true,
			pushes: []station.TrackingUpdate{trk("a", station.TrackInTransit, hours(5)), trk("b", station.TrackReturnToSender, hours(30)),
				trk("c", station.TrackReturnToSender, hours(31))},
			moved: []bool{true, true, true}, status: station.TrackReturnToSender, at: hours(31), where: "loc-c",
			history: []string{"return_to_sender", "return_to_sender", "in_transit"}, events: 3,
			flags: station.FlagReturnToSender, excs: []string{station.ExReturnToSender}},
		{name: "going back to the customer after the parcel was scanned here raises nothing",
			rma: true, receive: true,
			pushes: []station.TrackingUpdate{trk("a", station.TrackReturnToSender, hours(30))},
			moved:  []bool{true}, status: station.TrackReturnToSender, at: hours(30), where: "loc-a",
			history: []string{"return_to_sender"}, events: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			var parcelID string
			if c.rma {
				f.put(t, waitingRMA(1, station.RMAApproved))
			}
			if c.receive {
				parcelID = f.receive(t, waybill).ID
			}
			mark := f.mark()
			for i, u := range c.pushes {
				if got := f.apply(t, u); got != c.moved[i] {
					t.Errorf("push %d (%s %s): moved %v, want %v", i, u.DedupKey, u.Status, got, c.moved[i])
				}
			}
			s := f.shipment(t)
			if s.Status != c.status || !s.StatusAt.Equal(c.at) || s.Location != c.where {
				t.Errorf("shipment shows %s at %s in %q, want %s at %s in %q", s.Status, s.StatusAt, s.Location, c.status, c.at, c.where)
			}
			var hist []string
			for _, h := range s.History {
				hist = append(hist, h.Status)
			}
			sameList(t, "history, most recent first", hist, c.history)
			if got := strings.Join(s.Flags, ","); got != c.flags {
				t.Errorf("flags: got %q, want %q", got, c.flags)
			}
			sameList(t, "open exceptions", f.openExceptions(t), c.excs)
			n := 0
			for _, typ := range f.eventsSince(t, mark) {
				if typ == station.EventTrackingUpdated {
					n++
				}
			}
			if n != c.events {
				t.Errorf("%s events: got %d, want %d", station.EventTrackingUpdated, n, c.events)
			}
			if (s.ETA == nil) != (c.eta == nil) || (s.ETA != nil && !s.ETA.Equal(*c.eta)) {
				t.Errorf("ETA: got %v, want %v", s.ETA, c.eta)
			}
			if c.rma && s.RMA != rmaID {
				t.Errorf("shipment RMA: got %q, want %q", s.RMA, rmaID)
			}
			if s.ParcelID != parcelID {
				t.Errorf("shipment parcel: got %q, want %q", s.ParcelID, parcelID)
			}
			if s.Carrier != "SF" {
				t.Errorf("carrier: got %q, want SF", s.Carrier)
			}
		})
	}
}

// The last tracking.updated event says what central needs to show the customer.
func TestApplyTrackingEventData(t *testing.T) {
	f := newFixture(t)
	f.put(t, waitingRMA(1, station.RMAApproved))
	u := trk("a", station.TrackOutForDelivery, time.Date(2026, 3, 3, 8, 30, 15, 999, time.FixedZone("CST", 8*3600)))
	u.Tracking = " sf 1234 5678 90123 "
	f.apply(t, u)
	d := f.data(t, station.EventTrackingUpdated)
	for k, v := range map[string]any{"tracking": waybill, "carrier": "SF", "status": "out_for_delivery", "rma": rmaID,
		"occurred_at": "2026-03-03T00:30:15Z", "provider": "kuaidi100", "raw_status": "raw-out_for_delivery", "location": "loc-a"} {
		checkField(t, "tracking.updated", d, k, v)
	}
}

// A push the station cannot use is refused with the field named, and
// nothing is stored: not even its event id, so a corrected redelivery of
// the same event is still applied.
func TestApplyTrackingRefusals(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(u *station.TrackingUpdate)
		field string
	}{
		{"no tracking number, only dashes and spaces", func(u *station.TrackingUpdate) { u.Tracking = " - - " }, "tracking"},
		{"a provider's raw status, not ours", func(u *station.TrackingUpdate) { u.Status = "Delivered" }, "status"},
		{"no status", func(u *station.TrackingUpdate) { u.Status = "" }, "status"},
		{"no event id", func(u *station.TrackingUpdate) { u.DedupKey = "" }, "dedup_key"},
		{"no time", func(u *station.TrackingUpdate) { u.OccurredAt = time.Time{} }, "occurred_at"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.put(t, waitingRMA(1, station.RMAApproved))
			f.apply(t, trk("first", station.TrackInTransit, hours(1)))
			u := trk("a", station.TrackDelivered, hours(20))
			c.edit(&u)
			snap := f.snapshot(t)
			moved, err := station.ApplyTracking(f.tx, f.env, u)
			wantRefusal(t, err, station.EInvalid, "", c.field)
			if moved {
				t.Error("a refused push reported the status moved")
			}
			f.unchanged(t, snap)
		})
	}
	t.Run("every field at fault is named at once", func(t *testing.T) {
		u := station.TrackingUpdate{Tracking: "-", Status: "signed"}
		err := station.ValidateTracking(&u)
		var got []string
		for _, fe := range station.Fields(err) {
			got = append(got, fe.Field)
		}
		sameList(t, "fields", got, []string{"tracking", "status", "dedup_key", "occurred_at"})
	})
}

func TestSupersedesTable(t *testing.T) {
	cases := []struct {
		cur    string
		curAt  time.Time
		status string
		at     time.Time
		want   bool
	}{
		{"", time.Time{}, station.TrackLabelCreated, hours(0), true},
		{"", time.Time{}, station.TrackDelivered, hours(0), true},
		{station.TrackInTransit, hours(5), station.TrackOutForDelivery, hours(6), true},
		{station.TrackInTransit, hours(5), station.TrackLabelCreated, hours(4), false},
		{station.TrackInTransit, hours(5), station.TrackInTransit, hours(5), true}, // same time: the later push wins
		{station.TrackException, hours(5), station.TrackInTransit, hours(6), true},
		{station.TrackInTransit, hours(5), station.TrackException, hours(6), true},
		{station.TrackInTransit, hours(5), station.TrackDelivered, hours(6), true},
		{station.TrackInTransit, hours(5), station.TrackDelivered, hours(4), false},
		{station.TrackDelivered, hours(5), station.TrackInTransit, hours(6), false},
		{station.TrackDelivered, hours(5), station.TrackDeliveryFailed, hours(6), false},
		{station.TrackReturnToSender, hours(5), station.TrackOutForDelivery, hours(6), false},
		{station.TrackCancelled, hours(5), station.TrackUnknown, hours(6), false},
		{station.TrackDelivered, hours(5), station.TrackReturnToSender, hours(6), true},
		{station.TrackDelivered, hours(5), station.TrackReturnToSender, hours(4), false},
	}
	for _, c := range cases {
		u := station.TrackingUpdate{Status: c.status, OccurredAt: c.at}
		if got := u.Supersedes(c.cur, c.curAt); got != c.want {
			t.Errorf("%s at %s over %s at %s: got %v, want %v", c.status, c.at.Format("15:04"), c.cur, c.curAt.Format("15:04"), got, c.want)
		}
	}
}

// research/carriers.md §7: delivered, going back to the customer and
// cancelled end a return's journey; nothing else does.
func TestTerminalTracking(t *testing.T) {
	terminal := map[string]bool{station.TrackDelivered: true, station.TrackReturnToSender: true, station.TrackCancelled: true}
	for _, s := range station.TrackingStatuses {
		if got := station.TerminalTracking(s); got != terminal[s] {
			t.Errorf("%s: terminal %v, want %v", s, got, terminal[s])
		}
	}
	if station.TerminalTracking("") || station.TerminalTracking("DELIVERED") {
		t.Error("an empty or raw status counts as terminal")
	}
}

// The sweep, run by the clock, opens "not found at dock" once a delivered
// parcel has waited longer than the grace, and "stuck" once a shipment has
// not moved for StuckAfter; each once, and both settled by the scan.
func TestSweepInbound(t *testing.T) {
	pol := station.DefaultInboundPolicy
	sweep := func(t *testing.T, f *fixture, now time.Time, want int, excs ...string) {
		t.Helper()
		f.dockClock(now)
		n, err := station.SweepInbound(f.tx, f.env, pol)
		if err != nil {
			t.Fatalf("sweep at %s: %v", now, err)
		}
		if n != want {
			t.Errorf("sweep at %s raised %d, want %d", now.Format("01-02 15:04"), n, want)
		}
		sameList(t, fmt.Sprintf("open exceptions after the sweep at %s", now.Format("01-02 15:04")), f.openExceptions(t), excs)
	}

	t.Run("delivered but not scanned", func(t *testing.T) {
		f := newFixture(t)
		f.put(t, waitingRMA(1, station.RMAApproved))
		delivered := hours(20)
		f.apply(t, trk("a", station.TrackInTransit, hours(1)))
		f.apply(t, trk("b", station.TrackDelivered, delivered))
		sweep(t, f, delivered.Add(pol.DockGrace-time.Minute), 0)
		sweep(t, f, delivered.Add(pol.DockGrace), 0)
		sweep(t, f, delivered.Add(pol.DockGrace+time.Minute), 1, station.ExNotFoundAtDock)
		sweep(t, f, delivered.Add(pol.DockGrace+time.Hour), 0, station.ExNotFoundAtDock)
		// Delivered is terminal: days later it is still only "not found", never "stuck".
		sweep(t, f, delivered.Add(pol.StuckAfter+time.Hour), 0, station.ExNotFoundAtDock)
		s := f.shipment(t)
		e, _ := f.tx.Exception(s.Exceptions[0])
		if e.RMA != rmaID || e.Tracking != waybill || e.ParcelID != "" || !strings.Contains(e.Note, "dock") || !strings.Contains(e.Note, "收货区") {
			t.Errorf("exception: RMA %q tracking %q parcel %q note %q", e.RMA, e.Tracking, e.ParcelID, e.Note)
		}
		d := f.data(t, station.EventParcelException)
		checkField(t, "parcel.exception", d, "code", station.ExNotFoundAtDock)
		checkField(t, "parcel.exception", d, "tracking", waybill)

		f.dockClock(delivered.Add(pol.DockGrace + 2*time.Hour))
		p := f.receive(t, "sf 1234 5678 90123")
		sweep(t, f, delivered.Add(pol.DockGrace+3*time.Hour), 0)
		if e, _ := f.tx.Exception(s.Exceptions[0]); e.State != station.ExResolved || e.ParcelID != p.ID {
			t.Errorf("after the scan: exception %s for parcel %q, want resolved for %s", e.State, e.ParcelID, p.ID)
		}
	})

	t.Run("stuck", func(t *testing.T) {
		f := newFixture(t)
		f.put(t, waitingRMA(1, station.RMAApproved))
		last := hours(5)
		f.apply(t, trk("a", station.TrackLabelCreated, hours(0)))
		f.apply(t, trk("b", station.TrackInTransit, last))
		// A late push of an older event is not movement.
		f.apply(t, trk("c", station.TrackLabelCreated, hours(1)))
		sweep(t, f, last.Add(pol.StuckAfter), 0)
		sweep(t, f, last.Add(pol.StuckAfter+time.Minute), 1, station.ExStuck)
		sweep(t, f, last.Add(pol.StuckAfter+48*time.Hour), 0, station.ExStuck)
		if s := f.shipment(t); !strings.Contains(strings.Join(s.Flags, ","), station.FlagStuck) {
			t.Errorf("flags %v, want stuck", s.Flags)
		}
		e, _ := f.tx.Exception(f.shipment(t).Exceptions[0])
		if !strings.Contains(e.Note, last.Format("2006-01-02")) {
			t.Errorf("note %q does not say since when", e.Note)
		}

		// It moves again: no longer flagged stuck.
		f.apply(t, trk("d", station.TrackOutForDelivery, last.Add(pol.StuckAfter+49*time.Hour)))
		if s := f.shipment(t); len(s.Flags) != 0 {
			t.Errorf("flags after it moved: %v, want none", s.Flags)
		}
		f.dockClock(last.Add(pol.StuckAfter + 50*time.Hour))
		f.receive(t, waybill)
		sweep(t, f, last.Add(3*pol.StuckAfter), 0)
	})

	t.Run("moving again settles stuck; stalling again raises it anew, never two at once", func(t *testing.T) {
		f := newFixture(t)
		f.apply(t, trk("a", station.TrackInTransit, hours(0)))
		sweep(t, f, hours(0).Add(pol.StuckAfter+time.Hour), 1, station.ExStuck)
		first := f.shipment(t).Exceptions[0]
		moved := hours(0).Add(pol.StuckAfter + 2*time.Hour)
		f.dockClock(moved.Add(time.Minute))
		f.env.Actor = "carrier:kuaidi100"
		f.apply(t, trk("b", station.TrackInTransit, moved))
		if open := f.openExceptions(t); len(open) != 0 {
			t.Errorf("after the carrier reported movement: open %v, want none", open)
		}
		if e, _ := f.tx.Exception(first); e.State != station.ExResolved || e.ResolvedBy != "carrier:kuaidi100" || e.Resolution == "" {
			t.Errorf("stuck exception after movement: %s by %q (%q), want resolved by the carrier's push", e.State, e.ResolvedBy, e.Resolution)
		}
		sweep(t, f, moved.Add(pol.StuckAfter+time.Hour), 1, station.ExStuck)
		e, _ := f.tx.Exception(f.shipment(t).Exceptions[1])
		if !strings.Contains(e.Note, moved.Format("2006-01-02")) {
			t.Errorf("the new stuck exception says %q, want it to count from %s", e.Note, moved.Format("2006-01-02"))
		}
		// An update that is not movement (older, arriving late) settles nothing.
		f.apply(t, trk("c", station.TrackInTransit, hours(1)))
		sameList(t, "open after a late old push", f.openExceptions(t), []string{station.ExStuck})
	})

	t.Run("found at the dock by the RMA number on the slip", func(t *testing.T) {
		f := newFixture(t)
		f.put(t, waitingRMA(1, station.RMAApproved))
		delivered := hours(20)
		f.apply(t, trk("a", station.TrackDelivered, delivered))
		sweep(t, f, delivered.Add(pol.DockGrace+time.Minute), 1, station.ExNotFoundAtDock)
		f.dockClock(delivered.Add(pol.DockGrace + time.Hour))
		f.receive(t, "rma-2026-0001")
		sweep(t, f, delivered.Add(pol.DockGrace+2*time.Hour), 0)
	})

	t.Run("stuck, then delivered and not found: the delivery settles stuck, the scan the rest", func(t *testing.T) {
		f := newFixture(t)
		f.put(t, waitingRMA(1, station.RMAApproved))
		f.apply(t, trk("a", station.TrackInTransit, hours(0)))
		sweep(t, f, hours(0).Add(pol.StuckAfter+time.Hour), 1, station.ExStuck)
		delivered := hours(0).Add(pol.StuckAfter + 2*time.Hour)
		f.apply(t, trk("b", station.TrackDelivered, delivered))
		sweep(t, f, delivered.Add(pol.DockGrace+time.Minute), 1, station.ExNotFoundAtDock)
		f.dockClock(delivered.Add(pol.DockGrace + time.Hour))
		f.receive(t, waybill)
		sweep(t, f, delivered.Add(pol.DockGrace+2*time.Hour), 0)
	})

	t.Run("delivered, not found, then going back: the carrier's turn settles not found", func(t *testing.T) {
		f := newFixture(t)
		f.put(t, waitingRMA(1, station.RMAApproved))
		delivered := hours(20)
		f.apply(t, trk("a", station.TrackDelivered, delivered))
		sweep(t, f, delivered.Add(pol.DockGrace+time.Minute), 1, station.ExNotFoundAtDock)
		f.dockClock(delivered.Add(pol.DockGrace + time.Hour))
		f.apply(t, trk("b", station.TrackReturnToSender, delivered.Add(pol.DockGrace+time.Hour)))
		sameList(t, "open once the carrier takes it back", f.openExceptions(t), []string{station.ExReturnToSender})
		e, _ := f.tx.Exception(f.shipment(t).Exceptions[0])
		if e.Code != station.ExNotFoundAtDock || e.State != station.ExResolved || e.Resolution == "" {
			t.Errorf("not found at dock after the carrier took it back: %s %s (%q), want resolved with a reason", e.Code, e.State, e.Resolution)
		}
		sweep(t, f, delivered.Add(pol.DockGrace+2*time.Hour), 0, station.ExReturnToSender)
	})

	t.Run("journeys that ended are never stuck", func(t *testing.T) {
		for _, status := range []string{station.TrackReturnToSender, station.TrackCancelled} {
			f := newFixture(t)
			f.apply(t, trk("a", status, hours(0)))
			want := []string{}
			if status == station.TrackReturnToSender {
				want = []string{station.ExReturnToSender}
			}
			sweep(t, f, hours(0).Add(2*pol.StuckAfter), 0, want...)
		}
	})

	t.Run("a parcel already scanned raises nothing", func(t *testing.T) {
		f := newFixture(t)
		f.put(t, waitingRMA(1, station.RMAApproved))
		f.dockClock(hours(1))
		f.receive(t, waybill)
		f.apply(t, trk("a", station.TrackInTransit, hours(0)))
		f.apply(t, trk("b", station.TrackDelivered, hours(2)))
		sweep(t, f, hours(0).Add(2*pol.StuckAfter), 0)
	})
}

// The inbound board for a warehouse in Shanghai: its days start at 00:00
// there, whatever the server's zone.
func TestBuildInboundBoard(t *testing.T) {
	sh := time.FixedZone("CST", 8*3600)
	local := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, sh) }
	ptr := func(t time.Time) *time.Time { return &t }
	now := local(10, 9) // 10 March, 09:00 in Shanghai (01:00 UTC)
	tx := newMemTx()
	ships := []*station.Shipment{
		{Tracking: "ETA-TODAY", Status: station.TrackInTransit, StatusAt: local(9, 8), ETA: ptr(local(10, 18))},
		{Tracking: "ETA-EARLY", Status: station.TrackInTransit, StatusAt: local(9, 7), ETA: ptr(local(10, 0))},
		{Tracking: "ETA-TOMORROW", Status: station.TrackInTransit, StatusAt: local(9, 9), ETA: ptr(local(11, 0))},
		// 23:30 on the 9th in Shanghai is 15:30 UTC the 9th: not today.
		{Tracking: "ETA-YESTERDAY-LATE", Status: station.TrackInTransit, StatusAt: local(8, 9), ETA: ptr(time.Date(2026, 3, 9, 15, 30, 0, 0, time.UTC))},
		{Tracking: "ON-VAN", Status: station.TrackOutForDelivery, StatusAt: local(10, 7)},
		{Tracking: "AT-LOCKER", Status: station.TrackAvailableForPick, StatusAt: local(9, 20)},
		{Tracking: "AT-DOCK", Status: station.TrackDelivered, StatusAt: local(10, 8), ETA: ptr(local(10, 12)), Flags: []string{station.FlagNotFoundAtDock}},
		{Tracking: "AT-DOCK-OLD", Status: station.TrackDelivered, StatusAt: local(8, 8)},
		{Tracking: "STUCK", Status: station.TrackException, StatusAt: local(1, 8), Flags: []string{station.FlagStuck}},
		{Tracking: "GOING-BACK", Status: station.TrackReturnToSender, StatusAt: local(9, 10), ETA: ptr(local(10, 12)), Flags: []string{station.FlagReturnToSender}},
		{Tracking: "CANCELLED", Status: station.TrackCancelled, StatusAt: local(9, 11)},
		{Tracking: "HERE-TODAY", Status: station.TrackDelivered, StatusAt: local(10, 6), ParcelID: "P-TODAY"},
		{Tracking: "HERE-YESTERDAY", Status: station.TrackDelivered, StatusAt: local(9, 6), ParcelID: "P-YESTERDAY"},
		{Tracking: "HERE-ON-VAN", Status: station.TrackOutForDelivery, StatusAt: local(10, 6), ParcelID: "P-EARLY"},
	}
	for _, s := range ships {
		if err := tx.PutShipment(s); err != nil {
			t.Fatal(err)
		}
	}
	for id, at := range map[string]time.Time{"P-TODAY": local(10, 8), "P-YESTERDAY": time.Date(2026, 3, 9, 15, 59, 0, 0, time.UTC), "P-EARLY": local(10, 0)} {
		if err := tx.PutParcel(&station.Parcel{ID: id, ReceivedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	list := func(ss []*station.Shipment) []string {
		out := []string{}
		for _, s := range ss {
			out = append(out, s.Tracking)
		}
		return out
	}
	cases := []struct {
		name      string
		day       time.Time
		arriving  []string
		received  int
		dayString string
	}{
		{name: "today: by ETA, plus on the van and at the locker, oldest status first", day: now,
			arriving: []string{"ETA-EARLY", "ETA-TODAY", "AT-LOCKER", "ON-VAN"}, received: 2, dayString: "2026-03-10"},
		{name: "today asked for in UTC late the evening before", day: time.Date(2026, 3, 9, 16, 30, 0, 0, time.UTC),
			arriving: []string{"ETA-EARLY", "ETA-TODAY", "AT-LOCKER", "ON-VAN"}, received: 2, dayString: "2026-03-10"},
		{name: "tomorrow: only by ETA", day: local(11, 12), arriving: []string{"ETA-TOMORROW"}, dayString: "2026-03-11"},
		{name: "yesterday", day: local(9, 12), arriving: []string{"ETA-YESTERDAY-LATE"}, received: 1, dayString: "2026-03-09"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := station.BuildInboundBoard(tx, c.day, now, sh)
			if err != nil {
				t.Fatal(err)
			}
			if b.Day != c.dayString {
				t.Errorf("day: got %s, want %s", b.Day, c.dayString)
			}
			sameList(t, "arriving", list(b.Arriving), c.arriving)
			if b.ReceivedToday != c.received {
				t.Errorf("received that day: got %d, want %d", b.ReceivedToday, c.received)
			}
			// Whatever the day, the exceptions the desk must chase are the same.
			sameList(t, "delivered, not scanned", list(b.DeliveredNotScanned), []string{"AT-DOCK-OLD", "AT-DOCK"})
			sameList(t, "stuck", list(b.Stuck), []string{"STUCK"})
			sameList(t, "going back", list(b.ReturnToSender), []string{"GOING-BACK"})
			want := map[string]int{station.TrackInTransit: 4, station.TrackOutForDelivery: 1, station.TrackAvailableForPick: 1,
				station.TrackDelivered: 2, station.TrackException: 1, station.TrackReturnToSender: 1, station.TrackCancelled: 1}
			if fmt.Sprint(b.Counts) != fmt.Sprint(want) {
				t.Errorf("counts of what is not received: got %v, want %v", b.Counts, want)
			}
		})
	}
	t.Run("an empty station has empty lists, not null", func(t *testing.T) {
		b, err := station.BuildInboundBoard(newMemTx(), now, now, sh)
		if err != nil {
			t.Fatal(err)
		}
		if b.Arriving == nil || b.DeliveredNotScanned == nil || b.Stuck == nil || b.ReturnToSender == nil || len(b.Counts) != 0 {
			t.Errorf("empty board: %+v", b)
		}
	})
}

// A shipment keeps its latest MaxTrackingHistory events, most recent first:
// a carrier that pushes every scan of a long journey does not grow it for
// good, and a very old event arriving late is the one left out.
func TestTrackingHistoryIsBounded(t *testing.T) {
	f := newFixture(t)
	n := station.MaxTrackingHistory + 5
	for i := 1; i <= n; i++ {
		f.apply(t, trk(fmt.Sprint("k", i), station.TrackInTransit, hours(i)))
	}
	f.apply(t, trk("late", station.TrackLabelCreated, hours(0)))
	s := f.shipment(t)
	if len(s.History) != station.MaxTrackingHistory {
		t.Fatalf("history holds %d events, want %d", len(s.History), station.MaxTrackingHistory)
	}
	if first, last := s.History[0], s.History[len(s.History)-1]; !first.OccurredAt.Equal(hours(n)) || !last.OccurredAt.Equal(hours(n-station.MaxTrackingHistory+1)) {
		t.Errorf("history runs from %s to %s, want from %s to %s", first.OccurredAt, last.OccurredAt, hours(n), hours(n-station.MaxTrackingHistory+1))
	}
	if s.Status != station.TrackInTransit || !s.StatusAt.Equal(hours(n)) {
		t.Errorf("status %s at %s, want in_transit at %s", s.Status, s.StatusAt, hours(n))
	}
}
