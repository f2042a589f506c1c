package station

import (
	"slices"
	"sort"
	"time"
)

// Shipment flags.
const (
	FlagNotFoundAtDock = "not_found_at_dock"
	FlagStuck          = "stuck"
	FlagReturnToSender = "return_to_sender"
)

// ValidateTracking checks a normalised update before it is applied.
func ValidateTracking(u *TrackingUpdate) error {
	var p Problems
	u.Tracking = NormalizeTracking(u.Tracking)
	if u.Tracking == "" {
		p.Add("tracking", "required")
	}
	if !contains(TrackingStatuses, u.Status) {
		p.Add("status", "not a normalised tracking status")
	}
	if u.DedupKey == "" {
		p.Add("dedup_key", "required")
	}
	if u.OccurredAt.IsZero() {
		p.Add("occurred_at", "required")
	}
	return p.Err("the tracking update is not valid")
}

// ApplyTracking records one carrier update. A redelivery (same DedupKey)
// changes nothing; an older event never undoes a terminal status. It attaches
// the shipment to its RMA and parcel when the station knows them, emits
// returns.tracking.updated when the status moves, and flags an RMA whose
// parcel is going back to the customer. It reports whether the status moved.
func ApplyTracking(tx Tx, env Env, u TrackingUpdate) (bool, error) {
	if err := ValidateTracking(&u); err != nil {
		return false, err
	}
	if seen, err := tx.TrackingSeen(u.DedupKey); err != nil || seen {
		return false, err
	}
	if err := tx.MarkTrackingSeen(u.DedupKey, env.Now()); err != nil {
		return false, err
	}
	s, err := tx.Shipment(u.Tracking)
	if err != nil {
		return false, err
	}
	now := env.Now()
	if s == nil {
		s = &Shipment{Tracking: u.Tracking, FirstSeenAt: now}
	}
	s.LastPushAt = now
	if s.Carrier == "" {
		s.Carrier = u.Carrier
	}
	if s.RMA == "" {
		if r, err := tx.RMAByTracking(u.Tracking); err != nil {
			return false, err
		} else if r != nil {
			s.RMA = r.RMA
		}
	}
	if s.ParcelID == "" {
		if p, err := tx.ParcelByKey(u.Tracking); err != nil {
			return false, err
		} else if p != nil {
			s.ParcelID = p.ID
		}
	}
	moved := u.Supersedes(s.Status, s.StatusAt)
	s.addStep(u)
	if moved {
		s.Status, s.StatusAt, s.Location, s.Description = u.Status, u.OccurredAt, u.Location, u.Description
		if u.ETA != nil {
			s.ETA = u.ETA
		}
		// A moving parcel is no longer stuck: there is no one to chase,
		// and one that stalls again gets one new exception, not a second
		// beside a stale one.
		s.Flags = without(s.Flags, FlagStuck)
		if err := settle(tx, env, s, "the carrier reported movement again", "", ExStuck); err != nil {
			return false, err
		}
		// One going back to the customer is no longer to be found at the dock.
		if u.Status == TrackReturnToSender {
			if err := settle(tx, env, s, "the carrier is taking it back to the customer", "", ExNotFoundAtDock); err != nil {
				return false, err
			}
		}
	}
	if err := tx.PutShipment(s); err != nil {
		return false, err
	}
	if !moved {
		return false, nil
	}
	if err := env.emit(tx, "tracking/"+s.Tracking, TrackingUpdatedData{
		Tracking: s.Tracking, Carrier: s.Carrier, Status: s.Status, OccurredAt: u.OccurredAt.UTC().Truncate(time.Second),
		Location: s.Location, RMA: optional(s.RMA), Provider: u.Provider, RawStatus: u.RawStatus, Description: u.Description,
	}); err != nil {
		return false, err
	}
	if s.Status == TrackReturnToSender && s.ParcelID == "" && !contains(s.Flags, FlagReturnToSender) {
		if err := flagShipment(tx, env, s, FlagReturnToSender, ExReturnToSender,
			"The carrier is sending this return back to the customer: it will not arrive. 承运商正在将该退货退回给客户，包裹不会到仓。"); err != nil {
			return false, err
		}
	}
	return true, nil
}

// settle resolves the open exceptions of the given codes that s raised,
// saying why they no longer need anyone; parcelID, when set, is the parcel
// that turned up for them.
func settle(tx Tx, env Env, s *Shipment, why, parcelID string, codes ...string) error {
	for _, id := range s.Exceptions {
		e, err := tx.Exception(id)
		if err != nil {
			return err
		}
		if e == nil || e.State != ExOpen || !slices.Contains(codes, e.Code) {
			continue
		}
		now := env.Now()
		e.State, e.ResolvedAt, e.ResolvedBy, e.Action, e.Resolution = ExResolved, &now, env.Actor, ActAccept, why
		if parcelID != "" {
			e.ParcelID = parcelID
		}
		if err := tx.PutException(e); err != nil {
			return err
		}
	}
	return nil
}

