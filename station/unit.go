package station

import "time"

// Unit statuses.
const (
	UnitInspecting = "inspecting"
	UnitInspected  = "inspected"
	UnitVoided     = "voided" // scanned by mistake and taken back out; counts for nothing
)

// Unit is one item taken out of a parcel and inspected on its own.
type Unit struct {
	ID           string         `json:"id"`
	ParcelID     string         `json:"parcel_id"`
	RMA          string         `json:"rma,omitempty"`
	Line         int            `json:"line,omitempty"` // 0: matches no RMA line
	SKU          string         `json:"sku,omitempty"`
	GTIN         string         `json:"gtin,omitempty"`
	Name         string         `json:"name,omitempty"`
	Category     string         `json:"category"`
	ScanCode     string         `json:"scan_code"`
	Serial       string         `json:"serial,omitempty"`
	Checklist    map[string]any `json:"checklist"`
	Notes        string         `json:"notes,omitempty"`
	Findings     []string       `json:"findings"` // known before the checklist: wrong_item, qty_exceeded, …
	Suggestion   *Suggestion    `json:"suggestion,omitempty"`
	Status       string         `json:"status"`
	Result       *Result        `json:"result,omitempty"`
	Location     string         `json:"location,omitempty"`
	LocationKind string         `json:"location_kind,omitempty"`
	Photos       []Photo        `json:"photos,omitempty"`
	CreatedAt    time.Time      `json:"created_at"`
	CreatedBy    string         `json:"created_by"`
	VoidedAt     *time.Time     `json:"voided_at,omitempty"`
	VoidedBy     string         `json:"voided_by,omitempty"`
	VoidReason   string         `json:"void_reason,omitempty"`
}

// Result is the confirmed inspection outcome.
type Result struct {
	Grade          string       `json:"grade"`
	Disposition    string       `json:"disposition"`
	Findings       []string     `json:"findings"`
	Refund         RefundAdvice `json:"refund"`
	Inspector      string       `json:"inspector"`
	InspectedAt    time.Time    `json:"inspected_at"`
	Override       bool         `json:"override,omitempty"`
	OverrideReason string       `json:"override_reason,omitempty"`
	PreviousGrade  string       `json:"previous_grade,omitempty"`
	// FirstInspectedAt is when the unit was first confirmed; a regrade keeps
	// it, so the unit stays counted on the day it was inspected. Zero in a
	// result stored before it was kept (and so never counted).
	FirstInspectedAt time.Time `json:"first_inspected_at"`
	// Reason and Channel are the customer's reason code and the order's
	// channel, from the RMA when the unit was first confirmed ("" without
	// one); a regrade keeps them, so its counts move within the same rows.
	Reason  string `json:"reason,omitempty"`
	Channel string `json:"channel,omitempty"`
	// Value is the estimated recovery and handling cost (value.go).
	Value *UnitValue `json:"value,omitempty"`
	// FirstInspector is who first confirmed the unit, the inspector its
	// figures are credited to; Regrades counts the supervisor regrades
	// since. A regrade keeps the one and adds to the other.
	FirstInspector string `json:"first_inspector,omitempty"`
	Regrades       int    `json:"regrades,omitempty"`
}

// FirstAt is when the unit was first confirmed (InspectedAt for a result
// stored before FirstInspectedAt was kept).
func (r *Result) FirstAt() time.Time {
	if r.FirstInspectedAt.IsZero() {
		return r.InspectedAt
	}
	return r.FirstInspectedAt
}

// Photo is a picture attached to a unit, stored by content hash.
type Photo struct {
	SHA256      string    `json:"sha256"`
	ContentType string    `json:"content_type"`
	Size        int       `json:"size"`
	AddedAt     time.Time `json:"added_at"`
	AddedBy     string    `json:"added_by"`
}

// FirstBy is who first confirmed the unit: FirstInspector, or for a result
// stored before it was kept, its inspector when it is no regrade ("" when
// that is not known).
func (r *Result) FirstBy() string {
	if r.FirstInspector != "" || r.PreviousGrade != "" {
		return r.FirstInspector
	}
	return r.Inspector
}
