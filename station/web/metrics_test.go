package web_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// TestMetricLabelsAreBounded: however many webhook names or paths clients
// invent, /metrics gains no label per name: unconfigured providers count
// under provider="unknown", unknown paths under route="unmatched", and a 401
// is counted under the route that refused it, not under /api/v1.
func TestMetricLabelsAreBounded(t *testing.T) {
	h := newHarness(t)
	const n = 300
	for i := 0; i < n; i++ {
		h.must(404, h.do("", "POST", fmt.Sprintf("/hooks/carriers/made-up-%d", i), `{}`))
		h.must(404, h.do("", "GET", fmt.Sprintf("/no-such-page-%d", i), nil))
	}
	h.must(401, h.do("", "GET", "/api/v1/parcels", nil))
	h.must(401, h.do("", "GET", "/api/v1/units/01ABC", nil))
	metrics := string(h.must(200, h.do("", "GET", "/metrics", nil)).body)
	if strings.Contains(metrics, "made-up-") || strings.Contains(metrics, "no-such-page-") {
		t.Errorf("client-chosen names became metric labels:\n%s", grepLines(metrics, "made-up-|no-such-page-", 5))
	}
	for _, want := range []string{
		fmt.Sprintf(`station_carrier_webhooks_total{outcome="not_configured",provider="unknown"} %d`, n),
		`station_http_requests_total{route="/api/v1/parcels",status="401"} 1`,
		`station_http_requests_total{route="/api/v1/units/:id",status="401"} 1`,
		fmt.Sprintf(`station_http_requests_total{route="unmatched",status="404"} %d`, n),
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s; it has:\n%s", want, grepLines(metrics, "station_http_requests_total|station_carrier_webhooks_total", 40))
		}
	}
	if strings.Contains(metrics, `route="/api/v1",status="401"`) {
		t.Error("401s are still counted under the group /api/v1 instead of their route")
	}
	t.Logf("/metrics is %d bytes after %d made-up webhook names and %d made-up paths", len(metrics), n, n)
}

func grepLines(s, pattern string, max int) string {
	re := regexp.MustCompile(pattern)
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if re.MatchString(l) && len(out) < max {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
