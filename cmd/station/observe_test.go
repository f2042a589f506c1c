package main_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
)

// TestMetricsLintAndLogComponents scrapes /metrics of the real binary, with
// the central link failing so every worker has something to say, and checks
// it as Prometheus's own linter does; then reads every log line the process
// wrote and checks each names its component exactly once.
func TestMetricsLintAndLogComponents(t *testing.T) {
	data := t.TempDir()
	token := newToken(t, data, "sup", "supervisor")
	dead := "http://" + freeAddr(t) // nothing listens there: push and pull fail and say so
	p := startStation(t, data, append(syncFlags(dead), "--log-level", "debug")...)
	receiveN(t, p, token, 3, 1)
	if st, err := call(http.DefaultClient, p.url, token, "GET", "/api/v1/parcels/nope", nil, nil); err != nil || st != 404 {
		t.Fatalf("GET unknown parcel: %d %v", st, err)
	}
	eventually(t, 10*time.Second, "the link reports the failure", func() bool { return linkState(t, p, token).LastError != "" })

	res, err := http.Get(p.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	problems, err := promlint.New(bytes.NewReader(body)).Lint()
	if err != nil {
		t.Fatalf("/metrics does not parse as the Prometheus text format: %v", err)
	}
	for _, pr := range problems {
		t.Errorf("promlint: %s: %s", pr.Metric, pr.Text)
	}
	for _, want := range []string{"station_http_request_duration_seconds_bucket{", "station_http_requests_total{"} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	p.kill(t)

	seen := map[string]bool{}
	for _, line := range strings.Split(p.logs.String(), "\n") {
		if !strings.HasPrefix(line, "time=") {
			continue // the start-up banner on stdout
		}
		n := strings.Count(line, " component=")
		if n != 1 {
			t.Errorf("log line names its component %d times, want once: %s", n, line)
			continue
		}
		c := line[strings.Index(line, " component=")+len(" component="):]
		c, _, _ = strings.Cut(c, " ")
		seen[c] = true
	}
	for _, c := range []string{"main", "push", "pull", "central"} {
		if !seen[c] {
			t.Errorf("no log line from component %s; saw %v", c, seen)
		}
	}
}
