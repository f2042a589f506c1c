package station

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Text is a UI string in the station's two languages.
type Text struct {
	EN string `json:"en"`
	ZH string `json:"zh"`
}

// RuleSet is the whole inspection rule document: grade scale, dispositions,
// category templates with their checklists and grading rules, and the refund
// parameters. It is data: a supervisor replaces it over the API, and it is
// validated before it is accepted.
type RuleSet struct {
	Version      int              `json:"version"`
	Grades       []GradeDef       `json:"grades"`
	Dispositions []DispositionDef `json:"dispositions"`
	Findings     []FindingDef     `json:"findings"`
	Categories   []Category       `json:"categories"`
	Refund       RefundRules      `json:"refund"`
	// Hold says where a unit goes while its refund waits for a person.
	Hold HoldRules `json:"hold"`
}

// HoldRules name the disposition of a unit held for review and the locations
// it may be put away into meanwhile.
type HoldRules struct {
	// Disposition of a held unit; "quarantine" when empty.
	Disposition string `json:"disposition,omitempty"`
	// Locations lists id prefixes of quarantine locations; ["L-Q"] when empty.
	Locations []string `json:"locations,omitempty"`
}

// HoldDisposition is the disposition of a unit held for review.
func (rs *RuleSet) HoldDisposition() string {
	if rs.Hold.Disposition == "" {
		return "quarantine"
	}
	return rs.Hold.Disposition
}

// QuarantineLocations lists the id prefixes of quarantine locations.
func (rs *RuleSet) QuarantineLocations() []string {
	if len(rs.Hold.Locations) == 0 {
		return []string{"L-Q"}
	}
	return rs.Hold.Locations
}

