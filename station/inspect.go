package station

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// loadUnit returns the unit or a not-found error naming it.
func loadUnit(tx Tx, id string) (*Unit, error) {
	u, err := tx.Unit(id)
	if err == nil && u == nil {
		err = notFound("unit", id)
	}
	return u, err
}

// loadParcel returns the parcel or a not-found error naming it.
func loadParcel(tx Tx, id string) (*Parcel, error) {
	p, err := tx.Parcel(id)
	if err == nil && p == nil {
		err = notFound("parcel", id)
	}
	return p, err
}

// AddUnitInput starts one unit: the product barcode (GTIN) or SKU scanned or typed.
type AddUnitInput struct {
	Code string `json:"code"`
}

// UnitResult is a unit with what the inspector needs next: its checklist.
type UnitResult struct {
	Unit       *Unit        `json:"unit"`
	Template   *Category    `json:"template"`
	Exceptions []*Exception `json:"exceptions"`
}

// Created reports that a unit was created (HTTP 201).
func (r *UnitResult) Created() bool { return true }

// AddUnit starts inspecting one item out of an open parcel and matches it to
// an RMA line. An item on no line is a wrong item; one beyond the line's
// quantity is an extra item. Both open exceptions but do not stop inspection.
func AddUnit(tx Tx, env Env, parcelID string, in AddUnitInput) (*UnitResult, error) {
	if err := env.require(RoleOperator, "inspecting units"); err != nil {
		return nil, err
	}
	scan := NormalizeScan(in.Code)
	// Some all-digit waybills (Yunda's 13 digits) look like EAN-13 product
	// codes; at the inspection bench a valid GTIN is a product.
	if scan.Kind == ScanTracking && ValidGTIN(scan.Code) {
		scan.Kind, scan.Carrier, scan.GTIN = ScanGTIN, "", padGTIN(scan.Code)
	}
	if scan.Code == "" || len(in.Code) > MaxScanLength {
		return nil, Invalid("code", "scan the product barcode or type the SKU").Coded("unit_scan_empty")
	}
	if scan.Kind == ScanTracking {
		return nil, Invalid("code", "this is a waybill (tracking number), not a product: scan the barcode on the item").Coded("unit_scan_is_waybill")
	}
	p, err := loadParcel(tx, parcelID)
	if err != nil {
		return nil, err
	}
	if p.Status == ParcelClosed {
		return nil, Errorf(EConflict, "parcel %s is closed; a supervisor can reopen it by resolving its exceptions", p.Tracking).Coded("parcel_closed", "tracking", p.Tracking)
	}
	rs, err := tx.Rules()
	if err != nil {
		return nil, err
	}
	u := &Unit{ID: env.NewID(), ParcelID: p.ID, RMA: p.RMA, ScanCode: scan.Code, Status: UnitInspecting,
		Checklist: map[string]any{}, Findings: []string{}, CreatedAt: env.Now(), CreatedBy: env.Actor}
	if scan.Serial != "" {
		u.Serial = scan.Serial
	}
	res := &UnitResult{Unit: u, Exceptions: []*Exception{}}
	var exCode, exNote string
	if p.RMA != "" {
		r, err := tx.RMA(p.RMA)
		if err != nil {
			return nil, err
		}
		siblings, err := tx.UnitsByParcel(p.ID)
		if err != nil {
			return nil, err
		}
		// Units already counted against each line, across every parcel of the RMA.
		counted := map[int]int{}
		parcels, err := tx.ParcelsByRMA(r.RMA)
		if err != nil {
			return nil, err
		}
		for _, pp := range parcels {
			if pp.ID == p.ID {
				continue
			}
			us, err := tx.UnitsByParcel(pp.ID)
			if err != nil {
				return nil, err
			}
			siblings = append(siblings, us...)
		}
		for _, s := range liveUnits(siblings) {
			counted[s.Line]++
		}
		var match, full *RMALine
		for i := range r.Lines {
			l := &r.Lines[i]
			if !(strings.EqualFold(l.SKU, scan.Code) || strings.EqualFold(l.SKU, strings.TrimSpace(in.Code)) ||
				(scan.Kind == ScanGTIN && SameGTIN(l.GTIN, scan.GTIN))) {
				continue
			}
			if counted[l.Line] < l.Qty {
				match = l
				break
			}
			full = l
		}
		switch {
		case match != nil:
			u.Line, u.SKU, u.GTIN, u.Name, u.Category = match.Line, match.SKU, match.GTIN, match.Name, match.Category
		case full != nil:
			u.SKU, u.GTIN, u.Name, u.Category = full.SKU, full.GTIN, full.Name, full.Category
			u.Findings = append(u.Findings, "qty_exceeded")
			exCode, exNote = ExQtyExceeded, fmt.Sprintf("More units of %s than the %d on line %d. 数量超过退货单第%d行的%d件。", full.SKU, full.Qty, full.Line, full.Line, full.Qty)
		default:
			u.SKU = scan.Code
			u.Findings = append(u.Findings, "wrong_item")
			exCode, exNote = ExWrongItem, fmt.Sprintf("Item %s is not on return %s. 商品%s不在退货单%s上。", scan.Code, r.RMA, scan.Code, r.RMA)
		}
	} else {
		u.SKU = scan.Code
	}
	if scan.Kind == ScanGTIN && u.GTIN == "" {
		u.GTIN = scan.GTIN
	}
	tpl := rs.Template(u.Category)
	u.Category = tpl.ID
	res.Template = tpl
	if err := tx.PutUnit(u); err != nil {
		return nil, err
	}
	p.Units++
	if err := tx.PutParcel(p); err != nil {
		return nil, err
	}
	if err := env.emit(tx, "unit/"+u.ID, UnitStartedData{UnitID: u.ID, ParcelID: p.ID, RMA: optional(p.RMA), Line: u.Line, SKU: u.SKU, Findings: u.Findings}); err != nil {
		return nil, err
	}
	if exCode != "" {
		e := &Exception{Code: exCode, ParcelID: p.ID, UnitID: u.ID, RMA: p.RMA, Tracking: p.Tracking, Note: exNote}
		if err := env.openException(tx, e); err != nil {
			return nil, err
		}
		res.Exceptions = append(res.Exceptions, e)
	}
	return res, nil
}

