package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"returns-station/station"
)

// maxStatsDays bounds a figures' range: a year and a bit of warehouse days.
const maxStatsDays = 400

// dayRange reads a figures' range of warehouse days: from=YYYY-MM-DD and
// to=YYYY-MM-DD, inclusive, in loc; by default the 7 days ending today. A
// bad date, a range running backwards or longer than maxStatsDays is a
// problem naming the field. The days come back as midnight UTC of each
// date, for day arithmetic without zone shifts.
func dayRange(c *fiber.Ctx, loc *time.Location, now time.Time) (from, to time.Time, err error) {
	return parseDayRange(c.Query("from"), c.Query("to"), loc, now)
}

// parseDayRange is dayRange on the two parameters' text ("" when absent).
func parseDayRange(fromText, toText string, loc *time.Location, now time.Time) (from, to time.Time, err error) {
	today, _ := time.Parse(time.DateOnly, now.In(loc).Format(time.DateOnly))
	to, from = today, today.AddDate(0, 0, -6)
	var p station.Problems
	parse := func(field, v string, into *time.Time) {
		if v == "" {
			return
		}
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			p.AddCode(field, "stats_day", "a warehouse day as YYYY-MM-DD, such as 2026-11-23")
			return
		}
		*into = d
	}
	parse("to", toText, &to)
	if fromText == "" && toText != "" {
		from = to.AddDate(0, 0, -6)
	}
	parse("from", fromText, &from)
	if err := p.Err("the range of days is not valid"); err != nil {
		return from, to, err
	}
	switch {
	case from.After(to):
		p.AddCode("from", "stats_range_backwards", "must be on or before to")
	case to.Sub(from) >= maxStatsDays*24*time.Hour:
		p.AddCode("to", "stats_range_long", "at most 400 days from from")
	}
	return from, to, p.Err("the range of days is not valid")
}
