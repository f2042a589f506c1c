package station

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the warehouse's zone must load on a machine without a zone database
	"unicode/utf8"
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
	// Schema is the layout of the document (RulesSchema); an older station's
	// document without it is schema 1 and is migrated when it loads.
	Schema  int `json:"schema"`
	Version int `json:"version"`
	// TimeZone is the warehouse's IANA zone: return windows are counted in
	// calendar days there. Asia/Shanghai when empty.
	TimeZone     string           `json:"time_zone,omitempty"`
	Grades       []GradeDef       `json:"grades"`
	Dispositions []DispositionDef `json:"dispositions"`
	Findings     []FindingDef     `json:"findings"`
	// CategoryMap maps central's category (lower case, trimmed) to a
	// template id; a category not in it falls back to the templates' words.
	CategoryMap map[string]string `json:"category_map,omitempty"`
	Categories  []Category        `json:"categories"`
	Refund      RefundRules       `json:"refund"`
	// Hold says where a unit goes while its refund waits for a person.
	Hold HoldRules `json:"hold"`
	// Bases are the legal and policy texts a refund reason cites, by id.
	Bases map[string]Text `json:"bases,omitempty"`
	// Value says what returned units are worth back and what handling
	// costs (see value.go); the built-in one when absent.
	Value *ValueRules `json:"value,omitempty"`
	// Alarms are the thresholds of the risk alarms (risk.go); a field left
	// out or 0 takes its default, so an older document needs no migration.
	Alarms AlarmRules `json:"alarms"`
}

// RulesSchema is the layout of rule documents this station writes.
const RulesSchema = 2

// DefaultTimeZone is the warehouse zone when the rules name none.
const DefaultTimeZone = "Asia/Shanghai"

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
	// SellerFault marks a delivery that did not match the order (short
	// weight or quantity, a different item, not as described): refunded in
	// full under every policy.
	SellerFault bool `json:"seller_fault,omitempty"`
	// CustomerDamage marks damage the customer caused (liquid, impact,
	// tampering, a seal broken by use): outside quality liability.
	CustomerDamage bool `json:"customer_damage,omitempty"`
	// Missing marks something that should have come back and did not.
	Missing *MissingDef `json:"missing,omitempty"`
}

// MissingDef says what a missing-item finding is missing and what it is
// worth. Its value comes from the RMA line when the line lists the item,
// else from SharePct; a missing item of unknown value escalates.
type MissingDef struct {
	// Item is an accessory id matched against the line's accessories, or
	// "gift" (the line's gifts), "invoice" (refund.invoice_pct); empty when
	// the inspector could not say what is missing.
	Item string `json:"item"`
	// SharePct is the item's share of the line's price, when the rules know it.
	SharePct *int `json:"share_pct,omitempty"`
}

// Category is an inspection template: the checklist for one kind of goods and
// the rules that turn its answers into a grade.
type Category struct {
	ID   string `json:"id"`
	Name Text   `json:"name"`
	// Words are lower-case words of two or more characters (Chinese words,
	// not single characters): a category missing from the category map goes
	// to the template whose word it contains; the longest word wins, then the
	// one nearer the end (a Chinese compound names its kind last: 手机壳 is a
	// case, 鞋柜 a cabinet).
	Words          []string          `json:"words,omitempty"`
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
	QMulti  = "multi" // any number of the options, answered as a list
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
	// InvoicePct is deducted (share of the price) when an issued paper
	// invoice is not returned; unset, such a return escalates.
	InvoicePct *int `json:"invoice_pct,omitempty"`
	// RejectDisposition is where a unit goes whose refund is refused: the
	// goods are still the customer's. "return_to_customer" when empty.
	RejectDisposition string `json:"reject_disposition,omitempty"`
}

// RejectDisposition is the disposition of a unit whose refund is refused.
func (rs *RuleSet) RejectDisposition() string {
	if rs.Refund.RejectDisposition == "" {
		return "return_to_customer"
	}
	return rs.Refund.RejectDisposition
}

// Location is the warehouse's zone, in which return windows are counted.
func (rs *RuleSet) Location() *time.Location {
	name := rs.TimeZone
	if name == "" {
		name = DefaultTimeZone
	}
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil { // Validate refuses such a document; a stored one falls back
		loc, _ = time.LoadLocation(DefaultTimeZone)
	}
	zones.Store(name, loc)
	return loc
}