// InspectInput records checklist answers, the serial number and notes.
type InspectInput struct {
	Checklist map[string]any `json:"checklist"`
	Serial    string         `json:"serial"`
	Notes     string         `json:"notes"`
}

// gradeInput gathers what the rules look at for u.
func gradeInput(tx Tx, u *Unit) (GradeInput, error) {
	in := GradeInput{Category: u.Category, Answers: u.Checklist, Findings: append([]string(nil), u.Findings...)}
	if u.RMA == "" {
		return in, nil
	}
	r, err := tx.RMA(u.RMA)
	if err != nil || r == nil {
		return in, err
	}
	in.RMA = r
	if u.Line > 0 {
		in.Line = r.Line(u.Line)
	}
	if in.Line != nil {
		switch {
		case u.Serial != "" && len(in.Line.Serials) > 0 && !containsFold(in.Line.Serials, u.Serial):
			in.Findings = append(in.Findings, "serial_mismatch")
		case u.Serial == "" && len(in.Line.Serials) > 0:
			in.Findings = append(in.Findings, "serial_missing")
		}
	}
	if u.Serial != "" {
		ids, err := tx.UnitsBySerial(u.Serial)
		if err != nil {
			return in, err
		}
		for _, id := range ids {
			if id == u.ID {
				continue
			}
			other, err := tx.Unit(id)
			if err != nil {
				return in, err
			}
			if other != nil && other.Status != UnitVoided {
				in.Findings = append(in.Findings, "serial_repeat")
				break
			}
		}
	}
	return in, nil
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(strings.TrimSpace(x), strings.TrimSpace(s)) {
			return true
		}
	}
	return false
}

