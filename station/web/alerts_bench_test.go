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

// BenchmarkAlertList: the dashboard's alarms over a backlog of 5,000 open
// age alarms (5,000 parcels received 2 to 4 days ago, each alarmed), against
// the exception queue's 200 newest open exceptions read in the same run (the
// same number of records the alarm list returns). Prints the p95 of both,
// whole answers read, and their ratio.
func BenchmarkAlertList(b *testing.B) {
	h := newHarness(b)
	now := time.Now()
	const n = 5000
	ids := station.NewIDSource(time.Now, rand.Reader)
	for start := 0; start < n; start += 500 {
		_, err := h.db.Update(context.Background(), nil, func(tx station.Tx) (any, error) {
			for i := start; i < start+500; i++ {
				at := now.Add(-48*time.Hour - time.Duration(i%48)*time.Hour)
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
	open, err := h.db.OpenParcels(time.Unix(0, 0), n)
	if err != nil {
		b.Fatal(err)
	}
	env := station.Env{StationID: "st-test", Actor: "system:risk", Role: station.RoleAdmin, Now: time.Now, NewID: ids.New}
	for start := 0; start < len(open); start += 500 {
		if _, err := h.db.Update(context.Background(), nil, func(tx station.Tx) (any, error) {
			return station.AlarmAgedParcels(tx, env, open[start:min(start+500, len(open))], time.Now(), station.DefaultAgeAlarm)
		}); err != nil {
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
	queue := p95("/api/v1/exceptions?state=open&limit=200")
	alerts := p95("/api/v1/stats/alerts")
	b.ReportMetric(float64(alerts.Microseconds())/1000, "alerts_p95_ms")
	b.ReportMetric(float64(queue.Microseconds())/1000, "exceptions200_p95_ms")
	b.ReportMetric(float64(alerts)/float64(queue), "alerts/exceptions200")
}
