package station

import (
	"encoding/json"
	"time"
)

// Event types of central.md §3, plus the station's own (printing, rules,
// exception resolution) which central may ignore.
const (
	EventParcelReceived    = "returns.parcel.received"
	EventParcelMatched     = "returns.parcel.matched"
	EventParcelException   = "returns.parcel.exception"
	EventUnitStarted       = "returns.unit.started"
	EventUnitInspected     = "returns.unit.inspected"
	EventUnitRegraded      = "returns.unit.regraded"
	EventUnitMoved         = "returns.unit.moved"
	EventUnitPhoto         = "returns.unit.photo_added"
	EventUnitPhotoRemoved  = "returns.unit.photo_removed"
	EventParcelClosed      = "returns.parcel.closed"
	EventTrackingUpdated   = "returns.tracking.updated"
	EventExceptionResolved = "returns.exception.resolved"
	EventRMAUpserted       = "returns.rma.upserted"
	EventRulesReplaced     = "returns.rules.replaced"
	EventLabelPrinted      = "returns.label.printed"
	EventUserAdded         = "returns.admin.user_added"
	EventUserChanged       = "returns.admin.user_changed"
	EventTokenCreated      = "returns.admin.token_created"
	EventTokenRevoked      = "returns.admin.token_revoked"
	EventAlertRaised       = "returns.alert.raised"
)

// Event is one CloudEvents 1.0 event in structured JSON form with the
// station's extensions `seq` (gap-free commit order) and `actor`. The event log
// is the station's audit trail, the outbox for push and the feed for pull.
type Event struct {
	SpecVersion     string          `json:"specversion"`
	ID              string          `json:"id"`
	Source          string          `json:"source"`
	Type            string          `json:"type"`
	Subject         string          `json:"subject,omitempty"`
	Time            time.Time       `json:"time"`
	DataContentType string          `json:"datacontenttype"`
	Seq             uint64          `json:"seq"`
	Actor           string          `json:"actor"`
	Data            json.RawMessage `json:"data"`
}

// Source returns the CloudEvents source of a station's events.
func Source(stationID string) string { return "urn:returns-station:" + stationID }