// Inspect records the checklist and returns the suggested grade, disposition
// and refund recommendation with their reasons. It may be called as often as
// the inspector changes an answer; nothing is final until Confirm.
func Inspect(tx Tx, env Env, unitID string, in InspectInput) (*Unit, error) {
	if err := env.require(RoleOperator, "inspecting units"); err != nil {
		return nil, err
	}
	u, err := loadUnit(tx, unitID)
	if err != nil {
		return nil, err
	}
	if u.Status == UnitInspected {
		return nil, Errorf(EConflict, "unit %s is already confirmed; a supervisor can regrade it with a reason", u.ID).Coded("unit_confirmed")
	}
	if err := refuseVoided(u); err != nil {
		return nil, err
	}
	rs, err := tx.Rules()
	if err != nil {
		return nil, err
	}
	if in.Checklist == nil {
		in.Checklist = map[string]any{}
	}
	var p Problems
	if len(in.Serial) > 64 {
		p.AddCode("serial", "serial_long", "at most 64 characters")
	}
	if len(in.Notes) > 2000 {
		p.AddCode("notes", "notes_long", "at most 2000 characters")
	}
	if err := p.Err("the inspection is not valid"); err != nil {
		return nil, err
	}
	if err := rs.Template(u.Category).CheckAnswers(in.Checklist, false); err != nil {
		return nil, err
	}
	u.Checklist, u.Serial, u.Notes = in.Checklist, strings.TrimSpace(in.Serial), in.Notes
	gi, err := gradeInput(tx, u)
	if err != nil {
		return nil, err
	}
	s := rs.Suggest(gi)
	u.Suggestion = &s
	if err := tx.PutUnit(u); err != nil {
		return nil, err
	}
	return u, nil
}

// ConfirmInput is the inspector's final word. Empty grade or disposition take
// the suggestion; anything else is an override, which needs a supervisor and a
// reason.
type ConfirmInput struct {
	Grade          string `json:"grade"`
	Disposition    string `json:"disposition"`
	OverrideReason string `json:"override_reason"`
	// RefundDecision overrides the refund recommendation (supervisor): full,
	// partial (with RefundAmount), reject or escalate, with RefundReason.
	// Without it, a changed grade recomputes the refund from the new grade.
	RefundDecision string `json:"refund_decision,omitempty"`
	RefundAmount   string `json:"refund_amount,omitempty"`
	RefundReason   string `json:"refund_reason,omitempty"`
}

