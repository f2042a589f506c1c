package station

import (
	"encoding/json"
	"fmt"
	"time"
)

// Roles of people and machines (station-api.md "Identity").
const (
	RoleOperator   = "operator"
	RoleSupervisor = "supervisor"
	RoleAdmin      = "admin"
	RoleCentral    = "central"
)

var roleRank = map[string]int{RoleOperator: 1, RoleSupervisor: 2, RoleAdmin: 3}

// RoleAtLeast reports whether role has the rights of min. The central role
// is a machine role outside the staff ladder: it has only its own rights.
func RoleAtLeast(role, min string) bool {
	if role == min {
		return true
	}
	return roleRank[role] >= roleRank[min] && roleRank[min] > 0
}

// Tx is what a command reads and writes, all inside one storage transaction:
// state, indexes and the event log change together or not at all. Getters
// return (nil, nil) when nothing is found. station/bolt implements it.
type Tx interface {
	RMA(id string) (*ReturnAuthorization, error)
	RMAByTracking(tracking string) (*ReturnAuthorization, error)
	RMAsByOrder(orderID string) ([]*ReturnAuthorization, error)
	// RMAsByPhone lists the RMAs whose customer's phone ends in tail.
	RMAsByPhone(tail string) ([]*ReturnAuthorization, error)
	PutRMA(r *ReturnAuthorization) error

	Parcel(id string) (*Parcel, error)
	ParcelByKey(code string) (*Parcel, error)
	ParcelsByRMA(rma string) ([]*Parcel, error)
	PutParcel(p *Parcel) error

	Unit(id string) (*Unit, error)
	UnitsByParcel(parcelID string) ([]*Unit, error)
	UnitsBySerial(serial string) ([]string, error)
	PutUnit(u *Unit) error

	// UnitsAt lists the units in a tote or location (canonical id).
	UnitsAt(location string) ([]*Unit, error)

	// Tote returns a tote by canonical id; Totes visits every tote (visit
	// must not write).
	Tote(id string) (*Tote, error)
	PutTote(t *Tote) error
	Totes(visit func(*Tote) error) error

	Exception(id string) (*Exception, error)
	ExceptionsByParcel(parcelID string) ([]*Exception, error)
	PutException(e *Exception) error

	Shipment(tracking string) (*Shipment, error)
	PutShipment(s *Shipment) error
	// Shipments visits every shipment; visit must not write.
	Shipments(visit func(*Shipment) error) error
	// TrackingSeen and MarkTrackingSeen deduplicate carrier deliveries.
	TrackingSeen(key string) (bool, error)
	MarkTrackingSeen(key string, at time.Time) error

	Rules() (*RuleSet, error)
	PutRules(rs *RuleSet) error

	// Append gives e the next gap-free seq and stores it in the event log.
	// e.Data must be compact, valid JSON as json.Marshal makes it: it is
	// stored as given, not checked again.
	Append(e *Event) error

	// Count adds delta to the running aggregate under key (a missing key
	// counts from 0; a counter back at 0 may be removed).
	Count(key string, delta int64) error
	// Counts visits the running aggregates whose keys start with prefix, in
	// key order; visit must not write.
	Counts(prefix string, visit func(Counter) error) error
}

// Env is who runs a command and with which clock and ID source.
type Env struct {
	StationID string
	Actor     string // "user:li.wei" or "token:handheld-3"
	Role      string
	Now       func() time.Time
	NewID     func() string
}

// emit appends the event of d's type about subject, updates the running
// aggregates it moves and runs the risk alarms it may trip.
func (env Env) emit(tx Tx, subject string, d EventData) error {
	typ := d.EventType()
	raw, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode %s event: %w", typ, err)
	}
	at := env.Now()
	if err := tx.Append(&Event{
		SpecVersion:     "1.0",
		ID:              env.NewID(),
		Source:          Source(env.StationID),
		Type:            typ,
		Subject:         subject,
		Time:            at,
		DataContentType: "application/json",
		Actor:           env.Actor,
		Data:            raw,
	}); err != nil {
		return err
	}
	if err := tallyEvent(env, tx, at, d); err != nil {
		return err
	}
	// The risk alarms read what the tallies counted; they run here, in the
	// command, and not when the counters are rebuilt from the log.
	return riskAlarms(env, tx, at, d)
}

func (env Env) require(role, what string) error {
	if !RoleAtLeast(env.Role, role) {
		return Errorf(EForbidden, "%s needs the %s role; ask a %s", what, role, role).Coded("role_needed", "role", role)
	}
	return nil
}

// openException stores a new exception and emits returns.parcel.exception.
func (env Env) openException(tx Tx, e *Exception) error {
	e.ID, e.State, e.OpenedAt, e.OpenedBy = env.NewID(), ExOpen, env.Now(), env.Actor
	if err := tx.PutException(e); err != nil {
		return err
	}
	subject := "parcel/" + e.ParcelID
	if e.ParcelID == "" { // a shipment not received yet (stuck, not found at the dock, going back)
		subject = "tracking/" + e.Tracking
	}
	return env.emit(tx, subject, ParcelExceptionData{ParcelID: e.ParcelID, Code: e.Code, Note: e.Note, ExceptionID: e.ID,
		UnitID: e.UnitID, RMA: e.RMA, Tracking: e.Tracking})
}

func notFound(what, id string) error {
	return Errorf(ENotFound, "no %s %q on this station", what, id).Coded("not_found_"+what, "id", id)
}

// Emit appends the event of d's type about subject, for storage-level
// commands (accounts, tokens, printers) that are not domain commands but
// belong in the audit trail all the same.
func (env Env) Emit(tx Tx, subject string, d EventData) error {
	return env.emit(tx, subject, d)
}
