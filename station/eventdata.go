package station

import "time"

// EventData is the data of one event type. Each event type has exactly one
// Go type, so the contract with central (central.md §3) is checked by the
// compiler, and the README's event table is generated from these types.
// Fields beyond central's are allowed by the contract.
type EventData interface {
	// EventType is the CloudEvents type this data belongs to.
	EventType() string
}

// EventPrinterSaved and EventPrinterRemoved record printer changes (the
// station's own; central may ignore them).
const (
	EventPrinterSaved   = "returns.admin.printer_saved"
	EventPrinterRemoved = "returns.admin.printer_removed"
)

// EventDataTypes returns a zero value of every event type's data, central's
// types first, in the order the README lists them.
func EventDataTypes() []EventData {
	return []EventData{
		&ParcelReceivedData{}, &ParcelMatchedData{}, &ParcelExceptionData{}, &UnitInspectedData{}, &UnitRegradedData{},
		&UnitMovedData{}, &ParcelClosedData{}, &TrackingUpdatedData{},
		&UnitStartedData{}, &UnitPhotoAddedData{}, &UnitPhotoRemovedData{}, &UnitVoidedData{}, &ToteClosedData{}, &ParcelPhotoAddedData{}, &ExceptionResolvedData{}, &RMAUpsertedData{}, &RulesReplacedData{},
		&LabelPrintedData{}, &UserAddedData{}, &UserChangedData{}, &TokenCreatedData{}, &TokenRevokedData{},
		&PrinterSavedData{}, &PrinterRemovedData{}, &AlertRaisedData{},
	}
}

// optional returns nil for "", else s: the JSON null of a field central
// documents as "(or null)".
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// ParcelReceivedData is the data of returns.parcel.received.
type ParcelReceivedData struct {
	ParcelID   string    `json:"parcel_id"`
	Tracking   string    `json:"tracking"`
	Carrier    string    `json:"carrier"`
	RMA        *string   `json:"rma"` // null until matched
	ReceivedAt time.Time `json:"received_at"`
	Packaging  string    `json:"packaging"` // intact, damaged, opened
	WeightG    *int      `json:"weight_g,omitempty"`
	// Freight is what the dock paid the carrier for the parcel, when known.
	Freight *Money `json:"freight,omitempty"`
}

// EventType implements EventData.
func (ParcelReceivedData) EventType() string { return EventParcelReceived }

// ParcelMatchedData is the data of returns.parcel.matched.
type ParcelMatchedData struct {
	ParcelID string `json:"parcel_id"`
	RMA      string `json:"rma"`
	How      string `json:"how"` // scan, lookup, later_pull, manual
}

// EventType implements EventData.
func (ParcelMatchedData) EventType() string { return EventParcelMatched }

// ParcelExceptionData is the data of returns.parcel.exception: an exception was
// opened (on a parcel, a unit or a shipment not yet received).
type ParcelExceptionData struct {
	ParcelID    string `json:"parcel_id"`
	Code        string `json:"code"`
	Note        string `json:"note"`
	ExceptionID string `json:"exception_id"`
	UnitID      string `json:"unit_id"`
	RMA         string `json:"rma"`
	Tracking    string `json:"tracking"`
}

// EventType implements EventData.
func (ParcelExceptionData) EventType() string { return EventParcelException }