// zones caches loaded time zones by name: grading runs on every answer.
var zones sync.Map

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
// so that a typo in a supervisor's edit is an error rather than a silent
// no-op. A schema 1 document (an older station's) is migrated first.
func ParseRules(data []byte) (*RuleSet, error) {
	var head struct {
		Schema int `json:"schema"`
	}
	_ = json.Unmarshal(data, &head) // a bad document is reported by the strict decode below
	var rs *RuleSet
	if head.Schema < RulesSchema {
		var err error
		if rs, err = migrateRules1(data, true); err != nil {
			return nil, err
		}
	} else {
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.DisallowUnknownFields()
		rs = &RuleSet{}
		if err := dec.Decode(rs); err != nil {
			return nil, &Error{Code: EInvalid, Message: "the rule document is not valid JSON", Fields: []FieldError{{Field: "body", Detail: err.Error()}}}
		}
	}
	if err := rs.Validate(); err != nil {
		return nil, err
	}
	return rs, nil
}

// LoadStoredRules decodes the rule document a station stored, migrating an
// older schema; migrated reports that it should be stored again.
func LoadStoredRules(data []byte) (rs *RuleSet, migrated bool, err error) {
	var head struct {
		Schema int `json:"schema"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, false, err
	}
	if head.Schema < RulesSchema {
		rs, err = migrateRules1(data, false)
		if err == nil {
			err = rs.Validate()
		}
		return rs, err == nil, err
	}
	rs = &RuleSet{}
	return rs, false, json.Unmarshal(data, rs)
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
	if rs.Schema != RulesSchema {
		p.Add("schema", fmt.Sprintf("must be %d", RulesSchema))
	}
	if rs.TimeZone != "" {
		if _, err := time.LoadLocation(rs.TimeZone); err != nil || rs.TimeZone == "Local" {
			p.Add("time_zone", "an IANA time zone such as Asia/Shanghai")
		}
	}
	for i, f := range rs.Findings {
		if f.Missing != nil && f.Missing.SharePct != nil && (*f.Missing.SharePct < 0 || *f.Missing.SharePct > 100) {
			p.Add(fmt.Sprintf("findings[%d].missing.share_pct", i), "between 0 and 100")
		}
	}
	for _, g := range rs.Refund.IntactGrades {
		if !grades[g] {
			p.Add("refund.intact_grades", "unknown grade "+g)
		}
	}
	if v := rs.Refund.InvoicePct; v != nil && (*v < 0 || *v > 100) {
		p.Add("refund.invoice_pct", "between 0 and 100")
	}
	if !disp[rs.RejectDisposition()] {
		p.Add("refund.reject_disposition", "unknown disposition "+rs.RejectDisposition())
	}
	for _, id := range basisIDs {
		if b := rs.Bases[id]; b.EN == "" || b.ZH == "" {
			p.Add("bases."+id, "the refund advice cites this basis: give it in English and Chinese")
		}
	}
	words := map[string]string{}
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
		for wi, w := range c.Words {
			wf := fmt.Sprintf("%s.words[%d]", cf, wi)
			switch {
			case utf8.RuneCountInString(w) < 2:
				p.Add(wf, "a word of two or more characters: a single character such as 衣 or 包 also matches 衣柜 and 面包")
			case w != strings.ToLower(strings.TrimSpace(w)):
				p.Add(wf, "lower case, no surrounding spaces")
			case words[w] != "" && words[w] != c.ID:
				p.Add(wf, "already a word of the "+words[w]+" template")
			}
			words[w] = c.ID
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
			case QChoice, QMulti:
				if len(q.Options) == 0 {
					p.Add(qf+".options", "a choice question needs options")
				}
			default:
				p.Add(qf+".type", "must be bool, choice, multi, number or text")
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
			} else if d == rs.RejectDisposition() {
				p.Add(cf+".dispositions."+g.Code, d+" is for refused refunds only: a refunded unit is ours")
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
	rs.Alarms.validate(&p)
	if !cats["default"] {
		p.Add("categories", `a category with id "default" is required`)
	}
	keys := make([]string, 0, len(rs.CategoryMap))
	for k := range rs.CategoryMap {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "" || k != strings.ToLower(strings.TrimSpace(k)) {
			p.Add("category_map."+k, "keys are central's categories in lower case, without surrounding spaces")
		}
		if !cats[rs.CategoryMap[k]] {
			p.Add("category_map."+k, "unknown template "+rs.CategoryMap[k])
		}
	}
	rs.Value.validate(&p, grades, disp, rs.Dispositions)
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
			if q.Type != QChoice && q.Type != QText && q.Type != QMulti {
				return "is: a string only fits a choice, multi or text question"
			}
		default:
			return "is: must be true, false or a string"
		}
	case c.In != nil:
		if q.Type != QChoice && q.Type != QMulti {
			return "in: only fits a choice or multi question"
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
	if list, ok := a.([]any); ok { // a multi answer: does it include the value?
		for _, x := range list {
			if (c.Is != nil && x == c.Is) || (c.In != nil && contains(c.In, fmt.Sprint(x))) {
				return true
			}
		}
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

// Template returns the inspection template for central's free-text
// category: the category map first, then a template id, then the templates'
// words (longest, then nearest the end), then "default".
func (rs *RuleSet) Template(category string) *Category {
	lc := strings.ToLower(strings.TrimSpace(category))
	byID := func(id string) *Category {
		for i := range rs.Categories {
			if rs.Categories[i].ID == id {
				return &rs.Categories[i]
			}
		}
		return nil
	}
	if id, ok := rs.CategoryMap[lc]; ok {
		if c := byID(id); c != nil {
			return c
		}
	}
	if c := byID(lc); c != nil && lc != "" {
		return c
	}
	var best *Category
	bestLen, bestEnd := 0, -1
	for i := range rs.Categories {
		c := &rs.Categories[i]
		for _, w := range c.Words {
			at := strings.LastIndex(lc, w)
			if w == "" || at < 0 {
				continue
			}
			n, end := utf8.RuneCountInString(w), at+len(w)
			if n > bestLen || (n == bestLen && end > bestEnd) {
				best, bestLen, bestEnd = c, n, end
			}
		}
	}
	if best != nil {
		return best
	}
	return byID("default")
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
		case QMulti:
			list, ok := a.([]any)
			valid := ok && len(list) <= len(q.Options)
			seen := map[string]bool{}
			for _, x := range list {
				s, isStr := x.(string)
				known := false
				for _, o := range q.Options {
					known = known || o.Value == s
				}
				valid = valid && isStr && known && !seen[s]
				seen[s] = true
			}
			if !valid {
				var vs []string
				for _, o := range q.Options {
					vs = append(vs, o.Value)
				}
				p.AddCode(f, "answer_multi", "must be a list of distinct values from "+strings.Join(vs, ", "))
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
	// Basis is the legal or policy text the reason rests on, if any.
	Basis *Text `json:"basis,omitempty"`
}

// Refund decisions (central.md §3, unit.inspected).
const (
	RefundFull     = "full"
	RefundPartial  = "partial"
	RefundReject   = "reject"
	RefundEscalate = "escalate"
)

// RefundAdvice is the station's refund recommendation; central decides.
// Amount is what to pay: the price for full, the price less Deductions for
// partial, 0.00 for reject and for escalate (nothing until a person decides).
type RefundAdvice struct {
	Decision string `json:"decision"`
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
	// Rule is the code of the rule that decided (the first reason's).
	Rule string `json:"rule,omitempty"`
	// Deductions are what a partial refund holds back, item by item.
	Deductions []Deduction `json:"deductions,omitempty"`
	Reasons    []Reason    `json:"reasons"`
}

// Deduction is one missing item's value held back from a refund.
type Deduction struct {
	Finding string `json:"finding"`
	Amount  string `json:"amount"`
	// Source says where the value comes from: "line" (the RMA line's
	// accessories or gifts), "rules" (a share of the price in the rule
	// document).
	Source string `json:"source"`
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
	s.Refund = rs.Advise(in, s.Grade, s.Findings)
	s.Disposition = rs.DispositionFor(cat, s.Grade, s.Refund.Decision)
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

// DispositionFor is where a unit of grade goes once the refund is decided:
// held in quarantine while a person decides, back to the customer when the
// refund is refused (the goods are still theirs), else by the category's
// grade.
func (rs *RuleSet) DispositionFor(cat *Category, grade, decision string) string {
	switch decision {
	case RefundEscalate:
		return rs.HoldDisposition()
	case RefundReject:
		return rs.RejectDisposition()
	}
	return cat.Dispositions[grade]
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
