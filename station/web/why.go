package web

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"returns-station/station"
)

// What comes back and why (issue 14 item 3): JSON, CSV and SVG of the
// running aggregates under "why/" (station/why.go), for a range of warehouse
// days and at most one filter.

// whyRange reads the range of warehouse days (dayRange), one filter of
// category, channel or sku, and limit (rows of the SKU tables, 1–100).
func whyRange(c *fiber.Ctx, now time.Time, loc *time.Location) (station.WhyQuery, error) {
	var q station.WhyQuery
	var err error
	if q.From, q.To, err = dayRange(c, loc, now); err != nil {
		return q, err
	}
	args := c.Context().QueryArgs()
	set := 0
	for _, f := range []struct {
		name string
		to   *string
	}{{"category", &q.Category}, {"channel", &q.Channel}, {"sku", &q.SKU}} {
		if !args.Has(f.name) || (f.name != "channel" && c.Query(f.name) == "") {
			continue
		}
		if set++; set > 1 {
			return q, station.Invalid(f.name, "one filter at a time: category, channel or sku").Coded("filter_one")
		}
		*f.to = c.Query(f.name)
		if len(*f.to) > 200 {
			return q, station.Invalid(f.name, "at most 200 characters").Coded("filter_long")
		}
		q.HasChan = q.HasChan || f.name == "channel"
	}
	if q.Limit, err = queryLimit(c, 20, 100); err != nil {
		return q, err
	}
	return q, nil
}

// whyView parses the request's range and filter in the rules' zone (the
// zone the counters' days are in) and runs fn in one read transaction.
func (s *Server) whyView(c *fiber.Ctx, fn func(tx station.Tx, rs *station.RuleSet, q station.WhyQuery) error) error {
	return s.cfg.Store.View(func(tx station.Tx) error {
		rs, err := tx.Rules()
		if err != nil {
			return err
		}
		q, err := whyRange(c, s.now(), rs.Location())
		if err != nil {
			return err
		}
		return fn(tx, rs, q)
	})
}

func (s *Server) whyJSON(c *fiber.Ctx) error {
	var r *station.WhyReport
	if err := s.whyView(c, func(tx station.Tx, _ *station.RuleSet, q station.WhyQuery) (err error) {
		r, err = station.WhyReturns(tx, q)
		return err
	}); err != nil {
		return err
	}
	return c.JSON(r)
}

func (s *Server) defectsJSON(c *fiber.Ctx) error {
	var d *station.DefectList
	if err := s.whyView(c, func(tx station.Tx, _ *station.RuleSet, q station.WhyQuery) (err error) {
		d, err = station.WhyDefects(tx, q)
		return err
	}); err != nil {
		return err
	}
	return c.JSON(d)
}