func flagShipment(tx Tx, env Env, s *Shipment, flag, code, note string) error {
	e := &Exception{Code: code, RMA: s.RMA, Tracking: s.Tracking, Note: note}
	if err := env.openException(tx, e); err != nil {
		return err
	}
	s.Flags = append(s.Flags, flag)
	s.Exceptions = append(s.Exceptions, e.ID)
	return tx.PutShipment(s)
}

func without(list []string, s string) []string {
	out := list[:0:0]
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// InboundPolicy says when a shipment needs a person.
type InboundPolicy struct {
	// DockGrace is how long after "delivered" a parcel may stay unscanned
	// before it is reported as not found at the dock.
	DockGrace time.Duration
	// StuckAfter is how long without movement makes a shipment stuck.
	StuckAfter time.Duration
}

// DefaultInboundPolicy is 4 hours at the dock and 5 days without movement.
var DefaultInboundPolicy = InboundPolicy{DockGrace: 4 * time.Hour, StuckAfter: 5 * 24 * time.Hour}

// SweepInbound opens exceptions for shipments delivered but not scanned in
// time and for shipments that stopped moving. Each is raised once.
func SweepInbound(tx Tx, env Env, pol InboundPolicy) (int, error) {
	now := env.Now()
	var due []*Shipment
	err := tx.Shipments(func(s *Shipment) error {
		if s.ParcelID != "" {
			return nil
		}
		switch {
		case s.Status == TrackDelivered && now.Sub(s.StatusAt) > pol.DockGrace && !contains(s.Flags, FlagNotFoundAtDock):
			due = append(due, s)
		case !TerminalTracking(s.Status) && now.Sub(s.StatusAt) > pol.StuckAfter && !contains(s.Flags, FlagStuck):
			due = append(due, s)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, s := range due {
		if s.Status == TrackDelivered {
			err = flagShipment(tx, env, s, FlagNotFoundAtDock, ExNotFoundAtDock,
				"The carrier says this return was delivered to the warehouse, but nobody has scanned it. Look for it at the dock. 承运商显示已签收，但仓库尚未扫描，请在收货区查找。")
		} else {
			err = flagShipment(tx, env, s, FlagStuck, ExStuck,
				"No carrier movement for "+s.StatusAt.Format("2006-01-02")+" onwards: chase the carrier. 物流长时间无更新，请联系承运商。")
		}
		if err != nil {
			return 0, err
		}
	}
	return len(due), nil
}

// InboundBoard is what carriers say is on its way to the warehouse.
type InboundBoard struct {
	Day                 string         `json:"day"`
	Counts              map[string]int `json:"counts"` // not yet received, by normalised status
	Arriving            []*Shipment    `json:"arriving"`
	DeliveredNotScanned []*Shipment    `json:"delivered_not_scanned"`
	Stuck               []*Shipment    `json:"stuck"`
	ReturnToSender      []*Shipment    `json:"return_to_sender"`
	ReceivedToday       int            `json:"received_today"`
}

// BuildInboundBoard groups shipments for day (in loc). A shipment arrives on
// day when its ETA falls on it, or, for today, when it is out for delivery or
// waiting at a pickup point.
func BuildInboundBoard(tx Tx, day time.Time, now time.Time, loc *time.Location) (*InboundBoard, error) {
	y, m, d := day.In(loc).Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, loc)
	end := start.AddDate(0, 0, 1)
	isToday := !now.Before(start) && now.Before(end)
	b := &InboundBoard{Day: start.Format("2006-01-02"), Counts: map[string]int{}, Arriving: []*Shipment{},
		DeliveredNotScanned: []*Shipment{}, Stuck: []*Shipment{}, ReturnToSender: []*Shipment{}}
	err := tx.Shipments(func(s *Shipment) error {
		if s.ParcelID != "" {
			if p, err := tx.Parcel(s.ParcelID); err == nil && p != nil && !p.ReceivedAt.Before(start) && p.ReceivedAt.Before(end) {
				b.ReceivedToday++
			}
			return nil
		}
		b.Counts[s.Status]++
		switch {
		case s.Status == TrackDelivered:
			b.DeliveredNotScanned = append(b.DeliveredNotScanned, s)
		case s.Status == TrackReturnToSender:
			b.ReturnToSender = append(b.ReturnToSender, s)
		case contains(s.Flags, FlagStuck):
			b.Stuck = append(b.Stuck, s)
		}
		arriving := s.ETA != nil && !s.ETA.Before(start) && s.ETA.Before(end)
		if isToday && (s.Status == TrackOutForDelivery || s.Status == TrackAvailableForPick) {
			arriving = true
		}
		if arriving && !TerminalTracking(s.Status) {
			b.Arriving = append(b.Arriving, s)
		}
		return nil
	})
	for _, list := range [][]*Shipment{b.Arriving, b.DeliveredNotScanned, b.Stuck, b.ReturnToSender} {
		sort.Slice(list, func(i, j int) bool { return list[i].StatusAt.Before(list[j].StatusAt) })
	}
	return b, err
}
