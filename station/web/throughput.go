package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"returns-station/station"
)

// Throughput and dwell: parcels received, units inspected and put away per
// hour or day, the time from receipt to a confirmed result, and what each
// inspector did, all read from the running aggregates (station/throughput.go).

// maxHourDays bounds a range shown per hour.
const maxHourDays = 31

// statsDays reads the range of warehouse days (dayRange) in the rules' zone,
// as YYYY-MM-DD.
func (s *Server) statsDays(c *fiber.Ctx) (from, to string, err error) {
	loc, err := s.warehouseZone()
	if err != nil {
		return "", "", err
	}
	f, t, err := dayRange(c, loc, s.now())
	if err != nil {
		return "", "", err
	}
	return f.Format(time.DateOnly), t.Format(time.DateOnly), nil
}

// warehouseZone is the rules' time zone, in which the counters' hours and
// days are kept.
func (s *Server) warehouseZone() (*time.Location, error) {
	var loc *time.Location
	err := s.cfg.Store.View(func(tx station.Tx) error {
		rs, err := tx.Rules()
		if err == nil {
			loc = rs.Location()
		}
		return err
	})
	return loc, err
}

// throughputReport answers the throughput query of c.
func (s *Server) throughputReport(c *fiber.Ctx) (*station.ThroughputReport, error) {
	from, to, err := s.statsDays(c)
	if err != nil {
		return nil, err
	}
	by := c.Query("by")
	switch by {
	case "":
		by = station.ByDay
		if from == to {
			by = station.ByHour
		}
	case station.ByDay:
	case station.ByHour:
		if days, _ := station.Days(from, to); len(days) > maxHourDays {
			return nil, station.Invalid("by", "per hour for at most "+strconv.Itoa(maxHourDays)+" days; ask per day").Coded("range_hours_long")
		}
	default:
		return nil, station.Invalid("by", "must be hour or day").Coded("range_by")
	}
	var r *station.ThroughputReport
	err = s.cfg.Store.View(func(tx station.Tx) (err error) {
		r, err = station.Throughput(tx, from, to, by)
		return err
	})
	return r, err
}

