package web_test

import (
	"context"
	"crypto/rand"
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
	receiveUnknown(b, h, n, func(i int) time.Time { return now.Add(-48*time.Hour - time.Duration(i%48)*time.Hour) })
	open, err := h.db.OpenParcels(time.Unix(0, 0), n)
	if err != nil {
		b.Fatal(err)
	}
	ids := station.NewIDSource(time.Now, rand.Reader)
	env := station.Env{StationID: "st-test", Actor: "system:risk", Role: station.RoleAdmin, Now: time.Now, NewID: ids.New}
	for start := 0; start < len(open); start += 500 {
		if _, err := h.db.Update(context.Background(), nil, func(tx station.Tx) (any, error) {
			return station.AlarmAgedParcels(tx, env, open[start:min(start+500, len(open))], time.Now(), station.DefaultAgeAlarm)
		}); err != nil {
			b.Fatal(err)
		}
	}
	p95 := func(path string) time.Duration { return p95Get(b, h, path, b.N) }
	b.ResetTimer()
	queue := p95("/api/v1/exceptions?state=open&limit=200")
	alerts := p95("/api/v1/stats/alerts")
	b.ReportMetric(float64(alerts.Microseconds())/1000, "alerts_p95_ms")
	b.ReportMetric(float64(queue.Microseconds())/1000, "exceptions200_p95_ms")
	b.ReportMetric(float64(alerts)/float64(queue), "alerts/exceptions200")
}
