package web

import (
	"bufio"
	"encoding/csv"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

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

// ageingBoard ages the open parcels of the work queue index at now.
func (s *Server) ageingBoard() (*station.AgeingBoard, error) {
	open, err := s.cfg.Store.WaitingParcels(maxAgeingParcels)
	if err != nil {
		return nil, err
	}
	var b *station.AgeingBoard
	now := s.now()
	err = s.cfg.Store.View(func(tx station.Tx) (err error) {
		b, err = station.Ageing(tx, open, now, s.ageingTargets())
		return err
	})
	return b, err
}

func (s *Server) ageing(c *fiber.Ctx) error {
	b, err := s.ageingBoard()
	if err != nil {
		return err
	}
	return c.JSON(b)
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
	lang := c.Query("lang", "en")
	text, ok := ageingCSVText[lang]
	if !ok {
		return station.Invalid("lang", "must be zh or en").Coded("filter_lang")
	}
	b, err := s.ageingBoard()
	if err != nil {
		return err
	}
	loc := s.cfg.Location
	if loc == nil {
		loc = time.Local
	}
	name := "ageing-" + b.At.In(loc).Format("20060102-1504") + ".csv"
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		_, _ = w.WriteString("\uFEFF")
		cw := csv.NewWriter(w)
		_ = cw.Write(strings.Split(text["head"], ","))
		for _, p := range b.Parcels {
			_ = cw.Write([]string{p.ParcelID, p.Tracking, p.RMA, p.ReceivedAt.In(loc).Format("2006-01-02 15:04"),
				hours(p.AgeSeconds), text[p.State], text[p.Waiting], hours(p.StageSeconds), strings.Join(p.Exceptions, " ")})
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			s.log.Warn("ageing CSV download broke off; the file is incomplete", "component", "web", "err", err)
		}
	})
	return nil
}

// hours writes seconds as hours with one decimal.
func hours(sec int64) string {
	return strconv.FormatFloat(float64(sec)/3600, 'f', 1, 64)
}
