package station

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Throughput and dwell: how much the station receives, inspects and puts
// away per hour, how long a unit waits from its parcel's receipt to its
// confirmed result, and what each inspector did. Everything is read from
// running aggregates under "thr/" (see tallyThroughput), never from the log.
//
// Keys, with <hour> as 2006-01-02T15 and <day> as 2006-01-02 in the
// warehouse zone (RuleSet.Location), <b> a dwell bucket (three digits, see
// DwellBucket), <cat> the unit's category template id and <who> the actor:
//
//	thr/h/<hour>/rcv          parcels received in the hour (by received_at)
//	thr/h/<hour>/ins          units first confirmed in the hour; a regrade is
//	                          not another unit, voiding a confirmed unit
//	                          takes it back out
//	thr/h/<hour>/put          units put away for the first time in the hour
//	                          (returns.unit.moved without from)
//	thr/n/rcv, /ins, /put     the same for all time, never decreased
//	                          (Prometheus counters)
//	thr/dw/<day>/<cat>/<b>    units first confirmed on day whose time from
//	                          their parcel's receipt fell in bucket b
//	thr/i/<day>/<who>/n       units first confirmed by who on day
//	thr/i/<day>/<who>/t.<b>   their time from returns.unit.started to the
//	                          confirmation, bucketed
//	thr/i/<day>/<who>/rgu     of those units, how many were regraded
//	thr/i/<day>/<who>/rg      how many regrades those units had
//	thr/pb/<i>                receipt→confirmation times in Prometheus
//	                          bucket i of DwellBounds (all time, never
//	                          decreased); thr/pb/sum their sum in seconds
//
// Cost per event, in Count calls: a parcel received 2; a unit's first
// confirmation 7 (and it reads the unit and its parcel); a regrade 1 or 2;
// a first put-away 2; voiding a confirmed unit 4 to 6 (reads the unit and
// its parcel). Other events: none.
//
// Everything but the receipt and start times comes from the event itself
// (a regrade's and a void's Result name the first confirmation), so the
// counters can be rebuilt from the log. A regrade and a void are credited
// to the day and inspector of the unit's first confirmation, so an
// override rate never exceeds 1.

// DwellSteps is the number of dwell buckets per doubling of time. Bucket
// b ≥ 1 holds times t (seconds) with 2^((b-1)/16) ≤ t < 2^(b/16); bucket 0
// holds times under one second. A quantile read from the buckets is the
// geometric middle of its bucket: within DwellResolution of the exact
// value (and rounded to the second).
const DwellSteps = 16

// DwellResolution is the largest relative error of a quantile read from
// the dwell buckets: 2^(1/32) − 1, about 2.2%.
var DwellResolution = math.Exp2(1.0/(2*DwellSteps)) - 1

// DwellBounds are the upper bounds, in seconds, of the Prometheus histogram
// of receipt→confirmation times: 15 min to 7 days, with the 24 h target
// and 48 h alarm among them.
var DwellBounds = []float64{900, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 12 * 3600, 18 * 3600, 24 * 3600, 36 * 3600, 48 * 3600, 72 * 3600, 7 * 24 * 3600}

const (
	thrPrefix = "thr/"
	hourKey   = "2006-01-02T15"
	dayKey    = time.DateOnly
)

// DwellBucket is the bucket of a time span (see DwellSteps).
func DwellBucket(d time.Duration) int {
	s := d.Seconds()
	if s < 1 {
		return 0
	}
	return min(1+int(math.Floor(DwellSteps*math.Log2(s))), 999)
}

// dwellSeconds is the value a bucket stands for: its geometric middle.
func dwellSeconds(b int) float64 {
	if b <= 0 {
		return 0
	}
	return math.Exp2((float64(b) - 0.5) / DwellSteps)
}

// histogram counts spans by dwell bucket.
type histogram map[int]int64

