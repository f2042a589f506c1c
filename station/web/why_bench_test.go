package web_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"testing"
	"time"

	"returns-station/station"
)

// BenchmarkWhyReturns: 30 warehouse days of 3,300 confirmed units each
// (99,000 units, what a station storing 1,000,000 parcels over ten months
// confirms in a month) spread over a catalogue of 100,000 SKUs, most
// returns on few SKUs (a cubic skew), 20 categories, 5 channels, one unit
// in five with a defect. The counters are written by the real tally through
// Env.Emit. Prints the p95 of the 30-day page figures (/stats/returns: the
// station, its categories and channels, the 20 most returned SKUs) and of
// the defect list, against the full SKU table of the same range (CSV: every
// key of every SKU of every day, what a design without the per-SKU rank
// keys would read for a top list) measured in the same run, with the CSV's
// rows per second.
func BenchmarkWhyReturns(b *testing.B) {
	h := newHarness(b)
	const days, perDay, catalogue = 30, 3300, 100000
	sh, _ := time.LoadLocation("Asia/Shanghai")
	today := time.Now().In(sh)
	ids := station.NewIDSource(time.Now, rand.Reader)
	rng := mrand.New(mrand.NewPCG(1, 2))
	reasons := station.ReasonCodes
	grades := []string{"A", "B", "C", "D"}
	disps := map[string]string{"A": "restock", "B": "open_box", "C": "refurbish", "D": "return_to_vendor"}
	skuDays := map[string]bool{}
	for d := 0; d < days; d++ {
		day := time.Date(today.Year(), today.Month(), today.Day()-d, 10, 0, 0, 0, sh)
		for start := 0; start < perDay; start += 1100 {
			_, err := h.db.Update(context.Background(), nil, func(tx station.Tx) (any, error) {
				for i := start; i < start+1100; i++ {
					sku := fmt.Sprintf("SKU-%06d", int(catalogue*math.Pow(rng.Float64(), 3)))
					skuDays[day.Format(time.DateOnly)+sku] = true
					grade := grades[rng.IntN(len(grades))]
					var findings []string
					switch r := rng.IntN(10); {
					case r < 2:
						findings = []string{"not_working"}
					case r < 3:
						findings = []string{"used"}
					}
					rma := "RMA-B"
					at := day.Add(time.Duration(i) * time.Second)
					env := station.Env{StationID: "st-test", Actor: "user:bench", Role: station.RoleSupervisor, Now: func() time.Time { return at }, NewID: ids.New}
					err := env.Emit(tx, "unit/bench", station.UnitInspectedData{UnitID: ids.New(), ParcelID: "p", RMA: &rma, Line: 1, SKU: sku,
						Findings: findings, Grade: grade, Disposition: disps[grade], Refund: station.RefundAdvice{Decision: station.RefundFull, Amount: "59.00", Currency: "CNY"},
						Category: fmt.Sprintf("cat-%02d", int(20*math.Pow(rng.Float64(), 2))), Name: "商品 " + sku,
						Reason: reasons[rng.IntN(len(reasons))], Channel: []string{"tmall", "jd", "douyin", "pdd", ""}[rng.IntN(5)]})
					if err != nil {
						return nil, err
					}
				}
				return nil, nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	counters := 0
	if err := h.db.View(func(tx station.Tx) error {
		return tx.Counts("why/", func(station.Counter) error { counters++; return nil })
	}); err != nil {
		b.Fatal(err)
	}
	q := fmt.Sprintf("from=%s&to=%s", today.AddDate(0, 0, -(days-1)).Format(time.DateOnly), today.Format(time.DateOnly))
	get := func(path string) (time.Duration, int64) { return timedGet(b, h, path) }
	p95 := func(path string) time.Duration { return p95Get(b, h, path, max(b.N, 20)) }
	b.ResetTimer()
	page := p95("/api/v1/stats/returns?" + q)
	defects := p95("/api/v1/stats/defects?" + q)
	full, _ := get("/api/v1/stats/returns.csv?table=skus&" + q)
	var skus int
	req, _ := http.NewRequest("GET", h.url+"/api/v1/stats/returns.csv?table=skus&"+q, nil)
	req.Header.Set("Authorization", "Bearer "+h.token["supervisor"])
	t0 := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	csvTime := time.Since(t0)
	for _, c := range raw {
		if c == '\n' {
			skus++
		}
	}
	skus-- // the headings
	b.ReportMetric(float64(page.Microseconds())/1000, "page_p95_ms")
	b.ReportMetric(float64(defects.Microseconds())/1000, "defects_p95_ms")
	b.ReportMetric(float64(full.Microseconds())/1000, "all_skus_ms")
	b.ReportMetric(float64(page)/float64(full), "page/all_skus")
	b.ReportMetric(float64(defects)/float64(full), "defects/all_skus")
	b.ReportMetric(float64(skus)/csvTime.Seconds(), "sku_csv_rows/s")
	b.ReportMetric(float64(skus), "skus")
	b.ReportMetric(float64(len(skuDays)), "sku_days")
	b.ReportMetric(float64(counters), "counters")
}
