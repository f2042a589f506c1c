package station

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Cost and recovery value (issue 14, item 6).
//
// When a unit is first confirmed, the station estimates what it is worth
// back — the RMA line's unit price × a percentage the rule document gives
// per disposition (optionally per grade) — and what handling it cost: the
// minutes from starting the unit to confirming it (at most the rules' cap),
// priced at the rules' hourly handling rate. Both are fixed in the unit's result and carried by
// returns.unit.inspected as "value", so the figures can be rebuilt from the
// log and a later edit of the rules does not rewrite history. A regrade
// re-estimates the recovery at the new grade and disposition and keeps the
// first confirmation's day and handling. Inbound freight is what the dock
// paid the carrier for the parcel (freight collect, 到付), entered at
// receipt; it is counted under the category of the RMA's first line.
//
// A category is the station's inspection template (electronics, apparel, …)
// that central's free-text category maps to, as the inspection events carry
// it: a handful of rows a manager can compare, named in both languages.
//
// Running aggregates, prefix "val/", money in minor units (hundredths):
//
//	val/<day>/<measure>/<currency>/<category>
//
// day is the warehouse day (rules' time zone, YYYY-MM-DD) of the unit's
// first confirmation or of the parcel's receipt; category is the template
// id (last, so it could hold any text; "" for freight of a parcel matched
// to no RMA). Measures:
//
//	units           units confirmed (voiding a confirmed unit takes it back)
//	priced          of those, units whose price is known (matched to an RMA line)
//	price           sum of their unit prices
//	recovery        sum of their estimated recovery values
//	handling_min    sum of handling minutes
//	handling_cost   sum of handling costs
//	freight         sum of inbound freight paid
//	freight_parcels parcels whose freight is known
const valuePrefix = "val/"

// Value measures, the third part of a "val/" key.
const (
	ValUnits          = "units"
	ValPriced         = "priced"
	ValPrice          = "price"
	ValRecovery       = "recovery"
	ValHandlingMin    = "handling_min"
	ValHandlingCost   = "handling_cost"
	ValFreight        = "freight"
	ValFreightParcels = "freight_parcels"
)

// ValueRules say what a returned unit is worth back and what an hour of
// handling costs. A rule document without them uses the built-in ones.
type ValueRules struct {
	// Currency of the handling rate, and of freight when the parcel's RMA
	// names none; ISO 4217.
	Currency string `json:"currency"`
	// HandlingPerHour is what an hour of a person's handling costs, as a
	// decimal string ("36.00"); "" or "0" counts no handling cost.
	HandlingPerHour string `json:"handling_per_hour,omitempty"`
	// MaxHandlingMin caps one unit's handling minutes: a unit started and
	// left on the bench overnight was not handled all that time. 0: no cap.
	MaxHandlingMin int `json:"max_handling_min,omitempty"`
	// Recovery gives the share of the line's price a unit is expected to
	// bring back, by disposition; an entry with a grade applies to that
	// grade only and wins over the disposition's general entry.
	Recovery []RecoveryFactor `json:"recovery"`
}

// RecoveryFactor is the share of the price (0–100 %) a unit of a
// disposition (and grade, when given) is expected to bring back.
type RecoveryFactor struct {
	Disposition string `json:"disposition"`
	Grade       string `json:"grade,omitempty"`
	Pct         int    `json:"pct"`
}

// ValueRulesOf returns the rules' value section, or the built-in one when
// the document has none (documents stored before it existed).
func (rs *RuleSet) ValueRulesOf() *ValueRules {
	if rs.Value != nil {
		return rs.Value
	}
	builtInValueOnce.Do(func() { builtInValue = DefaultRules().Value })
	return builtInValue
}

var (
	builtInValueOnce sync.Once
	builtInValue     *ValueRules
)

// RecoveryPct is the share of the price a unit of grade and disposition is
// expected to bring back: the grade's own entry, else the disposition's
// general one, else 0.
func (rs *RuleSet) RecoveryPct(grade, disposition string) int {
	pct := 0
	for _, f := range rs.ValueRulesOf().Recovery {
		if f.Disposition != disposition {
			continue
		}
		if f.Grade == grade {
			return f.Pct
		}
		if f.Grade == "" {
			pct = f.Pct
		}
	}
	return pct
}

