package station_test

import (
	"strings"
	"testing"

	"returns-station/station"
)

// A supervisor deciding the refund (refund_decision with refund_reason): the
// advice reads supervisor_override, keeps the station's advice as its second
// reason, and the confirmed result stays consistent.
func TestRefundOverrideTable(t *testing.T) {
	const why = "customer sent photos of the fault at delivery"
	type unitAt struct {
		code, serial string
		answers      map[string]any
	}
	phone := unitAt{phoneGTIN, phoneSN, cleanPhone()}
	otherSerial := unitAt{phoneGTIN, "SN-OTHER", cleanPhone()}
	mug := unitAt{"MUG-77", "", answersFor("", nil)} // on no line: no price
	cases := []struct {
		name       string
		unit       unitAt
		role       string
		in         station.ConfirmInput
		errCode    string
		errKey     string
		fields     []string
		decision   string
		amount     string
		disp       string
		advised    string   // the station's decision, kept as the second reason
		exceptions []string // open about the unit after
	}{
		{name: "full refund for a phone the station held over its serial", unit: otherSerial, role: station.RoleSupervisor,
			in:       station.ConfirmInput{RefundDecision: station.RefundFull, RefundReason: why},
			decision: station.RefundFull, amount: "1999.00", disp: "restock", advised: station.RefundEscalate,
			exceptions: []string{station.ExSerialMismatch}},
		{name: "a partial refund of a set amount", unit: phone, role: station.RoleSupervisor,
			in:       station.ConfirmInput{RefundDecision: station.RefundPartial, RefundAmount: "1500.00", RefundReason: why},
			decision: station.RefundPartial, amount: "1500.00", disp: "restock", advised: station.RefundFull},
		{name: "refused: the goods go back to the customer", unit: phone, role: station.RoleSupervisor,
			in:       station.ConfirmInput{RefundDecision: station.RefundReject, RefundReason: why},
			decision: station.RefundReject, amount: "0.00", disp: "return_to_customer", advised: station.RefundFull},
		{name: "refused with 0.00 written out", unit: phone, role: station.RoleSupervisor,
			in:       station.ConfirmInput{RefundDecision: station.RefundReject, RefundAmount: "0.00", RefundReason: why},
			decision: station.RefundReject, amount: "0.00", disp: "return_to_customer", advised: station.RefundFull},
		{name: "left to central: quarantined with a review exception", unit: phone, role: station.RoleSupervisor,
			in:       station.ConfirmInput{RefundDecision: station.RefundEscalate, RefundReason: why},
			decision: station.RefundEscalate, amount: "0.00", disp: "quarantine", advised: station.RefundFull,
			exceptions: []string{station.ExNeedsReview}},
		{name: "a partial refund for an item on no line", unit: mug, role: station.RoleSupervisor,
			in:       station.ConfirmInput{RefundDecision: station.RefundPartial, RefundAmount: "12.00", RefundReason: why},
			decision: station.RefundPartial, amount: "12.00", disp: "restock", advised: station.RefundEscalate,
			exceptions: []string{station.ExWrongItem}},
		{name: "an operator may not decide the refund", unit: phone, role: station.RoleOperator,
			in:      station.ConfirmInput{RefundDecision: station.RefundPartial, RefundAmount: "1500.00", RefundReason: why},
			errCode: station.EForbidden, errKey: "role_needed"},
		{name: "a decision needs its reason", unit: phone, role: station.RoleSupervisor,
			in:      station.ConfirmInput{RefundDecision: station.RefundFull, RefundReason: "  "},
			errCode: station.EInvalid, errKey: "refund_reason_needed", fields: []string{"refund_reason"}},
		{name: "a reason over 500 characters", unit: phone, role: station.RoleSupervisor,
			in:      station.ConfirmInput{RefundDecision: station.RefundFull, RefundReason: strings.Repeat("r", 501)},
			errCode: station.EInvalid, errKey: "refund_reason_needed", fields: []string{"refund_reason"}},
		{name: "an unknown decision", unit: phone, role: station.RoleSupervisor,
			in:      station.ConfirmInput{RefundDecision: "half", RefundReason: why},
			errCode: station.EInvalid, errKey: "refund_decision", fields: []string{"refund_decision"}},
		{name: "a full refund of an item with no price", unit: mug, role: station.RoleSupervisor,
			in:      station.ConfirmInput{RefundDecision: station.RefundFull, RefundReason: why},
			errCode: station.EInvalid, errKey: "refund_no_price", fields: []string{"refund_decision"}},
		{name: "a partial refund without its amount", unit: phone, role: station.RoleSupervisor,
			in:      station.ConfirmInput{RefundDecision: station.RefundPartial, RefundReason: why},
			errCode: station.EInvalid, errKey: "refund_amount_needed", fields: []string{"refund_amount"}},
		{name: "a partial refund of the whole price", unit: phone, role: station.RoleSupervisor,
			in:      station.ConfirmInput{RefundDecision: station.RefundPartial, RefundAmount: "1999.00", RefundReason: why},
			errCode: station.EInvalid, errKey: "refund_amount_range", fields: []string{"refund_amount"}},
		{name: "a partial refund of nothing", unit: phone, role: station.RoleSupervisor,
			in:      station.ConfirmInput{RefundDecision: station.RefundPartial, RefundAmount: "0", RefundReason: why},
			errCode: station.EInvalid, errKey: "refund_amount_range", fields: []string{"refund_amount"}},
		{name: "a refused refund that pays something", unit: phone, role: station.RoleSupervisor,
			in:      station.ConfirmInput{RefundDecision: station.RefundReject, RefundAmount: "5.00", RefundReason: why},
			errCode: station.EInvalid, errKey: "refund_amount_zero", fields: []string{"refund_amount"}},
		{name: "every fault named at once", unit: phone, role: station.RoleSupervisor,
			in:      station.ConfirmInput{RefundDecision: station.RefundPartial, RefundAmount: "lots"},
			errCode: station.EInvalid, errKey: "refund_reason_needed", fields: []string{"refund_reason", "refund_amount"}},
		{name: "refused but restocked contradicts itself", unit: phone, role: station.RoleSupervisor,
			in:      station.ConfirmInput{RefundDecision: station.RefundReject, RefundReason: why, Disposition: "restock"},
			errCode: station.EInvalid, errKey: "disposition_refused", fields: []string{"disposition"}},
		{name: "left to a person but restocked contradicts itself", unit: phone, role: station.RoleSupervisor,
			in:      station.ConfirmInput{RefundDecision: station.RefundEscalate, RefundReason: why, Disposition: "restock"},
			errCode: station.EInvalid, errKey: "disposition_held", fields: []string{"disposition"}},
		{name: "refunded but sent back contradicts itself", unit: phone, role: station.RoleSupervisor,
			in:      station.ConfirmInput{RefundDecision: station.RefundPartial, RefundAmount: "100.00", RefundReason: why, Disposition: "return_to_customer"},
			errCode: station.EInvalid, errKey: "disposition_refunded", fields: []string{"disposition"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, p := receivedFor(t)
			u := f.addUnit(t, p.ID, c.unit.code)
			if _, err := station.Inspect(f.tx, f.env, u.ID, station.InspectInput{Checklist: c.unit.answers, Serial: c.unit.serial}); err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			before, snap := f.mark(), f.snapshot(t)
			_, err := station.Confirm(f.tx, f.as(c.role), u.ID, c.in)
			if c.errCode != "" {
				wantErr(t, err, c.errCode, c.errKey)
				var fields []string
				for _, fe := range station.Fields(err) {
					fields = append(fields, fe.Field)
				}
				sameList(t, "fields", fields, c.fields)
				f.unchanged(t, snap)
				return
			}
			if err != nil {
				t.Fatalf("Confirm: %v", err)
			}
			stored, _ := f.tx.Unit(u.ID)
			r := stored.Result
			if r.Refund.Decision != c.decision || r.Refund.Amount != c.amount || r.Refund.Rule != "supervisor_override" || r.Refund.Currency != "CNY" {
				t.Errorf("refund decision/amount/rule/currency: got %s/%s/%s/%s, want %s/%s/supervisor_override/CNY",
					r.Refund.Decision, r.Refund.Amount, r.Refund.Rule, r.Refund.Currency, c.decision, c.amount)
			}
			if r.Disposition != c.disp || !r.Override || r.OverrideReason != why {
				t.Errorf("disposition/override/reason: got %s/%v/%q, want %s/true/%q", r.Disposition, r.Override, r.OverrideReason, c.disp, why)
			}
			if rs := r.Refund.Reasons; len(rs) != 2 || rs[0].Code != "supervisor_override" || rs[0].EN != why || rs[0].Basis == nil ||
				rs[1].Code != "station_advice" || !strings.Contains(rs[1].EN, c.advised) {
				t.Errorf("reasons: got %+v, want the supervisor's with its basis, then the station's advice (%s)", rs, c.advised)
			}
			var opened []string
			exs, _ := f.tx.ExceptionsByParcel(p.ID)
			for _, e := range exs {
				if e.UnitID == u.ID && e.State == station.ExOpen {
					opened = append(opened, e.Code)
				}
			}
			sameList(t, "open exceptions about the unit", opened, c.exceptions)
			events := []string{station.EventUnitInspected}
			for range c.exceptions {
				if c.unit.code != "MUG-77" { // the wrong item's exception was opened at the scan
					events = append(events, station.EventParcelException)
				}
			}
			sameList(t, "events", f.eventsSince(t, before), events)
			d := f.data(t, station.EventUnitInspected)
			checkField(t, "unit.inspected", d, "override_reason", why)
			checkField(t, "unit.inspected", d, "disposition", c.disp)
			if refund, _ := d["refund"].(map[string]any); refund == nil || refund["decision"] != c.decision || refund["amount"] != c.amount || refund["rule"] != "supervisor_override" {
				t.Errorf("unit.inspected refund: got %v, want %s %s by supervisor_override", d["refund"], c.decision, c.amount)
			}
		})
	}
}
