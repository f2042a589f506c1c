package station

import (
	"cmp"
	"net/url"
	"slices"
	"strings"
	"time"
)

// What comes back and why: units returned by SKU, category and channel, the
// customer's reason against the inspector's finding, grade, disposition and
// refund mixes, and the SKUs with the most confirmed defects (the product
// team's list). All of it is read from running aggregates under the prefix
// "why/", kept by tallyWhy in the transaction of each confirmation.
//
// A confirmed unit is counted on its warehouse day D (YYYY-MM-DD in the
// rules' time zone) of its FIRST confirmation, in three scopes — its
// category (c), its order channel (h) and its SKU (s) — each with the same
// dimensions:
//
//	why/D/<scope>/<value>/r/<reason>/<outcome>  units, by the customer's reason and the inspector's outcome
//	why/D/<scope>/<value>/g/<grade>             units by grade
//	why/D/<scope>/<value>/p/<disposition>       units by disposition
//	why/D/<scope>/<value>/f/<decision>          units by refund decision (full, partial, reject, escalate)
//	why/D/<scope>/<value>/a/<decision>/<cur>    refund recommended, in cents of currency cur
//	why/D/<scope>/<value>/x/<finding>           units with that finding code
//
// and two per-SKU rank keys, so a top list reads one key per SKU and day:
//
//	why/D/u/<category>/<sku>   units
//	why/D/d/<category>/<sku>   units with a confirmed defect (outcome "defect")
//
// plus a name dictionary, not by day: why/n/<sku>/<name> counts the units
// confirmed under each name the RMA lines gave the SKU.
//
// Values (SKU, category, channel, name, codes) are path-escaped, so a "/" in
// a SKU cannot split a key; an empty value (no channel, no RMA) is an empty
// segment. Units, outcome and reason totals are sums of the r/ cells, and
// the station's total is the sum of its categories, so neither is stored
// twice.
//
// Count calls per event: a first confirmation makes 3 × (4 + 1 if the refund
// amount is not zero + its number of findings) + 1 (u) + 1 if a defect (d)
// + 1 (name): 17 to 20 for a unit with one finding. A regrade subtracts the
// previous result and adds the new one on the same day D (about twice that,
// no name); a voided confirmed unit subtracts its result once. Other events
// make none. A regrade or void logged before events carried the result they
// replace moves nothing (the unit stays as first counted); a unit logged
// before events carried the reason and channel takes them from its RMA.
// A re-count from the log classifies findings under the rules of the day
// of the re-count.
//
// Reading a range costs, per day: the category and channel rows (bounded by
// categories and channels × dimensions, a few hundred keys); the top lists
// one rank key per SKU returned that day (u/) or with a defect (d/), then,
// for the few SKUs listed, one prefix read per SKU and day. No read visits
// every dimension of every SKU, except the full SKU table export
// (WhyAllSKUs), which streams one pass over the SKU keys of the range. The
// trade-off: a unit costs about 20 counter writes instead of 1, and the
// figures cannot be cut by two filters at once (category × channel is not
// kept); each filter narrows what its scope holds.

// Outcomes: the inspector's finding about a unit, the first that applies.
const (
	OutcomeDefect      = "defect"          // a finding the rules mark as a defect (the goods were faulty)
	OutcomeSellerFault = "seller_fault"    // wrong item, short, not as described
	OutcomeMissing     = "missing"         // something that should have come back did not
	OutcomeDamage      = "customer_damage" // damage the customer caused
	OutcomeOther       = "other"           // another finding (used, packaging, …)
	OutcomeNone        = "none"            // no finding at all
)

// Outcomes lists the outcomes in the order tables show them.
var Outcomes = []string{OutcomeDefect, OutcomeSellerFault, OutcomeMissing, OutcomeDamage, OutcomeOther, OutcomeNone}