// Confirm fixes a unit's grade, disposition and refund recommendation and
// emits returns.unit.inspected, from which central refunds. Confirming an
// already confirmed unit is a regrade (supervisor, with a reason) and emits
// returns.unit.regraded.
func Confirm(tx Tx, env Env, unitID string, in ConfirmInput) (*Unit, error) {
	if err := env.require(RoleOperator, "confirming inspections"); err != nil {
		return nil, err
	}
	// One instant for the whole confirmation: the result's time is its
	// event's, so figures bucketed by the event's day and a later regrade
	// bucketed by the result's first time fall on the same day.
	now := env.Now()
	env.Now = func() time.Time { return now }
	u, err := loadUnit(tx, unitID)
	if err != nil {
		return nil, err
	}
	if err := refuseVoided(u); err != nil {
		return nil, err
	}
	rs, err := tx.Rules()
	if err != nil {
		return nil, err
	}
	tpl := rs.Template(u.Category)
	if err := tpl.CheckAnswers(u.Checklist, true); err != nil {
		return nil, err
	}
	gi, err := gradeInput(tx, u)
	if err != nil {
		return nil, err
	}
	var p Problems
	if tpl.RequiresSerial && u.Serial == "" {
		p.AddCode("serial", "serial_required", "this category needs the serial number before confirming")
	}
	if in.Grade != "" && rs.Grade(in.Grade) == nil {
		p.AddCode("grade", "grade_unknown", "unknown grade")
	}
	if in.Disposition != "" && !rs.HasDisposition(in.Disposition) {
		p.AddCode("disposition", "disposition_unknown", "unknown disposition")
	}
	if len(in.OverrideReason) > 500 {
		p.AddCode("override_reason", "override_reason_long", "at most 500 characters")
	}
	if err := p.Err("the unit cannot be confirmed yet"); err != nil {
		return nil, err
	}
	s := rs.Suggest(gi)
	u.Suggestion = &s
	grade := s.Grade
	if u.Result != nil { // a regrade starts from the confirmed grade
		grade = u.Result.Grade
	}
	if in.Grade != "" {
		grade = in.Grade
	}
	refund, findings := s.Refund, s.Findings
	if grade != s.Grade {
		findings = rs.FindingsAtGrade(gi, grade)
		refund = rs.Advise(gi, grade, findings)
	}
	refundOverride := in.RefundDecision != ""
	if refundOverride {
		if refund, err = overrideRefund(rs, gi, refund, in); err != nil {
			return nil, err
		}
		if strings.TrimSpace(in.OverrideReason) == "" {
			in.OverrideReason = in.RefundReason
		}
	}
	disp := rs.DispositionFor(tpl, grade, refund.Decision)
	if in.Disposition != "" {
		disp = in.Disposition
	}
	if err := consistent(rs, disp, refund); err != nil {
		return nil, err
	}
	override := grade != s.Grade || disp != s.Disposition || refundOverride
	regrade := u.Status == UnitInspected
	if override || regrade {
		if err := env.require(RoleSupervisor, "overriding a suggested grade, disposition or refund, or regrading"); err != nil {
			return nil, err
		}
		if strings.TrimSpace(in.OverrideReason) == "" {
			return nil, Invalid("override_reason", "say why the grade or disposition differs from the suggestion").Coded("override_reason_needed")
		}
	}
	res := &Result{Grade: grade, Disposition: disp, Findings: findings, Refund: refund, Inspector: env.Actor,
		InspectedAt: env.Now(), Override: override, OverrideReason: strings.TrimSpace(in.OverrideReason)}
	res.FirstInspectedAt, res.FirstInspector = res.InspectedAt, env.Actor
	if gi.RMA != nil {
		res.Reason, res.Channel = gi.RMA.Reason.Code, gi.RMA.Channel
	}
	var previous *Result
	if regrade {
		previous = u.Result
		res.PreviousGrade = previous.Grade
		res.FirstInspectedAt = previous.FirstAt()
		res.FirstInspector, res.Regrades = previous.FirstBy(), previous.Regrades+1
		if !previous.FirstInspectedAt.IsZero() { // else stored before results kept them: today's RMA says
			res.Reason, res.Channel = previous.Reason, previous.Channel
		}
	}
	if !regrade || previous.Value != nil { // a unit confirmed before values were kept stays out of the figures
		var prevValue *UnitValue
		if previous != nil {
			prevValue = previous.Value
		}
		res.Value = valueAt(rs, gi, u, grade, disp, res.InspectedAt, prevValue)
	}
	u.Result, u.Status = res, UnitInspected
	if err := tx.PutUnit(u); err != nil {
		return nil, err
	}
	inspected := UnitInspectedData{
		UnitID: u.ID, ParcelID: u.ParcelID, RMA: optional(u.RMA), Line: u.Line, SKU: u.SKU,
		Serial: u.Serial, Checklist: u.Checklist, Findings: findings, Grade: grade, Disposition: disp,
		Refund: refund, Inspector: env.Actor, SuggestedGrade: s.Grade, RulesVersion: s.RulesVersion,
		Category: u.Category, Notes: u.Notes, Name: u.Name, Reason: res.Reason, Channel: res.Channel,
		Value: res.Value,
	}
	if override {
		inspected.OverrideReason = res.OverrideReason
	}
	var data EventData = inspected
	if regrade {
		data = UnitRegradedData{UnitInspectedData: inspected, PreviousGrade: res.PreviousGrade, OverrideReason: res.OverrideReason, Previous: previous}
	}
	if err := env.emit(tx, "unit/"+u.ID, data); err != nil {
		return nil, err
	}
	// Findings that need a supervisor open exceptions once, at the first
	// confirmation.
	opened := false
	for _, f := range findings {
		code := map[string]string{"serial_mismatch": ExSerialMismatch, "missing_parts": ExMissingParts, "serial_repeat": ExSerialMismatch}[f]
		if code == "" || regrade {
			continue
		}
		name := rs.Finding(f).Name
		e := &Exception{Code: code, ParcelID: u.ParcelID, UnitID: u.ID, RMA: u.RMA, Note: name.EN + " · " + name.ZH}
		if err := env.openException(tx, e); err != nil {
			return nil, err
		}
		opened = true
	}
	// A refund left to a person holds the unit until a supervisor resolves
	// an exception about it, whether the first confirmation or a regrade
	// left it there: open one unless the unit already has one.
	if refund.Decision == RefundEscalate && !opened {
		held, err := heldByException(tx, u)
		if err != nil {
			return nil, err
		}
		if !held {
			var en, zh []string
			for _, r := range refund.Reasons {
				en, zh = append(en, r.EN), append(zh, r.ZH)
			}
			e := &Exception{Code: ExNeedsReview, ParcelID: u.ParcelID, UnitID: u.ID, RMA: u.RMA, Note: strings.Join(en, " ") + " · " + strings.Join(zh, "")}
			if err := env.openException(tx, e); err != nil {
				return nil, err
			}
		}
	}
	return u, nil
}