// validate checks the value section against the document's grades and
// dispositions: every disposition needs a general entry, so no unit is
// valued at nothing by omission.
func (v *ValueRules) validate(p *Problems, grades, disps map[string]bool, dispOrder []DispositionDef) {
	if v == nil {
		return
	}
	if !currencyRegex.MatchString(v.Currency) {
		p.Add("value.currency", "an ISO 4217 code such as CNY")
	}
	if v.MaxHandlingMin < 0 || v.MaxHandlingMin > 1440 {
		p.Add("value.max_handling_min", "between 0 (no cap) and 1440 minutes")
	}
	if v.HandlingPerHour != "" {
		if _, err := ParseAmount(v.HandlingPerHour); err != nil {
			p.Add("value.handling_per_hour", err.Error())
		}
	}
	seen := map[string]bool{}
	general := map[string]bool{}
	for i, f := range v.Recovery {
		at := fmt.Sprintf("value.recovery[%d]", i)
		if !disps[f.Disposition] {
			p.Add(at+".disposition", "unknown disposition "+f.Disposition)
		}
		if f.Grade != "" && !grades[f.Grade] {
			p.Add(at+".grade", "unknown grade "+f.Grade)
		}
		if f.Pct < 0 || f.Pct > 100 {
			p.Add(at+".pct", "between 0 and 100")
		}
		if seen[f.Disposition+"/"+f.Grade] {
			p.Add(at, "a second entry for the same disposition and grade")
		}
		seen[f.Disposition+"/"+f.Grade] = true
		if f.Grade == "" {
			general[f.Disposition] = true
		}
	}
	for _, d := range dispOrder {
		if d.Code != "" && !general[d.Code] {
			p.Add("value.recovery", "give the disposition "+d.Code+" a share of the price (an entry without a grade)")
		}
	}
}

// UnitValue is what a confirmed unit is estimated to bring back and what
// handling it cost, fixed when it was first confirmed.
type UnitValue struct {
	// Day is the warehouse day of the first confirmation: the figures' bucket.
	Day string `json:"day"`
	// Category is the unit's inspection template: the figures' row.
	Category string `json:"category"`
	Currency string `json:"currency"`
	// Price is the RMA line's unit price; "" when the unit matches no line.
	Price     string `json:"price,omitempty"`
	FactorPct int    `json:"factor_pct"`
	Recovery  string `json:"recovery"`
	// HandlingMin are the minutes from starting the unit to confirming it.
	HandlingMin  int    `json:"handling_min"`
	HandlingCost string `json:"handling_cost"`
}

// valueAt estimates u's value at grade and disposition, confirmed at now.
// prev is the value of an earlier confirmation (a regrade): its day and
// handling stay.
func valueAt(rs *RuleSet, gi GradeInput, u *Unit, grade, disp string, now time.Time, prev *UnitValue) *UnitValue {
	vr := rs.ValueRulesOf()
	v := &UnitValue{Category: u.Category, Currency: vr.Currency, FactorPct: rs.RecoveryPct(grade, disp)}
	if gi.RMA != nil && currencyRegex.MatchString(gi.RMA.Refund.Currency) {
		v.Currency = gi.RMA.Refund.Currency
	}
	var recovery Cents
	if gi.Line != nil {
		if price, err := ParseAmount(gi.Line.UnitPrice); err == nil {
			v.Price = price.String()
			recovery = price.Percent(v.FactorPct)
		}
	}
	v.Recovery = recovery.String()
	if prev != nil {
		v.Day, v.HandlingMin, v.HandlingCost = prev.Day, prev.HandlingMin, prev.HandlingCost
		return v
	}
	v.Day = now.In(rs.Location()).Format(time.DateOnly)
	if d := now.Sub(u.CreatedAt); d > 0 && !u.CreatedAt.IsZero() {
		v.HandlingMin = int((d + 30*time.Second) / time.Minute)
	}
	if vr.MaxHandlingMin > 0 && v.HandlingMin > vr.MaxHandlingMin {
		v.HandlingMin = vr.MaxHandlingMin
	}
	rate, _ := ParseAmount(vr.HandlingPerHour)
	v.HandlingCost = Cents((int64(rate)*int64(v.HandlingMin) + 30) / 60).String()
	return v
}