// Reasons the customer gives that claim the goods or the seller were at
// fault, and those that claim nothing of the kind.
var (
	FaultReasons   = []string{"quality_issue", "not_as_described", "damaged_in_transit", "missing_parts", "wrong_item_sent"}
	NoFaultReasons = []string{"no_reason_7d", "changed_mind", "size_fit"}
)

// MaxWhyDays bounds a range read (as every stats range).
const MaxWhyDays = 400

const whyPrefix = "why/"

// Outcome classifies a unit's findings under the rules: the first of
// defect, seller fault, missing, customer damage, another finding, none.
func (rs *RuleSet) Outcome(findings []string) string {
	best := len(Outcomes) - 1
	for _, f := range findings {
		d := rs.Finding(f)
		o := OutcomeOther
		switch {
		case d.Defect:
			o = OutcomeDefect
		case d.SellerFault:
			o = OutcomeSellerFault
		case d.Missing != nil:
			o = OutcomeMissing
		case d.CustomerDamage:
			o = OutcomeDamage
		}
		best = min(best, slices.Index(Outcomes, o))
	}
	return Outcomes[best]
}

// whySeg escapes one key segment.
func whySeg(s string) string { return url.PathEscape(s) }

// whyUnseg undoes whySeg (a segment that does not decode is shown as stored).
func whyUnseg(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	if v, err := url.PathUnescape(s); err == nil {
		return v
	}
	return s
}

// whyDay is the warehouse day of t as a key segment.
func whyDay(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.DateOnly) }

func tallyWhy(env Env, tx Tx, at time.Time, d EventData) error {
	switch e := d.(type) {
	case UnitInspectedData:
		rs, err := tx.Rules()
		if err != nil {
			return err
		}
		if err := whyCount(tx, rs, &e, e.Findings, e.Grade, e.Disposition, e.Refund, e.Reason, e.Channel, at, 1); err != nil {
			return err
		}
		return tx.Count(whyPrefix+"n/"+whySeg(e.SKU)+"/"+whySeg(e.Name), 1)
	case UnitRegradedData:
		p := e.Previous
		if p == nil { // logged before regrades carried what they replace: the unit stays as first counted
			return nil
		}
		rs, err := tx.Rules()
		if err != nil {
			return err
		}
		first := p.FirstAt()
		if err := whyCount(tx, rs, &e.UnitInspectedData, p.Findings, p.Grade, p.Disposition, p.Refund, p.Reason, p.Channel, first, -1); err != nil {
			return err
		}
		return whyCount(tx, rs, &e.UnitInspectedData, e.Findings, e.Grade, e.Disposition, e.Refund, e.Reason, e.Channel, first, 1)
	case UnitVoidedData:
		r := e.Result
		if !e.Confirmed || r == nil { // not counted, or logged before voids carried the result
			return nil
		}
		rs, err := tx.Rules()
		if err != nil {
			return err
		}
		u := &UnitInspectedData{RMA: e.RMA, SKU: e.SKU, Category: e.Category}
		return whyCount(tx, rs, u, r.Findings, r.Grade, r.Disposition, r.Refund, r.Reason, r.Channel, r.FirstAt(), -1)
	}
	return nil
}

// whyReason is the reason and channel a unit is counted under: as the event
// or result says, or, for one logged before they were kept (both empty),
// as its RMA says.
func whyReason(tx Tx, rma *string, reason, channel string) (string, string, error) {
	if reason != "" || channel != "" || rma == nil || *rma == "" {
		return reason, channel, nil
	}
	r, err := tx.RMA(*rma)
	if err != nil || r == nil {
		return reason, channel, err
	}
	return r.Reason.Code, r.Channel, nil
}