// MoveInput is a put-away scan.
type MoveInput struct {
	To string `json:"to"`
}

// Move puts an inspected unit into a tote or a location.
func Move(tx Tx, env Env, unitID string, in MoveInput) (*Unit, error) {
	if err := env.require(RoleOperator, "putting units away"); err != nil {
		return nil, err
	}
	id, kind, ok := ParseContainer(in.To)
	if !ok {
		return nil, Invalid("to", "scan a tote (T-…) or location (L-…) label").Coded("move_target")
	}
	u, err := loadUnit(tx, unitID)
	if err != nil {
		return nil, err
	}
	if err := refuseVoided(u); err != nil {
		return nil, err
	}
	if u.Status != UnitInspected {
		return nil, Errorf(EConflict, "unit %s is not inspected yet: confirm its grade before putting it away", u.ID).Coded("unit_not_inspected")
	}
	rs, err := tx.Rules()
	if err != nil {
		return nil, err
	}
	if err := checkHold(tx, rs, u, id, kind); err != nil {
		return nil, err
	}
	if u.Location == id {
		// Already there: nothing moves, but a regrade since may have made
		// its tote the wrong one.
		if err := keepInTote(tx, u, id, kind); err != nil {
			return nil, err
		}
		return u, nil
	}
	from := u.Location
	if err := leaveContainer(tx, u); err != nil {
		return nil, err
	}
	if kind == "tote" {
		if err := putIntoTote(tx, u, id); err != nil {
			return nil, err
		}
	}
	u.Location, u.LocationKind = id, kind
	if err := tx.PutUnit(u); err != nil {
		return nil, err
	}
	if err := env.emit(tx, "unit/"+u.ID, UnitMovedData{UnitID: u.ID, To: id, Kind: kind, Disposition: u.Result.Disposition, From: from}); err != nil {
		return nil, err
	}
	return u, nil
}

// AddPhoto records a photo (already stored by content hash) on a unit.
func AddPhoto(tx Tx, env Env, unitID string, ph Photo) (*Unit, error) {
	if err := env.require(RoleOperator, "adding photos"); err != nil {
		return nil, err
	}
	u, err := loadUnit(tx, unitID)
	if err != nil {
		return nil, err
	}
	for _, x := range u.Photos {
		if x.SHA256 == ph.SHA256 {
			return u, nil
		}
	}
	ph.AddedAt, ph.AddedBy = env.Now(), env.Actor
	u.Photos = append(u.Photos, ph)
	if err := tx.PutUnit(u); err != nil {
		return nil, err
	}
	if err := env.emit(tx, "unit/"+u.ID, UnitPhotoAddedData{UnitID: u.ID, SHA256: ph.SHA256, ContentType: ph.ContentType, Size: ph.Size}); err != nil {
		return nil, err
	}
	return u, nil
}

