package web_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	cloudevent "github.com/cloudevents/sdk-go/v2/event"

	"returns-station/station"
	"returns-station/station/web"
)

// Risk alarms over HTTP: a supervisor lowers the weight alarm's minimum
// sample in the rule document, two earphones weighed at receive teach the
// station their weight, a third parcel far heavier raises the alarm, and
// /stats/alerts, its CSV, /metrics and the event log show it; resolving it
// takes it off the open count.
func TestAlertsOverHTTP(t *testing.T) {
	clk := &clock{}
	sh := time.FixedZone("CST", 8*3600)
	clk.set(time.Date(2026, 11, 20, 9, 0, 0, 0, sh))
	h := newHarness(t, func(c *web.Config) { c.Now = clk.now })

	var rs station.RuleSet
	h.must(200, h.do("supervisor", "GET", "/api/v1/rules", nil)).json(t, &rs)
	bad := rs
	bad.Alarms.Weight.TolerancePct = -5
	if pr := h.must(400, h.do("supervisor", "PUT", "/api/v1/rules", bad)).problem(t); !hasField(pr, "alarms.weight.tolerance_pct") {
		t.Fatalf("a negative tolerance: problem %+v, want alarms.weight.tolerance_pct named", pr.Errors)
	}
	rs.Alarms.Weight.MinSamples = 2
	h.must(200, h.do("supervisor", "PUT", "/api/v1/rules", rs))

	n := 0
	receive := func(grams int) station.ReceiveResult {
		t.Helper()
		n++
		tracking := fmt.Sprintf("SF%013d", 1200000000000+n)
		r := sampleRMA(fmt.Sprintf("RMA-20261120-%06d", n), tracking, "quality", "electronics",
			clk.now().Add(-72*time.Hour), clk.now().Add(-24*time.Hour))
		h.must(201, h.do("supervisor", "POST", "/api/v1/returns", r))
		var rec station.ReceiveResult
		h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": tracking, "weight_g": grams})).json(t, &rec)
		clk.set(clk.now().Add(10 * time.Minute))
		return rec
	}
	receive(262)
	receive(248)
	receive(261) // near the 248 g learned from two: no alarm
	far := receive(905)
	if len(far.Exceptions) != 1 || far.Exceptions[0].Code != station.ExAlertWeight {
		t.Errorf("the clerk's answer for the far parcel lists %+v, want the weight alarm", far.Exceptions)
	}
	// The learned weight before the far parcel: the lower middle of 262,
	// 248, 261 rounded to 3 digits (248 < 261 < 262) is 261 g.
	const expected = 261

	var l station.AlertList
	h.must(200, h.do("supervisor", "GET", "/api/v1/stats/alerts", nil)).json(t, &l)
	if len(l.Alerts) != 1 || l.Open[station.AlertWeight] != 1 || l.Open[station.AlertAge] != 0 {
		t.Fatalf("alerts: %+v, want one open weight alarm", l)
	}
	a := l.Alerts[0]
	if a.Alert.Kind != station.AlertWeight || a.ParcelID != far.Parcel.ID || a.State != station.ExOpen ||
		a.Alert.Figures["expected_g"] != expected || a.Alert.Figures["weight_g"] != 905 || a.Code != station.ExAlertWeight {
		t.Errorf("the alert: %+v %+v, want the parcel %s at 905 g against %d g", a, a.Alert, far.Parcel.ID, expected)
	}
	h.must(403, h.do("operator", "GET", "/api/v1/stats/alerts", nil))
	if pr := h.must(400, h.do("supervisor", "GET", "/api/v1/stats/alerts?from=20261101", nil)).problem(t); !hasField(pr, "from") {
		t.Errorf("a bad from: %+v", pr.Errors)
	}

	csvBody := h.must(200, h.do("supervisor", "GET", "/api/v1/stats/alerts.csv?lang=zh", nil)).body
	if !bytes.HasPrefix(csvBody, []byte("\uFEFF")) {
		t.Errorf("the CSV does not start with a byte order mark")
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(csvBody, []byte("\uFEFF")))).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("CSV: %v, %d rows: %s", err, len(rows), csvBody)
	}
	if rows[0][1] != "类型" || rows[1][2] != "重量不符" || rows[1][4] != "未处理" || !strings.Contains(rows[1][11], "905 克") ||
		!strings.Contains(rows[1][9], "expected_g="+fmt.Sprint(expected)) {
		t.Errorf("CSV rows: %q", rows)
	}

	metric := fmt.Sprintf("station_alerts_open{kind=%q} ", station.AlertWeight)
	if m := string(h.must(200, h.do("", "GET", "/metrics", nil)).body); !strings.Contains(m, metric+"1") {
		t.Errorf("metrics lack %s1:\n%s", metric, grepLines(m, "station_alerts_open", 10))
	}

	// The event central receives: a valid CloudEvent whose data decodes
	// strictly into the station's type.
	raised := 0
	for _, e := range h.allEvents() {
		if e.Type != station.EventAlertRaised {
			continue
		}
		raised++
		raw, _ := json.Marshal(e)
		ce := cloudevent.New()
		if err := json.Unmarshal(raw, &ce); err != nil {
			t.Fatalf("the CloudEvents SDK cannot read %s: %v", raw, err)
		}
		if err := ce.Validate(); err != nil {
			t.Errorf("not a valid CloudEvent: %v", err)
		}
		var d station.AlertRaisedData
		dec := json.NewDecoder(bytes.NewReader(ce.Data()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&d); err != nil || d.AlertID != a.ID || ce.Subject() != "parcel/"+far.Parcel.ID || d.Message.ZH == "" || d.Message.EN == "" {
			t.Errorf("alert data %s (subject %s): %v", ce.Data(), ce.Subject(), err)
		}
	}
	if raised != 1 {
		t.Errorf("%d returns.alert.raised events, want 1", raised)
	}

	h.must(200, h.do("supervisor", "POST", "/api/v1/exceptions/"+a.ID+"/resolve", station.ResolveInput{Action: station.ActDismiss, Note: "a heavier charger in the box"}))
	h.must(200, h.do("supervisor", "GET", "/api/v1/stats/alerts", nil)).json(t, &l)
	if len(l.Alerts) != 1 || l.Alerts[0].State != station.ExResolved || l.Open[station.AlertWeight] != 0 {
		t.Errorf("after resolving: %+v, want it listed as resolved and none open", l)
	}
	if m := string(h.must(200, h.do("", "GET", "/metrics", nil)).body); !strings.Contains(m, metric+"0") {
		t.Errorf("metrics lack %s0 after resolving:\n%s", metric, grepLines(m, "station_alerts_open", 10))
	}
	for q, want := range map[string]int{"state=open": 0, "kind=weight_mismatch": 1, "kind=parcel_age": 0, "state=all&kind=weight_mismatch": 1} {
		h.must(200, h.do("supervisor", "GET", "/api/v1/stats/alerts?"+q, nil)).json(t, &l)
		if len(l.Alerts) != want {
			t.Errorf("?%s: %d alerts, want %d", q, len(l.Alerts), want)
		}
	}
	for q, field := range map[string]string{"state=closed": "state", "kind=fraud": "kind", "limit=0": "limit"} {
		if pr := h.must(400, h.do("supervisor", "GET", "/api/v1/stats/alerts?"+q, nil)).problem(t); !hasField(pr, field) {
			t.Errorf("?%s: problem %+v, want %s named", q, pr.Errors, field)
		}
	}
}