// IsQuarantineLocation reports whether the location id is a quarantine location.
func (rs *RuleSet) IsQuarantineLocation(id string) bool {
	for _, p := range rs.QuarantineLocations() {
		if strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}

// GradeDef is one grade of the scale. Rank orders grades from best (0) to worst.
type GradeDef struct {
	Code    string `json:"code"`
	Rank    int    `json:"rank"`
	Name    Text   `json:"name"`
	Meaning Text   `json:"meaning"`
}

// DispositionDef is one thing that can happen to a unit after inspection.
type DispositionDef struct {
	Code string `json:"code"`
	Name Text   `json:"name"`
}

// FindingDef names a finding code for people.
type FindingDef struct {
	Code string `json:"code"`
	Name Text   `json:"name"`
	// Defect marks findings that show the goods were faulty: they make a
	// refund due under quality, fresh and custom-made policies.
	Defect bool `json:"defect,omitempty"`
	// NotIntact marks findings that disqualify a no-reason return.
	NotIntact bool `json:"not_intact,omitempty"`
	// Escalate marks findings a person must look at before any refund.
	Escalate bool `json:"escalate,omitempty"`
}

// Category is an inspection template: the checklist for one kind of goods and
// the rules that turn its answers into a grade.
type Category struct {
	ID   string `json:"id"`
	Name Text   `json:"name"`
	// Match lists lower-case words; central's free-text category maps to the
	// first template one of whose words it contains. "default" has none.
	Match          []string          `json:"match,omitempty"`
	RequiresSerial bool              `json:"requires_serial,omitempty"`
	QualityDays    int               `json:"quality_days"` // return window under the quality policy
	Questions      []Question        `json:"questions"`
	Rules          []Rule            `json:"rules"`
	Dispositions   map[string]string `json:"dispositions"` // grade → disposition code
}

// Question types.
const (
	QBool   = "bool"
	QChoice = "choice"
	QNumber = "number"
	QText   = "text"
)

// Question is one checklist item.
type Question struct {
	ID       string   `json:"id"`
	Type     string   `json:"type"`
	Label    Text     `json:"label"`
	Options  []Option `json:"options,omitempty"`
	Required bool     `json:"required,omitempty"`
	Min      *float64 `json:"min,omitempty"`
	Max      *float64 `json:"max,omitempty"`
}

// Option is one answer of a choice question.
type Option struct {
	Value string `json:"value"`
	Label Text   `json:"label"`
}

// Rule fires when all its conditions hold; it then caps the grade at Grade (a
// worse grade wins) and adds its findings. Its Reason tells the inspector why.
type Rule struct {
	ID       string   `json:"id"`
	When     []Cond   `json:"when"`
	Grade    string   `json:"grade,omitempty"`
	Findings []string `json:"findings,omitempty"`
	Reason   Text     `json:"reason"`
}

// Cond tests one answer. Exactly one of Is, In, Lt, Gt is set.
type Cond struct {
	Q  string   `json:"q"`
	Is any      `json:"is,omitempty"` // bool or string equality
	In []string `json:"in,omitempty"`
	Lt *float64 `json:"lt,omitempty"`
	Gt *float64 `json:"gt,omitempty"`
}

// RefundRules parameterise the refund recommendation.
type RefundRules struct {
	// IntactGrades are the grades a no-reason return may have and still be refunded in full.
	IntactGrades []string `json:"intact_grades"`
	// MissingPartPct is deducted per missing part (partial refund), capped at MaxDeductPct.
	MissingPartPct int `json:"missing_part_pct"`
	MaxDeductPct   int `json:"max_deduct_pct"`
}

//go:embed rules_default.json
var defaultRules []byte

// DefaultRules returns the built-in rule document.
func DefaultRules() *RuleSet {
	var rs RuleSet
	if err := json.Unmarshal(defaultRules, &rs); err != nil {
		panic("station: built-in rules do not parse: " + err.Error())
	}
	if err := rs.Validate(); err != nil {
		panic("station: built-in rules are invalid: " + err.Error())
	}
	return &rs
}

// ParseRules decodes and validates a rule document, rejecting unknown fields
// so that a typo in a supervisor's edit is an error rather than a silent no-op.
func ParseRules(data []byte) (*RuleSet, error) {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	var rs RuleSet
	if err := dec.Decode(&rs); err != nil {
		return nil, &Error{Code: EInvalid, Message: "the rule document is not valid JSON", Fields: []FieldError{{Field: "body", Detail: err.Error()}}}
	}
	if err := rs.Validate(); err != nil {
		return nil, err
	}
	return &rs, nil
}

// Validate checks the document's internal references: every grade, finding,
// disposition and question a rule names exists, conditions fit their
// question's type, and every category maps every grade to a disposition.
func (rs *RuleSet) Validate() error {
	var p Problems
	grades := map[string]bool{}
	for i, g := range rs.Grades {
		if g.Code == "" || grades[g.Code] {
			p.Add(fmt.Sprintf("grades[%d].code", i), "required and unique")
		}
		grades[g.Code] = true
	}
	if len(rs.Grades) == 0 {
		p.Add("grades", "at least one grade is required")
	}
	disp := map[string]bool{}
	for i, d := range rs.Dispositions {
		if d.Code == "" || disp[d.Code] {
			p.Add(fmt.Sprintf("dispositions[%d].code", i), "required and unique")
		}
		disp[d.Code] = true
	}
	finds := map[string]bool{}
	for i, f := range rs.Findings {
		if f.Code == "" || finds[f.Code] {
			p.Add(fmt.Sprintf("findings[%d].code", i), "required and unique")
		}
		finds[f.Code] = true
	}
	for _, g := range rs.Refund.IntactGrades {
		if !grades[g] {
			p.Add("refund.intact_grades", "unknown grade "+g)
		}
	}
	if rs.Refund.MissingPartPct < 0 || rs.Refund.MissingPartPct > 100 || rs.Refund.MaxDeductPct < 0 || rs.Refund.MaxDeductPct > 100 {
		p.Add("refund", "percentages must be between 0 and 100")
	}
	cats := map[string]bool{}
	for ci, c := range rs.Categories {
		cf := fmt.Sprintf("categories[%d]", ci)
		if c.ID == "" || cats[c.ID] {
			p.Add(cf+".id", "required and unique")
		}
		cats[c.ID] = true
		if c.QualityDays < 1 {
			p.Add(cf+".quality_days", "must be 1 or more")
		}
		qs := map[string]*Question{}
		for qi := range c.Questions {
			q := &c.Questions[qi]
			qf := fmt.Sprintf("%s.questions[%d]", cf, qi)
			if q.ID == "" || qs[q.ID] != nil {
				p.Add(qf+".id", "required and unique within the category")
			}
			qs[q.ID] = q
			switch q.Type {
			case QBool, QNumber, QText:
			case QChoice:
				if len(q.Options) == 0 {
					p.Add(qf+".options", "a choice question needs options")
				}
			default:
				p.Add(qf+".type", "must be bool, choice, number or text")
			}
		}
		for ri, r := range c.Rules {
			rf := fmt.Sprintf("%s.rules[%d]", cf, ri)
			if r.ID == "" {
				p.Add(rf+".id", "required")
			}
			if r.Grade != "" && !grades[r.Grade] {
				p.Add(rf+".grade", "unknown grade "+r.Grade)
			}
			for _, f := range r.Findings {
				if !finds[f] {
					p.Add(rf+".findings", "unknown finding "+f)
				}
			}
			if len(r.When) == 0 {
				p.Add(rf+".when", "at least one condition")
			}
			for wi, cd := range r.When {
				wf := fmt.Sprintf("%s.when[%d]", rf, wi)
				q := qs[cd.Q]
				if q == nil {
					p.Add(wf+".q", "unknown question "+cd.Q)
					continue
				}
				if msg := cd.check(q); msg != "" {
					p.Add(wf, msg)
				}
			}
		}
		for _, g := range rs.Grades {
			if d, ok := c.Dispositions[g.Code]; !ok || !disp[d] {
				p.Add(cf+".dispositions."+g.Code, "every grade needs a known disposition")
			}
		}
	}
	if !disp[rs.HoldDisposition()] {
		p.Add("hold.disposition", "unknown disposition "+rs.HoldDisposition())
	}
	for i, l := range rs.Hold.Locations {
		if id, kind, ok := ParseContainer(l + "0"); !ok || kind != "location" || id != l+"0" {
			p.Add(fmt.Sprintf("hold.locations[%d]", i), "a location id prefix such as L-Q")
		}
	}
	if !cats["default"] {
		p.Add("categories", `a category with id "default" is required`)
	}
	return p.Err("the rule document is not valid")
}

func (c Cond) check(q *Question) string {
	n := 0
	for _, set := range []bool{c.Is != nil, c.In != nil, c.Lt != nil, c.Gt != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return "exactly one of is, in, lt, gt"
	}
	switch {
	case c.Is != nil:
		switch c.Is.(type) {
		case bool:
			if q.Type != QBool {
				return "is: true/false only fits a bool question"
			}
		case string:
			if q.Type != QChoice && q.Type != QText {
				return "is: a string only fits a choice or text question"
			}
		default:
			return "is: must be true, false or a string"
		}
	case c.In != nil:
		if q.Type != QChoice {
			return "in: only fits a choice question"
		}
	default:
		if q.Type != QNumber {
			return "lt/gt only fit a number question"
		}
	}
	return ""
}

func (c Cond) holds(answers map[string]any) bool {
	a, ok := answers[c.Q]
	if !ok {
		return false
	}
	switch {
	case c.Is != nil:
		return a == c.Is
	case c.In != nil:
		s, _ := a.(string)
		return contains(c.In, s)
	case c.Lt != nil:
		f, ok := a.(float64)
		return ok && f < *c.Lt
	case c.Gt != nil:
		f, ok := a.(float64)
		return ok && f > *c.Gt
	}
	return false
}

// Template returns the inspection template for central's free-text category.
func (rs *RuleSet) Template(category string) *Category {
	lc := strings.ToLower(category)
	for i := range rs.Categories {
		c := &rs.Categories[i]
		if c.ID == lc {
			return c
		}
	}
	for i := range rs.Categories {
		c := &rs.Categories[i]
		for _, w := range c.Match {
			if w != "" && strings.Contains(lc, w) {
				return c
			}
		}
	}
	for i := range rs.Categories {
		if rs.Categories[i].ID == "default" {
			return &rs.Categories[i]
		}
	}
	return nil
}

// Grade returns the definition of a grade code, or nil.
func (rs *RuleSet) Grade(code string) *GradeDef {
	for i := range rs.Grades {
		if rs.Grades[i].Code == code {
			return &rs.Grades[i]
		}
	}
	return nil
}

// findingNames lists findings by their names, as a person reads them in a
// reason: in English with commas, in Chinese with 、. With lead, a non-empty
// list starts with it.
func (rs *RuleSet) findingNames(codes []string, zh bool, lead ...string) string {
	if len(codes) == 0 {
		return ""
	}
	out := make([]string, len(codes))
	for i, c := range codes {
		if n := rs.Finding(c).Name; zh {
			out[i] = n.ZH
		} else {
			out[i] = n.EN
		}
	}
	sep := ", "
	if zh {
		sep = "、"
	}
	return strings.Join(lead, "") + strings.Join(out, sep)
}

// Finding returns the definition of a finding code, or a bare one naming the code.
func (rs *RuleSet) Finding(code string) FindingDef {
	for _, f := range rs.Findings {
		if f.Code == code {
			return f
		}
	}
	return FindingDef{Code: code, Name: Text{EN: code, ZH: code}}
}

// HasDisposition reports whether code is a known disposition.
func (rs *RuleSet) HasDisposition(code string) bool {
	for _, d := range rs.Dispositions {
		if d.Code == code {
			return true
		}
	}
	return false
}

// CheckAnswers validates checklist answers against a template: known question
// ids, values of the right type and range. With final, required questions must
// be answered. Numbers arrive from JSON as float64.
func (c *Category) CheckAnswers(answers map[string]any, final bool) error {
	var p Problems
	qs := map[string]*Question{}
	for i := range c.Questions {
		qs[c.Questions[i].ID] = &c.Questions[i]
	}
	keys := make([]string, 0, len(answers))
	for k := range answers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		a := answers[k]
		f := "checklist." + k
		q := qs[k]
		if q == nil {
			p.AddCode(f, "answer_unknown", "not a question of the "+c.ID+" checklist")
			continue
		}
		switch q.Type {
		case QBool:
			if _, ok := a.(bool); !ok {
				p.AddCode(f, "answer_bool", "must be true or false")
			}
		case QChoice:
			s, ok := a.(string)
			valid := false
			for _, o := range q.Options {
				valid = valid || o.Value == s
			}
			if !ok || !valid {
				var vs []string
				for _, o := range q.Options {
					vs = append(vs, o.Value)
				}
				p.AddCode(f, "answer_choice", "must be one of "+strings.Join(vs, ", "))
			}
		case QNumber:
			n, ok := a.(float64)
			switch {
			case !ok:
				p.AddCode(f, "answer_number", "must be a number")
			case q.Min != nil && n < *q.Min, q.Max != nil && n > *q.Max:
				p.AddCode(f, "answer_range", "out of range")
			}
		case QText:
			if s, ok := a.(string); !ok || len(s) > 500 {
				p.AddCode(f, "answer_text", "must be text of at most 500 characters")
			}
		}
	}
	if final {
		for _, q := range c.Questions {
			if _, ok := answers[q.ID]; q.Required && !ok {
				p.AddCode("checklist."+q.ID, "answer_required", "required before confirming")
			}
		}
	}
	return p.Err("the checklist answers are not valid")
}