// UnitInspectedData is the data of returns.unit.inspected: the station's
// recommendation, from which central decides the refund.
type UnitInspectedData struct {
	UnitID         string         `json:"unit_id"`
	ParcelID       string         `json:"parcel_id"`
	RMA            *string        `json:"rma"`
	Line           int            `json:"line"`
	SKU            string         `json:"sku"`
	Serial         string         `json:"serial"`
	Checklist      map[string]any `json:"checklist"`
	Findings       []string       `json:"findings"`
	Grade          string         `json:"grade"`
	Disposition    string         `json:"disposition"`
	Refund         RefundAdvice   `json:"refund"`
	Inspector      string         `json:"inspector"`
	SuggestedGrade string         `json:"suggested_grade"`
	RulesVersion   int            `json:"rules_version"`
	Category       string         `json:"category"`
	Notes          string         `json:"notes"`
	OverrideReason string         `json:"override_reason,omitempty"` // when the grade or disposition differs from the suggestion
	// Name, Reason (the customer's reason code) and Channel (the order's)
	// let the station's figures count the unit from the event alone.
	Name    string `json:"name,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Channel string `json:"channel,omitempty"`
	// Value is the unit's estimated recovery and handling cost (value.go).
	Value *UnitValue `json:"value,omitempty"`
}

// EventType implements EventData.
func (UnitInspectedData) EventType() string { return EventUnitInspected }

// UnitRegradedData is the data of returns.unit.regraded: as UnitInspectedData, plus
// the grade it replaces and why.
type UnitRegradedData struct {
	UnitInspectedData
	PreviousGrade  string `json:"previous_grade"`
	OverrideReason string `json:"override_reason"`
	// Previous is the result this regrade replaces, so running aggregates
	// move the unit's counts from it to the new one instead of counting
	// the unit twice.
	Previous *Result `json:"previous,omitempty"`
}

// EventType implements EventData.
func (UnitRegradedData) EventType() string { return EventUnitRegraded }

// UnitMovedData is the data of returns.unit.moved.
type UnitMovedData struct {
	UnitID      string `json:"unit_id"`
	To          string `json:"to"`   // tote or location id
	Kind        string `json:"kind"` // tote, location
	Disposition string `json:"disposition"`
	// From is the tote or location the unit left; empty on its first
	// put-away, which is what the throughput figures count.
	From string `json:"from,omitempty"`
}

// EventType implements EventData.
func (UnitMovedData) EventType() string { return EventUnitMoved }

// ParcelClosedData is the data of returns.parcel.closed.
type ParcelClosedData struct {
	ParcelID string  `json:"parcel_id"`
	RMA      *string `json:"rma"`
	Units    int     `json:"units"`
	Complete bool    `json:"complete"` // every RMA line accounted for
}

// EventType implements EventData.
func (ParcelClosedData) EventType() string { return EventParcelClosed }

// TrackingUpdatedData is the data of returns.tracking.updated: a carrier's
// normalised status for a return shipment.
type TrackingUpdatedData struct {
	Tracking    string    `json:"tracking"`
	Carrier     string    `json:"carrier"`
	Status      string    `json:"status"` // one of TrackingStatuses
	OccurredAt  time.Time `json:"occurred_at"`
	Location    string    `json:"location"`
	RMA         *string   `json:"rma"` // null when no RMA is known for the number yet
	Provider    string    `json:"provider"`
	RawStatus   string    `json:"raw_status"`
	Description string    `json:"description"`
}

// EventType implements EventData.
func (TrackingUpdatedData) EventType() string { return EventTrackingUpdated }

// UnitStartedData is the data of returns.unit.started (the station's own).
type UnitStartedData struct {
	UnitID   string   `json:"unit_id"`
	ParcelID string   `json:"parcel_id"`
	RMA      *string  `json:"rma"`
	Line     int      `json:"line"` // 0: matches no RMA line
	SKU      string   `json:"sku"`
	Findings []string `json:"findings"`
}

// EventType implements EventData.
func (UnitStartedData) EventType() string { return EventUnitStarted }

// UnitPhotoAddedData is the data of returns.unit.photo_added (the station's own).
type UnitPhotoAddedData struct {
	UnitID      string `json:"unit_id"`
	SHA256      string `json:"sha256"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
}

// EventType implements EventData.
func (UnitPhotoAddedData) EventType() string { return EventUnitPhoto }

// ExceptionResolvedData is the data of returns.exception.resolved (the station's own).
type ExceptionResolvedData struct {
	ExceptionID string `json:"exception_id"`
	Code        string `json:"code"`
	ParcelID    string `json:"parcel_id"`
	UnitID      string `json:"unit_id"`
	Action      string `json:"action"`
	Note        string `json:"note"`
	// Subject is a resolved alert's subject (alert_* codes), so the alarm may
	// be raised again.
	Subject string `json:"subject,omitempty"`
}

// EventType implements EventData.
func (ExceptionResolvedData) EventType() string { return EventExceptionResolved }

