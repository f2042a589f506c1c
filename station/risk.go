package station

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Risk alarms. The tally riskTally keeps running figures under the prefix
// "risk/", counted from events alone so they can be rebuilt from the log;
// after the tallies, the command runs the alarms (riskAlarms, weighParcel,
// and the age worker's AlarmAgedParcels), and a figure past its threshold
// raises an alert: an exception a supervisor resolves (code "alert_" + kind)
// and the event returns.alert.raised for central. The same alarm about the
// same subject is not raised again while its exception is open.
//
// Counter keys (all under "risk/"; customer keys, SKUs, inspectors and
// subjects are path-escaped so a "/" in them cannot cross a key's parts; days
// are YYYY-MM-DD in the warehouse zone):
//
//	risk/c/<customer>/<day>     incidents (empty box, wrong item, serial mismatch) of a customer,
//	                            less those dismissed as no real problem
//	risk/s/<sku>/<day>          units of a SKU first confirmed that day
//	risk/d/<sku>/<day>          of those, units with a defect finding (a regrade moves the
//	                            unit in or out within the day it was first confirmed)
//	risk/w/<sku>/<grams>        learned weight samples of a SKU, rounded to 3 significant
//	                            digits, grams zero-padded to 7 digits: a bounded histogram
//	                            (at most 900 buckets per decade) whose median is exact for
//	                            the rounded samples
//	risk/ou/<inspector>/<day>   units an inspector first confirmed that day; risk/oo/… of them
//	                            overridden: graded against the suggestion at that confirmation,
//	                            or regraded by a supervisor later (once per unit)
//	risk/ot/u/<day>             units the whole station first confirmed; risk/ot/o/<day> overridden
//	risk/open/<kind>/<subject>  1 while an alert of kind about subject is open (deduplication)
//	risk/n/<kind>               alerts of kind open now
//	risk/ao/<alert id>          1 while the alert is open
//	risk/ar/<day>/<alert id>    1: the alert was raised that day
//	risk/aged/<parcel>          1 once the parcel raised its age alarm; removed when it closes

// Alert kinds, one per rule.
const (
	AlertCustomer   = "customer_pattern" // a customer with repeated empty boxes, wrong items or serial mismatches
	AlertSerial     = "serial_repeat"    // a serial seen returned before
	AlertSKUReturns = "sku_return_spike" // a SKU's returns in a day against its trailing average
	AlertSKUDefects = "sku_defect_spike" // a SKU's defects in a day against its trailing average
	AlertWeight     = "weight_mismatch"  // a parcel far from what its lines should weigh
	AlertOverride   = "override_rate"    // an inspector overriding far more than the station
	AlertAge        = "parcel_age"       // a parcel open past the age alarm (DefaultAgeAlarm)
)

// AlertKinds lists the alert kinds in the order the dashboard shows them.
var AlertKinds = []string{AlertAge, AlertWeight, AlertSerial, AlertCustomer, AlertSKUReturns, AlertSKUDefects, AlertOverride}

// Exception codes of the alerts: "alert_" and the kind.
const (
	ExAlertCustomer   = "alert_" + AlertCustomer
	ExAlertSerial     = "alert_" + AlertSerial
	ExAlertSKUReturns = "alert_" + AlertSKUReturns
	ExAlertSKUDefects = "alert_" + AlertSKUDefects
	ExAlertWeight     = "alert_" + AlertWeight
	ExAlertOverride   = "alert_" + AlertOverride
	ExAlertAge        = "alert_" + AlertAge
)

// riskActor raises the alerts: the station's judgment, not the clerk's.
const riskActor = "system:risk"

// Alert is what tripped a risk alarm; an exception carries it.
type Alert struct {
	Kind    string `json:"kind"`
	Subject string `json:"subject"` // customer/…, serial/…, sku/…, parcel/…, inspector/…
	// Figures are the numbers that tripped it, Threshold the limits they crossed.
	Figures   map[string]float64 `json:"figures"`
	Threshold map[string]float64 `json:"threshold"`
	Message   Text               `json:"message"`
}

// AlarmRules are the risk alarms' thresholds, part of the rule document a
// supervisor edits. A number left at 0 takes its default (DefaultAlarmRules).
type AlarmRules struct {
	Customer CustomerAlarm `json:"customer"`
	Serial   SerialAlarm   `json:"serial"`
	SKU      SKUAlarm      `json:"sku"`
	Weight   WeightAlarm   `json:"weight"`
	Override OverrideAlarm `json:"override"`
}

// CustomerAlarm trips when one customer (masked name, phone tail, order
// channel) has Count or more empty boxes, wrong items or serial mismatches
// within WindowDays.
type CustomerAlarm struct {
	Off        bool `json:"off,omitempty"`
	Count      int  `json:"count,omitempty"`
	WindowDays int  `json:"window_days,omitempty"`
}

// SerialAlarm trips when a serial number comes back that was returned before.
type SerialAlarm struct {
	Off bool `json:"off,omitempty"`
}

// SKUAlarm trips when a SKU's units returned (or found defective) in one day
// reach MinCount and Factor times its daily mean over the TrailingDays before.
type SKUAlarm struct {
	Off          bool    `json:"off,omitempty"`
	Factor       float64 `json:"factor,omitempty"`
	MinCount     int     `json:"min_count,omitempty"`
	TrailingDays int     `json:"trailing_days,omitempty"`
}

