package web_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"sort"
	"testing"
	"time"

	"returns-station/station"
)

// BenchmarkAgeingBoard: the dashboard's board over 5,000 open parcels aged 0
// to 59 hours (two in three late or due soon and so listed, each waiting on
// its "unmatched" exception), against the work queue's 500 oldest read in the
// same run. Prints the p95 of both, whole answers read, and their ratio.
func BenchmarkAgeingBoard(b *testing.B) {
	h := newHarness(b)
	now := time.Now()
	const n = 5000
	ids := station.NewIDSource(time.Now, rand.Reader)
	for start := 0; start < n; start += 500 {
		_, err := h.db.Update(context.Background(), nil, func(tx station.Tx) (any, error) {
			for i := start; i < start+500; i++ {
				at := now.Add(-time.Duration(i%60) * time.Hour)
				env := station.Env{StationID: "st-test", Actor: "user:bench", Role: station.RoleOperator, Now: func() time.Time { return at }, NewID: ids.New}
				if _, err := station.Receive(tx, env, station.ReceiveInput{Code: fmt.Sprintf("YT%013d", i), Packaging: "intact"}); err != nil {
					return nil, err
				}
			}
			return nil, nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	p95 := func(path string) time.Duration {
		var ds []time.Duration
		for i := 0; i < b.N; i++ {
			req, _ := http.NewRequest("GET", h.url+path, nil)
			req.Header.Set("Authorization", "Bearer "+h.token["supervisor"])
			t0 := time.Now()
			res, err := http.DefaultClient.Do(req)
			if err != nil || res.StatusCode != 200 {
				b.Fatalf("%s: %v %v", path, err, res)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			ds = append(ds, time.Since(t0))
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return ds[len(ds)*95/100]
	}
	b.ResetTimer()
	queue := p95("/api/v1/queue?limit=500")
	board := p95("/api/v1/stats/ageing")
	b.ReportMetric(float64(board.Microseconds())/1000, "board_p95_ms")
	b.ReportMetric(float64(queue.Microseconds())/1000, "queue500_p95_ms")
	b.ReportMetric(float64(board)/float64(queue), "board/queue500")
}
