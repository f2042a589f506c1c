package station

import (
	"fmt"
	"sort"
	"time"
)

// The 24-hour clock: every open parcel is aged from its receipt against a
// target (a confirmed result within DefaultAgeTarget) and an alarm threshold.

// Default ageing targets.
const (
	DefaultAgeTarget = 24 * time.Hour // receipt → confirmed result
	DefaultAgeAlarm  = 48 * time.Hour // past this a late parcel raises the alarm
	// AgeingDueWindow is how far ahead the board looks for parcels about to be late.
	AgeingDueWindow = 4 * time.Hour
)

// Why an open parcel waits (the stage it is in).
const (
	WaitInspection = "awaiting_inspection" // received, a unit still to start or confirm
	WaitException  = "exception"           // an open exception on the parcel or one of its units
	WaitPutAway    = "put_away"            // every unit confirmed, one not yet put away
	WaitClose      = "close"               // every unit confirmed and put away, parcel not closed
)

// Where a parcel stands against the clock.
const (
	AgeOnTime = "on_time"
	AgeDue    = "due_soon" // late within AgeingDueWindow
	AgeLate   = "late"     // past the target
	AgeAlarm  = "alarm"    // past the alarm threshold
)

// AgeTargets are the clock's settings.
type AgeTargets struct {
	Target time.Duration // receipt → confirmed result
	Alarm  time.Duration // a late parcel past this raises the alarm
}

// Validate refuses targets that cannot work: both positive, the alarm after the target.
func (t AgeTargets) Validate() error {
	if t.Target <= 0 || t.Alarm <= 0 {
		return fmt.Errorf("the ageing target and alarm must be positive durations such as 24h (got %s and %s)", t.Target, t.Alarm)
	}
	if t.Alarm < t.Target {
		return fmt.Errorf("the ageing alarm (%s) must not come before the target (%s)", t.Alarm, t.Target)
	}
	return nil
}

// AgedParcel is one open parcel on the ageing board.
type AgedParcel struct {
	ParcelID   string    `json:"parcel_id"`
	Tracking   string    `json:"tracking"`
	RMA        string    `json:"rma,omitempty"`
	ReceivedAt time.Time `json:"received_at"`
	AgeSeconds int64     `json:"age_seconds"` // since receipt
	// Waiting is why it waits (awaiting_inspection, exception, put_away, close)
	// and StageSince when that stage began; StageSeconds is the time in it.
	Waiting      string    `json:"waiting"`
	StageSince   time.Time `json:"stage_since"`
	StageSeconds int64     `json:"stage_seconds"`
	State        string    `json:"state"`                // due_soon, late or alarm
	LateInSecs   int64     `json:"late_in_seconds"`      // seconds until late; negative: late for that long
	Exceptions   []string  `json:"exceptions,omitempty"` // codes of its open exceptions
}

// AgeBucket counts open parcels of one age band, from receipt: on time, due
// soon, late and alarm. ToSeconds is 0 for the last, open band.
type AgeBucket struct {
	State       string `json:"state"`
	FromSeconds int64  `json:"from_seconds"`
	ToSeconds   int64  `json:"to_seconds"`
	Count       int    `json:"count"`
}

// AgeingBoard is what is late now and what will be late soon, oldest first.
type AgeingBoard struct {
	At               time.Time    `json:"at"`
	TargetSeconds    int64        `json:"target_seconds"`
	AlarmSeconds     int64        `json:"alarm_seconds"`
	DueWindowSeconds int64        `json:"due_window_seconds"`
	Open             int          `json:"open"`     // open parcels counted
	Late             int          `json:"late"`     // past the target (alarms included)
	Alarm            int          `json:"alarm"`    // past the alarm threshold
	DueSoon          int          `json:"due_soon"` // late within the due window
	OldestSeconds    int64        `json:"oldest_seconds"`
	Buckets          []AgeBucket  `json:"buckets"`
	Parcels          []AgedParcel `json:"parcels"` // late and due soon, oldest first
}

// OpenParcel is what the ageing board needs of one open parcel: the store
// keeps it in its open-parcel index, refreshed in the transaction of every
// command that changes the parcel, its units or its exceptions, so the board
// reads one small record per open parcel instead of the parcel, its units
// and its exceptions.
type OpenParcel struct {
	ID         string    `json:"id"`
	Tracking   string    `json:"tracking,omitempty"`
	RMA        string    `json:"rma,omitempty"`
	ReceivedAt time.Time `json:"received_at"`
	// Waiting is the stage the parcel is in (see WaitInspection…) and
	// StageSince when that stage began; Exceptions are the codes of its open
	// exceptions.
	Waiting    string    `json:"waiting"`
	StageSince time.Time `json:"stage_since"`
	Exceptions []string  `json:"exceptions,omitempty"`
}