// WeightAlarm trips when a parcel's weight differs from what its lines should
// weigh by TolerancePct percent and MinDiffG grams or more. A SKU's weight is
// the median of the single-unit parcels of it weighed at receive, once there
// are MinSamples of them.
type WeightAlarm struct {
	Off          bool `json:"off,omitempty"`
	MinSamples   int  `json:"min_samples,omitempty"`
	TolerancePct int  `json:"tolerance_pct,omitempty"`
	MinDiffG     int  `json:"min_diff_g,omitempty"`
}

// OverrideAlarm trips when, of the units an inspector first confirmed in the
// last WindowDays (MinUnits or more), MinRatePct percent or more and Factor
// times the station's rate or more were overridden: graded against the
// suggestion at that confirmation (a supervisor's own), or regraded by a
// supervisor later (an inspector's work corrected).
type OverrideAlarm struct {
	Off        bool    `json:"off,omitempty"`
	WindowDays int     `json:"window_days,omitempty"`
	MinUnits   int     `json:"min_units,omitempty"`
	Factor     float64 `json:"factor,omitempty"`
	MinRatePct int     `json:"min_rate_pct,omitempty"`
}

// DefaultAlarmRules are the thresholds used for a number the rules leave out.
var DefaultAlarmRules = AlarmRules{
	Customer: CustomerAlarm{Count: 3, WindowDays: 90},
	SKU:      SKUAlarm{Factor: 3, MinCount: 5, TrailingDays: 28},
	Weight:   WeightAlarm{MinSamples: 5, TolerancePct: 25, MinDiffG: 100},
	Override: OverrideAlarm{WindowDays: 30, MinUnits: 20, Factor: 2, MinRatePct: 20},
}

// Effective returns the thresholds with every 0 replaced by its default.
func (a AlarmRules) Effective() AlarmRules {
	d := DefaultAlarmRules
	or := func(v, def int) int {
		if v == 0 {
			return def
		}
		return v
	}
	orf := func(v, def float64) float64 {
		if v == 0 {
			return def
		}
		return v
	}
	a.Customer.Count = or(a.Customer.Count, d.Customer.Count)
	a.Customer.WindowDays = or(a.Customer.WindowDays, d.Customer.WindowDays)
	a.SKU.Factor = orf(a.SKU.Factor, d.SKU.Factor)
	a.SKU.MinCount = or(a.SKU.MinCount, d.SKU.MinCount)
	a.SKU.TrailingDays = or(a.SKU.TrailingDays, d.SKU.TrailingDays)
	a.Weight.MinSamples = or(a.Weight.MinSamples, d.Weight.MinSamples)
	a.Weight.TolerancePct = or(a.Weight.TolerancePct, d.Weight.TolerancePct)
	a.Weight.MinDiffG = or(a.Weight.MinDiffG, d.Weight.MinDiffG)
	a.Override.WindowDays = or(a.Override.WindowDays, d.Override.WindowDays)
	a.Override.MinUnits = or(a.Override.MinUnits, d.Override.MinUnits)
	a.Override.Factor = orf(a.Override.Factor, d.Override.Factor)
	a.Override.MinRatePct = or(a.Override.MinRatePct, d.Override.MinRatePct)
	return a
}

// validate names each threshold out of range (0 means the default).
func (a AlarmRules) validate(p *Problems) {
	intIn := func(field string, v, lo, hi int) {
		if v != 0 && (v < lo || v > hi) {
			p.AddCode("alarms."+field, "alarm_range", fmt.Sprintf("between %d and %d (0 or left out: the default)", lo, hi))
		}
	}
	factor := func(field string, v float64) {
		if v != 0 && (v < 1 || v > 100 || math.IsNaN(v)) {
			p.AddCode("alarms."+field, "alarm_range", "a factor between 1 and 100 (0 or left out: the default)")
		}
	}
	intIn("customer.count", a.Customer.Count, 2, 1000)
	intIn("customer.window_days", a.Customer.WindowDays, 1, 366)
	factor("sku.factor", a.SKU.Factor)
	intIn("sku.min_count", a.SKU.MinCount, 1, 100000)
	intIn("sku.trailing_days", a.SKU.TrailingDays, 7, 120)
	intIn("weight.min_samples", a.Weight.MinSamples, 1, 1000)
	intIn("weight.tolerance_pct", a.Weight.TolerancePct, 1, 1000)
	intIn("weight.min_diff_g", a.Weight.MinDiffG, 1, 100000)
	intIn("override.window_days", a.Override.WindowDays, 1, 366)
	intIn("override.min_units", a.Override.MinUnits, 1, 100000)
	factor("override.factor", a.Override.Factor)
	intIn("override.min_rate_pct", a.Override.MinRatePct, 1, 100)
}

// keyPart escapes one part of a counter key.
func keyPart(s string) string { return url.PathEscape(s) }

// counter reads one counter (0 when missing).
func counter(tx Tx, key string) (int64, error) {
	var n int64
	err := tx.Counts(key, func(c Counter) error {
		if c.Key == key {
			n = c.N
		}
		return nil
	})
	return n, err
}