// CloseParcel ends work on a parcel once every unit is confirmed. A parcel
// closed with no units is an empty box and opens that exception.
func CloseParcel(tx Tx, env Env, parcelID string) (*Parcel, error) {
	if err := env.require(RoleOperator, "closing parcels"); err != nil {
		return nil, err
	}
	p, err := loadParcel(tx, parcelID)
	if err != nil {
		return nil, err
	}
	if p.Status == ParcelClosed {
		return p, nil
	}
	units, err := tx.UnitsByParcel(p.ID)
	if err != nil {
		return nil, err
	}
	units = liveUnits(units) // a voided unit neither blocks closing nor counts
	var waiting []string
	for _, u := range units {
		if u.Status != UnitInspected {
			waiting = append(waiting, u.ID)
		}
	}
	if len(waiting) > 0 {
		return nil, Errorf(EConflict, "%d unit(s) still need a confirmed grade before the parcel can close: %s (void one scanned by mistake)", len(waiting), strings.Join(waiting, ", ")).Coded("parcel_units_open", "n", strconv.Itoa(len(waiting)))
	}
	complete := false
	if p.RMA != "" {
		r, err := tx.RMA(p.RMA)
		if err != nil {
			return nil, err
		}
		complete, err = rmaComplete(tx, r)
		if err != nil {
			return nil, err
		}
	}
	now := env.Now()
	p.Status, p.ClosedAt, p.ClosedBy, p.Complete = ParcelClosed, &now, env.Actor, complete
	if err := tx.PutParcel(p); err != nil {
		return nil, err
	}
	if len(units) == 0 {
		if err := env.openException(tx, &Exception{Code: ExEmptyBox, ParcelID: p.ID, RMA: p.RMA, Tracking: p.Tracking,
			Note: "Parcel closed with no units inside: empty box. 包裹内无商品：空包。"}); err != nil {
			return nil, err
		}
	}
	if err := env.emit(tx, "parcel/"+p.ID, ParcelClosedData{ParcelID: p.ID, RMA: optional(p.RMA), Units: len(units), Complete: complete}); err != nil {
		return nil, err
	}
	return p, nil
}

// rmaComplete reports whether every line of r is accounted for by inspected units.
func rmaComplete(tx Tx, r *ReturnAuthorization) (bool, error) {
	parcels, err := tx.ParcelsByRMA(r.RMA)
	if err != nil {
		return false, err
	}
	got := map[int]int{}
	for _, p := range parcels {
		us, err := tx.UnitsByParcel(p.ID)
		if err != nil {
			return false, err
		}
		for _, u := range us {
			if u.Status == UnitInspected && u.Line > 0 {
				got[u.Line]++
			}
		}
	}
	for _, l := range r.Lines {
		if got[l.Line] < l.Qty {
			return false, nil
		}
	}
	return true, nil
}

// ResolveInput is a supervisor's decision on an exception.
type ResolveInput struct {
	Action string `json:"action"`
	Note   string `json:"note"`
	RMA    string `json:"rma,omitempty"` // with action "match"
}

