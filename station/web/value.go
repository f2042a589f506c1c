package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"returns-station/station"
)

// valueReport reads cost and recovery over the request's range of days
// (from, to) from the "val/" counters: a few prefix scans, never the log.
func (s *Server) valueReport(c *fiber.Ctx) (*station.ValueReport, error) {
	var rep *station.ValueReport
	err := s.cfg.Store.View(func(tx station.Tx) error {
		rs, err := tx.Rules()
		if err != nil {
			return err
		}
		from, to, err := dayRange(c, rs.Location(), s.now())
		if err != nil {
			return err
		}
		rep, err = station.ValueFigures(tx, from, to)
		return err
	})
	return rep, err
}

func (s *Server) value(c *fiber.Ctx) error {
	rep, err := s.valueReport(c)
	if err != nil {
		return err
	}
	return c.JSON(rep)
}

// valueText are the CSV's headings and the chart's words, in English and Chinese.
var valueText = map[string]map[string]string{
	"en": {
		"head":      "category,category_name,currency,units,priced_units,price,recovery,recovery_pct,handling_min,handling_cost,freight,freight_parcels,cost,net",
		"total":     "total",
		"unmatched": "not matched",
		"title":     "Cost and recovery by category",
		"cost":      "cost (freight + handling)",
		"recovery":  "estimated recovery",
		"none":      "No confirmed units in these days",
	},
	"zh": {
		"head":      "类别,类别名称,币种,件数,有价件数,原价合计,预计回收,回收率%,处理分钟,处理成本,运费,有运费包裹,成本,净值",
		"total":     "合计",
		"unmatched": "未匹配",
		"title":     "各类别成本与预计回收",
		"cost":      "成本（运费+处理）",
		"recovery":  "预计回收",
		"none":      "所选日期内没有已确认的商品",
	},
}

func valueLang(c *fiber.Ctx) (string, map[string]string, error) {
	return pickLang(c, valueText)
}

// categoryName is a row's category in the language asked.
func categoryName(r *station.ValueRow, lang string, text map[string]string) string {
	switch {
	case r.Name != nil && lang == "zh" && r.Name.ZH != "":
		return r.Name.ZH
	case r.Name != nil && r.Name.EN != "":
		return r.Name.EN
	case r.Category == "":
		return text["unmatched"]
	}
	return r.Category
}

// valueCSV streams cost and recovery per category and currency, then a
// total per currency, as CSV: UTF-8 with a byte order mark for Excel.
func (s *Server) valueCSV(c *fiber.Ctx) error {
	lang, text, err := valueLang(c)
	if err != nil {
		return err
	}
	rep, err := s.valueReport(c)
	if err != nil {
		return err
	}
	s.streamCSV(c, "value-"+rep.From+"-"+rep.To+".csv", func(write func(row ...string)) {
		write(strings.Split(text["head"], ",")...)
		row := func(id, name string, r *station.ValueRow) {
			write(id, name, r.Currency, itoa64(r.Units), itoa64(r.Priced), r.Price, r.Recovery, strconv.Itoa(r.RecoveryPct),
				itoa64(r.HandlingMin), r.HandlingCost, r.Freight, itoa64(r.FreightParcels), r.Cost, r.Net)
		}
		for _, r := range rep.Categories {
			row(r.Category, categoryName(r, lang, text), r)
		}
		for _, r := range rep.Totals {
			row("", text["total"], r)
		}
	})
	return nil
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// valueSVG draws cost beside estimated recovery per category, in the
// station's currency, as a grouped SVG bar chart.
func (s *Server) valueSVG(c *fiber.Ctx) error {
	lang, text, err := valueLang(c)
	if err != nil {
		return err
	}
	rep, err := s.valueReport(c)
	if err != nil {
		return err
	}
	return sendChart(c, valueChart(rep, lang, text))
}

// valueChart is two bars per category of the station's currency: what the
// returns cost (freight and handling) and what they are expected to bring
// back, in whole currency units.
func valueChart(rep *station.ValueReport, lang string, text map[string]string) barChart {
	ch := barChart{Title: text["title"] + " (" + rep.Currency + ")",
		Series: []series{{Name: text["cost"], Colour: colourWarn}, {Name: text["recovery"], Colour: colourOK}}}
	drawn := false
	for _, r := range rep.Categories {
		if r.Currency != rep.Currency {
			continue
		}
		drawn = drawn || r.CostMinor != 0 || r.RecoveryMinor != 0
		ch.Bars = append(ch.Bars,
			bar{Label: categoryName(r, lang, text), Value: float64(r.CostMinor), Text: wholeUnits(r.CostMinor)},
			bar{Value: float64(r.RecoveryMinor), Text: wholeUnits(r.RecoveryMinor)})
	}
	if !drawn {
		ch.Empty = text["none"]
	}
	return ch
}

// wholeUnits writes minor units as whole currency units, thousands as "k".
func wholeUnits(minor int64) string {
	units := (minor + 50) / 100
	if units >= 10000 {
		return strconv.FormatFloat(float64(units)/1000, 'f', 0, 64) + "k"
	}
	return strconv.FormatInt(units, 10)
}