// Reason is one readable reason behind a suggestion: a stable code for
// machines and the words for people.
type Reason struct {
	Code string `json:"code"`
	EN   string `json:"en"`
	ZH   string `json:"zh"`
}

// Refund decisions (central.md §3, unit.inspected).
const (
	RefundFull     = "full"
	RefundPartial  = "partial"
	RefundReject   = "reject"
	RefundEscalate = "escalate"
)

// RefundAdvice is the station's refund recommendation; central decides.
type RefundAdvice struct {
	Decision string   `json:"decision"`
	Amount   string   `json:"amount"`
	Currency string   `json:"currency"`
	Reasons  []Reason `json:"reasons"`
}

// Suggestion is what the rules make of an inspection.
type Suggestion struct {
	Category     string       `json:"category"`
	Grade        string       `json:"grade"`
	Disposition  string       `json:"disposition"`
	Findings     []string     `json:"findings"`
	Reasons      []Reason     `json:"reasons"`
	Refund       RefundAdvice `json:"refund"`
	RulesVersion int          `json:"rules_version"`
}

// GradeInput is everything the rules look at for one unit.
type GradeInput struct {
	RMA      *ReturnAuthorization // nil for a unit of an unmatched parcel
	Line     *RMALine             // nil when the unit matches no line
	Category string
	Answers  map[string]any
	Findings []string // findings known before the checklist (wrong item, serial mismatch, …)
}

