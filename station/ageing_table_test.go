package station_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"returns-station/station"
)

func TestAgeTargetsValidateTable(t *testing.T) {
	cases := []struct {
		name          string
		target, alarm time.Duration
		refused       string // a word the refusal says; "" = accepted
	}{
		{name: "the defaults, 24 h and 48 h", target: 24 * time.Hour, alarm: 48 * time.Hour},
		{name: "the alarm at the target itself", target: 24 * time.Hour, alarm: 24 * time.Hour},
		{name: "no target", alarm: 48 * time.Hour, refused: "positive"},
		{name: "no alarm", target: 24 * time.Hour, refused: "positive"},
		{name: "a negative target", target: -time.Hour, alarm: 48 * time.Hour, refused: "positive"},
		{name: "the alarm a second before the target", target: 24 * time.Hour, alarm: 24*time.Hour - time.Second, refused: "must not come before"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := station.AgeTargets{Target: c.target, Alarm: c.alarm}.Validate()
			switch {
			case c.refused == "" && err != nil:
				t.Errorf("refused: %v", err)
			case c.refused != "" && (err == nil || !strings.Contains(err.Error(), c.refused)):
				t.Errorf("got %v, want a refusal saying %q", err, c.refused)
			}
		})
	}
}

// openNow is the open-parcel index entry of parcel id as it stands now.
func (f *fixture) openNow(t *testing.T, id string) *station.OpenParcel {
	t.Helper()
	p, err := f.tx.Parcel(id)
	if err != nil || p == nil {
		t.Fatalf("parcel %s: %v", id, err)
	}
	o, err := station.OpenParcelOf(f.tx, p)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestOpenParcelStageTable(t *testing.T) {
	// since names when the stage began: "received", "confirmed" (the last
	// unit's confirmation) or "exception" (the oldest open exception).
	cases := []struct {
		name  string
		work  func(t *testing.T, f *fixture, p *station.Parcel) // after the waiting RMA's parcel is received
		stage string
		since string
		excs  []string
	}{
		{name: "just received", work: func(t *testing.T, f *fixture, p *station.Parcel) {},
			stage: station.WaitInspection, since: "received"},
		{name: "a unit scanned, not confirmed", stage: station.WaitInspection, since: "received",
			work: func(t *testing.T, f *fixture, p *station.Parcel) { f.addUnit(t, p.ID, caseSKU) }},
		{name: "one unit confirmed, another still open", stage: station.WaitInspection, since: "received",
			work: func(t *testing.T, f *fixture, p *station.Parcel) {
				restockCase(t, f, p)
				f.addUnit(t, p.ID, caseSKU)
			}},
		{name: "every unit confirmed: put away next, since the last confirmation", stage: station.WaitPutAway, since: "confirmed",
			work: func(t *testing.T, f *fixture, p *station.Parcel) {
				restockCase(t, f, p)
				restockCase(t, f, p)
			}},
		{name: "one of two put away: still put away", stage: station.WaitPutAway, since: "confirmed",
			work: func(t *testing.T, f *fixture, p *station.Parcel) {
				f.move(t, restockCase(t, f, p), "T-0001")
				restockCase(t, f, p)
			}},
		{name: "every unit put away: close next", stage: station.WaitClose, since: "confirmed",
			work: func(t *testing.T, f *fixture, p *station.Parcel) {
				u := restockCase(t, f, p)
				f.move(t, restockCase(t, f, p), "T-0001")
				f.move(t, u, "T-0001")
			}},
		{name: "a unit scanned by mistake and voided does not hold it", stage: station.WaitPutAway, since: "confirmed",
			work: func(t *testing.T, f *fixture, p *station.Parcel) {
				u := f.addUnit(t, p.ID, caseSKU)
				if _, err := station.VoidUnit(f.tx, f.env, u.ID, station.VoidInput{Reason: "scanned twice"}); err != nil {
					t.Fatal(err)
				}
				restockCase(t, f, p)
			}},
		{name: "a serial mismatch open: waits on the exception, named", stage: station.WaitException, since: "exception",
			excs: []string{station.ExSerialMismatch},
			work: func(t *testing.T, f *fixture, p *station.Parcel) { heldPhone(t, f, p) }},
		{name: "the exception waits first even with every unit put away", stage: station.WaitException, since: "exception",
			excs: []string{station.ExSerialMismatch},
			work: func(t *testing.T, f *fixture, p *station.Parcel) { f.move(t, heldPhone(t, f, p), "L-Q-01") }},
		{name: "two open exceptions: both named, waiting since the older", stage: station.WaitException, since: "exception",
			excs: []string{station.ExDamagedInTransit, station.ExSerialMismatch},
			work: func(t *testing.T, f *fixture, p *station.Parcel) {
				r := waitingRMA(1, station.RMAApproved) // a second return like the first, its box damaged
				r.RMA, r.OrderID, r.ReturnShipments = "RMA-2026-0002", "JD-7788-5678", []station.ReturnShipment{{Carrier: "sf", Tracking: "SF7654321098765"}}
				*p = *f.receiveDamaged(t, r)
				heldPhone(t, f, p)
			}},
		{name: "the exception resolved: on to put away", stage: station.WaitPutAway, since: "confirmed",
			work: func(t *testing.T, f *fixture, p *station.Parcel) { f.resolveAll(t, heldPhone(t, f, p)) }},
		{name: "a parcel no return matches waits on its exception", stage: station.WaitException, since: "exception",
			excs: []string{station.ExUnmatched},
			work: func(t *testing.T, f *fixture, p *station.Parcel) {
				*p = *f.receive(t, "YT9876543210987")
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.put(t, waitingRMA(1, station.RMAApproved))
			p := f.receive(t, waybill)
			c.work(t, f, p)
			o := f.openNow(t, p.ID)
			if o.ID != p.ID || o.Tracking != p.Tracking || o.RMA != p.RMA || !o.ReceivedAt.Equal(p.ReceivedAt) {
				t.Errorf("index entry %+v: want parcel %s %s %s received %s", o, p.ID, p.Tracking, p.RMA, p.ReceivedAt)
			}
			if o.Waiting != c.stage {
				t.Errorf("waiting on %q, want %q", o.Waiting, c.stage)
			}
			sameList(t, "open exceptions", o.Exceptions, c.excs)
			var want time.Time
			switch c.since {
			case "received":
				want = p.ReceivedAt
			case "confirmed":
				units, _ := f.tx.UnitsByParcel(p.ID)
				for _, u := range units {
					if u.Result != nil && u.Result.InspectedAt.After(want) {
						want = u.Result.InspectedAt
					}
				}
			case "exception":
				exs, _ := f.tx.ExceptionsByParcel(p.ID)
				for _, e := range exs {
					if e.State == station.ExOpen && (want.IsZero() || e.OpenedAt.Before(want)) {
						want = e.OpenedAt
					}
				}
			}
			if want.IsZero() || !o.StageSince.Equal(want) {
				t.Errorf("stage since %s, want %s (%s)", o.StageSince, want, c.since)
			}
			if c.since != "received" && !o.StageSince.After(p.ReceivedAt) {
				t.Errorf("stage since %s: want later than the receipt %s", o.StageSince, p.ReceivedAt)
			}
		})
	}
}

// receiveDamaged stores r and receives its parcel with its box damaged.
func (f *fixture) receiveDamaged(t *testing.T, r *station.ReturnAuthorization) *station.Parcel {
	t.Helper()
	f.put(t, r)
	res, err := station.Receive(f.tx, f.env, station.ReceiveInput{Code: r.ReturnShipments[0].Tracking, Packaging: station.PackagingDamaged})
	if err != nil {
		t.Fatal(err)
	}
	return res.Parcel
}

func TestAgeingBoardTable(t *testing.T) {
	now := time.Date(2026, 3, 6, 12, 0, 0, 0, time.UTC)
	def := station.AgeTargets{Target: station.DefaultAgeTarget, Alarm: station.DefaultAgeAlarm}
	type row = ageRow
	cases := []struct {
		name    string
		targets station.AgeTargets
		rows    []row
	}{
		{name: "the boundaries of the defaults", targets: def, rows: []row{
			{20*time.Hour - time.Second, ""},
			{20 * time.Hour, station.AgeDue},
			{24*time.Hour - time.Second, station.AgeDue},
			{24 * time.Hour, station.AgeLate},
			{48*time.Hour - time.Second, station.AgeLate},
			{48 * time.Hour, station.AgeAlarm},
			{200 * time.Hour, station.AgeAlarm},
			{0, ""},
			{24 * time.Hour, station.AgeLate}, // received with P03: after it, by id
		}},
		{name: "a target shorter than the due window: due from receipt", targets: station.AgeTargets{Target: 2 * time.Hour, Alarm: 3 * time.Hour}, rows: []row{
			{0, station.AgeDue},
			{2*time.Hour - time.Second, station.AgeDue},
			{2 * time.Hour, station.AgeLate},
			{3 * time.Hour, station.AgeAlarm},
		}},
		{name: "a target of 8 h: due from 4 h", targets: station.AgeTargets{Target: 8 * time.Hour, Alarm: 8 * time.Hour}, rows: []row{
			{4*time.Hour - time.Second, ""},
			{4 * time.Hour, station.AgeDue},
			{8 * time.Hour, station.AgeAlarm},
		}},
		{name: "nothing open", targets: def},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var open []station.OpenParcel
			var wantListed []string
			var wantOldest int64
			counts := map[string]int{}
			for i, r := range c.rows {
				at := now.Add(-r.age)
				open = append(open, station.OpenParcel{ID: fmt.Sprintf("P%02d", i), Tracking: fmt.Sprintf("SF%013d", i), ReceivedAt: at,
					Waiting: station.WaitPutAway, StageSince: at.Add(r.age / 2), Exceptions: []string{"x"}})
				counts[r.state]++
				wantOldest = max(wantOldest, int64(r.age/time.Second))
			}
			// listed oldest first: the rows in order of age, oldest first
			for _, i := range byAgeDesc(c.rows) {
				if c.rows[i].state != "" {
					wantListed = append(wantListed, fmt.Sprintf("P%02d", i))
				}
			}
			slices.Reverse(open) // the board sorts whatever order it is given
			b := station.Ageing(open, now, c.targets)
			var listed []string
			for _, p := range b.Parcels {
				listed = append(listed, p.ParcelID)
				var i int
				if _, err := fmt.Sscanf(p.ParcelID, "P%d", &i); err != nil || i >= len(c.rows) {
					t.Fatalf("listed %q: no such parcel", p.ParcelID)
				}
				r := c.rows[i]
				if p.State != r.state {
					t.Errorf("%s aged %s: %s, want %s", p.ParcelID, r.age, p.State, r.state)
				}
				if p.AgeSeconds != int64(r.age/time.Second) || p.LateInSecs != int64((c.targets.Target-r.age)/time.Second) {
					t.Errorf("%s aged %s: age %d s, late in %d s", p.ParcelID, r.age, p.AgeSeconds, p.LateInSecs)
				}
				if p.Waiting != station.WaitPutAway || p.StageSeconds != int64((r.age-r.age/2)/time.Second) || len(p.Exceptions) != 1 || p.Tracking == "" {
					t.Errorf("%s: waiting %q for %d s, exceptions %v, tracking %q: want the index entry's stage and its time", p.ParcelID, p.Waiting, p.StageSeconds, p.Exceptions, p.Tracking)
				}
			}
			sameList(t, "listed, oldest first", listed, wantListed)
			late := counts[station.AgeLate] + counts[station.AgeAlarm]
			if b.Open != len(c.rows) || b.Late != late || b.Alarm != counts[station.AgeAlarm] || b.DueSoon != counts[station.AgeDue] || b.OldestSeconds != wantOldest {
				t.Errorf("board open %d late %d alarm %d due %d oldest %d s; want %d %d %d %d %d",
					b.Open, b.Late, b.Alarm, b.DueSoon, b.OldestSeconds, len(c.rows), late, counts[station.AgeAlarm], counts[station.AgeDue], wantOldest)
			}
			due := max(c.targets.Target-station.AgeingDueWindow, 0)
			wantBuckets := []station.AgeBucket{
				{State: station.AgeOnTime, ToSeconds: int64(due / time.Second), Count: counts[""]},
				{State: station.AgeDue, FromSeconds: int64(due / time.Second), ToSeconds: int64(c.targets.Target / time.Second), Count: counts[station.AgeDue]},
				{State: station.AgeLate, FromSeconds: int64(c.targets.Target / time.Second), ToSeconds: int64(c.targets.Alarm / time.Second), Count: counts[station.AgeLate]},
				{State: station.AgeAlarm, FromSeconds: int64(c.targets.Alarm / time.Second), Count: counts[station.AgeAlarm]},
			}
			if fmt.Sprint(b.Buckets) != fmt.Sprint(wantBuckets) {
				t.Errorf("age bands %+v, want %+v", b.Buckets, wantBuckets)
			}
			if l := c.targets.Listed(now); !l.Equal(now.Add(-due)) {
				t.Errorf("listed from receipts at or before %s, want %s", l, now.Add(-due))
			}
		})
	}
}

// ageRow is one open parcel of an ageing table: its age at now and the
// state the board must give it ("" = on time, counted but not listed).
type ageRow struct {
	age   time.Duration
	state string
}

// byAgeDesc is the indexes of rows, oldest first (ties in index order).
func byAgeDesc(rows []ageRow) []int {
	ix := make([]int, len(rows))
	for i := range ix {
		ix[i] = i
	}
	sort.SliceStable(ix, func(a, b int) bool { return rows[ix[a]].age > rows[ix[b]].age })
	return ix
}