// sumDays adds the counters prefix+day for the days from..to (YYYY-MM-DD,
// inclusive), reading one prefix per month instead of the whole history.
func sumDays(tx Tx, prefix string, from, to time.Time) (int64, error) {
	lo, hi := from.Format(time.DateOnly), to.Format(time.DateOnly)
	var sum int64
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC); m.Format("2006-01") <= hi[:7]; m = m.AddDate(0, 1, 0) {
		err := tx.Counts(prefix+m.Format("2006-01"), func(c Counter) error {
			if day := c.Key[len(prefix):]; day >= lo && day <= hi {
				sum += c.N
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return sum, nil
}

// day is the warehouse day of t, as a date at midnight UTC (so AddDate counts
// calendar days whatever the zone's offsets).
func day(rs *RuleSet, t time.Time) time.Time {
	y, m, d := t.In(rs.Location()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// raiseAlert opens an alert's exception and emits returns.alert.raised,
// unless an alert of the same kind about the same subject is still open.
// The exception names the parcel (and unit) the alert is about, if any. It
// runs in the command (or the age worker), never in a tally.
func raiseAlert(tx Tx, env Env, a Alert, parcelID, unitID, rma, tracking string) error {
	_, err := raise(tx, env, a, parcelID, unitID, rma, tracking)
	return err
}

// raise is raiseAlert returning the exception it opened (nil: one was open).
func raise(tx Tx, env Env, a Alert, parcelID, unitID, rma, tracking string) (*Exception, error) {
	if n, err := counter(tx, "risk/open/"+a.Kind+"/"+keyPart(a.Subject)); err != nil || n > 0 {
		return nil, err
	}
	env.Actor = riskActor
	e := &Exception{ID: env.NewID(), Code: "alert_" + a.Kind, State: ExOpen, ParcelID: parcelID, UnitID: unitID, RMA: rma,
		Tracking: tracking, Note: a.Message.EN + " · " + a.Message.ZH, OpenedAt: env.Now(), OpenedBy: riskActor, Alert: &a}
	if err := tx.PutException(e); err != nil {
		return nil, err
	}
	return e, env.emit(tx, a.Subject, AlertRaisedData{AlertID: e.ID, Kind: a.Kind, Subject: a.Subject, Figures: a.Figures,
		Threshold: a.Threshold, Message: a.Message, ExceptionID: e.ID, ParcelID: parcelID, UnitID: unitID, RMA: rma})
}

// riskTally keeps the risk figures: it only counts, from the event and
// records that do not change (the RMA, the rules), so the counters can be
// rebuilt from the log. The alarms read them afterwards (riskAlarms).
func riskTally(_ Env, tx Tx, at time.Time, d EventData) error {
	switch d := d.(type) {
	case ParcelReceivedData:
		return learnWeight(tx, d)
	case ParcelExceptionData:
		if !customerIncidents[d.Code] || d.RMA == "" {
			return nil
		}
		ck, _, err := customerOf(tx, d.RMA)
		if err != nil || ck == "" {
			return err
		}
		rs, err := tx.Rules()
		if err != nil {
			return err
		}
		return tx.Count("risk/c/"+keyPart(ck)+"/"+day(rs, at).Format(time.DateOnly), 1)
	case UnitInspectedData:
		return countInspected(tx, at, d, 1)
	case UnitRegradedData:
		return countRegraded(tx, d)
	case UnitVoidedData:
		return countVoided(tx, d)
	case AlertRaisedData:
		rs, err := tx.Rules()
		if err != nil {
			return err
		}
		keys := []string{"risk/open/" + d.Kind + "/" + keyPart(d.Subject), "risk/n/" + d.Kind, "risk/ao/" + d.AlertID,
			"risk/ar/" + day(rs, at).Format(time.DateOnly) + "/" + d.AlertID}
		if id, ok := strings.CutPrefix(d.Subject, "parcel/"); ok && d.Kind == AlertAge {
			keys = append(keys, "risk/aged/"+id)
		}
		for _, k := range keys {
			if err := tx.Count(k, 1); err != nil {
				return err
			}
		}
		return nil
	case ExceptionResolvedData:
		if customerIncidents[d.Code] && d.Action == ActDismiss {
			return incidentDismissed(tx, d)
		}
		kind, ok := strings.CutPrefix(d.Code, "alert_")
		if !ok || d.Subject == "" {
			return nil
		}
		for _, k := range []string{"risk/open/" + kind + "/" + keyPart(d.Subject), "risk/n/" + kind, "risk/ao/" + d.ExceptionID} {
			if err := decrement(tx, k); err != nil {
				return err
			}
		}
		return nil
	case ParcelClosedData:
		return decrement(tx, "risk/aged/"+d.ParcelID)
	}
	return nil
}

// incidentDismissed takes a customer's incident back out when a supervisor
// dismisses it as no real problem (or its unit is voided as scanned by
// mistake), on the day it was counted.
func incidentDismissed(tx Tx, d ExceptionResolvedData) error {
	e, err := tx.Exception(d.ExceptionID)
	if err != nil || e == nil || e.RMA == "" {
		return err
	}
	ck, _, err := customerOf(tx, e.RMA)
	if err != nil || ck == "" {
		return err
	}
	rs, err := tx.Rules()
	if err != nil {
		return err
	}
	return decrement(tx, "risk/c/"+keyPart(ck)+"/"+day(rs, e.OpenedAt).Format(time.DateOnly))
}

// firstRegradeOfUnoverridden reports whether a regrade makes its unit an
// overridden one: its first regrade, after a first confirmation that
// followed the suggestion.
func firstRegradeOfUnoverridden(d UnitRegradedData) bool {
	return d.Previous != nil && d.Previous.PreviousGrade == "" && !d.Previous.Override
}

// decrement takes one off a counter that is above zero.
func decrement(tx Tx, key string) error {
	n, err := counter(tx, key)
	if err != nil || n <= 0 {
		return err
	}
	return tx.Count(key, -1)
}

// riskAlarms runs the alarms an event can trip, in the command that emitted
// it, after the tallies counted it.
func riskAlarms(env Env, tx Tx, at time.Time, d EventData) error {
	switch d := d.(type) {
	case ParcelExceptionData:
		return customerAlarm(tx, env, at, d)
	case UnitInspectedData:
		return inspectedAlarms(tx, env, at, d)
	case UnitRegradedData:
		if !firstRegradeOfUnoverridden(d) {
			return nil // no rate moved
		}
		rs, err := tx.Rules()
		if err != nil {
			return err
		}
		return inspectorOverride(tx, env, rs, at, d.Previous.FirstBy())
	}
	return nil
}

// CustomerKey is how the alarms know a customer without knowing who it is:
// the masked name, the phone's last digits and the order channel. "" when the
// return names neither.
func CustomerKey(r *ReturnAuthorization) string {
	if r == nil || (r.Customer.Name == "" && r.Customer.PhoneTail == "") {
		return ""
	}
	return r.Customer.Name + "|" + r.Customer.PhoneTail + "|" + r.Channel
}

func customerOf(tx Tx, rma string) (string, *ReturnAuthorization, error) {
	r, err := tx.RMA(rma)
	if err != nil || r == nil {
		return "", nil, err
	}
	return CustomerKey(r), r, nil
}

// customerIncidents are the exception codes a customer's pattern counts.
var customerIncidents = map[string]bool{ExEmptyBox: true, ExWrongItem: true, ExSerialMismatch: true}

func customerAlarm(tx Tx, env Env, at time.Time, d ParcelExceptionData) error {
	if !customerIncidents[d.Code] || d.RMA == "" {
		return nil
	}
	rs, err := tx.Rules()
	if err != nil || rs.Alarms.Customer.Off {
		return err
	}
	ck, r, err := customerOf(tx, d.RMA)
	if err != nil || ck == "" {
		return err
	}
	th := rs.Alarms.Effective().Customer
	today := day(rs, at)
	n, err := sumDays(tx, "risk/c/"+keyPart(ck)+"/", today.AddDate(0, 0, 1-th.WindowDays), today)
	if err != nil || n < int64(th.Count) {
		return err
	}
	who := strings.TrimSpace(r.Customer.Name + " ****" + r.Customer.PhoneTail)
	return raiseAlert(tx, env, Alert{Kind: AlertCustomer, Subject: "customer/" + ck,
		Figures:   map[string]float64{"count": float64(n), "window_days": float64(th.WindowDays)},
		Threshold: map[string]float64{"count": float64(th.Count), "window_days": float64(th.WindowDays)},
		Message: Text{
			EN: fmt.Sprintf("Customer %s (%s) has returned %d empty boxes, wrong items or mismatched serials in %d days (alarm at %d); the latest: %s on return %s.", who, orDash(r.Channel), n, th.WindowDays, th.Count, d.Code, d.RMA),
			ZH: fmt.Sprintf("客户 %s（%s）%d 天内已有 %d 次空包、错货或序列号不符（告警阈值 %d 次）；最近一次：退货单 %s 的 %s。", who, orDash(r.Channel), th.WindowDays, n, th.Count, d.RMA, d.Code),
		}}, d.ParcelID, "", d.RMA, d.Tracking)
}

// isDefect reports whether any finding marks the goods as faulty.
func isDefect(rs *RuleSet, findings []string) bool {
	for _, f := range findings {
		if rs.Finding(f).Defect {
			return true
		}
	}
	return false
}

// countInspected counts (sign 1) or takes back (sign -1) a confirmed unit:
// its SKU's returns and defects of the day, its inspector's units and
// whether the inspector graded against the suggestion.
func countInspected(tx Tx, at time.Time, d UnitInspectedData, sign int64) error {
	rs, err := tx.Rules()
	if err != nil {
		return err
	}
	ds := day(rs, at).Format(time.DateOnly)
	var keys []string
	if d.SKU != "" {
		keys = append(keys, "risk/s/"+keyPart(d.SKU)+"/"+ds)
		if isDefect(rs, d.Findings) {
			keys = append(keys, "risk/d/"+keyPart(d.SKU)+"/"+ds)
		}
	}
	keys = append(keys, "risk/ou/"+keyPart(d.Inspector)+"/"+ds, "risk/ot/u/"+ds)
	if d.OverrideReason != "" {
		keys = append(keys, "risk/oo/"+keyPart(d.Inspector)+"/"+ds, "risk/ot/o/"+ds)
	}
	for _, k := range keys {
		if err := tx.Count(k, sign); err != nil {
			return err
		}
	}
	return nil
}

// countRegraded counts a unit's first regrade against the inspector who
// first confirmed it, unless that confirmation was already an override, and
// moves its defect count when the regrade changes whether it is defective;
// both within the day it was first confirmed.
func countRegraded(tx Tx, d UnitRegradedData) error {
	if d.Previous == nil {
		return nil
	}
	rs, err := tx.Rules()
	if err != nil {
		return err
	}
	ds := day(rs, d.Previous.FirstAt()).Format(time.DateOnly)
	if who := d.Previous.FirstBy(); who != "" && firstRegradeOfUnoverridden(d) {
		for _, k := range []string{"risk/oo/" + keyPart(who) + "/" + ds, "risk/ot/o/" + ds} {
			if err := tx.Count(k, 1); err != nil {
				return err
			}
		}
	}
	if d.SKU == "" {
		return nil
	}
	was, now := isDefect(rs, d.Previous.Findings), isDefect(rs, d.Findings)
	if was == now {
		return nil
	}
	delta := int64(1)
	if was {
		delta = -1
	}
	return tx.Count("risk/d/"+keyPart(d.SKU)+"/"+ds, delta)
}

// countVoided takes a confirmed unit voided by mistake back out of its
// SKU's and its first inspector's counts on the day it was first confirmed.
func countVoided(tx Tx, d UnitVoidedData) error {
	if !d.Confirmed || d.Result == nil {
		return nil
	}
	rs, err := tx.Rules()
	if err != nil {
		return err
	}
	r := d.Result
	ds := day(rs, r.FirstAt()).Format(time.DateOnly)
	var keys []string
	if d.SKU != "" {
		keys = append(keys, "risk/s/"+keyPart(d.SKU)+"/"+ds)
		if isDefect(rs, r.Findings) {
			keys = append(keys, "risk/d/"+keyPart(d.SKU)+"/"+ds)
		}
	}
	if who := r.FirstBy(); who != "" {
		keys = append(keys, "risk/ou/"+keyPart(who)+"/"+ds, "risk/ot/u/"+ds)
		if r.PreviousGrade != "" || r.Override { // it counted as one overridden unit
			keys = append(keys, "risk/oo/"+keyPart(who)+"/"+ds, "risk/ot/o/"+ds)
		}
	}
	for _, k := range keys {
		if err := decrement(tx, k); err != nil {
			return err
		}
	}
	return nil
}

func inspectedAlarms(tx Tx, env Env, at time.Time, d UnitInspectedData) error {
	rs, err := tx.Rules()
	if err != nil {
		return err
	}
	rma := ""
	if d.RMA != nil {
		rma = *d.RMA
	}
	if d.SKU != "" {
		sku := keyPart(d.SKU)
		if err := skuSpike(tx, env, rs, at, AlertSKUReturns, "risk/s/"+sku+"/", d); err != nil {
			return err
		}
		if isDefect(rs, d.Findings) {
			if err := skuSpike(tx, env, rs, at, AlertSKUDefects, "risk/d/"+sku+"/", d); err != nil {
				return err
			}
		}
	}
	if d.Serial != "" && contains(d.Findings, "serial_repeat") && !rs.Alarms.Serial.Off {
		err := raiseAlert(tx, env, Alert{Kind: AlertSerial, Subject: "serial/" + d.Serial,
			Figures:   map[string]float64{"times_returned": 2},
			Threshold: map[string]float64{"times_returned": 2},
			Message: Text{
				EN: fmt.Sprintf("Serial %s (%s) was returned before: unit %s of return %s carries a serial this station has already taken back.", d.Serial, d.SKU, d.UnitID, orDash(rma)),
				ZH: fmt.Sprintf("序列号 %s（%s）此前已退回过：退货单 %s 的商品 %s 的序列号本站已收过。", d.Serial, d.SKU, orDash(rma), d.UnitID),
			}}, d.ParcelID, d.UnitID, rma, "")
		if err != nil {
			return err
		}
	}
	return inspectorOverride(tx, env, rs, at, d.Inspector)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// skuMinHistory is how long a SKU must have been returned at this station
// before a day of its returns or defects is compared with its average.
const skuMinHistory = 7 * 24 * time.Hour

// errStop ends a visit early.
var errStop = errors.New("stop")

// firstDay is the first warehouse day counted under prefix (keys end in the
// day), or the zero time when none is.
func firstDay(tx Tx, prefix string) (time.Time, error) {
	var first time.Time
	err := tx.Counts(prefix, func(c Counter) error {
		t, err := time.Parse(time.DateOnly, c.Key[len(prefix):])
		if err == nil {
			first = t
			return errStop
		}
		return nil
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	return first, err
}

// skuSpike checks today's count of a SKU (under prefix) against its daily
// mean over the trailing days before today.
func skuSpike(tx Tx, env Env, rs *RuleSet, at time.Time, kind, prefix string, d UnitInspectedData) error {
	if rs.Alarms.SKU.Off {
		return nil
	}
	th := rs.Alarms.Effective().SKU
	today := day(rs, at)
	n, err := sumDays(tx, prefix, today, today)
	if err != nil || n < int64(th.MinCount) {
		return err
	}
	// A SKU needs a week of its own history before its day can be called a
	// jump: on a new station, or for a new product, every first day would be.
	first, err := firstDay(tx, "risk/s/"+keyPart(d.SKU)+"/")
	if err != nil || first.IsZero() || today.Sub(first) < skuMinHistory {
		return err
	}
	days := min(th.TrailingDays, int(today.Sub(first)/(24*time.Hour)))
	past, err := sumDays(tx, prefix, today.AddDate(0, 0, -days), today.AddDate(0, 0, -1))
	if err != nil {
		return err
	}
	mean := float64(past) / float64(days)
	if float64(n) < th.Factor*mean {
		return nil
	}
	what := Text{EN: "returns", ZH: "退货"}
	if kind == AlertSKUDefects {
		what = Text{EN: "defective units", ZH: "次品"}
	}
	return raiseAlert(tx, env, Alert{Kind: kind, Subject: "sku/" + d.SKU,
		Figures:   map[string]float64{"today": float64(n), "trailing_mean": math.Round(mean*100) / 100, "trailing_days": float64(days)},
		Threshold: map[string]float64{"factor": th.Factor, "min_count": float64(th.MinCount)},
		Message: Text{
			EN: fmt.Sprintf("SKU %s: %d %s today, against a daily mean of %.2f over the last %d days (alarm at %g× and at least %d).", d.SKU, n, what.EN, mean, days, th.Factor, th.MinCount),
			ZH: fmt.Sprintf("SKU %s：今日%s %d 件，过去 %d 天日均 %.2f 件（告警：达到日均的 %g 倍且不少于 %d 件）。", d.SKU, what.ZH, n, days, mean, th.Factor, th.MinCount),
		}}, "", "", "", "")
}

// inspectorOverride checks an inspector's override rate (of the units the
// inspector first confirmed in the window, those graded against the
// suggestion or regraded since) against the station's.
func inspectorOverride(tx Tx, env Env, rs *RuleSet, at time.Time, inspector string) error {
	if rs.Alarms.Override.Off || inspector == "" {
		return nil
	}
	th := rs.Alarms.Effective().Override
	today := day(rs, at)
	who := keyPart(inspector)
	from := today.AddDate(0, 0, 1-th.WindowDays)
	var sums [4]int64
	for i, p := range []string{"risk/ou/" + who + "/", "risk/oo/" + who + "/", "risk/ot/u/", "risk/ot/o/"} {
		n, err := sumDays(tx, p, from, today)
		if err != nil {
			return err
		}
		sums[i] = n
	}
	units, overrides, allUnits, allOverrides := sums[0], sums[1], sums[2], sums[3]
	if units < int64(th.MinUnits) {
		return nil
	}
	rate := 100 * float64(overrides) / float64(units)
	station := 100 * float64(allOverrides) / float64(allUnits)
	if rate < float64(th.MinRatePct) || rate < th.Factor*station {
		return nil
	}
	name := strings.TrimPrefix(inspector, "user:")
	return raiseAlert(tx, env, Alert{Kind: AlertOverride, Subject: "inspector/" + inspector,
		Figures: map[string]float64{"units": float64(units), "overridden": float64(overrides), "rate_pct": math.Round(rate*10) / 10,
			"station_rate_pct": math.Round(station*10) / 10, "window_days": float64(th.WindowDays)},
		Threshold: map[string]float64{"factor": th.Factor, "min_rate_pct": float64(th.MinRatePct), "min_units": float64(th.MinUnits)},
		Message: Text{
			EN: fmt.Sprintf("Of the %d units inspector %s confirmed in %d days, %d (%.1f%%) were graded against the suggestion or regraded by a supervisor later; the station's rate is %.1f%% (alarm at %g× and at least %d%%). Worth a coaching talk, or a look at the rules.", units, name, th.WindowDays, overrides, rate, station, th.Factor, th.MinRatePct),
			ZH: fmt.Sprintf("质检员 %s 在 %d 天内确认的 %d 件中，有 %d 件（%.1f%%）未按建议等级确认或事后被主管改判，全站为 %.1f%%（告警：达到全站的 %g 倍且不低于 %d%%）。建议辅导或检查规则。", name, th.WindowDays, units, overrides, rate, station, th.Factor, th.MinRatePct),
		}}, "", "", "", "")
}

// roundWeight rounds grams to three significant digits: the resolution of the
// learned weights (1% or better), which bounds the histogram's buckets.
func roundWeight(g int) int {
	step := 1
	for v := g; v >= 1000; v /= 10 {
		step *= 10
	}
	return (g + step/2) / step * step
}

// LearnedWeight is what the station has learned of one SKU's weight.
type LearnedWeight struct {
	SKU     string `json:"sku"`
	Samples int    `json:"samples"`
	MedianG int    `json:"median_g"` // of the samples rounded to 3 significant digits; the lower middle for an even count
}

// LearnedWeightOf reads the samples of a SKU's weight and their median.
func LearnedWeightOf(tx Tx, sku string) (LearnedWeight, error) { return learnedWeight(tx, sku, 0) }

// learnedWeight is LearnedWeightOf without one sample of except grams (the
// parcel being checked, already counted by the tally), when except > 0.
func learnedWeight(tx Tx, sku string, except int) (LearnedWeight, error) {
	type bucket struct{ g, n int }
	var bs []bucket
	prefix := "risk/w/" + keyPart(sku) + "/"
	lw := LearnedWeight{SKU: sku}
	except = roundWeight(except)
	err := tx.Counts(prefix, func(c Counter) error {
		g, err := strconv.Atoi(c.Key[len(prefix):])
		if err != nil {
			return fmt.Errorf("weight sample key %q: %w", c.Key, err)
		}
		n := int(c.N)
		if g == except && except > 0 {
			n, except = n-1, 0
		}
		bs = append(bs, bucket{g, n})
		lw.Samples += n
		return nil
	})
	if err != nil || lw.Samples == 0 {
		return lw, err
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i].g < bs[j].g })
	mid, seen := (lw.Samples-1)/2, 0
	for _, b := range bs {
		if seen += b.n; seen > mid {
			lw.MedianG = b.g
			break
		}
	}
	return lw, nil
}

// sampleOf says which SKU a received parcel is a weight sample of: the whole
// of a one-unit return, the only parcel of it ("" otherwise).
func sampleOf(tx Tx, parcelID string, r *ReturnAuthorization) (string, error) {
	if r == nil || len(r.Trackings()) > 1 || len(r.Lines) != 1 || r.Lines[0].Qty != 1 {
		return "", nil
	}
	p, err := tx.Parcel(parcelID)
	if err != nil || p == nil || p.BoxOf != "" {
		return "", err
	}
	return r.Lines[0].SKU, nil
}

// learnWeight counts a weighed single-unit parcel as a sample of its SKU.
func learnWeight(tx Tx, d ParcelReceivedData) error {
	if d.WeightG == nil || *d.WeightG <= 0 || d.RMA == nil {
		return nil
	}
	r, err := tx.RMA(*d.RMA)
	if err != nil {
		return err
	}
	sku, err := sampleOf(tx, d.ParcelID, r)
	if err != nil || sku == "" {
		return err
	}
	return tx.Count(fmt.Sprintf("risk/w/%s/%07d", keyPart(sku), roundWeight(*d.WeightG)), 1)
}

// weighParcel checks a parcel weighed at receive against what its return's
// lines should weigh (their learned weights, without this parcel's own
// sample when it was learned from: learned is true at receive, false for a
// parcel matched to its return later). A parcel that is one box of several
// (added as a box, or one of several waybills) is not checked. It returns
// the alarm's exception, if it raised one, for the clerk at the dock to see.
func weighParcel(tx Tx, env Env, p *Parcel, r *ReturnAuthorization, learned bool) (*Exception, error) {
	// 0 g is a scale with nothing on it yet, not a weight: no sample either
	// (learnWeight), and no "empty box?" alarm at -100 %.
	if p.WeightG == nil || *p.WeightG <= 0 || r == nil || p.BoxOf != "" || len(r.Trackings()) > 1 || len(r.Lines) == 0 {
		return nil, nil
	}
	rs, err := tx.Rules()
	if err != nil || rs.Alarms.Weight.Off {
		return nil, err
	}
	own := ""
	if learned {
		if own, err = sampleOf(tx, p.ID, r); err != nil {
			return nil, err
		}
	}
	th := rs.Alarms.Effective().Weight
	w := *p.WeightG
	expected := 0
	var parts []string
	for _, l := range r.Lines {
		except := 0
		if l.SKU == own {
			except = w
		}
		lw, err := learnedWeight(tx, l.SKU, except)
		if err != nil || lw.Samples < th.MinSamples {
			return nil, err // a line not learned yet: nothing to weigh against
		}
		expected += lw.MedianG * l.Qty
		parts = append(parts, fmt.Sprintf("%d×%s %dg", l.Qty, l.SKU, lw.MedianG))
	}
	diff := w - expected
	if expected == 0 || abs(diff) < th.MinDiffG || 100*abs(diff) < th.TolerancePct*expected {
		return nil, nil
	}
	pct := 100 * float64(diff) / float64(expected)
	return raise(tx, env, Alert{Kind: AlertWeight, Subject: "parcel/" + p.ID,
		Figures:   map[string]float64{"weight_g": float64(w), "expected_g": float64(expected), "diff_g": float64(diff), "diff_pct": math.Round(pct*10) / 10},
		Threshold: map[string]float64{"tolerance_pct": float64(th.TolerancePct), "min_diff_g": float64(th.MinDiffG)},
		Message: Text{
			EN: fmt.Sprintf("Parcel %s weighs %d g; its return %s should weigh about %d g (%s): %+d g, %+.0f%% (alarm at ±%d%% and %d g). Open it with care: an empty box or a different item?", p.Tracking, w, r.RMA, expected, strings.Join(parts, " + "), diff, pct, th.TolerancePct, th.MinDiffG),
			ZH: fmt.Sprintf("包裹 %s 重 %d 克，退货单 %s 应约 %d 克（%s）：相差 %+d 克，%+.0f%%（告警：±%d%% 且 %d 克）。请谨慎开箱：是否空包或错货？", p.Tracking, w, r.RMA, expected, strings.Join(parts, " + "), diff, pct, th.TolerancePct, th.MinDiffG),
		}}, p.ID, "", r.RMA, p.Tracking)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// AgeAlarmsDue lists the open parcels (oldest first, as the open-parcel index
// lists them) that have reached alarm at now and not raised their age alarm
// yet. It only reads, so the worker can look without a write transaction.
func AgeAlarmsDue(tx Tx, open []OpenParcel, now time.Time, alarm time.Duration) ([]OpenParcel, error) {
	var due []OpenParcel
	for _, c := range open {
		if now.Sub(c.ReceivedAt) < alarm {
			break // oldest first: the rest are younger
		}
		if n, err := counter(tx, "risk/aged/"+c.ID); err != nil {
			return nil, err
		} else if n == 0 {
			due = append(due, c)
		}
	}
	return due, nil
}

// AlarmAgedParcels raises the age alarm, once, for each open parcel received
// alarm or longer before now. Time passing emits no event, so a background
// worker calls it; open is the open-parcel index as read before the
// transaction, oldest first (each candidate is read again inside it). It
// returns the number of alerts raised.
func AlarmAgedParcels(tx Tx, env Env, open []OpenParcel, now time.Time, alarm time.Duration) (int, error) {
	rs, err := tx.Rules()
	if err != nil {
		return 0, err
	}
	raised := 0
	for _, c := range open {
		if now.Sub(c.ReceivedAt) < alarm {
			break // oldest first: the rest are younger
		}
		mark := "risk/aged/" + c.ID
		if n, err := counter(tx, mark); err != nil {
			return raised, err
		} else if n > 0 {
			continue
		}
		p, err := tx.Parcel(c.ID)
		if err != nil {
			return raised, err
		}
		if p == nil || p.Status != ParcelOpen {
			continue
		}
		age := now.Sub(p.ReceivedAt)
		loc := rs.Location()
		err = raiseAlert(tx, env, Alert{Kind: AlertAge, Subject: "parcel/" + p.ID,
			Figures:   map[string]float64{"age_hours": math.Round(age.Hours()*10) / 10},
			Threshold: map[string]float64{"alarm_hours": alarm.Hours()},
			Message: Text{
				EN: fmt.Sprintf("Parcel %s (return %s) has been open %.0f hours since it was received at %s: past the %.0f-hour alarm. Find what holds it and finish it today.", p.Tracking, orDash(p.RMA), age.Hours(), p.ReceivedAt.In(loc).Format("2006-01-02 15:04"), alarm.Hours()),
				ZH: fmt.Sprintf("包裹 %s（退货单 %s）自 %s 签收已 %.0f 小时未完成，超过 %.0f 小时告警线。请查明卡在哪一步并今天处理完。", p.Tracking, orDash(p.RMA), p.ReceivedAt.In(loc).Format("2006-01-02 15:04"), age.Hours(), alarm.Hours()),
			}}, "", "", p.RMA, p.Tracking)
		if err != nil {
			return raised, err
		}
		raised++
	}
	return raised, nil
}

// AlertList is the open alerts and those raised in a range of days.
type AlertList struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Open counts the open alerts by kind (every kind listed, 0 included).
	Open map[string]int64 `json:"open"`
	// Alerts are the open alerts and those raised from..to, newest first.
	Alerts []*Exception `json:"alerts"`
}

// OpenAlertCounts counts the open alerts by kind (every kind, 0 included).
func OpenAlertCounts(tx Tx) (map[string]int64, error) {
	out := map[string]int64{}
	for _, k := range AlertKinds {
		out[k] = 0
	}
	err := tx.Counts("risk/n/", func(c Counter) error {
		out[c.Key[len("risk/n/"):]] = c.N
		return nil
	})
	return out, err
}

// AlertFilter narrows an alert list: only open alerts, only one kind.
type AlertFilter struct {
	OpenOnly bool
	Kind     string // one of AlertKinds, or "" for all
}

// ListAlerts reads the open alerts and those raised on the warehouse days
// from..to (inclusive), newest first, at most limit of them.
func ListAlerts(tx Tx, from, to time.Time, f AlertFilter, limit int) (*AlertList, error) {
	l := &AlertList{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Alerts: []*Exception{}}
	var err error
	if l.Open, err = OpenAlertCounts(tx); err != nil {
		return nil, err
	}
	ids := map[string]bool{}
	if err := tx.Counts("risk/ao/", func(c Counter) error {
		ids[c.Key[len("risk/ao/"):]] = true
		return nil
	}); err != nil {
		return nil, err
	}
	for d := from; !f.OpenOnly && !d.After(to); d = d.AddDate(0, 0, 1) {
		prefix := "risk/ar/" + d.Format(time.DateOnly) + "/"
		if err := tx.Counts(prefix, func(c Counter) error {
			ids[c.Key[len(prefix):]] = true
			return nil
		}); err != nil {
			return nil, err
		}
	}
	sorted := make([]string, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(sorted))) // ULIDs: newest first
	for _, id := range sorted {
		if len(l.Alerts) >= limit {
			break
		}
		e, err := tx.Exception(id)
		if err != nil {
			return nil, err
		}
		if e != nil && e.Alert != nil && (f.Kind == "" || e.Alert.Kind == f.Kind) {
			l.Alerts = append(l.Alerts, e)
		}
	}
	return l, nil
}