// whyText are the words of the tables and charts, in English and Chinese:
// the customer's reasons, the outcomes, the refund decisions, headings.
var whyText = map[string]map[string]string{
	"en": {
		"reason.": "no RMA", "reason.no_reason_7d": "7-day no reason", "reason.quality_issue": "quality issue",
		"reason.not_as_described": "not as described", "reason.wrong_item_sent": "wrong item sent",
		"reason.damaged_in_transit": "damaged in transit", "reason.missing_parts": "missing parts", "reason.size_fit": "size or fit",
		"reason.changed_mind": "changed mind", "reason.other": "other",
		"outcome.defect": "defect found", "outcome.seller_fault": "seller's fault", "outcome.missing": "something missing",
		"outcome.customer_damage": "damage by customer", "outcome.other": "other finding", "outcome.none": "nothing found",
		"decision.full": "full refund", "decision.partial": "partial refund", "decision.reject": "refused", "decision.escalate": "to a person",
		"dim.outcome": "finding", "dim.grade": "grade", "dim.disposition": "disposition", "dim.decision": "refund decision", "dim.finding": "finding code",
		"key.categories": "category", "key.channels": "channel", "key.skus": "sku", "none": "(none)",
		"head.rows": "units,defect_units,defect_rate_pct,said_fault_none_found,said_no_fault_defect_found,full,partial,reject,escalate,refund_recommended,grades,dispositions,top_findings",
		"head.name": "name", "head.cat_name": "category_name",
		"head.reasons":  "reason_code,reason,outcome_code,outcome,units",
		"head.mix":      "dimension,code,name,units,refund_recommended",
		"head.defects":  "sku,name,category,units,defect_units,defect_rate_pct,top_findings",
		"chart.reasons": "Customer's reason against the inspector's finding", "chart.reasons.none": "No units confirmed in this range",
		"chart.defect": "defect found", "chart.fault": "other fault found", "chart.nofault": "no fault found",
		"chart.defects": "SKUs with the most confirmed defects", "chart.defects.none": "No confirmed defects in this range",
	},
	"zh": {
		"reason.": "无退货单", "reason.no_reason_7d": "七天无理由", "reason.quality_issue": "质量问题",
		"reason.not_as_described": "与描述不符", "reason.wrong_item_sent": "发错货",
		"reason.damaged_in_transit": "运输损坏", "reason.missing_parts": "缺少配件", "reason.size_fit": "尺码不合适",
		"reason.changed_mind": "不想要了", "reason.other": "其他",
		"outcome.defect": "确认缺陷", "outcome.seller_fault": "商家责任", "outcome.missing": "有缺件",
		"outcome.customer_damage": "人为损坏", "outcome.other": "其他发现", "outcome.none": "未发现问题",
		"decision.full": "全额退款", "decision.partial": "部分退款", "decision.reject": "拒绝退款", "decision.escalate": "转人工",
		"dim.outcome": "质检结论", "dim.grade": "等级", "dim.disposition": "处置", "dim.decision": "退款建议", "dim.finding": "发现项",
		"key.categories": "品类", "key.channels": "渠道", "key.skus": "SKU", "none": "（无）",
		"head.rows": "退回件数,缺陷件数,缺陷率%,称有问题未发现,称无理由发现缺陷,全额退款,部分退款,拒绝退款,转人工,建议退款金额,等级分布,处置分布,主要发现",
		"head.name": "商品名称", "head.cat_name": "品类名称",
		"head.reasons":  "原因代码,顾客退货原因,结论代码,质检结论,件数",
		"head.mix":      "维度,代码,名称,件数,建议退款金额",
		"head.defects":  "SKU,商品名称,品类,退回件数,缺陷件数,缺陷率%,主要发现",
		"chart.reasons": "顾客退货原因与质检结论对比", "chart.reasons.none": "此期间没有已确认的商品",
		"chart.defect": "确认缺陷", "chart.fault": "其他责任", "chart.nofault": "未发现问题",
		"chart.defects": "确认缺陷最多的SKU", "chart.defects.none": "此期间没有确认的缺陷",
	},
}

// whyLang reads lang=zh|en (default en).
func whyLang(c *fiber.Ctx) (string, map[string]string, error) {
	return pickLang(c, whyText)
}

// whyNames names codes for people in one language: the customer's reasons,
// outcomes and decisions from whyText, grades, dispositions and findings
// from the rules.
type whyNames struct {
	lang string
	text map[string]string
	rs   *station.RuleSet
}

func (n whyNames) pick(t station.Text) string {
	if n.lang == "zh" && t.ZH != "" {
		return t.ZH
	}
	if t.EN != "" {
		return t.EN
	}
	return t.ZH
}

func (n whyNames) name(dim, code string) string {
	switch dim {
	case "reason", "outcome", "decision":
		if s, ok := n.text[dim+"."+code]; ok {
			return s
		}
	case "grade":
		for _, g := range n.rs.Grades {
			if g.Code == code {
				return n.pick(g.Name)
			}
		}
	case "disposition":
		for _, d := range n.rs.Dispositions {
			if d.Code == code {
				return n.pick(d.Name)
			}
		}
	case "finding":
		return n.pick(n.rs.Finding(code).Name)
	case "category":
		for _, c := range n.rs.Categories {
			if c.ID == code {
				return n.pick(c.Name)
			}
		}
	}
	if code == "" {
		return n.text["none"]
	}
	return code
}

// mix writes counts as "name 3; name 1", at most limit of them (0: all).
func (n whyNames) mix(dim string, cs []station.CodeCount, limit int) string {
	var out []string
	for i, c := range cs {
		if limit > 0 && i == limit {
			break
		}
		out = append(out, n.name(dim, c.Code)+" "+strconv.FormatInt(c.Units, 10))
	}
	return strings.Join(out, "; ")
}

// refunds writes the amounts recommended, all decisions together, per currency.
func refunds(rs []station.RefundSum) string {
	sum := map[string]station.Cents{}
	var curs []string
	for _, r := range rs {
		a, err := station.ParseAmount(r.Amount)
		if err != nil {
			continue
		}
		if _, ok := sum[r.Currency]; !ok {
			curs = append(curs, r.Currency)
		}
		sum[r.Currency] += a
	}
	var out []string
	for _, c := range curs {
		out = append(out, sum[c].String()+" "+c)
	}
	return strings.Join(out, "; ")
}

