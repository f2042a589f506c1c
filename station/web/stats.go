package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"returns-station/station"
)

// maxAgeingParcels bounds the open parcels one ageing board reads; a station
// with more open parcels than this has a bigger problem than the board.
const maxAgeingParcels = 100000

// ageingTargets are the configured targets, or the defaults.
func (s *Server) ageingTargets() station.AgeTargets {
	t := s.cfg.Ageing
	if t.Target == 0 {
		t.Target = station.DefaultAgeTarget
	}
	if t.Alarm == 0 {
		t.Alarm = station.DefaultAgeAlarm
	}
	return t
}

// ageingBoard ages the open parcels of the open-parcel index at now. With
// list false it only counts them (open, late, alarm, due, oldest, bands)
// from the index keys, decoding no entry, and lists none: enough for the
// chart and the gauges, and cheap even with a large backlog.
func (s *Server) ageingBoard(list bool) (*station.AgeingBoard, error) {
	now, t := s.now(), s.ageingTargets()
	full := t.Listed(now)
	if !list {
		full = time.Unix(0, 0)
	}
	open, err := s.cfg.Store.OpenParcels(full, maxAgeingParcels)
	if err != nil {
		return nil, err
	}
	b := station.Ageing(open, now, t)
	if !list {
		b.Parcels = []station.AgedParcel{}
	}
	return b, nil
}

// ageingListDefault is how many listed parcels, the oldest, the board's JSON
// carries unless ?limit= asks for more; late + due_soon says how many there
// are and the CSV has them all.
const ageingListDefault = 500

func (s *Server) ageing(c *fiber.Ctx) error {
	limit, err := queryLimit(c, ageingListDefault, maxAgeingParcels)
	if err != nil {
		return err
	}
	b, err := s.ageingList(limit)
	if err != nil {
		return err
	}
	return c.JSON(b)
}

// ageingList is the board with at most limit parcels listed, the oldest. It
// counts from the index keys, then decodes the stage of the listed ones only:
// they are the index's first entries, as it is ordered by receipt.
func (s *Server) ageingList(limit int) (*station.AgeingBoard, error) {
	b, err := s.ageingBoard(false)
	if err != nil || b.Late+b.DueSoon == 0 {
		return b, err
	}
	now, t := b.At, s.ageingTargets()
	keys, err := s.cfg.Store.OpenParcels(time.Unix(0, 0), min(limit, b.Late+b.DueSoon))
	if err != nil || len(keys) == 0 {
		return b, err
	}
	full, err := s.cfg.Store.OpenParcels(keys[len(keys)-1].ReceivedAt, len(keys))
	if err != nil {
		return nil, err
	}
	b.Parcels = station.Ageing(full, now, t).Parcels
	return b, nil
}

// ageingCSV columns and texts, in English and Chinese.
var ageingCSVText = map[string]map[string]string{
	"en": {
		"head":                 "parcel,tracking,rma,received_at,age_hours,state,waiting,stage_hours,exceptions",
		station.AgeDue:         "due soon",
		station.AgeLate:        "late",
		station.AgeAlarm:       "alarm",
		station.WaitInspection: "awaiting inspection",
		station.WaitException:  "waiting on an exception",
		station.WaitPutAway:    "inspected, not put away",
		station.WaitClose:      "done, parcel not closed",
	},
	"zh": {
		"head":                 "包裹,运单号,退货单号,签收时间,已过小时,状态,等待原因,本阶段小时,异常",
		station.AgeDue:         "即将超时",
		station.AgeLate:        "已超时",
		station.AgeAlarm:       "告警",
		station.WaitInspection: "待质检",
		station.WaitException:  "等待异常处理",
		station.WaitPutAway:    "已质检未上架",
		station.WaitClose:      "已完成，包裹未关闭",
	},
}

// ageingCSV streams the ageing board as CSV, UTF-8 with a byte order mark so
// Excel shows Chinese correctly; lang=zh|en picks the headings and texts.
func (s *Server) ageingCSV(c *fiber.Ctx) error {
	_, text, err := pickLang(c, ageingCSVText)
	if err != nil {
		return err
	}
	b, err := s.ageingBoard(true)
	if err != nil {
		return err
	}
	loc, err := s.warehouseZone()
	if err != nil {
		return err
	}
	name := "ageing-" + b.At.In(loc).Format("20060102-1504") + ".csv"
	s.streamCSV(c, name, func(write func(row ...string)) {
		write(strings.Split(text["head"], ",")...)
		for _, p := range b.Parcels {
			write(p.ParcelID, p.Tracking, p.RMA, p.ReceivedAt.In(loc).Format("2006-01-02 15:04"),
				hours(p.AgeSeconds), text[p.State], text[p.Waiting], hours(p.StageSeconds), strings.Join(p.Exceptions, " "))
		}
	})
	return nil
}