// valueTally keeps the "val/" aggregates (see the top of this file).
func valueTally(env Env, tx Tx, at time.Time, d EventData) error {
	switch e := d.(type) {
	case UnitInspectedData:
		return countValue(tx, e.Value, 1)
	case UnitRegradedData:
		if e.Value == nil || e.Previous == nil || e.Previous.Value == nil {
			return nil
		}
		prev := e.Previous.Value
		was, _ := ParseAmount(prev.Recovery)
		is, _ := ParseAmount(e.Value.Recovery)
		if is == was {
			return nil
		}
		return tx.Count(valueKey(prev.Day, ValRecovery, prev.Currency, prev.Category), int64(is-was))
	case UnitVoidedData:
		if e.Result == nil {
			return nil
		}
		return countValue(tx, e.Result.Value, -1)
	case ParcelReceivedData:
		if e.Freight == nil {
			return nil
		}
		amount, err := ParseAmount(e.Freight.Amount)
		if err != nil {
			return nil
		}
		rs, err := tx.Rules()
		if err != nil {
			return err
		}
		category := ""
		if e.RMA != nil {
			r, err := tx.RMA(*e.RMA)
			if err != nil {
				return err
			}
			if r != nil && len(r.Lines) > 0 {
				category = rs.Template(r.Lines[0].Category).ID
			}
		}
		day := at.In(rs.Location()).Format(time.DateOnly)
		if err := tx.Count(valueKey(day, ValFreight, e.Freight.Currency, category), int64(amount)); err != nil {
			return err
		}
		return tx.Count(valueKey(day, ValFreightParcels, e.Freight.Currency, category), 1)
	}
	return nil
}

// countValue adds (sign 1) or takes back (sign -1) one confirmed unit's value.
func countValue(tx Tx, v *UnitValue, sign int64) error {
	if v == nil {
		return nil
	}
	recovery, _ := ParseAmount(v.Recovery)
	cost, _ := ParseAmount(v.HandlingCost)
	counts := map[string]int64{ValUnits: 1, ValRecovery: int64(recovery), ValHandlingMin: int64(v.HandlingMin), ValHandlingCost: int64(cost)}
	if v.Price != "" {
		price, _ := ParseAmount(v.Price)
		counts[ValPriced], counts[ValPrice] = 1, int64(price)
	}
	for _, measure := range []string{ValUnits, ValPriced, ValPrice, ValRecovery, ValHandlingMin, ValHandlingCost} {
		if n := counts[measure]; n != 0 {
			if err := tx.Count(valueKey(v.Day, measure, v.Currency, v.Category), sign*n); err != nil {
				return err
			}
		}
	}
	return nil
}

func valueKey(day, measure, currency, category string) string {
	return valuePrefix + day + "/" + measure + "/" + currency + "/" + category
}

// ValueRow is cost and recovery for one category (or one day, or all) in
// one currency, over a range of days. Money is in decimal strings; the
// *Minor fields give the same in minor units (hundredths) for sums and charts.
type ValueRow struct {
	Category string `json:"category,omitempty"`
	// Name is the category's name in both languages ("" category: freight
	// of parcels matched to no return).
	Name     *Text  `json:"name,omitempty"`
	Day      string `json:"day,omitempty"`
	Currency string `json:"currency"`
	Units    int64  `json:"units"`
	Priced   int64  `json:"priced"`
	Price    string `json:"price"`
	Recovery string `json:"recovery"`
	// RecoveryPct is recovery as a share of the priced units' price.
	RecoveryPct    int    `json:"recovery_pct"`
	HandlingMin    int64  `json:"handling_min"`
	HandlingCost   string `json:"handling_cost"`
	Freight        string `json:"freight"`
	FreightParcels int64  `json:"freight_parcels"`
	// Cost is freight plus handling.
	Cost string `json:"cost"`
	// Net is recovery minus cost.
	Net string `json:"net"`

	PriceMinor, RecoveryMinor, HandlingCostMinor, FreightMinor, CostMinor int64 `json:"-"`
}

// ValueReport is cost and recovery over a range of warehouse days.
type ValueReport struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Currency is the station's own (the rules'); rows in other currencies
	// are listed apart, never added to it.
	Currency   string      `json:"currency"`
	Categories []*ValueRow `json:"categories"`
	Days       []*ValueRow `json:"days"`
	Totals     []*ValueRow `json:"totals"`
}

