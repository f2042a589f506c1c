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
	receiveUnknown(b, h, n, func(i int) time.Time { return now.Add(-time.Duration(i%60) * time.Hour) })
	p95 := func(path string) time.Duration { return p95Get(b, h, path, b.N) }
	b.ResetTimer()
	queue := p95("/api/v1/queue?limit=500")
	board := p95("/api/v1/stats/ageing")
	b.ReportMetric(float64(board.Microseconds())/1000, "board_p95_ms")
	b.ReportMetric(float64(queue.Microseconds())/1000, "queue500_p95_ms")
	b.ReportMetric(float64(board)/float64(queue), "board/queue500")
}

// receiveUnknown receives n waybills no return names (each kept open with
// its "unmatched" exception), the i-th at at(i), 500 to a transaction.
func receiveUnknown(b *testing.B, h *harness, n int, at func(i int) time.Time) {
	b.Helper()
	ids := station.NewIDSource(time.Now, rand.Reader)
	for start := 0; start < n; start += 500 {
		_, err := h.db.Update(context.Background(), nil, func(tx station.Tx) (any, error) {
			for i := start; i < min(start+500, n); i++ {
				when := at(i)
				env := station.Env{StationID: "st-test", Actor: "user:bench", Role: station.RoleOperator, Now: func() time.Time { return when }, NewID: ids.New}
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
}

// timedGet reads path whole as a supervisor and says how long it took and
// how many bytes it answered.
func timedGet(b *testing.B, h *harness, path string) (time.Duration, int64) {
	b.Helper()
	req, _ := http.NewRequest("GET", h.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+h.token["supervisor"])
	t0 := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		b.Fatalf("%s: %v %v", path, err, res)
	}
	n, _ := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return time.Since(t0), n
}

// p95Get is the 95th percentile of runs timed reads of path.
func p95Get(b *testing.B, h *harness, path string, runs int) time.Duration {
	b.Helper()
	ds := make([]time.Duration, 0, runs)
	for i := 0; i < runs; i++ {
		d, _ := timedGet(b, h, path)
		ds = append(ds, d)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)*95/100]
}