// quantiles summarises h: how many, the median and the 90th percentile.
// The q-quantile of n values is the k-th smallest, k = ⌈q·n⌉ (nearest
// rank: the median of an even count is the lower middle one).
func (h histogram) quantiles() Quantiles {
	var n int64
	keys := make([]int, 0, len(h))
	for b, c := range h {
		if c > 0 {
			n += c
			keys = append(keys, b)
		}
	}
	sort.Ints(keys)
	q := Quantiles{Units: n}
	at := func(p float64) int64 {
		k := int64(math.Ceil(p * float64(n)))
		k = max(k, 1)
		var seen int64
		for _, b := range keys {
			if seen += h[b]; seen >= k {
				return int64(math.Round(dwellSeconds(b)))
			}
		}
		return 0
	}
	if n > 0 {
		q.MedianSeconds, q.P90Seconds = at(0.5), at(0.9)
	}
	return q
}

// Quantiles are how many spans were measured and their median and 90th
// percentile, in seconds (within DwellResolution).
type Quantiles struct {
	Units         int64 `json:"units"`
	MedianSeconds int64 `json:"median_seconds"`
	P90Seconds    int64 `json:"p90_seconds"`
}

// tallyThroughput keeps the "thr/" aggregates (see above).
func tallyThroughput(env Env, tx Tx, at time.Time, d EventData) error {
	switch d := d.(type) {
	case ParcelReceivedData:
		loc, err := zone(tx)
		if err != nil {
			return err
		}
		return counts(tx, 1, thrPrefix+"h/"+d.ReceivedAt.In(loc).Format(hourKey)+"/rcv", thrPrefix+"n/rcv")
	case UnitMovedData:
		if d.From != "" {
			return nil
		}
		loc, err := zone(tx)
		if err != nil {
			return err
		}
		return counts(tx, 1, thrPrefix+"h/"+at.In(loc).Format(hourKey)+"/put", thrPrefix+"n/put")
	case UnitInspectedData:
		return tallyResult(tx, d.UnitID, d.ParcelID, d.Category, &Result{Inspector: d.Inspector, InspectedAt: at}, 1)
	case UnitVoidedData:
		if !d.Confirmed || d.Result == nil {
			return nil
		}
		return tallyResult(tx, d.UnitID, d.ParcelID, d.Category, d.Result, -1)
	case UnitRegradedData:
		prev := d.Previous
		if prev == nil || prev.FirstBy() == "" {
			return nil // stored before results named their first inspector
		}
		loc, err := zone(tx)
		if err != nil {
			return err
		}
		k := inspectorKey(prev.FirstAt(), prev.FirstBy(), loc)
		if prev.PreviousGrade == "" { // the unit's first regrade
			if err := tx.Count(k+"rgu", 1); err != nil {
				return err
			}
		}
		return tx.Count(k+"rg", 1)
	}
	return nil
}

// tallyResult adds (sign 1, at the first confirmation) or takes back out
// (sign -1, when a confirmed unit is voided) a unit's result r. The times
// it needs beyond the event are its parcel's receipt and its own start,
// which never change. What only grows for Prometheus is never taken back.
func tallyResult(tx Tx, unitID, parcelID, category string, r *Result, sign int64) error {
	u, err := tx.Unit(unitID)
	if err != nil || u == nil {
		return err
	}
	p, err := tx.Parcel(parcelID)
	if err != nil || p == nil {
		return err
	}
	loc, err := zone(tx)
	if err != nil {
		return err
	}
	if sign > 0 && u.Result != nil {
		// The result's own time, not the event's (a moment later), so a
		// void takes the unit out of the very buckets it went into.
		r.FirstInspectedAt = u.Result.FirstAt()
	}
	at, who := r.FirstAt(), r.FirstBy()
	if who == "" {
		who = "-"
	}
	dwell := max(at.Sub(p.ReceivedAt), 0)
	day := at.In(loc).Format(dayKey)
	if category == "" {
		category = "-"
	}
	k := inspectorKey(at, who, loc)
	if err := counts(tx, sign,
		thrPrefix+"h/"+at.In(loc).Format(hourKey)+"/ins",
		thrPrefix+"dw/"+day+"/"+category+"/"+bucketKey(DwellBucket(dwell)),
		k+"n",
		k+"t."+bucketKey(DwellBucket(max(at.Sub(u.CreatedAt), 0)))); err != nil {
		return err
	}
	if sign < 0 {
		if r.PreviousGrade == "" {
			return nil
		}
		if err := tx.Count(k+"rgu", -1); err != nil {
			return err
		}
		return tx.Count(k+"rg", -int64(max(r.Regrades, 1)))
	}
	i := sort.SearchFloat64s(DwellBounds, dwell.Seconds()) // the first bound ≥ the time, as Prometheus' le
	if err := counts(tx, 1, thrPrefix+"n/ins", thrPrefix+"pb/"+strconv.Itoa(i)); err != nil {
		return err
	}
	return tx.Count(thrPrefix+"pb/sum", int64(math.Round(dwell.Seconds())))
}

