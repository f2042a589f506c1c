package station

import "time"

// Parcel statuses.
const (
	ParcelOpen   = "open"   // received, units being inspected
	ParcelClosed = "closed" // every unit inspected, parcel done
)

// Packaging states of an arriving parcel (central.md §3).
const (
	PackagingIntact  = "intact"
	PackagingDamaged = "damaged"
	PackagingOpened  = "opened"
)

// Parcel is one physical parcel received at the dock. Its tracking number is
// unique: scanning it again finds this parcel instead of making a second one.
type Parcel struct {
	ID         string `json:"id"`
	Tracking   string `json:"tracking"`
	Carrier    string `json:"carrier,omitempty"`
	ScanRaw    string `json:"scan_raw"`
	RMA        string `json:"rma,omitempty"`
	OrderID    string `json:"order_id,omitempty"`
	MatchedHow string `json:"matched_how,omitempty"` // scan, lookup, later_pull, manual
	Status     string `json:"status"`
	Packaging  string `json:"packaging"`
	WeightG    *int   `json:"weight_g,omitempty"`
	// Freight is what the dock paid the carrier for the parcel, when known.
	Freight    *Money     `json:"freight,omitempty"`
	ReceivedAt time.Time  `json:"received_at"`
	ReceivedBy string     `json:"received_by"`
	Units      int        `json:"units"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
	ClosedBy   string     `json:"closed_by,omitempty"`
	Complete   bool       `json:"complete,omitempty"`
	// BoxOf is the first parcel of the same return when a clerk added this
	// one as another box of it.
	BoxOf string `json:"box_of,omitempty"`
	// Photos of the parcel as it arrived (a damaged box, for the carrier claim).
	Photos []Photo `json:"photos,omitempty"`
	// Keys are every normalised code that finds this parcel (tracking, and the
	// RMA or order number when the clerk scanned one of those instead).
	Keys []string `json:"keys"`
}

// Shipment is what the station knows of one tracking number before and after
// the parcel arrives: the latest carrier status and the RMA it belongs to.
type Shipment struct {
	Tracking    string     `json:"tracking"`
	Carrier     string     `json:"carrier,omitempty"`
	RMA         string     `json:"rma,omitempty"`
	Status      string     `json:"status"`
	StatusAt    time.Time  `json:"status_at"`
	Location    string     `json:"location,omitempty"`
	Description string     `json:"description,omitempty"`
	ETA         *time.Time `json:"eta,omitempty"`
	LastPushAt  time.Time  `json:"last_push_at"`
	FirstSeenAt time.Time  `json:"first_seen_at"`
	ParcelID    string     `json:"parcel_id,omitempty"`
	Flags       []string   `json:"flags,omitempty"`      // stuck, not_found_at_dock, return_to_sender
	Exceptions  []string   `json:"exceptions,omitempty"` // exceptions raised for it, resolved when it arrives
	// History is every carrier event received for it, most recent first
	// (at most MaxTrackingHistory).
	History []TrackingStep `json:"history,omitempty"`
}
