package station

import (
	"fmt"
	"strings"
	"time"
)

// The bases a refund reason cites; every rule document must give each one
// in English and Chinese (Validate checks).
const (
	BasisNoReasonWindow    = "no_reason_window"
	BasisNoReasonIntact    = "no_reason_intact"
	BasisNoReasonNotIntact = "no_reason_not_intact"
	BasisNoReasonExcluded  = "no_reason_excluded"
	BasisGift              = "gift"
	BasisAccessory         = "accessory"
	BasisInvoice           = "invoice"
	BasisQuality           = "quality"
	BasisSellerFault       = "seller_fault"
	BasisDamageAndDefect   = "damage_and_defect"
	BasisFresh             = "fresh"
	BasisCustom            = "custom"
	BasisWindowUnknown     = "window_unknown"
	BasisReview            = "review"
	BasisStation           = "station"
	BasisSupervisor        = "supervisor"
)

var basisIDs = []string{BasisNoReasonWindow, BasisNoReasonIntact, BasisNoReasonNotIntact, BasisNoReasonExcluded,
	BasisGift, BasisAccessory, BasisInvoice, BasisQuality, BasisSellerFault, BasisDamageAndDefect, BasisFresh,
	BasisCustom, BasisWindowUnknown, BasisReview, BasisStation, BasisSupervisor}

// Basis returns the text of a basis id, or nil when the rules lack it.
func (rs *RuleSet) Basis(id string) *Text {
	if b, ok := rs.Bases[id]; ok {
		return &b
	}
	return nil
}

// window states.
const (
	inTime  = 0
	late    = 1
	unknown = 2 // a date is missing
)

// returnWindow judges whether the customer asked in time under policy. No-
// reason, quality and made-to-order windows are calendar days in the
// warehouse's zone, counted from the day after signing: delivered 3/1 at any
// hour, seven days run 3/2–3/8 and a request any time on 3/8 is in time.
// Fresh goods have 24 hours. A missing date is never in time.
func (rs *RuleSet) returnWindow(policy string, cat *Category, r *ReturnAuthorization) (int, Text) {
	days := 0
	switch policy {
	case PolicyNoReason7d:
		days = 7
	case PolicyNoReason15d:
		days = 15
	case PolicyQuality, PolicyCustom:
		days = cat.QualityDays
	}
	if r.DeliveredAt == nil || r.RequestedAt == nil {
		missing := "delivered_at"
		zh := "签收时间"
		if r.DeliveredAt != nil {
			missing, zh = "requested_at", "申请时间"
		} else if r.RequestedAt == nil {
			missing, zh = "delivered_at and requested_at", "签收时间和申请时间"
		}
		return unknown, Text{EN: "The return has no " + missing + ", so the window cannot be checked.", ZH: "退货单缺少" + zh + "，无法核对退货期限。"}
	}
	loc := rs.Location()
	d, a := r.DeliveredAt.In(loc), r.RequestedAt.In(loc)
	if policy == PolicyFresh24h {
		h := a.Sub(d)
		hours := fmt.Sprintf("%.1f", h.Hours())
		t := Text{EN: fmt.Sprintf("Signed %s, asked %s: %s hours later (24 allowed).", d.Format("2006-01-02 15:04"), a.Format("2006-01-02 15:04"), hours),
			ZH: fmt.Sprintf("签收 %s，申请 %s，间隔%s小时（限24小时）。", d.Format("2006-01-02 15:04"), a.Format("2006-01-02 15:04"), hours)}
		if h > 24*time.Hour {
			return late, t
		}
		return inTime, t
	}
	first := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
	last := time.Date(d.Year(), d.Month(), d.Day()+days, 0, 0, 0, 0, loc)
	asked := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, loc)
	t := Text{EN: fmt.Sprintf("Signed %s (%s); the %d days ran %s to %s; asked %s.", d.Format("2006-01-02"), loc, days, first.Format("01-02"), last.Format("01-02"), a.Format("2006-01-02")),
		ZH: fmt.Sprintf("%s签收（%s），%d天期限为%s至%s，%s申请。", d.Format("2006-01-02"), loc, days, first.Format("01-02"), last.Format("01-02"), a.Format("2006-01-02"))}
	if asked.After(last) {
		return late, t
	}
	return inTime, t
}