// inspectorKey is "thr/i/<day>/<who>/" for a unit first confirmed at by who.
func inspectorKey(at time.Time, who string, loc *time.Location) string {
	return thrPrefix + "i/" + at.In(loc).Format(dayKey) + "/" + who + "/"
}

func bucketKey(b int) string {
	s := strconv.Itoa(b)
	return strings.Repeat("0", max(0, 3-len(s))) + s
}

func counts(tx Tx, delta int64, keys ...string) error {
	for _, k := range keys {
		if err := tx.Count(k, delta); err != nil {
			return err
		}
	}
	return nil
}

// zone is the warehouse's time zone from the rules in force.
func zone(tx Tx) (*time.Location, error) {
	rs, err := tx.Rules()
	if err != nil {
		return nil, err
	}
	return rs.Location(), nil
}

// Throughput periods: an hour of a day, or a day.
const (
	ByHour = "hour"
	ByDay  = "day"
)

// Period is what happened in one hour or day.
type Period struct {
	// Start is the hour (2006-01-02T15) or day (2006-01-02) in the
	// warehouse zone.
	Start     string `json:"start"`
	Received  int64  `json:"received"`
	Inspected int64  `json:"inspected"`
	PutAway   int64  `json:"put_away"`
}

// DayDwell is the receipt→confirmation time of the units confirmed on a day.
type DayDwell struct {
	Day string `json:"day"`
	Quantiles
}

// CategoryDwell is the receipt→confirmation time of one category's units.
type CategoryDwell struct {
	Category string `json:"category"`
	Name     Text   `json:"name"`
	Quantiles
}

// ThroughputReport is the throughput and dwell of a range of warehouse days.
type ThroughputReport struct {
	From     string `json:"from"`
	To       string `json:"to"`
	By       string `json:"by"` // hour or day
	TimeZone string `json:"time_zone"`
	// Received, Inspected and PutAway are the range's totals.
	Received  int64    `json:"received"`
	Inspected int64    `json:"inspected"`
	PutAway   int64    `json:"put_away"`
	Periods   []Period `json:"periods"`
	// Dwell is the time from a parcel's receipt to each of its units'
	// first confirmed result, over the units confirmed in the range; by
	// day of confirmation and by category. Quantiles are within
	// ResolutionPct percent of the exact values.
	Dwell           Quantiles       `json:"dwell"`
	DwellByDay      []DayDwell      `json:"dwell_by_day"`
	DwellByCategory []CategoryDwell `json:"dwell_by_category"`
	ResolutionPct   float64         `json:"resolution_pct"`
}

// Days lists the days from..to (2006-01-02, inclusive).
func Days(from, to string) ([]string, error) {
	f, err := time.Parse(dayKey, from)
	if err != nil {
		return nil, err
	}
	t, err := time.Parse(dayKey, to)
	if err != nil {
		return nil, err
	}
	var out []string
	for d := f; !d.After(t); d = d.AddDate(0, 0, 1) {
		out = append(out, d.Format(dayKey))
	}
	return out, nil
}