func (s *Server) throughput(c *fiber.Ctx) error {
	r, err := s.throughputReport(c)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

// throughputText are the CSV headings and chart words in both languages.
var throughputText = map[string]map[string]string{
	"en": {
		"head":     "period,received,inspected,put_away",
		"cat_head": "category,category_name,units,median_hours,p90_hours",
		"day_head": "day,units,median_hours,p90_hours",
		"title":    "Parcels received, units inspected and put away",
		"received": "received", "inspected": "inspected", "put_away": "put away",
		"none": "Nothing received, inspected or put away in this time",
	},
	"zh": {
		"head":     "时段,签收包裹,质检件数,上架件数",
		"cat_head": "品类,品类名称,件数,中位小时,P90小时",
		"day_head": "日期,件数,中位小时,P90小时",
		"title":    "签收包裹、质检与上架件数",
		"received": "签收", "inspected": "质检", "put_away": "上架",
		"none": "此时段内没有签收、质检或上架",
	},
}

// throughputCSV streams the throughput per period (table=periods, the
// default), or the receipt→result time per day (table=days) or per
// category (table=categories), as CSV with a BOM for Excel.
func (s *Server) throughputCSV(c *fiber.Ctx) error {
	lang, text, err := pickLang(c, throughputText)
	if err != nil {
		return err
	}
	table := c.Query("table", "periods")
	if table != "periods" && table != "days" && table != "categories" {
		return station.Invalid("table", "must be periods, days or categories").Coded("throughput_table")
	}
	r, err := s.throughputReport(c)
	if err != nil {
		return err
	}
	var rows [][]string
	switch table {
	case "periods":
		rows = append(rows, strings.Split(text["head"], ","))
		for _, p := range r.Periods {
			rows = append(rows, []string{strings.Replace(p.Start, "T", " ", 1), i64(p.Received), i64(p.Inspected), i64(p.PutAway)})
		}
	case "days":
		rows = append(rows, strings.Split(text["day_head"], ","))
		for _, d := range r.DwellByDay {
			rows = append(rows, []string{d.Day, i64(d.Units), quantileHours(d.Quantiles, d.MedianSeconds), quantileHours(d.Quantiles, d.P90Seconds)})
		}
	case "categories":
		rows = append(rows, strings.Split(text["cat_head"], ","))
		for _, d := range r.DwellByCategory {
			name := d.Name.EN
			if lang == "zh" {
				name = d.Name.ZH
			}
			rows = append(rows, []string{d.Category, name, i64(d.Units), quantileHours(d.Quantiles, d.MedianSeconds), quantileHours(d.Quantiles, d.P90Seconds)})
		}
	}
	s.sendCSV(c, "throughput-"+table+"-"+r.From+"-"+r.To+".csv", rows)
	return nil
}

func i64(n int64) string { return strconv.FormatInt(n, 10) }

// quantileHours is sec as hours with two decimals, or empty with no units.
func quantileHours(q station.Quantiles, sec int64) string {
	if q.Units == 0 {
		return ""
	}
	return strconv.FormatFloat(float64(sec)/3600, 'f', 2, 64)
}

// throughputSVG draws received, inspected and put away per hour or day as
// grouped bars.
func (s *Server) throughputSVG(c *fiber.Ctx) error {
	_, text, err := pickLang(c, throughputText)
	if err != nil {
		return err
	}
	r, err := s.throughputReport(c)
	if err != nil {
		return err
	}
	return sendChart(c, throughputChart(r, text))
}

// colourPut is the put-away bars' colour (7:1 on white).
const colourPut = "#6a1b9a"

func throughputChart(r *station.ThroughputReport, text map[string]string) barChart {
	c := barChart{Title: text["title"] + " · " + r.From, Empty: text["none"],
		Series: []series{{text["received"], colourInfo}, {text["inspected"], colourOK}, {text["put_away"], colourPut}}}
	if r.From != r.To {
		c.Title += " – " + r.To
	}
	for _, p := range r.Periods {
		label := p.Start[5:] // 12-07
		if r.By == station.ByHour {
			label = p.Start[11:] // 09
			if r.From != r.To && label == "00" {
				label = p.Start[5:10]
			}
		}
		for _, n := range []int64{p.Received, p.Inspected, p.PutAway} {
			text := i64(n)
			if n == 0 {
				text = "" // rows of zeros over quiet hours only hide the busy ones
			}
			c.Bars = append(c.Bars, bar{Label: label, Value: float64(n), Text: text})
		}
	}
	return c
}

// inspectors answers the per-inspector figures (supervisors: coaching).
func (s *Server) inspectorReport(c *fiber.Ctx) (*station.InspectorReport, error) {
	from, to, err := s.statsDays(c)
	if err != nil {
		return nil, err
	}
	var r *station.InspectorReport
	err = s.cfg.Store.View(func(tx station.Tx) (err error) {
		r, err = station.Inspectors(tx, from, to)
		return err
	})
	if err != nil || s.cfg.Accounts == nil {
		return r, err
	}
	users, err := s.cfg.Accounts.Users()
	if err != nil {
		s.log.Warn("cannot read the accounts; inspectors are shown by account name only. 无法读取账号，质检员仅显示账号名。", "component", "web", "err", err)
		return r, nil
	}
	names := map[string]string{}
	for _, u := range users {
		names["user:"+u.Username] = u.DisplayName
	}
	for i := range r.Inspectors {
		r.Inspectors[i].Name = names[r.Inspectors[i].Inspector]
	}
	return r, nil
}

func (s *Server) inspectors(c *fiber.Ctx) error {
	r, err := s.inspectorReport(c)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

var inspectorHead = map[string]string{
	"en": "inspector,name,units,median_minutes_per_unit,p90_minutes_per_unit,regraded_units,override_rate_pct,regrades",
	"zh": "质检员账号,姓名,件数,每件中位分钟,每件P90分钟,被改判件数,改判率%,改判次数",
}

// inspectorsCSV streams the per-inspector figures as CSV with a BOM.
func (s *Server) inspectorsCSV(c *fiber.Ctx) error {
	_, head, err := pickLang(c, inspectorHead)
	if err != nil {
		return err
	}
	r, err := s.inspectorReport(c)
	if err != nil {
		return err
	}
	rows := [][]string{strings.Split(head, ",")}
	for _, i := range r.Inspectors {
		rows = append(rows, []string{i.Inspector, i.Name, i64(i.Units), minutes(i.MedianSecondsPerUnit), minutes(i.P90SecondsPerUnit),
			i64(i.RegradedUnits), strconv.FormatFloat(100*i.OverrideRate, 'f', 1, 64), i64(i.Regrades)})
	}
	s.sendCSV(c, "inspectors-"+r.From+"-"+r.To+".csv", rows)
	return nil
}

func minutes(sec int64) string { return strconv.FormatFloat(float64(sec)/60, 'f', 1, 64) }

// throughputCollector exports the all-time throughput counters and the
// receipt→result histogram, read from the running aggregates at each
// scrape (a few keys), so they survive restarts and agree with the page.
type throughputCollector struct {
	s                          *Server
	received, inspected, moved *prometheus.Desc
	dwell                      *prometheus.Desc
}

func newThroughputCollector(s *Server) *throughputCollector {
	return &throughputCollector{s: s,
		received:  prometheus.NewDesc("station_parcels_received_total", "Parcels received.", nil, nil),
		inspected: prometheus.NewDesc("station_units_inspected_total", "Units whose result was confirmed (a regrade is not another unit).", nil, nil),
		moved:     prometheus.NewDesc("station_units_put_away_total", "Units put away into a tote or location for the first time.", nil, nil),
		dwell:     prometheus.NewDesc("station_receipt_to_result_seconds", "Time from a parcel's receipt to each of its units' confirmed result, observed when the unit is confirmed.", nil, nil),
	}
}

func (t *throughputCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- t.received
	ch <- t.inspected
	ch <- t.moved
	ch <- t.dwell
}

func (t *throughputCollector) Collect(ch chan<- prometheus.Metric) {
	var tot *station.ThroughputTotals
	err := t.s.cfg.Store.View(func(tx station.Tx) (err error) {
		tot, err = station.Totals(tx)
		return err
	})
	if err != nil {
		t.s.log.Warn("cannot read the throughput counters; they are missing from this scrape. 无法读取吞吐计数，本次采集缺少这些指标。", "component", "web", "err", err)
		ch <- prometheus.NewInvalidMetric(t.received, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(t.received, prometheus.CounterValue, float64(tot.Received))
	ch <- prometheus.MustNewConstMetric(t.inspected, prometheus.CounterValue, float64(tot.Inspected))
	ch <- prometheus.MustNewConstMetric(t.moved, prometheus.CounterValue, float64(tot.PutAway))
	buckets := map[float64]uint64{}
	var n uint64
	for i, le := range station.DwellBounds {
		n += tot.DwellBuckets[i]
		buckets[le] = n
	}
	n += tot.DwellBuckets[len(station.DwellBounds)]
	ch <- prometheus.MustNewConstHistogram(t.dwell, n, float64(tot.DwellSum), buckets)
}