// Advise recommends a refund for one unit of grade with findings under the
// RMA's policy. The rules, in the order they apply (README, "Refund advice"):
// no RMA or line → escalate; a finding for review → escalate; customer-caused
// damage with a defect, a seller fault or a quality claim → escalate; then the
// policy decides with its window; a refund due loses the value of what did
// not come back, and a missing item of unknown value escalates.
func (rs *RuleSet) Advise(in GradeInput, grade string, findings []string) RefundAdvice {
	adv := RefundAdvice{Amount: "0.00", Currency: "CNY", Reasons: []Reason{}}
	add := func(code, basis, en, zh string) {
		adv.Reasons = append(adv.Reasons, Reason{Code: code, EN: en, ZH: zh, Basis: rs.Basis(basis)})
		if adv.Rule == "" {
			adv.Rule = code
		}
	}
	escalate := func(code, basis, en, zh string) RefundAdvice {
		adv.Decision, adv.Amount = RefundEscalate, "0.00"
		add(code, basis, en, zh)
		return adv
	}
	if in.RMA == nil {
		return escalate("no_rma", BasisStation, "The parcel matches no return authorization: a supervisor must decide.", "包裹未匹配到退货单，需主管处理。")
	}
	if in.RMA.Refund.Currency != "" {
		adv.Currency = in.RMA.Refund.Currency
	}
	if in.Line == nil {
		return escalate("not_on_rma", BasisStation, "This item is not on the return authorization: no refund without review.", "该商品不在退货单上，需人工审核。")
	}
	price, err := ParseAmount(in.Line.UnitPrice)
	if err != nil {
		return escalate("no_price", BasisStation, "The return line has no valid price.", "退货单商品行价格无效。")
	}
	cat := rs.Template(in.Category)
	var review, defect, fault, damage, notIntact, missing []string
	for _, f := range findings {
		d := rs.Finding(f)
		switch {
		case d.Escalate:
			review = append(review, f)
		case d.Defect:
			defect = append(defect, f)
		case d.SellerFault:
			fault = append(fault, f)
		}
		if d.CustomerDamage {
			damage = append(damage, f)
		}
		if d.NotIntact {
			notIntact = append(notIntact, f)
		}
		if d.Missing != nil {
			missing = append(missing, f)
		}
	}
	en := func(codes []string) string { return rs.findingNames(codes, false) }
	zh := func(codes []string) string { return rs.findingNames(codes, true) }

	if len(review) > 0 {
		return escalate("finding_needs_review", BasisReview, "A person must check this first: "+en(review)+".", "须人工核实："+zh(review)+"。")
	}
	policy := in.RMA.Policy
	switch policy {
	case PolicyVirtual:
		return escalate("virtual_policy", BasisStation, "The return is for a virtual good, yet goods arrived.", "虚拟商品退货却收到实物。")
	case PolicyNoReason7d, PolicyNoReason15d, PolicyQuality, PolicyFresh24h, PolicyCustom:
	default:
		return escalate("unknown_policy", BasisStation, "Unknown refund policy "+policy+".", "未知的退款政策："+policy+"。")
	}
	liable := append(append([]string(nil), defect...), fault...)
	if len(damage) > 0 && (len(liable) > 0 || policy == PolicyQuality) {
		claim, claimZH := "a quality claim", "客户主张质量问题"
		if len(liable) > 0 {
			claim, claimZH = en(liable), zh(liable)
		}
		return escalate("damage_and_defect", BasisDamageAndDefect,
			"Damage that may be the customer's ("+en(damage)+") together with "+claim+": a person decides where it came from.",
			"存在可能由客户造成的损坏（"+zh(damage)+"），同时"+claimZH+"：由人工判定原因。")
	}
	if in.RMA.Reason.Code == "missing_parts" && len(missing) > 0 {
		return escalate("missing_claimed", BasisStation, "The customer says parts were missing on delivery and parts are missing now: the seller's packing record decides.",
			"客户称收货时即缺件，退回时也缺件：以商家发货记录为准，交人工判定。")
	}
	state, when := rs.returnWindow(policy, cat, in.RMA)
	full := func(code, basis, enText, zhText string, giftsDeducted bool) RefundAdvice {
		adv.Decision, adv.Amount = RefundFull, price.String()
		add(code, basis, enText, zhText)
		if state != unknown {
			adv.Reasons = append(adv.Reasons, Reason{Code: "window", EN: when.EN, ZH: when.ZH})
		}
		return rs.deduct(adv, in, price, missing, giftsDeducted)
	}
	reject := func(code, basis, enText, zhText string) RefundAdvice {
		adv.Decision, adv.Amount = RefundReject, "0.00"
		add(code, basis, enText, zhText)
		return adv
	}
	if len(liable) > 0 {
		what, whatZH, code, basis := en(liable), zh(liable), "defect_found", BasisQuality
		if len(defect) == 0 {
			code, basis = "seller_fault", BasisSellerFault
		}
		switch state {
		case unknown:
			return escalate("window_unknown", BasisWindowUnknown, when.EN+" Found: "+what+".", when.ZH+"发现："+whatZH+"。")
		case late:
			return escalate("outside_window_"+code, basis, "Found: "+what+"; but asked after the policy's window: repair, exchange or refund is for a person to decide. "+when.EN,
				"发现"+whatZH+"，但超出期限：维修、换货或退款由人工决定。"+when.ZH)
		}
		if code == "seller_fault" {
			return full(code, basis, "The seller's fault ("+what+"): refunded in full under every policy.", "商家责任（"+whatZH+"）：任何政策下均全额退款。", false)
		}
		return full(code, basis, "Defect confirmed: "+what+".", "确认质量问题："+whatZH+"。", false)
	}
	switch policy {
	case PolicyQuality:
		return reject("no_defect_found", BasisQuality, "A quality claim, and the inspection found no defect: no quality refund, whatever else is missing.",
			"质量问题退货，但检验未发现质量问题：不予质量退款（缺件与否均同）。")
	case PolicyCustom:
		return reject("custom_made", BasisCustom, "Made-to-order goods without a defect are not returnable.", "定制商品无质量问题，不予退货。")
	}
	if state == unknown {
		return escalate("window_unknown", BasisWindowUnknown, when.EN, when.ZH)
	}
	if policy == PolicyFresh24h {
		if state == late {
			return reject("outside_window", BasisFresh, "Fresh goods: asked more than 24 hours after signing. "+when.EN, "生鲜商品：签收超过24小时后才申请。"+when.ZH)
		}
		if len(notIntact) > 0 {
			return reject("not_intact", BasisFresh, "Fresh goods not as delivered ("+en(notIntact)+").", "生鲜商品已非原状（"+zh(notIntact)+"）。")
		}
		return full("fresh_no_reason", BasisFresh, "Fresh goods returned within 24 hours of signing: refunded without a reason.", "生鲜商品签收后24小时内退回：无理由全额退款。", true)
	}
	// Seven- and fifteen-day no-reason returns.
	if state == late {
		return reject("outside_window", BasisNoReasonWindow, "Asked after the no-reason window. "+when.EN, "超出无理由退货期限。"+when.ZH)
	}
	if len(notIntact) > 0 || !contains(rs.Refund.IntactGrades, grade) {
		listZH := "等级" + grade
		if len(notIntact) > 0 {
			listZH += "、" + zh(notIntact)
		}
		basis := BasisNoReasonNotIntact
		if contains(notIntact, "media_unsealed") {
			basis = BasisNoReasonExcluded
		}
		return reject("not_intact", basis, "Not intact (grade "+grade+joinNonEmpty(", ", en(notIntact))+"): a no-reason return must come back intact.",
			"商品不完好（"+listZH+"），不符合无理由退货条件。")
	}
	return full("intact", BasisNoReasonIntact, "Intact goods returned within the no-reason window.", "无理由退货期限内退回，商品完好。", true)
}

