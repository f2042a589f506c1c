package station

import "time"

// Exception codes. The first six are central.md's; the rest are the station's
// own finer codes, sent with the same event type.
const (
	ExUnmatched        = "unmatched"
	ExRMACancelled     = "rma_cancelled"
	ExRMAClosed        = "rma_closed"
	ExEmptyBox         = "empty_box"
	ExExtraItems       = "extra_items"
	ExDamagedInTransit = "damaged_in_transit"
	ExWrongItem        = "wrong_item"
	ExSerialMismatch   = "serial_mismatch"
	ExMissingParts     = "missing_parts"
	ExQtyExceeded      = "qty_exceeded"
	ExNotFoundAtDock   = "not_found_at_dock"
	ExStuck            = "stuck"
	ExReturnToSender   = "return_to_sender"
	// ExNeedsReview: the refund recommendation is escalate and no other
	// exception covers the unit; it is held in quarantine until resolved.
	ExNeedsReview = "needs_review"
)

// Exception states.
const (
	ExOpen     = "open"
	ExResolved = "resolved"
)

// Resolution actions a supervisor may take.
const (
	ActMatch          = "match"  // attach an unmatched parcel to an RMA (needs rma)
	ActAccept         = "accept" // accept the goods as they are and go on
	ActReturnToSender = "return_to_sender"
	ActDispose        = "dispose"
	ActEscalate       = "escalate" // hand to central's customer service
	ActDismiss        = "dismiss"  // not a real problem (false alarm)
)

// ExceptionActions lists which actions resolve which exception codes.
var ExceptionActions = map[string][]string{
	ExUnmatched:        {ActMatch, ActReturnToSender, ActDispose, ActEscalate},
	ExRMACancelled:     {ActAccept, ActReturnToSender, ActEscalate},
	ExRMAClosed:        {ActAccept, ActReturnToSender, ActEscalate},
	ExEmptyBox:         {ActEscalate, ActDismiss},
	ExExtraItems:       {ActAccept, ActReturnToSender, ActEscalate},
	ExDamagedInTransit: {ActAccept, ActEscalate, ActDismiss},
	ExWrongItem:        {ActAccept, ActReturnToSender, ActEscalate},
	ExSerialMismatch:   {ActAccept, ActEscalate, ActDismiss},
	ExMissingParts:     {ActAccept, ActEscalate},
	ExQtyExceeded:      {ActAccept, ActReturnToSender, ActEscalate},
	ExNotFoundAtDock:   {ActAccept, ActEscalate, ActDismiss},
	ExStuck:            {ActEscalate, ActDismiss},
	ExReturnToSender:   {ActEscalate, ActDismiss},
	ExNeedsReview:      {ActAccept, ActReturnToSender, ActEscalate, ActDispose},
	// Risk alarms (risk.go): acted on, handed to central, or a false alarm.
	ExAlertCustomer:   {ActAccept, ActEscalate, ActDismiss},
	ExAlertSerial:     {ActAccept, ActEscalate, ActDismiss},
	ExAlertSKUReturns: {ActAccept, ActEscalate, ActDismiss},
	ExAlertSKUDefects: {ActAccept, ActEscalate, ActDismiss},
	ExAlertWeight:     {ActAccept, ActEscalate, ActDismiss},
	ExAlertOverride:   {ActAccept, ActEscalate, ActDismiss},
	ExAlertAge:        {ActAccept, ActEscalate, ActDismiss},
}

// Exception is a problem a supervisor must resolve.
type Exception struct {
	ID         string     `json:"id"`
	Code       string     `json:"code"`
	State      string     `json:"state"`
	ParcelID   string     `json:"parcel_id,omitempty"`
	UnitID     string     `json:"unit_id,omitempty"`
	RMA        string     `json:"rma,omitempty"`
	Tracking   string     `json:"tracking,omitempty"`
	Note       string     `json:"note"`
	OpenedAt   time.Time  `json:"opened_at"`
	OpenedBy   string     `json:"opened_by"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	ResolvedBy string     `json:"resolved_by,omitempty"`
	Action     string     `json:"action,omitempty"`
	Resolution string     `json:"resolution,omitempty"`
	// Alert is what tripped a risk alarm, for the alert_* codes.
	Alert *Alert `json:"alert,omitempty"`
	// Actions lists what may resolve it while it is open (filled on read, not stored).
	Actions []string `json:"actions,omitempty"`
}
