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

// Ageing ages open parcels (as the open-parcel index lists them) at now. It
// reads only each parcel's units and exceptions.
func Ageing(tx Tx, open []*Parcel, now time.Time, t AgeTargets) (*AgeingBoard, error) {
	b := &AgeingBoard{At: now, TargetSeconds: secs(t.Target), AlarmSeconds: secs(t.Alarm),
		DueWindowSeconds: secs(AgeingDueWindow), Parcels: []AgedParcel{}}
	due := max(t.Target-AgeingDueWindow, 0)
	b.Buckets = []AgeBucket{
		{State: AgeOnTime, ToSeconds: secs(due)},
		{State: AgeDue, FromSeconds: secs(due), ToSeconds: b.TargetSeconds},
		{State: AgeLate, FromSeconds: b.TargetSeconds, ToSeconds: b.AlarmSeconds},
		{State: AgeAlarm, FromSeconds: b.AlarmSeconds},
	}
	for _, p := range open {
		if p.Status != ParcelOpen {
			continue
		}
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
		a := AgedParcel{ParcelID: p.ID, Tracking: p.Tracking, RMA: p.RMA, ReceivedAt: p.ReceivedAt,
			AgeSeconds: secs(age), State: state, LateInSecs: secs(t.Target - age)}
		if err := waitReason(tx, p, &a); err != nil {
			return nil, err
		}
		a.StageSeconds = secs(now.Sub(a.StageSince))
		b.Parcels = append(b.Parcels, a)
	}
	sort.SliceStable(b.Parcels, func(i, j int) bool {
		if !b.Parcels[i].ReceivedAt.Equal(b.Parcels[j].ReceivedAt) {
			return b.Parcels[i].ReceivedAt.Before(b.Parcels[j].ReceivedAt)
		}
		return b.Parcels[i].ParcelID < b.Parcels[j].ParcelID
	})
	return b, nil
}

// waitReason finds the stage an open parcel is in and when it began: an open
// exception first, then a unit to inspect, then one to put away.
func waitReason(tx Tx, p *Parcel, a *AgedParcel) error {
	excs, err := tx.ExceptionsByParcel(p.ID)
	if err != nil {
		return err
	}
	for _, e := range excs {
		if e.State != ExOpen {
			continue
		}
		if a.Waiting != WaitException || e.OpenedAt.Before(a.StageSince) {
			a.StageSince = e.OpenedAt
		}
		a.Waiting = WaitException
		a.Exceptions = append(a.Exceptions, e.Code)
	}
	if a.Waiting != "" {
		return nil
	}
	units, err := tx.UnitsByParcel(p.ID)
	if err != nil {
		return err
	}
	units = liveUnits(units)
	a.Waiting, a.StageSince = WaitInspection, p.ReceivedAt
	if len(units) == 0 {
		return nil
	}
	var lastConfirmed time.Time
	putAway := true
	for _, u := range units {
		if u.Status != UnitInspected || u.Result == nil {
			return nil // still being inspected: the clock of the stage runs from receipt
		}
		if u.Result.InspectedAt.After(lastConfirmed) {
			lastConfirmed = u.Result.InspectedAt
		}
		if u.Location == "" {
			putAway = false
		}
	}
	a.StageSince = lastConfirmed
	if putAway {
		a.Waiting = WaitClose
	} else {
		a.Waiting = WaitPutAway
	}
	return nil
}

func secs(d time.Duration) int64 { return int64(d / time.Second) }