// Listed is the receipt time at or before which an open parcel is due
// soon, late or in alarm at now: the board lists those with their stage and
// only counts the others.
func (t AgeTargets) Listed(now time.Time) time.Time {
	return now.Add(-max(t.Target-AgeingDueWindow, 0))
}

// OpenParcelOf finds the stage open parcel p is in from its units and
// exceptions: an open exception first, then a unit to inspect, then one to
// put away, then the parcel to close.
func OpenParcelOf(tx Tx, p *Parcel) (*OpenParcel, error) {
	o := &OpenParcel{ID: p.ID, Tracking: p.Tracking, RMA: p.RMA, ReceivedAt: p.ReceivedAt}
	excs, err := tx.ExceptionsByParcel(p.ID)
	if err != nil {
		return nil, err
	}
	for _, e := range excs {
		if e.State != ExOpen {
			continue
		}
		if o.Waiting != WaitException || e.OpenedAt.Before(o.StageSince) {
			o.StageSince = e.OpenedAt
		}
		o.Waiting = WaitException
		o.Exceptions = append(o.Exceptions, e.Code)
	}
	if o.Waiting != "" {
		return o, nil
	}
	units, err := tx.UnitsByParcel(p.ID)
	if err != nil {
		return nil, err
	}
	units = liveUnits(units)
	o.Waiting, o.StageSince = WaitInspection, p.ReceivedAt
	if len(units) == 0 {
		return o, nil
	}
	var lastConfirmed time.Time
	putAway := true
	for _, u := range units {
		if u.Status != UnitInspected || u.Result == nil {
			return o, nil // still being inspected: the clock of the stage runs from receipt
		}
		if u.Result.InspectedAt.After(lastConfirmed) {
			lastConfirmed = u.Result.InspectedAt
		}
		if u.Location == "" {
			putAway = false
		}
	}
	o.StageSince = lastConfirmed
	if putAway {
		o.Waiting = WaitClose
	} else {
		o.Waiting = WaitPutAway
	}
	return o, nil
}

// Ageing ages the open parcels (as the open-parcel index keeps them) at now;
// of a parcel received after t.Listed(now) it reads only the receipt time.
func Ageing(open []OpenParcel, now time.Time, t AgeTargets) *AgeingBoard {
	b := &AgeingBoard{At: now, TargetSeconds: secs(t.Target), AlarmSeconds: secs(t.Alarm),
		DueWindowSeconds: secs(AgeingDueWindow), Parcels: []AgedParcel{}}
	due := now.Sub(t.Listed(now))
	b.Buckets = []AgeBucket{
		{State: AgeOnTime, ToSeconds: secs(due)},
		{State: AgeDue, FromSeconds: secs(due), ToSeconds: b.TargetSeconds},
		{State: AgeLate, FromSeconds: b.TargetSeconds, ToSeconds: b.AlarmSeconds},
		{State: AgeAlarm, FromSeconds: b.AlarmSeconds},
	}
	for i := range open {
		p := &open[i]
		age := now.Sub(p.ReceivedAt)
		b.Open++
		if s := secs(age); s > b.OldestSeconds {
			b.OldestSeconds = s
		}
		state := AgeOnTime
		switch {
		case age >= t.Alarm:
			state = AgeAlarm
			b.Alarm++
			b.Late++
			b.Buckets[3].Count++
		case age >= t.Target:
			state = AgeLate
			b.Late++
			b.Buckets[2].Count++
		case age >= due:
			state = AgeDue
			b.DueSoon++
			b.Buckets[1].Count++
		default:
			b.Buckets[0].Count++
		}
		if state == AgeOnTime {
			continue
		}
		b.Parcels = append(b.Parcels, AgedParcel{ParcelID: p.ID, Tracking: p.Tracking, RMA: p.RMA, ReceivedAt: p.ReceivedAt,
			AgeSeconds: secs(age), State: state, LateInSecs: secs(t.Target - age),
			Waiting: p.Waiting, StageSince: p.StageSince, StageSeconds: secs(now.Sub(p.StageSince)), Exceptions: p.Exceptions})
	}
	sort.SliceStable(b.Parcels, func(i, j int) bool {
		if !b.Parcels[i].ReceivedAt.Equal(b.Parcels[j].ReceivedAt) {
			return b.Parcels[i].ReceivedAt.Before(b.Parcels[j].ReceivedAt)
		}
		return b.Parcels[i].ParcelID < b.Parcels[j].ParcelID
	})
	return b
}

func secs(d time.Duration) int64 { return int64(d / time.Second) }
