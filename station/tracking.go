package station

import (
	"slices"
	"sort"
	"time"
)

// Normalised tracking statuses (research/carriers.md §7). Every provider's
// vocabulary maps onto these, so the inbound board and the rules speak one
// language whatever the carrier.
const (
	TrackLabelCreated     = "label_created"
	TrackInTransit        = "in_transit"
	TrackOutForDelivery   = "out_for_delivery"
	TrackAvailableForPick = "available_for_pickup"
	TrackDelivered        = "delivered"
	TrackDeliveryFailed   = "delivery_failed"
	TrackException        = "exception"
	TrackReturnToSender   = "return_to_sender"
	TrackCancelled        = "cancelled"
	TrackUnknown          = "unknown"
)

// TrackingStatuses lists the normalised statuses in the order the inbound board shows them.
var TrackingStatuses = []string{TrackLabelCreated, TrackInTransit, TrackOutForDelivery, TrackAvailableForPick,
	TrackDelivered, TrackDeliveryFailed, TrackException, TrackReturnToSender, TrackCancelled, TrackUnknown}

// TerminalTracking reports whether status ends a shipment's journey: an older
// event that arrives late must not move it back.
func TerminalTracking(status string) bool {
	return status == TrackDelivered || status == TrackReturnToSender || status == TrackCancelled
}

// TrackingUpdate is one carrier event in normalised form, whichever provider
// and format it came from.
type TrackingUpdate struct {
	Provider     string     `json:"provider"`          // kuaidi100, track17, aftership, easypost, webhook, poll
	DedupKey     string     `json:"dedup_key"`         // provider event id, or derived from its fields
	Tracking     string     `json:"tracking"`          // normalised tracking number
	Carrier      string     `json:"carrier,omitempty"` // our carrier code when known (SF, JD, UPS, …)
	Status       string     `json:"status"`            // one of TrackingStatuses
	RawStatus    string     `json:"raw_status,omitempty"`
	RawSubstatus string     `json:"raw_substatus,omitempty"`
	OccurredAt   time.Time  `json:"occurred_at"`
	Location     string     `json:"location,omitempty"`
	Description  string     `json:"description,omitempty"`
	SignedBy     string     `json:"signed_by,omitempty"`
	ETA          *time.Time `json:"eta,omitempty"`
}

// Supersedes reports whether update u should replace the current status cur
// (observed at curAt): newer events win, except that a terminal status is
// never undone by a non-terminal one.
func (u TrackingUpdate) Supersedes(cur string, curAt time.Time) bool {
	if cur == "" {
		return true
	}
	if TerminalTracking(cur) && !TerminalTracking(u.Status) {
		return false
	}
	return !u.OccurredAt.Before(curAt)
}

// TrackingStep is one carrier event in a shipment's history.
type TrackingStep struct {
	Status      string    `json:"status"` // one of TrackingStatuses
	OccurredAt  time.Time `json:"occurred_at"`
	Location    string    `json:"location,omitempty"`
	Description string    `json:"description,omitempty"`
	Provider    string    `json:"provider"`
	RawStatus   string    `json:"raw_status,omitempty"`
}

// MaxTrackingHistory bounds a shipment's history; the oldest steps go first.
const MaxTrackingHistory = 50

// addStep puts u into the history by the time it happened, most recent
// first: an event that arrives late still takes its place.
func (s *Shipment) addStep(u TrackingUpdate) {
	st := TrackingStep{Status: u.Status, OccurredAt: u.OccurredAt, Location: u.Location, Description: u.Description,
		Provider: u.Provider, RawStatus: u.RawStatus}
	i := sort.Search(len(s.History), func(i int) bool { return !s.History[i].OccurredAt.After(st.OccurredAt) })
	s.History = slices.Insert(s.History, i, st)
	if len(s.History) > MaxTrackingHistory {
		s.History = s.History[:MaxTrackingHistory]
	}
}

// ReturnTracking returns where each return shipment of r is: its declared
// return shipments, then the trackings of parcels received for it, each once.
// A shipment no carrier has reported on yet has its tracking, carrier and an
// empty status.
func ReturnTracking(tx Tx, r *ReturnAuthorization, parcels []*Parcel) ([]*Shipment, error) {
	out := []*Shipment{}
	seen := map[string]bool{}
	add := func(tracking, carrier string) error {
		if tracking == "" || seen[tracking] {
			return nil
		}
		seen[tracking] = true
		s, err := tx.Shipment(tracking)
		if err != nil {
			return err
		}
		if s == nil {
			s = &Shipment{Tracking: tracking, Carrier: carrier}
		}
		out = append(out, s)
		return nil
	}
	if r != nil {
		for _, rs := range r.ReturnShipments {
			if err := add(NormalizeTracking(rs.Tracking), rs.Carrier); err != nil {
				return nil, err
			}
		}
	}
	for _, p := range parcels {
		if err := add(p.Tracking, p.Carrier); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ParcelTracking returns where p's shipment is by its carrier, or, for a
// parcel without a tracking number of its own, its RMA's return shipments.
func ParcelTracking(tx Tx, p *Parcel) ([]*Shipment, error) {
	out, err := ReturnTracking(tx, nil, []*Parcel{p})
	if err != nil || len(out) > 0 || p.RMA == "" {
		return out, err
	}
	r, err := tx.RMA(p.RMA)
	if err != nil {
		return nil, err
	}
	return ReturnTracking(tx, r, nil)
}