// Throughput reads the throughput and dwell of the days from..to
// (warehouse days, inclusive), per hour or per day.
func Throughput(tx Tx, from, to, by string) (*ThroughputReport, error) {
	days, err := Days(from, to)
	if err != nil {
		return nil, err
	}
	rs, err := tx.Rules()
	if err != nil {
		return nil, err
	}
	r := &ThroughputReport{From: from, To: to, By: by, TimeZone: rs.Location().String(), Periods: []Period{},
		DwellByDay: []DayDwell{}, DwellByCategory: []CategoryDwell{}, ResolutionPct: math.Round(DwellResolution*1000) / 10}
	all, byCat := histogram{}, map[string]histogram{}
	for _, day := range days {
		var hours [24]Period
		for i := range hours {
			hours[i].Start = day + "T" + twoDigits(i)
		}
		err := tx.Counts(thrPrefix+"h/"+day+"T", func(c Counter) error {
			rest := c.Key[len(thrPrefix+"h/"+day+"T"):] // "15/rcv"
			h, err := strconv.Atoi(rest[:min(2, len(rest))])
			if err != nil || h < 0 || h > 23 || len(rest) < 4 {
				return nil
			}
			switch rest[3:] {
			case "rcv":
				hours[h].Received += c.N
			case "ins":
				hours[h].Inspected += c.N
			case "put":
				hours[h].PutAway += c.N
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		dayTotal := Period{Start: day}
		for _, p := range hours {
			dayTotal.Received += p.Received
			dayTotal.Inspected += p.Inspected
			dayTotal.PutAway += p.PutAway
		}
		r.Received += dayTotal.Received
		r.Inspected += dayTotal.Inspected
		r.PutAway += dayTotal.PutAway
		if by == ByHour {
			r.Periods = append(r.Periods, hours[:]...)
		} else {
			r.Periods = append(r.Periods, dayTotal)
		}
		dh := histogram{}
		err = tx.Counts(thrPrefix+"dw/"+day+"/", func(c Counter) error {
			rest := c.Key[len(thrPrefix+"dw/"+day+"/"):] // "<cat>/<b>"
			i := strings.LastIndexByte(rest, '/')
			if i < 0 {
				return nil
			}
			b, err := strconv.Atoi(rest[i+1:])
			if err != nil {
				return nil
			}
			cat := rest[:i]
			if byCat[cat] == nil {
				byCat[cat] = histogram{}
			}
			byCat[cat][b] += c.N
			dh[b] += c.N
			all[b] += c.N
			return nil
		})
		if err != nil {
			return nil, err
		}
		r.DwellByDay = append(r.DwellByDay, DayDwell{Day: day, Quantiles: dh.quantiles()})
	}
	r.Dwell = all.quantiles()
	for cat, h := range byCat {
		q := h.quantiles()
		if q.Units == 0 {
			continue
		}
		name := Text{EN: cat, ZH: cat}
		for _, c := range rs.Categories {
			if c.ID == cat {
				name = c.Name
			}
		}
		r.DwellByCategory = append(r.DwellByCategory, CategoryDwell{Category: cat, Name: name, Quantiles: q})
	}
	sort.Slice(r.DwellByCategory, func(i, j int) bool {
		a, b := r.DwellByCategory[i], r.DwellByCategory[j]
		if a.Units != b.Units {
			return a.Units > b.Units
		}
		return a.Category < b.Category
	})
	return r, nil
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// InspectorStats is what one inspector did in a range of days, for
// coaching: the units whose result they confirmed first, the time from
// starting a unit (returns.unit.started) to confirming it, and how many of
// those units a supervisor regraded.
type InspectorStats struct {
	Inspector string `json:"inspector"` // the actor: user:li.wei, token:bench-2
	// Name is the person's display name, when the actor is a known account.
	Name  string `json:"name,omitempty"`
	Units int64  `json:"units"`
	// MedianSecondsPerUnit and P90SecondsPerUnit are within the dwell
	// resolution (ThroughputReport.ResolutionPct).
	MedianSecondsPerUnit int64 `json:"median_seconds_per_unit"`
	P90SecondsPerUnit    int64 `json:"p90_seconds_per_unit"`
	// RegradedUnits of Units were regraded by a supervisor at least once;
	// OverrideRate is RegradedUnits / Units; Regrades counts every regrade.
	RegradedUnits int64   `json:"regraded_units"`
	OverrideRate  float64 `json:"override_rate"`
	Regrades      int64   `json:"regrades"`
}

// InspectorReport lists the inspectors of a range of days, most units first.
type InspectorReport struct {
	From       string           `json:"from"`
	To         string           `json:"to"`
	TimeZone   string           `json:"time_zone"`
	Inspectors []InspectorStats `json:"inspectors"`
}

// Inspectors reads per-inspector figures for the units first confirmed on
// the days from..to (warehouse days, inclusive).
func Inspectors(tx Tx, from, to string) (*InspectorReport, error) {
	days, err := Days(from, to)
	if err != nil {
		return nil, err
	}
	rs, err := tx.Rules()
	if err != nil {
		return nil, err
	}
	type acc struct {
		InspectorStats
		h histogram
	}
	by := map[string]*acc{}
	for _, day := range days {
		p := thrPrefix + "i/" + day + "/"
		err := tx.Counts(p, func(c Counter) error {
			rest := c.Key[len(p):] // "<who>/<field>"
			i := strings.LastIndexByte(rest, '/')
			if i < 0 {
				return nil
			}
			who, field := rest[:i], rest[i+1:]
			a := by[who]
			if a == nil {
				a = &acc{InspectorStats: InspectorStats{Inspector: who}, h: histogram{}}
				by[who] = a
			}
			switch {
			case field == "n":
				a.Units += c.N
			case field == "rgu":
				a.RegradedUnits += c.N
			case field == "rg":
				a.Regrades += c.N
			case strings.HasPrefix(field, "t."):
				if b, err := strconv.Atoi(field[2:]); err == nil {
					a.h[b] += c.N
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	r := &InspectorReport{From: from, To: to, TimeZone: rs.Location().String(), Inspectors: []InspectorStats{}}
	for _, a := range by {
		if a.Units <= 0 {
			continue
		}
		q := a.h.quantiles()
		a.MedianSecondsPerUnit, a.P90SecondsPerUnit = q.MedianSeconds, q.P90Seconds
		a.OverrideRate = float64(a.RegradedUnits) / float64(a.Units)
		r.Inspectors = append(r.Inspectors, a.InspectorStats)
	}
	sort.Slice(r.Inspectors, func(i, j int) bool {
		a, b := r.Inspectors[i], r.Inspectors[j]
		if a.Units != b.Units {
			return a.Units > b.Units
		}
		return a.Inspector < b.Inspector
	})
	return r, nil
}

// ThroughputTotals are the all-time counters for Prometheus.
type ThroughputTotals struct {
	Received, Inspected, PutAway int64
	// DwellBuckets[i] counts the receipt→confirmation times with
	// DwellBounds[i-1] < t ≤ DwellBounds[i]; the last one those above every
	// bound. DwellSum is their sum in seconds.
	DwellBuckets []uint64
	DwellSum     int64
}

// Totals reads the all-time throughput counters.
func Totals(tx Tx) (*ThroughputTotals, error) {
	t := &ThroughputTotals{DwellBuckets: make([]uint64, len(DwellBounds)+1)}
	err := tx.Counts(thrPrefix+"n/", func(c Counter) error {
		switch c.Key[len(thrPrefix+"n/"):] {
		case "rcv":
			t.Received = c.N
		case "ins":
			t.Inspected = c.N
		case "put":
			t.PutAway = c.N
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = tx.Counts(thrPrefix+"pb/", func(c Counter) error {
		k := c.Key[len(thrPrefix+"pb/"):]
		if k == "sum" {
			t.DwellSum = c.N
			return nil
		}
		if i, err := strconv.Atoi(k); err == nil && i >= 0 && i < len(t.DwellBuckets) && c.N > 0 {
			t.DwellBuckets[i] = uint64(c.N)
		}
		return nil
	})
	return t, err
}