// Suggest grades a unit: it fires the category's rules, keeps the worst grade,
// maps it to a disposition and recommends a refund under the RMA's policy.
func (rs *RuleSet) Suggest(in GradeInput) Suggestion {
	cat := rs.Template(in.Category)
	s := Suggestion{Category: cat.ID, Grade: rs.bestGrade(), RulesVersion: rs.Version}
	findings := append([]string(nil), in.Findings...)
	for _, r := range cat.Rules {
		fired := true
		for _, c := range r.When {
			fired = fired && c.holds(in.Answers)
		}
		if !fired {
			continue
		}
		if r.Grade != "" && rs.Grade(r.Grade).Rank > rs.Grade(s.Grade).Rank {
			s.Grade = r.Grade
		}
		findings = append(findings, r.Findings...)
		s.Reasons = append(s.Reasons, Reason{Code: r.ID, EN: r.Reason.EN, ZH: r.Reason.ZH})
	}
	s.Findings = dedupe(findings)
	if len(s.Reasons) == 0 {
		g := rs.Grade(s.Grade)
		s.Reasons = []Reason{{Code: "no_issue_found", EN: "No issue found: " + g.Meaning.EN, ZH: "未发现问题：" + g.Meaning.ZH}}
	}
	s.Disposition = cat.Dispositions[s.Grade]
	s.Refund = rs.Advise(in, s.Grade, s.Findings)
	if s.Refund.Decision == RefundEscalate {
		s.Disposition = rs.HoldDisposition()
	}
	return s
}