// hours writes seconds as hours with one decimal.
func hours(sec int64) string {
	return strconv.FormatFloat(float64(sec)/3600, 'f', 1, 64)
}

// ageingChartText are the chart's words in English and Chinese.
var ageingChartText = map[string]map[string]string{
	"en": {"title": "Open parcels by hours since receipt", station.AgeOnTime: "on time", station.AgeDue: "due soon", station.AgeLate: "late", station.AgeAlarm: "alarm", "h": "h", "none": "No open parcels"},
	"zh": {"title": "在库包裹按签收后小时数分布", station.AgeOnTime: "未超时", station.AgeDue: "即将超时", station.AgeLate: "已超时", station.AgeAlarm: "告警", "h": "小时", "none": "没有未完成的包裹"},
}

// ageingSVG draws the open parcels by age band as an SVG bar chart, made
// on the server: no script, no outside request, words in the language asked.
func (s *Server) ageingSVG(c *fiber.Ctx) error {
	_, text, err := pickLang(c, ageingChartText)
	if err != nil {
		return err
	}
	b, err := s.ageingBoard(false)
	if err != nil {
		return err
	}
	return sendChart(c, ageingChart(b, text))
}

// ageingChart renders the chart: one bar per band, its count above it, the
// band and whether it is late under it.
func ageingChart(b *station.AgeingBoard, text map[string]string) barChart {
	colour := map[string]string{station.AgeOnTime: colourOK, station.AgeDue: colourInfo, station.AgeLate: colourWarn, station.AgeAlarm: colourAlarm}
	c := barChart{Title: text["title"]}
	for _, bk := range b.Buckets {
		c.Bars = append(c.Bars, bar{Label: bandName(bk, text), Note: text[bk.State], Value: float64(bk.Count),
			Text: strconv.Itoa(bk.Count), Colour: colour[bk.State]})
	}
	if b.Open == 0 {
		c.Empty = text["none"]
	}
	return c
}

// bandName is "20–24 h", or "≥ 48 h" for the last band.
func bandName(bk station.AgeBucket, text map[string]string) string {
	if bk.ToSeconds == 0 && bk.FromSeconds > 0 {
		return "≥ " + hoursShort(bk.FromSeconds) + " " + text["h"]
	}
	return hoursShort(bk.FromSeconds) + "–" + hoursShort(bk.ToSeconds) + " " + text["h"]
}

// hoursShort writes seconds as hours, with decimals only when needed.
func hoursShort(sec int64) string {
	return strconv.FormatFloat(float64(sec)/3600, 'f', -1, 64)
}

// ageingCollector exports the 24-hour clock to Prometheus, computed from the
// open-parcel index at each scrape.
type ageingCollector struct {
	s                              *Server
	open, late, alarm, due, oldest *prometheus.Desc
}

func newAgeingCollector(s *Server) *ageingCollector {
	return &ageingCollector{s: s,
		open:   prometheus.NewDesc("station_parcels_open", "Parcels received and not closed.", nil, nil),
		late:   prometheus.NewDesc("station_parcels_late", "Open parcels past the ageing target since receipt (alarms included).", nil, nil),
		alarm:  prometheus.NewDesc("station_parcels_alarm", "Open parcels past the ageing alarm threshold since receipt.", nil, nil),
		due:    prometheus.NewDesc("station_parcels_due_soon", "Open parcels that will be late within 4 hours.", nil, nil),
		oldest: prometheus.NewDesc("station_parcel_oldest_age_seconds", "Age since receipt of the oldest open parcel (0 when none is open).", nil, nil),
	}
}

func (a *ageingCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- a.open
	ch <- a.late
	ch <- a.alarm
	ch <- a.due
	ch <- a.oldest
}

func (a *ageingCollector) Collect(ch chan<- prometheus.Metric) {
	b, err := a.s.ageingBoard(false)
	if err != nil {
		a.s.log.Warn("cannot read the open parcels for the ageing metrics; the late counts are missing from this scrape", "component", "web", "err", err)
		ch <- prometheus.NewInvalidMetric(a.late, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(a.open, prometheus.GaugeValue, float64(b.Open))
	ch <- prometheus.MustNewConstMetric(a.late, prometheus.GaugeValue, float64(b.Late))
	ch <- prometheus.MustNewConstMetric(a.alarm, prometheus.GaugeValue, float64(b.Alarm))
	ch <- prometheus.MustNewConstMetric(a.due, prometheus.GaugeValue, float64(b.DueSoon))
	ch <- prometheus.MustNewConstMetric(a.oldest, prometheus.GaugeValue, float64(b.OldestSeconds))
}