// ValueFigures sums the "val/" aggregates of the warehouse days from..to
// (inclusive, YYYY-MM-DD): per category, per day and in all, per currency.
// Categories come most recovery first; days in order.
func ValueFigures(tx Tx, from, to time.Time) (*ValueReport, error) {
	rs, err := tx.Rules()
	if err != nil {
		return nil, err
	}
	rep := &ValueReport{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Currency: rs.ValueRulesOf().Currency,
		Categories: []*ValueRow{}, Days: []*ValueRow{}, Totals: []*ValueRow{}}
	cats, days, totals := map[string]*ValueRow{}, map[string]*ValueRow{}, map[string]*ValueRow{}
	row := func(m map[string]*ValueRow, key string, mk func() *ValueRow) *ValueRow {
		r := m[key]
		if r == nil {
			r = mk()
			m[key] = r
		}
		return r
	}
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		day := d.Format(time.DateOnly)
		err := tx.Counts(valuePrefix+day+"/", func(c Counter) error {
			parts := strings.SplitN(strings.TrimPrefix(c.Key, valuePrefix+day+"/"), "/", 3)
			if len(parts) != 3 {
				return nil
			}
			measure, cur, cat := parts[0], parts[1], parts[2]
			for _, r := range []*ValueRow{
				row(cats, cur+"\x00"+cat, func() *ValueRow { return &ValueRow{Category: cat, Currency: cur} }),
				row(days, day+"\x00"+cur, func() *ValueRow { return &ValueRow{Day: day, Currency: cur} }),
				row(totals, cur, func() *ValueRow { return &ValueRow{Currency: cur} }),
			} {
				r.add(measure, c.N)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for _, m := range []map[string]*ValueRow{cats, days, totals} {
		for _, r := range m {
			r.finish()
		}
	}
	for _, r := range cats {
		if tpl := rs.Template(r.Category); tpl != nil && tpl.ID == r.Category && r.Category != "" {
			name := tpl.Name
			r.Name = &name
		}
		rep.Categories = append(rep.Categories, r)
	}
	for _, r := range days {
		rep.Days = append(rep.Days, r)
	}
	for _, r := range totals {
		rep.Totals = append(rep.Totals, r)
	}
	sort.Slice(rep.Categories, func(i, j int) bool {
		a, b := rep.Categories[i], rep.Categories[j]
		if a.Currency != b.Currency {
			return a.Currency == rep.Currency || (b.Currency != rep.Currency && a.Currency < b.Currency)
		}
		if a.RecoveryMinor != b.RecoveryMinor {
			return a.RecoveryMinor > b.RecoveryMinor
		}
		return a.Category < b.Category
	})
	sort.Slice(rep.Days, func(i, j int) bool {
		if rep.Days[i].Day != rep.Days[j].Day {
			return rep.Days[i].Day < rep.Days[j].Day
		}
		return rep.Days[i].Currency < rep.Days[j].Currency
	})
	sort.Slice(rep.Totals, func(i, j int) bool {
		return rep.Totals[i].Currency == rep.Currency || (rep.Totals[j].Currency != rep.Currency && rep.Totals[i].Currency < rep.Totals[j].Currency)
	})
	return rep, nil
}

func (r *ValueRow) add(measure string, n int64) {
	switch measure {
	case ValUnits:
		r.Units += n
	case ValPriced:
		r.Priced += n
	case ValPrice:
		r.PriceMinor += n
	case ValRecovery:
		r.RecoveryMinor += n
	case ValHandlingMin:
		r.HandlingMin += n
	case ValHandlingCost:
		r.HandlingCostMinor += n
	case ValFreight:
		r.FreightMinor += n
	case ValFreightParcels:
		r.FreightParcels += n
	}
}

func (r *ValueRow) finish() {
	r.CostMinor = r.FreightMinor + r.HandlingCostMinor
	r.Price, r.Recovery = Cents(r.PriceMinor).Signed(), Cents(r.RecoveryMinor).Signed()
	r.HandlingCost, r.Freight = Cents(r.HandlingCostMinor).Signed(), Cents(r.FreightMinor).Signed()
	r.Cost, r.Net = Cents(r.CostMinor).Signed(), Cents(r.RecoveryMinor-r.CostMinor).Signed()
	if r.PriceMinor > 0 {
		r.RecoveryPct = int((r.RecoveryMinor*100 + r.PriceMinor/2) / r.PriceMinor)
	}
}

// Signed formats c with two decimals and a minus sign when negative (a net
// figure may be).
func (c Cents) Signed() string {
	if c < 0 {
		return "-" + (-c).String()
	}
	return c.String()
}