// whyCount adds sign × one unit with this result to the day of first.
func whyCount(tx Tx, rs *RuleSet, u *UnitInspectedData, findings []string, grade, disp string, refund RefundAdvice,
	reason, channel string, first time.Time, sign int64) error {
	reason, channel, err := whyReason(tx, u.RMA, reason, channel)
	if err != nil {
		return err
	}
	day := whyPrefix + whyDay(first, rs.Location()) + "/"
	outcome := rs.Outcome(findings)
	cents, err := ParseAmount(refund.Amount)
	if err != nil {
		cents = 0 // an escalation carries "0.00"; anything unreadable counts no money
	}
	cat, sku := whySeg(u.Category), whySeg(u.SKU)
	for _, scope := range [...]string{"c/" + cat, "h/" + whySeg(channel), "s/" + sku} {
		p := day + scope + "/"
		keys := [...]string{p + "r/" + whySeg(reason) + "/" + outcome, p + "g/" + whySeg(grade), p + "p/" + whySeg(disp), p + "f/" + whySeg(refund.Decision)}
		for _, k := range keys {
			if err := tx.Count(k, sign); err != nil {
				return err
			}
		}
		if cents != 0 {
			if err := tx.Count(p+"a/"+whySeg(refund.Decision)+"/"+whySeg(refund.Currency), sign*int64(cents)); err != nil {
				return err
			}
		}
		for _, f := range findings {
			if err := tx.Count(p+"x/"+whySeg(f), sign); err != nil {
				return err
			}
		}
	}
	if err := tx.Count(day+"u/"+cat+"/"+sku, sign); err != nil {
		return err
	}
	if outcome == OutcomeDefect {
		return tx.Count(day+"d/"+cat+"/"+sku, sign)
	}
	return nil
}

// WhyQuery is a range of warehouse days, inclusive, and at most one filter.
type WhyQuery struct {
	From, To time.Time // days (only the date counts)
	Category string
	Channel  string
	SKU      string
	HasChan  bool // Channel is set, "" meaning orders with no channel
	Limit    int  // rows of the SKU tables (default 20)
}

// Days lists the range's days as key segments, oldest first.
func (q WhyQuery) Days() []string {
	var out []string
	d := time.Date(q.From.Year(), q.From.Month(), q.From.Day(), 0, 0, 0, 0, time.UTC)
	to := time.Date(q.To.Year(), q.To.Month(), q.To.Day(), 0, 0, 0, 0, time.UTC)
	for ; !d.After(to) && len(out) < MaxWhyDays; d = d.AddDate(0, 0, 1) {
		out = append(out, d.Format(time.DateOnly))
	}
	return out
}

// ReasonOutcome is one cell of the reason-against-finding table.
type ReasonOutcome struct {
	Reason  string `json:"reason"` // "" without an RMA
	Outcome string `json:"outcome"`
	Units   int64  `json:"units"`
}

// CodeCount is units per code (grade, disposition, decision, finding).
type CodeCount struct {
	Code  string `json:"code"`
	Units int64  `json:"units"`
}

// RefundSum is the refund recommended under one decision, in one currency.
type RefundSum struct {
	Decision string `json:"decision"`
	Currency string `json:"currency"`
	Amount   string `json:"amount"` // decimal, as central writes money
}

// WhyFigures are the figures of one row (the whole station, a category, a
// channel or a SKU).
type WhyFigures struct {
	Units       int64 `json:"units"`        // units confirmed
	DefectUnits int64 `json:"defect_units"` // with a confirmed defect
	// SaidFaultNoneFound: the customer claimed a fault (FaultReasons) and
	// the inspector found neither a defect, a seller's fault nor a missing
	// item. SaidNoFaultDefectFound: the customer claimed no fault
	// (NoFaultReasons) and a defect was found.
	SaidFaultNoneFound     int64           `json:"said_fault_none_found"`
	SaidNoFaultDefectFound int64           `json:"said_no_fault_defect_found"`
	Reasons                []ReasonOutcome `json:"reasons"`
	Outcomes               []CodeCount     `json:"outcomes"`
	Grades                 []CodeCount     `json:"grades"`
	Dispositions           []CodeCount     `json:"dispositions"`
	Decisions              []CodeCount     `json:"decisions"`
	Refunds                []RefundSum     `json:"refunds"`
	Findings               []CodeCount     `json:"findings"`
}

