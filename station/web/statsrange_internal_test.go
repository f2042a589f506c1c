package web

import (
	"errors"
	"testing"
	"time"

	"returns-station/station"
)

// FuzzDayRange: whatever the from and to parameters say, the range is
// either refused with a problem naming from or to, or runs forwards over at
// most 400 whole days.
func FuzzDayRange(f *testing.F) {
	for _, s := range [][2]string{{"", ""}, {"2026-11-01", "2026-11-07"}, {"2026-11-07", "2026-11-01"}, {"2025-01-01", "2026-12-31"},
		{"2026-02-30", ""}, {"", "2026-11-23"}, {"26-11-1", "tomorrow"}, {"2026-11-23T00:00:00Z", ""}, {"0000-01-01", "9999-12-31"}} {
		f.Add(s[0], s[1])
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Date(2026, 11, 23, 1, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, fromText, toText string) {
		from, to, err := parseDayRange(fromText, toText, loc, now)
		if err != nil {
			var e *station.Error
			if !errors.As(err, &e) || len(e.Fields) == 0 {
				t.Fatalf("from=%q to=%q: %v is not a problem naming a field", fromText, toText, err)
			}
			for _, fe := range e.Fields {
				if fe.Field != "from" && fe.Field != "to" {
					t.Fatalf("from=%q to=%q: the problem names %q", fromText, toText, fe.Field)
				}
			}
			return
		}
		if from.After(to) || to.Sub(from) >= 400*24*time.Hour || from.Hour() != 0 || to.Hour() != 0 || from.Location() != time.UTC {
			t.Fatalf("from=%q to=%q accepted as %v..%v", fromText, toText, from, to)
		}
		if fromText == "" && toText == "" && (to.Format(time.DateOnly) != "2026-11-23" || from.Format(time.DateOnly) != "2026-11-17") {
			t.Fatalf("default range %v..%v, want the 7 warehouse days to 2026-11-23", from, to)
		}
	})
}
