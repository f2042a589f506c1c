package station

import (
	"strings"
	"time"
)

// EventUnitVoided: a unit scanned by mistake (or counted twice) was taken
// back out of its parcel, with a reason.
const EventUnitVoided = "returns.unit.voided"

// VoidInput says why a unit is voided.
type VoidInput struct {
	Reason string `json:"reason"`
}

// UnitVoidedData is the data of a returns.unit.voided event. Confirmed is true
// when the unit had a confirmed grade, which central may already have seen.
type UnitVoidedData struct {
	UnitID    string  `json:"unit_id"`
	ParcelID  string  `json:"parcel_id"`
	RMA       *string `json:"rma"`
	Line      int     `json:"line"`
	SKU       string  `json:"sku"`
	Reason    string  `json:"reason"`
	Confirmed bool    `json:"confirmed"`
	Grade     string  `json:"grade,omitempty"`
	// Category and Result (the confirmed result taken back, when Confirmed)
	// let running aggregates take the unit out of the counts it was in.
	Category string  `json:"category,omitempty"`
	Result   *Result `json:"result,omitempty"`
}

// VoidUnit takes a unit scanned by mistake back out of its open parcel. A
// unit not yet confirmed may be voided by whoever inspects it; a confirmed
// one only by a supervisor, because its grade may already have reached
// central. A voided unit stays on record, counts for nothing (closing, the
// RMA's lines, serial repeats), leaves its tote, and its open exceptions are
// dismissed. Voiding it again changes nothing.
func VoidUnit(tx Tx, env Env, unitID string, in VoidInput) (*Unit, error) {
	if err := env.require(RoleOperator, "voiding units"); err != nil {
		return nil, err
	}
	reason := strings.TrimSpace(in.Reason)
	if reason == "" || len(reason) > 500 {
		return nil, Invalid("reason", "say why the unit is voided (at most 500 characters), e.g. scanned twice").Coded("void_reason")
	}
	u, err := loadUnit(tx, unitID)
	if err != nil {
		return nil, err
	}
	if u.Status == UnitVoided {
		return u, nil
	}
	confirmed := u.Status == UnitInspected
	if confirmed {
		if err := env.require(RoleSupervisor, "voiding a unit whose grade is confirmed"); err != nil {
			return nil, err
		}
	}
	p, err := loadParcel(tx, u.ParcelID)
	if err != nil {
		return nil, err
	}
	if p.Status == ParcelClosed {
		return nil, Errorf(EConflict, "parcel %s is closed; a unit of a closed parcel cannot be voided", p.Tracking).Coded("void_parcel_closed", "tracking", p.Tracking)
	}
	now := env.Now()
	data := UnitVoidedData{UnitID: u.ID, ParcelID: u.ParcelID, RMA: optional(u.RMA), Line: u.Line, SKU: u.SKU, Reason: reason, Confirmed: confirmed}
	if u.Result != nil {
		data.Grade = u.Result.Grade
	}
	if confirmed {
		data.Category, data.Result = u.Category, u.Result
	}
	u.Status, u.VoidedAt, u.VoidedBy, u.VoidReason = UnitVoided, &now, env.Actor, reason
	if err := leaveContainer(tx, u); err != nil {
		return nil, err
	}
	if err := tx.PutUnit(u); err != nil {
		return nil, err
	}
	if p.Units > 0 {
		p.Units--
	}
	if err := tx.PutParcel(p); err != nil {
		return nil, err
	}
	if err := env.emit(tx, "unit/"+u.ID, data); err != nil {
		return nil, err
	}
	exs, err := tx.ExceptionsByParcel(p.ID)
	if err != nil {
		return nil, err
	}
	for _, e := range exs {
		if e.UnitID != u.ID || e.State != ExOpen {
			continue
		}
		e.State, e.ResolvedAt, e.ResolvedBy, e.Action = ExResolved, &now, env.Actor, ActDismiss
		e.Resolution = "the unit was voided: " + reason
		if err := tx.PutException(e); err != nil {
			return nil, err
		}
		if err := env.emit(tx, "exception/"+e.ID, ExceptionResolvedData{ExceptionID: e.ID, Code: e.Code, ParcelID: e.ParcelID, UnitID: e.UnitID, Action: e.Action, Note: e.Resolution, Subject: alertSubject(e)}); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// liveUnits drops voided units.
func liveUnits(us []*Unit) []*Unit {
	out := us[:0:0]
	for _, u := range us {
		if u.Status != UnitVoided {
			out = append(out, u)
		}
	}
	return out
}

// refuseVoided is the error for any work on a voided unit.
func refuseVoided(u *Unit) error {
	if u.Status != UnitVoided {
		return nil
	}
	at := ""
	if u.VoidedAt != nil {
		at = " at " + u.VoidedAt.Format(time.DateTime)
	}
	return Errorf(EConflict, "unit %s was voided%s (%s): scan the item again to start a new unit", u.ID, at, u.VoidReason).Coded("unit_voided", "reason", u.VoidReason)
}