// RMAUpsertedData is the data of returns.rma.upserted (the station's own).
type RMAUpsertedData struct {
	RMA     string `json:"rma"`
	Version int64  `json:"version"`
	Status  string `json:"status"`
	How     string `json:"how"` // pull, lookup, import, manual
}

// EventType implements EventData.
func (RMAUpsertedData) EventType() string { return EventRMAUpserted }

// RulesReplacedData is the data of returns.rules.replaced (the station's own).
type RulesReplacedData struct {
	Version int `json:"version"`
}

// EventType implements EventData.
func (RulesReplacedData) EventType() string { return EventRulesReplaced }

// LabelPrintedData is the data of returns.label.printed (the station's own).
type LabelPrintedData struct {
	JobID    string `json:"job_id"`
	Printer  string `json:"printer"`
	Code     string `json:"code"`
	Kind     string `json:"kind"`
	ID       string `json:"id"`
	Attempts int    `json:"attempts"`
}

// EventType implements EventData.
func (LabelPrintedData) EventType() string { return EventLabelPrinted }

// UserAddedData is the data of returns.admin.user_added (the station's own).
type UserAddedData struct {
	Username    string `json:"username"`
	Role        string `json:"role"`
	DisplayName string `json:"display_name"`
	Badge       bool   `json:"badge"` // a badge was registered (never the badge itself)
}

// EventType implements EventData.
func (UserAddedData) EventType() string { return EventUserAdded }

// UserChangedData is the data of returns.admin.user_changed: only what changed
// (the station's own). PIN and badge are never recorded, only that they
// changed.
type UserChangedData struct {
	Username    string  `json:"username"`
	DisplayName *string `json:"display_name,omitempty"`
	Role        *string `json:"role,omitempty"`
	PIN         string  `json:"pin,omitempty"`   // "changed"
	Badge       string  `json:"badge,omitempty"` // "changed", "removed"
	Disabled    *bool   `json:"disabled,omitempty"`
}

// EventType implements EventData.
func (UserChangedData) EventType() string { return EventUserChanged }

// TokenCreatedData is the data of returns.admin.token_created (the station's own).
type TokenCreatedData struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// EventType implements EventData.
func (TokenCreatedData) EventType() string { return EventTokenCreated }

// TokenRevokedData is the data of returns.admin.token_revoked (the station's own).
type TokenRevokedData struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// EventType implements EventData.
func (TokenRevokedData) EventType() string { return EventTokenRevoked }

// PrinterSavedData is the data of returns.admin.printer_saved: the printer as
// saved (the station's own).
type PrinterSavedData struct {
	Printer
}

// EventType implements EventData.
func (PrinterSavedData) EventType() string { return EventPrinterSaved }

// PrinterRemovedData is the data of returns.admin.printer_removed (the station's own).
type PrinterRemovedData struct {
	Name string `json:"name"`
}

// EventType implements EventData.
func (PrinterRemovedData) EventType() string { return EventPrinterRemoved }

// EventType implements EventData.
func (UnitVoidedData) EventType() string { return EventUnitVoided }

// AlertRaisedData is the data of returns.alert.raised (the station's own): a
// risk alarm tripped. Its exception is stored at the station (alert_ and the
// kind) and resolved like any other.
type AlertRaisedData struct {
	AlertID string `json:"alert_id"`
	// Kind is one of AlertKinds; Subject what it is about (customer/…,
	// serial/…, sku/…, parcel/…, inspector/…).
	Kind    string `json:"kind"`
	Subject string `json:"subject"`
	// Figures are the numbers that tripped it, Threshold the limits they crossed.
	Figures     map[string]float64 `json:"figures"`
	Threshold   map[string]float64 `json:"threshold"`
	Message     Text               `json:"message"`
	ExceptionID string             `json:"exception_id"`
	ParcelID    string             `json:"parcel_id,omitempty"`
	UnitID      string             `json:"unit_id,omitempty"`
	RMA         string             `json:"rma,omitempty"`
}

// EventType implements EventData.
func (AlertRaisedData) EventType() string { return EventAlertRaised }