// ResolveException closes an open exception with an action and a note.
func ResolveException(tx Tx, env Env, id string, in ResolveInput) (*Exception, error) {
	if err := env.require(RoleSupervisor, "resolving exceptions"); err != nil {
		return nil, err
	}
	e, err := tx.Exception(id)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, notFound("exception", id)
	}
	if e.State != ExOpen {
		return nil, Errorf(EConflict, "exception %s was already resolved by %s", e.ID, e.ResolvedBy).Coded("exception_resolved", "who", strings.TrimPrefix(e.ResolvedBy, "user:"))
	}
	if !contains(ExceptionActions[e.Code], in.Action) {
		return nil, Invalid("action", "for "+e.Code+" the action must be one of "+strings.Join(ExceptionActions[e.Code], ", ")).Coded("exception_action")
	}
	if strings.TrimSpace(in.Note) == "" || len(in.Note) > 2000 {
		return nil, Invalid("note", "say what was done (at most 2000 characters)").Coded("exception_note")
	}
	if in.Action == ActMatch {
		r, err := tx.RMA(strings.TrimSpace(in.RMA))
		if err != nil {
			return nil, err
		}
		if r == nil {
			return nil, Invalid("rma", "no such RMA on this station; enter it first (POST /api/v1/returns) or wait for the pull").Coded("exception_rma_unknown")
		}
		p, err := tx.Parcel(e.ParcelID)
		if err != nil {
			return nil, err
		}
		if p == nil || p.RMA != "" {
			return nil, Errorf(EConflict, "the parcel is already matched").Coded("parcel_already_matched")
		}
		if err := matchParcel(tx, env, p, r, "manual"); err != nil {
			return nil, err
		}
		if e, err = tx.Exception(id); err != nil {
			return nil, err
		}
	}
	now := env.Now()
	e.State, e.ResolvedAt, e.ResolvedBy, e.Action, e.Resolution = ExResolved, &now, env.Actor, in.Action, strings.TrimSpace(in.Note)
	if err := tx.PutException(e); err != nil {
		return nil, err
	}
	if err := env.emit(tx, "exception/"+e.ID, ExceptionResolvedData{ExceptionID: e.ID, Code: e.Code, ParcelID: e.ParcelID, UnitID: e.UnitID, Action: e.Action, Note: e.Resolution, Subject: alertSubject(e)}); err != nil {
		return nil, err
	}
	return e, nil
}

// ReplaceRules installs a new rule document after validating it. Its version
// becomes one more than the current one, so every inspection records which
// rules it was graded under.
func ReplaceRules(tx Tx, env Env, rs *RuleSet) (*RuleSet, error) {
	if err := env.require(RoleSupervisor, "replacing inspection rules"); err != nil {
		return nil, err
	}
	if err := rs.Validate(); err != nil {
		return nil, err
	}
	cur, err := tx.Rules()
	if err != nil {
		return nil, err
	}
	rs.Version = cur.Version + 1
	if err := tx.PutRules(rs); err != nil {
		return nil, err
	}
	if err := env.emit(tx, "rules", RulesReplacedData{Version: rs.Version}); err != nil {
		return nil, err
	}
	return rs, nil
}

// ParcelView is a parcel with its RMA, units and exceptions.
type ParcelView struct {
	*Parcel
	RMAData    *ReturnAuthorization `json:"rma_detail"`
	UnitList   []*Unit              `json:"unit_list"`
	Exceptions []*Exception         `json:"exceptions"`
	// Shipments is where the parcel's shipment is by its carrier: its status,
	// time, location and history, most recent first (of the RMA's return
	// shipments when the parcel has no tracking number of its own).
	Shipments []*Shipment `json:"shipments"`
}

// LoadParcel assembles a ParcelView.
func LoadParcel(tx Tx, id string) (*ParcelView, error) {
	p, err := loadParcel(tx, id)
	if err != nil {
		return nil, err
	}
	v := &ParcelView{Parcel: p}
	if p.RMA != "" {
		if v.RMAData, err = tx.RMA(p.RMA); err != nil {
			return nil, err
		}
	}
	if v.UnitList, err = tx.UnitsByParcel(p.ID); err != nil {
		return nil, err
	}
	if v.Exceptions, err = tx.ExceptionsByParcel(p.ID); err != nil {
		return nil, err
	}
	if v.UnitList == nil {
		v.UnitList = []*Unit{}
	}
	if v.Exceptions == nil {
		v.Exceptions = []*Exception{}
	}
	if v.Shipments, err = ParcelTracking(tx, p); err != nil {
		return nil, err
	}
	return v, nil
}

func alertSubject(e *Exception) string {
	if e.Alert == nil {
		return ""
	}
	return e.Alert.Subject
}