// WhyRow is one row of a table: a category, a channel or a SKU.
type WhyRow struct {
	Key string `json:"key"`
	WhyFigures
}

// WhyReport is what comes back and why over a range. A table the filter
// cannot cut is left out (null): the categories under a channel filter, the
// channels under a category or SKU filter, the SKUs under a channel filter.
type WhyReport struct {
	From       string   `json:"from"`
	To         string   `json:"to"`
	Filter     string   `json:"filter,omitempty"` // category, channel or sku
	Value      string   `json:"value,omitempty"`
	Total      WhyRow   `json:"total"`
	Categories []WhyRow `json:"categories"`
	Channels   []WhyRow `json:"channels"`
	SKUs       []WhyRow `json:"skus"` // the most returned first, at most Limit
}

// whyAgg gathers the counters of one row, by dimension key as stored
// (r/<reason>/<outcome>, g/<grade>, …): reading is one map update per key,
// decoding waits for the rows shown.
type whyAgg struct{ m map[string]int64 }

func newWhyAgg() *whyAgg { return &whyAgg{m: map[string]int64{}} }

// add counts n under a dimension's key.
func (a *whyAgg) add(dim string, n int64) { a.m[dim] += n }

// merge adds b into a.
func (a *whyAgg) merge(b *whyAgg) {
	for k, n := range b.m {
		a.m[k] += n
	}
}

func (a *whyAgg) figures() WhyFigures {
	f := WhyFigures{Reasons: []ReasonOutcome{}, Grades: []CodeCount{}, Dispositions: []CodeCount{}, Decisions: []CodeCount{},
		Findings: []CodeCount{}, Refunds: []RefundSum{}}
	outcomes := make([]int64, len(Outcomes))
	var other []CodeCount
	for k, n := range a.m {
		if n == 0 {
			continue
		}
		kind, rest, ok := strings.Cut(k, "/")
		if !ok {
			continue
		}
		switch kind {
		case "r":
			x, y, _ := strings.Cut(rest, "/")
			reason, outcome := whyUnseg(x), whyUnseg(y)
			f.Units += n
			if i := slices.Index(Outcomes, outcome); i >= 0 {
				outcomes[i] += n
			} else {
				other = append(other, CodeCount{Code: outcome, Units: n})
			}
			f.Reasons = append(f.Reasons, ReasonOutcome{Reason: reason, Outcome: outcome, Units: n})
			switch {
			case slices.Contains(FaultReasons, reason) && outcome != OutcomeDefect && outcome != OutcomeSellerFault && outcome != OutcomeMissing:
				f.SaidFaultNoneFound += n
			case slices.Contains(NoFaultReasons, reason) && outcome == OutcomeDefect:
				f.SaidNoFaultDefectFound += n
			}
		case "a":
			x, y, _ := strings.Cut(rest, "/")
			f.Refunds = append(f.Refunds, RefundSum{Decision: whyUnseg(x), Currency: whyUnseg(y), Amount: Cents(n).String()})
		case "g":
			f.Grades = append(f.Grades, CodeCount{Code: whyUnseg(rest), Units: n})
		case "p":
			f.Dispositions = append(f.Dispositions, CodeCount{Code: whyUnseg(rest), Units: n})
		case "f":
			f.Decisions = append(f.Decisions, CodeCount{Code: whyUnseg(rest), Units: n})
		case "x":
			f.Findings = append(f.Findings, CodeCount{Code: whyUnseg(rest), Units: n})
		}
	}
	f.DefectUnits = outcomes[0]
	slices.SortFunc(f.Reasons, func(x, y ReasonOutcome) int {
		return cmp.Or(cmp.Compare(x.Reason, y.Reason), cmp.Compare(outcomeRank(x.Outcome), outcomeRank(y.Outcome)), cmp.Compare(x.Outcome, y.Outcome))
	})
	f.Outcomes = []CodeCount{}
	for i, o := range Outcomes {
		if outcomes[i] != 0 {
			f.Outcomes = append(f.Outcomes, CodeCount{Code: o, Units: outcomes[i]})
		}
	}
	f.Outcomes = append(f.Outcomes, sortCodes(other, nil)...)
	sortCodes(f.Grades, nil)
	sortCodes(f.Dispositions, nil)
	decisions := []string{RefundFull, RefundPartial, RefundReject, RefundEscalate}
	sortCodes(f.Decisions, decisions)
	sortCodes(f.Findings, nil)
	slices.SortStableFunc(f.Findings, func(x, y CodeCount) int { return cmp.Compare(y.Units, x.Units) })
	slices.SortFunc(f.Refunds, func(x, y RefundSum) int {
		return cmp.Or(cmp.Compare(rankIn(decisions, x.Decision), rankIn(decisions, y.Decision)), cmp.Compare(x.Decision, y.Decision), cmp.Compare(x.Currency, y.Currency))
	})
	return f
}