// pct writes part/whole as a percentage with one decimal ("" for no whole).
func pct(part, whole int64) string {
	if whole == 0 {
		return ""
	}
	return strconv.FormatFloat(float64(part)*100/float64(whole), 'f', 1, 64)
}

func decided(f station.WhyFigures, decision string) string {
	for _, d := range f.Decisions {
		if d.Code == decision {
			return strconv.FormatInt(d.Units, 10)
		}
	}
	return "0"
}

// whyTables are the tables returns.csv exports.
var whyTables = []string{"categories", "channels", "skus", "reasons", "mix"}

// whyCSV streams one table of what comes back and why as CSV, UTF-8 with a
// byte order mark so Excel shows Chinese correctly; lang=zh|en picks the
// headings and names. The skus table lists every SKU of the range.
func (s *Server) whyCSV(c *fiber.Ctx) error {
	lang, text, err := whyLang(c)
	if err != nil {
		return err
	}
	table := c.Query("table", "categories")
	if !strings.Contains(","+strings.Join(whyTables, ",")+",", ","+table+",") {
		return station.Invalid("table", "one of "+strings.Join(whyTables, ", ")).Coded("filter_table")
	}
	var rows [][]string
	var from, to string
	err = s.whyView(c, func(tx station.Tx, rs *station.RuleSet, q station.WhyQuery) error {
		n := whyNames{lang: lang, text: text, rs: rs}
		days := q.Days()
		from, to = days[0], days[len(days)-1]
		row := func(r station.WhyRow) []string {
			return []string{strconv.FormatInt(r.Units, 10), strconv.FormatInt(r.DefectUnits, 10), pct(r.DefectUnits, r.Units),
				strconv.FormatInt(r.SaidFaultNoneFound, 10), strconv.FormatInt(r.SaidNoFaultDefectFound, 10),
				decided(r.WhyFigures, station.RefundFull), decided(r.WhyFigures, station.RefundPartial),
				decided(r.WhyFigures, station.RefundReject), decided(r.WhyFigures, station.RefundEscalate),
				refunds(r.Refunds), n.mix("grade", r.Grades, 0), n.mix("disposition", r.Dispositions, 0), n.mix("finding", r.Findings, 3)}
		}
		if table == "skus" {
			if q.HasChan {
				return station.Invalid("table", "the SKU table is not kept by channel; remove the channel filter").Coded("filter_table_cut")
			}
			rows = append(rows, append([]string{text["key.skus"], text["head.name"]}, strings.Split(text["head.rows"], ",")...))
			return station.WhyAllSKUs(tx, q, func(r station.WhyRow) error {
				name, err := station.WhySKUName(tx, r.Key)
				if err != nil {
					return err
				}
				rows = append(rows, append([]string{r.Key, name}, row(r)...))
				return nil
			})
		}
		rep, err := station.WhyReturns(tx, q)
		if err != nil {
			return err
		}
		switch table {
		case "categories", "channels":
			list := rep.Categories
			if table == "channels" {
				list = rep.Channels
			}
			if list == nil {
				return station.Invalid("table", "the "+table+" table is not kept under the "+rep.Filter+" filter; remove the filter").Coded("filter_table_cut")
			}
			head := []string{text["key."+table]}
			if table == "categories" {
				head = append(head, text["head.cat_name"])
			}
			rows = append(rows, append(head, strings.Split(text["head.rows"], ",")...))
			for _, r := range list {
				key := []string{r.Key}
				if r.Key == "" {
					key[0] = text["none"]
				}
				if table == "categories" {
					key = append(key, n.name("category", r.Key))
				}
				rows = append(rows, append(key, row(r)...))
			}
		case "reasons":
			rows = append(rows, strings.Split(text["head.reasons"], ","))
			for _, c := range rep.Total.Reasons {
				rows = append(rows, []string{c.Reason, n.name("reason", c.Reason), c.Outcome, n.name("outcome", c.Outcome), strconv.FormatInt(c.Units, 10)})
			}
		case "mix":
			rows = append(rows, strings.Split(text["head.mix"], ","))
			f := rep.Total.WhyFigures
			for _, d := range []struct {
				dim string
				cs  []station.CodeCount
			}{{"outcome", f.Outcomes}, {"grade", f.Grades}, {"disposition", f.Dispositions}, {"decision", f.Decisions}, {"finding", f.Findings}} {
				for _, c := range d.cs {
					money := ""
					if d.dim == "decision" {
						var sums []station.RefundSum
						for _, r := range f.Refunds {
							if r.Decision == c.Code {
								sums = append(sums, r)
							}
						}
						money = refunds(sums)
					}
					rows = append(rows, []string{text["dim."+d.dim], c.Code, n.name(d.dim, c.Code), strconv.FormatInt(c.Units, 10), money})
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.sendCSV(c, "returns-"+table+"-"+from+"-"+to+".csv", rows)
	return nil
}

// defectsCSV streams the product team's list: the SKUs with the most
// confirmed defects (limit, default 20, at most 100).
func (s *Server) defectsCSV(c *fiber.Ctx) error {
	lang, text, err := whyLang(c)
	if err != nil {
		return err
	}
	var rows [][]string
	var d *station.DefectList
	err = s.whyView(c, func(tx station.Tx, rs *station.RuleSet, q station.WhyQuery) (err error) {
		n := whyNames{lang: lang, text: text, rs: rs}
		if d, err = station.WhyDefects(tx, q); err != nil {
			return err
		}
		rows = append(rows, strings.Split(text["head.defects"], ","))
		for _, k := range d.SKUs {
			rows = append(rows, []string{k.SKU, k.Name, k.Category, strconv.FormatInt(k.Units, 10), strconv.FormatInt(k.DefectUnits, 10),
				pct(k.DefectUnits, k.Units), n.mix("finding", k.Findings, 3)})
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.sendCSV(c, "defects-"+d.From+"-"+d.To+".csv", rows)
	return nil
}

// whySVG draws the customer's reason against the inspector's finding: per
// reason, the units where a defect was found, another fault (the seller's,
// something missing) and no fault.
func (s *Server) whySVG(c *fiber.Ctx) error {
	lang, text, err := whyLang(c)
	if err != nil {
		return err
	}
	var r *station.WhyReport
	var n whyNames
	if err := s.whyView(c, func(tx station.Tx, rs *station.RuleSet, q station.WhyQuery) (err error) {
		n = whyNames{lang: lang, text: text, rs: rs}
		r, err = station.WhyReturns(tx, q)
		return err
	}); err != nil {
		return err
	}
	ch := barChart{Title: text["chart.reasons"], Series: []series{
		{Name: text["chart.defect"], Colour: colourAlarm}, {Name: text["chart.fault"], Colour: colourWarn}, {Name: text["chart.nofault"], Colour: colourInfo}}}
	var reasons []string
	by := map[string]*[3]int64{}
	for _, cell := range r.Total.Reasons {
		v := by[cell.Reason]
		if v == nil {
			v = &[3]int64{}
			by[cell.Reason] = v
			reasons = append(reasons, cell.Reason)
		}
		switch cell.Outcome {
		case station.OutcomeDefect:
			v[0] += cell.Units
		case station.OutcomeSellerFault, station.OutcomeMissing:
			v[1] += cell.Units
		default:
			v[2] += cell.Units
		}
	}
	sort.SliceStable(reasons, func(i, j int) bool { // the most returned reason first, as the table lists them
		a, b := by[reasons[i]], by[reasons[j]]
		return a[0]+a[1]+a[2] > b[0]+b[1]+b[2]
	})
	for _, reason := range reasons {
		for i, u := range by[reason] {
			ch.Bars = append(ch.Bars, bar{Label: n.name("reason", reason), Value: float64(u), Text: strconv.FormatInt(u, 10), Colour: ch.Series[i].Colour})
		}
	}
	if r.Total.Units == 0 {
		ch.Empty = text["chart.reasons.none"]
	}
	return sendChart(c, ch)
}

// defectsSVG draws the SKUs with the most confirmed defects (at most 8):
// defect units, the defect rate under each SKU.
func (s *Server) defectsSVG(c *fiber.Ctx) error {
	_, text, err := whyLang(c)
	if err != nil {
		return err
	}
	var d *station.DefectList
	if err := s.whyView(c, func(tx station.Tx, _ *station.RuleSet, q station.WhyQuery) (err error) {
		q.Limit = min(q.Limit, 8)
		d, err = station.WhyDefects(tx, q)
		return err
	}); err != nil {
		return err
	}
	ch := barChart{Title: text["chart.defects"]}
	for _, k := range d.SKUs {
		ch.Bars = append(ch.Bars, bar{Label: k.SKU, Note: pct(k.DefectUnits, k.Units) + "%", Value: float64(k.DefectUnits),
			Text: strconv.FormatInt(k.DefectUnits, 10), Colour: colourAlarm})
	}
	if len(d.SKUs) == 0 {
		ch.Empty = text["chart.defects.none"]
	}
	return sendChart(c, ch)
}