// FindingsAtGrade returns the findings that still stand when a supervisor
// grades the unit grade instead of the suggestion: those known before the
// checklist, and those of fired rules that grade no worse than grade (a
// supervisor who grades A says the scratches and faults behind a D are not
// there).
func (rs *RuleSet) FindingsAtGrade(in GradeInput, grade string) []string {
	cat := rs.Template(in.Category)
	g := rs.Grade(grade)
	findings := append([]string(nil), in.Findings...)
	for _, r := range cat.Rules {
		fired := true
		for _, c := range r.When {
			fired = fired && c.holds(in.Answers)
		}
		if !fired || (r.Grade != "" && g != nil && rs.Grade(r.Grade).Rank > g.Rank) {
			continue
		}
		findings = append(findings, r.Findings...)
	}
	return dedupe(findings)
}

func (rs *RuleSet) bestGrade() string {
	best := rs.Grades[0]
	for _, g := range rs.Grades {
		if g.Rank < best.Rank {
			best = g
		}
	}
	return best.Code
}

func dedupe(list []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// policyWindow returns the return window of a policy for a category.
func policyWindow(policy string, cat *Category) time.Duration {
	switch policy {
	case PolicyNoReason7d:
		return 7 * 24 * time.Hour
	case PolicyNoReason15d:
		return 15 * 24 * time.Hour
	case PolicyFresh24h:
		return 24 * time.Hour
	case PolicyQuality, PolicyCustom:
		return time.Duration(cat.QualityDays) * 24 * time.Hour
	}
	return 0
}

// Advise recommends a refund for one unit of grade with findings under the
// RMA's policy. The window runs from delivered_at to requested_at (when the
// customer asked), so a slow carrier never costs the customer their refund.
func (rs *RuleSet) Advise(in GradeInput, grade string, findings []string) RefundAdvice {
	adv := RefundAdvice{Amount: "0.00", Currency: "CNY"}
	reason := func(code, en, zh string) { adv.Reasons = append(adv.Reasons, Reason{code, en, zh}) }
	if in.RMA == nil {
		adv.Decision = RefundEscalate
		reason("no_rma", "The parcel matches no return authorization: a supervisor must decide.", "包裹未匹配到退货单，需主管处理。")
		return adv
	}
	adv.Currency = in.RMA.Refund.Currency
	if adv.Currency == "" {
		adv.Currency = "CNY"
	}
	if in.Line == nil {
		adv.Decision = RefundEscalate
		reason("not_on_rma", "This item is not on the return authorization: no refund without review.", "该商品不在退货单上，需人工审核。")
		return adv
	}
	price, _ := ParseAmount(in.Line.UnitPrice)
	cat := rs.Template(in.Category)
	var defect, notIntact, escalate []string
	missing := 0
	for _, f := range findings {
		d := rs.Finding(f)
		if d.Defect {
			defect = append(defect, f)
		}
		if d.NotIntact {
			notIntact = append(notIntact, f)
		}
		if d.Escalate {
			escalate = append(escalate, f)
		}
		if f == "missing_parts" {
			missing++
		}
	}
	if n, ok := in.Answers["missing_parts_count"].(float64); ok && n > 1 {
		missing = int(n)
	}
	set := func(decision string, amount Cents) {
		adv.Decision = decision
		adv.Amount = amount.String()
	}
	if len(escalate) > 0 {
		set(RefundEscalate, price)
		reason("finding_needs_review", "Findings need a person to decide: "+rs.findingNames(escalate, false)+".", "存在需人工判断的问题："+rs.findingNames(escalate, true)+"。")
		return adv
	}
	policy := in.RMA.Policy
	if policy == PolicyVirtual {
		set(RefundEscalate, price)
		reason("virtual_policy", "The return is for a virtual good yet goods arrived.", "虚拟商品退货却收到实物。")
		return adv
	}
	window := policyWindow(policy, cat)
	inWindow := true
	if window > 0 {
		if in.RMA.DeliveredAt == nil {
			set(RefundEscalate, price)
			reason("no_delivery_date", "The delivery date is unknown, so the return window cannot be checked.", "签收时间未知，无法核对退货期限。")
			return adv
		}
		asked := in.RMA.RequestedAt
		if asked != nil && asked.Sub(*in.RMA.DeliveredAt) > window {
			inWindow = false
		}
	}
	deduct := func() Cents {
		pct := missing * rs.Refund.MissingPartPct
		if pct > rs.Refund.MaxDeductPct {
			pct = rs.Refund.MaxDeductPct
		}
		return price.Percent(pct)
	}
	hasDefect := len(defect) > 0
	switch policy {
	case PolicyNoReason7d, PolicyNoReason15d:
		switch {
		case !inWindow && hasDefect:
			set(RefundEscalate, price)
			reason("outside_window_defect", "Asked after the no-reason window, but a defect was found: a quality claim may apply.", "超出无理由退货期限，但发现质量问题，可能适用质量退货。")
		case !inWindow:
			set(RefundReject, 0)
			reason("outside_window", "The customer asked after the no-reason return window.", "超出无理由退货期限。")
		case hasDefect:
			set(RefundFull, price)
			reason("defect_found", "A defect was found: "+rs.findingNames(defect, false)+".", "发现质量问题："+rs.findingNames(defect, true)+"。")
		case len(notIntact) > 0 || !contains(rs.Refund.IntactGrades, grade):
			set(RefundReject, 0)
			reason("not_intact", "Goods are not intact (grade "+grade+rs.findingNames(notIntact, false, ", ")+"): a no-reason return needs intact goods.", "商品不完好（等级"+grade+rs.findingNames(notIntact, true, "、")+"），不符合无理由退货条件。")
		case missing > 0:
			set(RefundPartial, price-deduct())
			reason("missing_parts", fmt.Sprintf("Intact, but %d part(s) missing: %s deducted.", missing, deduct()), fmt.Sprintf("商品完好但缺少%d个配件，扣除%s。", missing, deduct()))
		default:
			set(RefundFull, price)
			reason("intact", "Intact goods returned within the no-reason window.", "无理由退货期限内退回，商品完好。")
		}
	case PolicyQuality:
		switch {
		case !inWindow:
			set(RefundEscalate, price)
			reason("outside_quality_window", fmt.Sprintf("Asked after the %d-day quality window for %s.", cat.QualityDays, cat.ID), fmt.Sprintf("超出%d天质量问题退货期限。", cat.QualityDays))
		case hasDefect:
			set(RefundFull, price)
			reason("defect_confirmed", "The claimed defect was confirmed: "+rs.findingNames(defect, false)+".", "确认存在质量问题："+rs.findingNames(defect, true)+"。")
		case missing > 0:
			set(RefundPartial, price-deduct())
			reason("missing_parts", fmt.Sprintf("No defect found and %d part(s) missing: %s deducted.", missing, deduct()), fmt.Sprintf("未发现质量问题且缺少%d个配件，扣除%s。", missing, deduct()))
		default:
			set(RefundReject, 0)
			reason("no_defect_found", "The inspection found no defect.", "检验未发现质量问题。")
		}
	case PolicyFresh24h:
		switch {
		case !inWindow:
			set(RefundReject, 0)
			reason("outside_window", "Fresh goods: the customer asked more than 24 hours after delivery.", "生鲜商品：签收超过24小时后才申请。")
		case hasDefect:
			set(RefundFull, price)
			reason("defect_found", "Fresh goods with a quality problem reported within 24 hours.", "生鲜商品24小时内反馈质量问题。")
		default:
			set(RefundReject, 0)
			reason("fresh_no_defect", "Fresh goods are refundable only for a quality problem.", "生鲜商品仅在有质量问题时可退。")
		}
	case PolicyCustom:
		switch {
		case !inWindow && hasDefect:
			set(RefundEscalate, price)
			reason("outside_quality_window", fmt.Sprintf("Made-to-order goods with a defect, but reported after the %d-day quality window.", cat.QualityDays), fmt.Sprintf("定制商品有质量问题，但超出%d天质量问题期限。", cat.QualityDays))
		case hasDefect:
			set(RefundFull, price)
			reason("defect_found", "Made-to-order goods with a defect.", "定制商品存在质量问题。")
		default:
			set(RefundReject, 0)
			reason("custom_made", "Made-to-order goods are refundable only for a defect.", "定制商品仅在有质量问题时可退。")
		}
	default:
		set(RefundEscalate, price)
		reason("unknown_policy", "Unknown refund policy "+policy+".", "未知的退款政策："+policy+"。")
	}
	return adv
}
