package station

import "time"

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
