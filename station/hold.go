package station

import "strings"

// A unit is held when its refund needs a person: its disposition is the
// rules' hold disposition (quarantine) or it has an open exception. A held
// unit may only be put away into a quarantine location, so nothing under
// review is restocked, sent to a vendor or destroyed before a supervisor has
// decided (and regraded it, which gives it its final disposition).

// heldBy returns why u is held ("" when it is not): its quarantine
// disposition or the code of an open exception on it.
func heldBy(tx Tx, rs *RuleSet, u *Unit) (string, error) {
	if u.Result != nil && u.Result.Disposition == rs.HoldDisposition() {
		return "disposition " + u.Result.Disposition, nil
	}
	return openExceptionOn(tx, u)
}

// openExceptionOn returns "open exception CODE" for the first open exception
// about u, or "".
func openExceptionOn(tx Tx, u *Unit) (string, error) {
	exs, err := tx.ExceptionsByParcel(u.ParcelID)
	if err != nil {
		return "", err
	}
	for _, e := range exs {
		if e.UnitID == u.ID && e.State == ExOpen {
			return "open exception " + e.Code, nil
		}
	}
	return "", nil
}

func heldByException(tx Tx, u *Unit) (bool, error) {
	why, err := openExceptionOn(tx, u)
	return why != "", err
}

// checkHold refuses to put a held unit anywhere but a quarantine location.
func checkHold(tx Tx, rs *RuleSet, u *Unit, to, kind string) error {
	why, err := heldBy(tx, rs, u)
	if err != nil || why == "" {
		return err
	}
	if kind == "location" && rs.IsQuarantineLocation(to) {
		return nil
	}
	prefixes := strings.Join(rs.QuarantineLocations(), "…, ") + "…"
	return &Error{Code: EConflict, Key: "unit_held", Args: map[string]string{"locations": prefixes},
		Message: "unit " + u.ID + " is held for review (" + why + "): put it into a quarantine location (" + prefixes + ") until a supervisor resolves it. 该商品待审核，只能放入隔离库位（" + prefixes + "），待主管处理。",
		Fields:  []FieldError{{Field: "to", Code: "unit_held", Detail: "only a quarantine location (" + prefixes + ") while the unit is held"}}}
}

// overrideRefund is a supervisor's own refund decision, with its reason; the
// station's advice is kept as the second reason for the record.
func overrideRefund(rs *RuleSet, gi GradeInput, advised RefundAdvice, in ConfirmInput) (RefundAdvice, error) {
	var p Problems
	reason := strings.TrimSpace(in.RefundReason)
	if reason == "" || len(reason) > 500 {
		p.AddCode("refund_reason", "refund_reason_needed", "say why the refund differs from the station's advice (at most 500 characters)")
	}
	var price Cents
	havePrice := false
	if gi.Line != nil {
		if v, err := ParseAmount(gi.Line.UnitPrice); err == nil {
			price, havePrice = v, true
		}
	}
	amount := Cents(0)
	switch in.RefundDecision {
	case RefundFull:
		if !havePrice {
			p.AddCode("refund_decision", "refund_no_price", "this unit is on no RMA line, so it has no price: give partial with refund_amount")
		}
		amount = price
	case RefundReject, RefundEscalate:
		if in.RefundAmount != "" {
			if v, err := ParseAmount(in.RefundAmount); err != nil || v != 0 {
				p.AddCode("refund_amount", "refund_amount_zero", "a refused or escalated refund pays nothing: leave it empty")
			}
		}
	case RefundPartial:
		v, err := ParseAmount(in.RefundAmount)
		switch {
		case err != nil:
			p.AddCode("refund_amount", "refund_amount_needed", "a partial refund needs the amount to pay: "+err.Error())
		case v == 0 || (havePrice && v >= price):
			p.AddCode("refund_amount", "refund_amount_range", "a partial refund is more than 0.00 and less than the price "+price.String())
		}
		amount = v
	default:
		p.AddCode("refund_decision", "refund_decision", "must be full, partial, reject or escalate")
	}
	if err := p.Err("the refund override is not valid"); err != nil {
		return RefundAdvice{}, err
	}
	out := RefundAdvice{Decision: in.RefundDecision, Amount: amount.String(), Currency: advised.Currency, Rule: "supervisor_override",
		Reasons: []Reason{
			{Code: "supervisor_override", EN: reason, ZH: reason, Basis: rs.Basis(BasisSupervisor)},
			{Code: "station_advice", EN: "The station advised " + advised.Decision + " " + advised.Amount + " (" + advised.Rule + ").",
				ZH: "本站建议：" + advised.Decision + " " + advised.Amount + "（" + advised.Rule + "）。"},
		}}
	return out, nil
}

// consistent refuses a confirmed result whose parts contradict each other: a
// refund left to a person keeps the unit in quarantine, a refused refund sends
// the goods back to the customer, and goods refunded are not sent back (they
// may still be held for review).
func consistent(rs *RuleSet, disp string, refund RefundAdvice) error {
	hold, back := rs.HoldDisposition(), rs.RejectDisposition()
	switch {
	case refund.Decision == RefundEscalate && disp != hold:
		return Invalid("disposition", "the refund is left to a person, so the unit stays in "+hold+" until a supervisor decides; to release it, decide the refund too (refund_decision)").Coded("disposition_held", "disposition", hold)
	case refund.Decision == RefundReject && disp != back:
		return Invalid("disposition", "the refund is refused, so the goods are still the customer's: "+back+"; to keep them, decide the refund too (refund_decision)").Coded("disposition_refused", "disposition", back)
	case (refund.Decision == RefundFull || refund.Decision == RefundPartial) && disp == back:
		return Invalid("disposition", "the customer is refunded, so the goods are ours: choose where they go, not "+disp).Coded("disposition_refunded", "disposition", disp)
	}
	return nil
}
