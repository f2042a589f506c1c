package web

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"returns-station/station"
)

// alertList reads the open alerts and those raised over the request's days
// (from, to) from the "risk/" counters and the alerts' exceptions.
func (s *Server) alertList(c *fiber.Ctx) (*station.AlertList, error) {
	limit, err := queryLimit(c, 200, 1000)
	if err != nil {
		return nil, err
	}
	var f station.AlertFilter
	switch c.Query("state", "all") {
	case "open":
		f.OpenOnly = true
	case "all":
	default:
		return nil, station.Invalid("state", "must be open or all").Coded("filter_state")
	}
	if k := c.Query("kind"); k != "" {
		if !slices.Contains(station.AlertKinds, k) {
			return nil, station.Invalid("kind", "must be one of "+strings.Join(station.AlertKinds, ", ")).Coded("alert_kind")
		}
		f.Kind = k
	}
	var l *station.AlertList
	err = s.cfg.Store.View(func(tx station.Tx) error {
		rs, err := tx.Rules()
		if err != nil {
			return err
		}
		from, to, err := dayRange(c, rs.Location(), s.now())
		if err != nil {
			return err
		}
		l, err = station.ListAlerts(tx, from, to, f, limit)
		return err
	})
	return l, err
}

func (s *Server) alerts(c *fiber.Ctx) error {
	l, err := s.alertList(c)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// alertText are the alert CSV's headings and words, in English and Chinese.
var alertText = map[string]map[string]string{
	"en": {
		"head":                  "alert,kind,kind_name,subject,state,raised_at,resolved_at,resolved_by,action,figures,threshold,message",
		station.AlertCustomer:   "customer pattern",
		station.AlertSerial:     "serial returned before",
		station.AlertSKUReturns: "SKU returns spike",
		station.AlertSKUDefects: "SKU defects spike",
		station.AlertWeight:     "weight mismatch",
		station.AlertOverride:   "inspector override rate",
		station.AlertAge:        "parcel past the age alarm",
		station.ExOpen:          "open",
		station.ExResolved:      "resolved",
		"time":                  "2006-01-02 15:04",
		"figure_sep":            "; ",
		"figure_eq":             "=",
	},
	"zh": {
		"head":                  "告警编号,类型,类型名称,对象,状态,告警时间,处理时间,处理人,处理方式,数据,阈值,说明",
		station.AlertCustomer:   "客户异常模式",
		station.AlertSerial:     "序列号重复退回",
		station.AlertSKUReturns: "SKU 退货激增",
		station.AlertSKUDefects: "SKU 次品激增",
		station.AlertWeight:     "重量不符",
		station.AlertOverride:   "质检员改判率偏高",
		station.AlertAge:        "包裹超过告警时长",
		station.ExOpen:          "未处理",
		station.ExResolved:      "已处理",
		"time":                  "2006-01-02 15:04",
		"figure_sep":            "；",
		"figure_eq":             "=",
	},
}

// figures writes a map of figures as name=value pairs in name order.
func figures(m map[string]float64, text map[string]string) string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = k + text["figure_eq"] + strconv.FormatFloat(m[k], 'f', -1, 64)
	}
	return strings.Join(parts, text["figure_sep"])
}

// alertsCSV streams the alert list as CSV: UTF-8 with a byte order mark for
// Excel; lang=zh|en picks the headings, names and the message's language.
func (s *Server) alertsCSV(c *fiber.Ctx) error {
	lang, text, err := pickLang(c, alertText)
	if err != nil {
		return err
	}
	l, err := s.alertList(c)
	if err != nil {
		return err
	}
	loc, err := s.warehouseZone()
	if err != nil {
		return err
	}
	s.streamCSV(c, "alerts-"+l.From+"-"+l.To+".csv", func(write func(row ...string)) {
		write(strings.Split(text["head"], ",")...)
		for _, e := range l.Alerts {
			resolved := ""
			if e.ResolvedAt != nil {
				resolved = e.ResolvedAt.In(loc).Format(text["time"])
			}
			msg := e.Alert.Message.EN
			if lang == "zh" {
				msg = e.Alert.Message.ZH
			}
			write(e.ID, e.Alert.Kind, text[e.Alert.Kind], e.Alert.Subject, text[e.State],
				e.OpenedAt.In(loc).Format(text["time"]), resolved, strings.TrimPrefix(e.ResolvedBy, "user:"), e.Action,
				figures(e.Alert.Figures, text), figures(e.Alert.Threshold, text), msg)
		}
	})
	return nil
}

// alertsCollector reports the open alerts by kind at each scrape, from the
// "risk/n/" counters (one prefix scan).
type alertsCollector struct {
	s    *Server
	open *prometheus.Desc
}

func newAlertsCollector(s *Server) *alertsCollector {
	return &alertsCollector{s: s, open: prometheus.NewDesc("station_alerts_open",
		"Risk alarms raised and not yet resolved, by kind (customer_pattern, serial_repeat, sku_return_spike, sku_defect_spike, weight_mismatch, override_rate, parcel_age).",
		[]string{"kind"}, nil)}
}

func (a *alertsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- a.open }

func (a *alertsCollector) Collect(ch chan<- prometheus.Metric) {
	var open map[string]int64
	err := a.s.cfg.Store.View(func(tx station.Tx) (err error) {
		open, err = station.OpenAlertCounts(tx)
		return err
	})
	if err != nil {
		a.s.log.Warn("cannot read the open alerts for the metrics; station_alerts_open is missing from this scrape", "component", "web", "err", err)
		ch <- prometheus.NewInvalidMetric(a.open, err)
		return
	}
	for _, k := range station.AlertKinds {
		ch <- prometheus.MustNewConstMetric(a.open, prometheus.GaugeValue, float64(open[k]), k)
	}
}