// joinNonEmpty prefixes s with sep when s is not empty.
func joinNonEmpty(sep, s string) string {
	if s == "" {
		return ""
	}
	return sep + s
}

// deduct takes the value of what did not come back off a full refund: an
// accessory at the line's value or the rules' share, gifts at the line's
// stated value (no-reason returns only: a seller at fault does not charge
// for gifts), an issued invoice at the rules' share. Anything missing whose
// value neither knows escalates, and so does a deduction that would leave
// nothing.
func (rs *RuleSet) deduct(adv RefundAdvice, in GradeInput, price Cents, missing []string, gifts bool) RefundAdvice {
	if len(missing) == 0 {
		return adv
	}
	var total Cents
	var unknownItems []string
	identified := 0
	generic := false
	for _, f := range missing {
		d := rs.Finding(f)
		item := d.Missing.Item
		var amount Cents
		source, basis := "rules", BasisAccessory
		known := true
		switch item {
		case "":
			if f == "missing_parts" { // "not complete", what is missing not said
				generic = true
				continue
			}
			known = false
		case "gift":
			basis = BasisGift
			if !gifts {
				adv.Reasons = append(adv.Reasons, Reason{Code: "gift_kept", EN: "A gift did not come back; a return for the seller's fault or a defect is not charged for it.",
					ZH: "赠品未退回；因质量问题或商家责任退货，不扣赠品价款。", Basis: rs.Basis(BasisGift)})
				continue
			}
			source = "line"
			if in.Line == nil || len(in.Line.Gifts) == 0 || in.Answers["gift_returned"] == "partly" {
				known = false
				break
			}
			for _, g := range in.Line.Gifts {
				v, err := ParseAmount(g.Value)
				if err != nil {
					known = false
				}
				amount += v
			}
		case "invoice":
			basis = BasisInvoice
			if rs.Refund.InvoicePct == nil {
				known = false
				break
			}
			amount = price.Percent(*rs.Refund.InvoicePct)
		default:
			identified++
			if a := in.Line.accessory(item); a != nil {
				v, err := ParseAmount(a.Value)
				amount, source, known = v, "line", err == nil
			} else if d.Missing.SharePct != nil {
				amount = price.Percent(*d.Missing.SharePct)
			} else {
				known = false
			}
		}
		if !known {
			unknownItems = append(unknownItems, f)
			continue
		}
		total += amount
		adv.Deductions = append(adv.Deductions, Deduction{Finding: f, Amount: amount.String(), Source: source})
		n := d.Name
		from := map[string]string{"rules": "the rules' share of the price", "line": "the value on the return line"}[source]
		fromZH := map[string]string{"rules": "规则文档中的价格占比", "line": "退货单所列价值"}[source]
		adv.Reasons = append(adv.Reasons, Reason{Code: "deduct_" + f, EN: fmt.Sprintf("%s: %s deducted (%s).", n.EN, amount, from),
			ZH: fmt.Sprintf("%s：扣除%s（依据%s）。", n.ZH, amount, fromZH), Basis: rs.Basis(basis)})
	}
	// "Accessories incomplete" with nothing named, or more parts counted
	// missing than named: something of unknown value is missing.
	if generic && identified == 0 {
		unknownItems = append(unknownItems, "missing_parts")
	}
	if n, ok := in.Answers["missing_parts_count"].(float64); ok && int(n) > identified {
		if !contains(unknownItems, "missing_parts") {
			unknownItems = append(unknownItems, "missing_parts")
		}
	}
	if len(unknownItems) > 0 {
		var en, zh []string
		for _, f := range unknownItems {
			en, zh = append(en, rs.Finding(f).Name.EN), append(zh, rs.Finding(f).Name.ZH)
		}
		adv.Decision, adv.Amount, adv.Deductions = RefundEscalate, "0.00", nil
		adv.Rule = "missing_value_unknown"
		adv.Reasons = append([]Reason{{Code: "missing_value_unknown", EN: "Something is missing whose value neither the return line nor the rules know (" + strings.Join(en, ", ") + "): a person sets the deduction.",
			ZH: "缺少的物品价值无法确定（" + strings.Join(zh, "、") + "）：由人工确定扣款。", Basis: rs.Basis(BasisStation)}}, adv.Reasons...)
		return adv
	}
	if total == 0 {
		return adv
	}
	if total >= price {
		adv.Decision, adv.Amount, adv.Deductions = RefundEscalate, "0.00", nil
		adv.Rule = "deductions_exceed_price"
		adv.Reasons = append([]Reason{{Code: "deductions_exceed_price", EN: "What is missing is worth the whole price: a person decides.", ZH: "缺失物品价值不低于商品价格：由人工决定。", Basis: rs.Basis(BasisStation)}}, adv.Reasons...)
		return adv
	}
	adv.Decision, adv.Amount = RefundPartial, (price - total).String()
	return adv
}