func outcomeRank(o string) int { return rankIn(Outcomes, o) }

// rankIn is c's place in order, or after them all.
func rankIn(order []string, c string) int {
	if i := slices.Index(order, c); i >= 0 {
		return i
	}
	return len(order)
}

// sortCodes sorts counts by code: the codes of order first in that order,
// then the rest by code.
func sortCodes(cs []CodeCount, order []string) []CodeCount {
	slices.SortFunc(cs, func(x, y CodeCount) int {
		return cmp.Or(cmp.Compare(rankIn(order, x.Code), rankIn(order, y.Code)), cmp.Compare(x.Code, y.Code))
	})
	return cs
}

// whyScan reads the rows under prefix (…/<scope>/) for every day: the
// first key segment after prefix is the row, the rest the dimension.
func whyScan(tx Tx, days []string, scope string, rows map[string]*whyAgg) error {
	for _, d := range days {
		p := whyPrefix + d + "/" + scope
		err := tx.Counts(p, func(c Counter) error {
			row, dim, ok := strings.Cut(c.Key[len(p):], "/")
			if !ok {
				return nil
			}
			row = whyUnseg(row)
			a := rows[row]
			if a == nil {
				a = newWhyAgg()
				rows[row] = a
			}
			a.add(dim, c.N)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// whyRanked is one SKU of a rank index summed over days.
type whyRanked struct {
	n   int64
	cat string // the category it was last counted under, as stored (escaped)
}

// whyRank sums a rank index (u or d) over the days, per SKU as stored
// (escaped): one key per SKU and day, nothing decoded but the count.
func whyRank(tx Tx, days []string, index, category string, hasCat bool) (map[string]*whyRanked, error) {
	m := map[string]*whyRanked{}
	cat := whySeg(category)
	for _, d := range days {
		p := whyPrefix + d + "/" + index + "/"
		if hasCat {
			p += cat + "/"
		}
		err := tx.Counts(p, func(c Counter) error {
			rest, cat := c.Key[len(p):], cat
			if !hasCat {
				var ok bool
				if cat, rest, ok = strings.Cut(rest, "/"); !ok {
					return nil
				}
			}
			r := m[rest]
			if r == nil {
				r = &whyRanked{}
				m[rest] = r
			}
			r.n += c.N
			r.cat = cat
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return m, nil
}

// rankedSKU is a SKU of a top list, decoded.
type rankedSKU struct {
	SKU, Category string
	N             int64
}

// top returns the SKUs of m with the largest counts (ties by SKU), at most
// limit, keeping only the best limit while it goes (no sort of them all).
func top(m map[string]*whyRanked, limit int) []rankedSKU {
	before := func(a, b rankedSKU) bool { return a.N > b.N || (a.N == b.N && a.SKU < b.SKU) }
	best := make([]rankedSKU, 0, limit+1)
	for k, r := range m {
		if r.n <= 0 || (len(best) == limit && r.n < best[limit-1].N) {
			continue
		}
		c := rankedSKU{SKU: whyUnseg(k), Category: whyUnseg(r.cat), N: r.n}
		if len(best) == limit && !before(c, best[limit-1]) {
			continue
		}
		i, _ := slices.BinarySearchFunc(best, c, func(x, y rankedSKU) int {
			if before(x, y) {
				return -1
			}
			return 1
		})
		best = slices.Insert(best, i, c)
		if len(best) > limit {
			best = best[:limit]
		}
	}
	return best
}

// whySum adds every counter under prefix+ (one row's dimensions) over the days.
func whySum(tx Tx, days []string, scope string) (*whyAgg, error) {
	a := newWhyAgg()
	for _, d := range days {
		p := whyPrefix + d + "/" + scope
		if err := tx.Counts(p, func(c Counter) error {
			a.add(c.Key[len(p):], c.N)
			return nil
		}); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// whySKU reads every dimension of one SKU over the days.
func whySKU(tx Tx, days []string, sku string) (*whyAgg, error) {
	return whySum(tx, days, "s/"+whySeg(sku)+"/")
}

func rowsOf(m map[string]*whyAgg, order func(a, b WhyRow) int) []WhyRow {
	out := []WhyRow{}
	for k, a := range m {
		r := WhyRow{Key: k, WhyFigures: a.figures()}
		if r.Units != 0 {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, order)
	return out
}

func byUnits(a, b WhyRow) int {
	return cmp.Or(cmp.Compare(b.Units, a.Units), cmp.Compare(a.Key, b.Key))
}

func (q WhyQuery) limit() int {
	if q.Limit <= 0 {
		return 20
	}
	return q.Limit
}

// WhyReturns reads what came back and why over q's range.
func WhyReturns(tx Tx, q WhyQuery) (*WhyReport, error) {
	days := q.Days()
	if len(days) == 0 {
		return nil, Invalid("from", "the range ends before it starts").Coded("stats_range_backwards")
	}
	r := &WhyReport{From: days[0], To: days[len(days)-1]}
	total := newWhyAgg()
	switch {
	case q.SKU != "":
		r.Filter, r.Value = "sku", q.SKU
		a, err := whySKU(tx, days, q.SKU)
		if err != nil {
			return nil, err
		}
		total = a
		r.SKUs = rowsOf(map[string]*whyAgg{q.SKU: a}, byUnits)
	case q.HasChan:
		r.Filter, r.Value = "channel", q.Channel
		a, err := whySum(tx, days, "h/"+whySeg(q.Channel)+"/")
		if err != nil {
			return nil, err
		}
		total = a
		r.Channels = rowsOf(map[string]*whyAgg{q.Channel: a}, byUnits)
	default:
		cats := map[string]*whyAgg{}
		if q.Category != "" {
			r.Filter, r.Value = "category", q.Category
			a, err := whySum(tx, days, "c/"+whySeg(q.Category)+"/")
			if err != nil {
				return nil, err
			}
			cats[q.Category] = a
		} else {
			if err := whyScan(tx, days, "c/", cats); err != nil {
				return nil, err
			}
			chans := map[string]*whyAgg{}
			if err := whyScan(tx, days, "h/", chans); err != nil {
				return nil, err
			}
			r.Channels = rowsOf(chans, byUnits)
		}
		for _, a := range cats {
			total.merge(a)
		}
		r.Categories = rowsOf(cats, byUnits)
		units, err := whyRank(tx, days, "u", q.Category, q.Category != "")
		if err != nil {
			return nil, err
		}
		skus := map[string]*whyAgg{}
		for _, r := range top(units, q.limit()) {
			if skus[r.SKU], err = whySKU(tx, days, r.SKU); err != nil {
				return nil, err
			}
		}
		r.SKUs = rowsOf(skus, byUnits)
	}
	r.Total = WhyRow{Key: "", WhyFigures: total.figures()}
	return r, nil
}

// WhyAllSKUs visits every SKU returned over q's range (one pass over the
// SKU keys of each day), most returned first; for the full CSV export.
func WhyAllSKUs(tx Tx, q WhyQuery, visit func(WhyRow) error) error {
	days := q.Days()
	rows := map[string]*whyAgg{}
	if q.SKU != "" {
		a, err := whySKU(tx, days, q.SKU)
		if err != nil {
			return err
		}
		rows[q.SKU] = a
	} else if err := whyScan(tx, days, "s/", rows); err != nil {
		return err
	}
	if q.Category != "" {
		units, err := whyRank(tx, days, "u", q.Category, true)
		if err != nil {
			return err
		}
		for k := range rows {
			if r := units[whySeg(k)]; r == nil || r.n <= 0 {
				delete(rows, k)
			}
		}
	}
	for _, r := range rowsOf(rows, byUnits) {
		if err := visit(r); err != nil {
			return err
		}
	}
	return nil
}

// DefectSKU is one line of the product team's list: a SKU with confirmed
// defects over the range.
type DefectSKU struct {
	SKU         string      `json:"sku"`
	Name        string      `json:"name"` // the name most units had on their RMA line; "" if none
	Category    string      `json:"category"`
	Units       int64       `json:"units"`
	DefectUnits int64       `json:"defect_units"`
	DefectRate  float64     `json:"defect_rate"` // defect units / units, 0–1
	Findings    []CodeCount `json:"findings"`    // its most frequent finding codes, at most 3
}

// DefectList is the SKUs with the most confirmed defects over a range.
type DefectList struct {
	From     string      `json:"from"`
	To       string      `json:"to"`
	Category string      `json:"category,omitempty"`
	SKUs     []DefectSKU `json:"skus"`
}

// WhyDefects lists the SKUs with the most units with a confirmed defect,
// most first (ties by SKU), at most q.Limit. It reads one rank key per SKU
// and day with a defect, then each listed SKU's own keys. A channel filter
// cannot cut it (the rank keys are per category).
func WhyDefects(tx Tx, q WhyQuery) (*DefectList, error) {
	if q.HasChan {
		return nil, Invalid("channel", "the defect list is by SKU and category; it cannot be cut by channel").Coded("filter_channel")
	}
	days := q.Days()
	if len(days) == 0 {
		return nil, Invalid("from", "the range ends before it starts").Coded("stats_range_backwards")
	}
	out := &DefectList{From: days[0], To: days[len(days)-1], Category: q.Category, SKUs: []DefectSKU{}}
	defects, err := whyRank(tx, days, "d", q.Category, q.Category != "")
	if err != nil {
		return nil, err
	}
	list := top(defects, q.limit())
	if q.SKU != "" {
		list = nil
		if r := defects[whySeg(q.SKU)]; r != nil && r.n > 0 {
			list = []rankedSKU{{SKU: q.SKU, Category: whyUnseg(r.cat), N: r.n}}
		}
	}
	for _, k := range list {
		sku := k.SKU
		a, err := whySKU(tx, days, sku)
		if err != nil {
			return nil, err
		}
		f := a.figures()
		d := DefectSKU{SKU: sku, Category: k.Category, Units: f.Units, DefectUnits: f.DefectUnits, Findings: f.Findings}
		if len(d.Findings) > 3 {
			d.Findings = d.Findings[:3]
		}
		if d.Units > 0 {
			d.DefectRate = float64(d.DefectUnits) / float64(d.Units)
		}
		if d.Name, err = WhySKUName(tx, sku); err != nil {
			return nil, err
		}
		out.SKUs = append(out.SKUs, d)
	}
	return out, nil
}

// WhySKUName is the name most units of sku were confirmed under ("" if none).
func WhySKUName(tx Tx, sku string) (string, error) {
	p := whyPrefix + "n/" + whySeg(sku) + "/"
	var name string
	var most int64
	err := tx.Counts(p, func(c Counter) error {
		if c.N > most {
			name, most = whyUnseg(c.Key[len(p):]), c.N
		}
		return nil
	})
	return name, err
}
