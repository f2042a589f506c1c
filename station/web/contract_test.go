package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cloudevent "github.com/cloudevents/sdk-go/v2/event"

	"returns-station/carriers/stdwebhook"
	"returns-station/station"
	"returns-station/sync/central"
	"returns-station/sync/fakecentral"
)

// centralRequires is central.md §3's table: the data fields central needs
// for each of its event types ("?" after a name: may be null).
var centralRequires = map[string][]string{
	station.EventParcelReceived:  {"parcel_id", "tracking", "carrier", "rma?", "received_at", "packaging"},
	station.EventParcelMatched:   {"parcel_id", "rma", "how"},
	station.EventParcelException: {"parcel_id", "code", "note"},
	station.EventUnitInspected:   {"unit_id", "parcel_id", "rma?", "line", "sku", "serial", "checklist", "findings", "grade", "disposition", "refund", "inspector"},
	station.EventUnitRegraded: {"unit_id", "parcel_id", "rma?", "line", "sku", "serial", "checklist", "findings", "grade", "disposition", "refund", "inspector",
		"previous_grade", "override_reason"},
	station.EventUnitMoved:       {"unit_id", "to", "kind"},
	station.EventParcelClosed:    {"parcel_id", "rma?", "units", "complete"},
	station.EventTrackingUpdated: {"tracking", "carrier", "status", "occurred_at", "location", "rma?"},
}

// centralValues are the closed vocabularies of central.md §3.
var centralValues = map[string][]string{
	"packaging": {"intact", "damaged", "opened"},
	"how":       {"scan", "lookup", "later_pull", "manual"},
	"kind":      {"tote", "location"},
	"decision":  {"full", "partial", "reject", "escalate"},
}

// shipmentExceptions are raised for a return shipment before it is received,
// so they have no parcel: parcel_id is "" and the subject is tracking/….
var shipmentExceptions = map[string]bool{station.ExNotFoundAtDock: true, station.ExStuck: true, station.ExReturnToSender: true}

// rawBatches records the bodies of event pushes as they crossed the wire.
type rawBatches struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (rb *rawBatches) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/events") {
			body, _ := io.ReadAll(r.Body)
			rb.mu.Lock()
			rb.bodies = append(rb.bodies, body)
			rb.mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		next.ServeHTTP(w, r)
	})
}

// TestPushedEventsMeetTheContract walks a return through the station (RMA,
// carrier updates in both Standard Webhooks forms, receive, inspect, regrade,
// put-away, close, an unknown damaged parcel), pushes the log to a fake
// central platform, and checks every event as it crossed the wire: valid
// CloudEvents 1.0 by the CloudEvents Go SDK, its data decoding strictly into
// the station's Go type for its event type, and central's required fields
// present with values from central's vocabularies.
func TestPushedEventsMeetTheContract(t *testing.T) {
	h := newHarness(t, withCarriers(t))
	r := sampleRMA("RMA-20261122-000777", "SF1234567890123", "no_reason_7d", "electronics",
		time.Now().Add(-96*time.Hour), time.Now().Add(-48*time.Hour))
	h.must(201, h.do("supervisor", "POST", "/api/v1/returns", r))
	at := time.Now()
	for i, body := range []string{
		`{"tracking":"SF1234567890123","status":"in_transit","occurred_at":"` + at.Add(-2*time.Hour).Format(time.RFC3339) + `","location":"Hangzhou"}`,
		`{"type":"tracking.updated","timestamp":"` + at.Format(time.RFC3339) + `","data":{"tracking":"SF1234567890123","status":"delivered","occurred_at":"` + at.Add(-time.Hour).Format(time.RFC3339) + `","location":"Dock 3"}}`,
	} {
		id := "msg-" + strconv.Itoa(i)
		sig, _ := stdwebhook.Sign(whSecret, id, at, []byte(body))
		h.must(200, h.hook("webhook", http.Header{"Webhook-Id": {id}, "Webhook-Timestamp": {strconv.FormatInt(at.Unix(), 10)}, "Webhook-Signature": {sig}}, []byte(body)))
	}
	var rec station.ReceiveResult
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": "SF1234567890123", "weight_g": 640})).json(t, &rec)
	var ur station.UnitResult
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/units", map[string]any{"code": "]d20106901234567892\x1d21SN8842AA"})).json(t, &ur)
	answers := map[string]any{"packaging": "opened", "used": false, "powers_on": true, "functions_ok": false, "cosmetic": "none",
		"liquid_damage": false, "account_locked": false, "accessories_complete": true}
	h.must(200, h.do("operator", "PUT", "/api/v1/units/"+ur.Unit.ID+"/inspection", map[string]any{"checklist": answers, "serial": "SN8842AA"}))
	h.must(200, h.do("operator", "POST", "/api/v1/units/"+ur.Unit.ID+"/confirm", map[string]any{}))
	h.must(200, h.do("supervisor", "POST", "/api/v1/units/"+ur.Unit.ID+"/confirm", map[string]any{"grade": "C", "override_reason": "fault was a loose cable, fixed"}))
	h.must(200, h.do("operator", "POST", "/api/v1/units/"+ur.Unit.ID+"/move", map[string]any{"to": "RS1:T:T-0007"}))
	h.must(200, h.do("operator", "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/close", nil))
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": "YT2412345678901", "packaging": "damaged"}))
	// A shipment that never arrives: the carrier takes it back to the customer.
	h.must(201, h.do("supervisor", "POST", "/api/v1/returns", sampleRMA("RMA-20261122-000778", "SF7770000000002", "no_reason_7d", "electronics",
		time.Now().Add(-96*time.Hour), time.Now().Add(-48*time.Hour))))
	back := `{"tracking":"SF7770000000002","status":"return_to_sender","occurred_at":"` + at.Format(time.RFC3339) + `"}`
	sig, _ := stdwebhook.Sign(whSecret, "msg-back", at, []byte(back))
	h.must(200, h.hook("webhook", http.Header{"Webhook-Id": {"msg-back"}, "Webhook-Timestamp": {strconv.FormatInt(at.Unix(), 10)}, "Webhook-Signature": {sig}}, []byte(back)))

	// A risk alarm: the earphones' serial comes back on another return, and
	// central receives returns.alert.raised like every other event.
	h.must(201, h.do("supervisor", "POST", "/api/v1/returns", sampleRMA("RMA-20261122-000779", "SF7770000000003", "no_reason_7d", "electronics",
		time.Now().Add(-96*time.Hour), time.Now().Add(-48*time.Hour))))
	var again station.ReceiveResult
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": "SF7770000000003"})).json(t, &again)
	var ur2 station.UnitResult
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/"+again.Parcel.ID+"/units", map[string]any{"code": "]d20106901234567892\x1d21SN8842AA"})).json(t, &ur2)
	answers["functions_ok"] = true
	h.must(200, h.do("operator", "PUT", "/api/v1/units/"+ur2.Unit.ID+"/inspection", map[string]any{"checklist": answers, "serial": "SN8842AA"}))
	h.must(200, h.do("operator", "POST", "/api/v1/units/"+ur2.Unit.ID+"/confirm", map[string]any{}))

	// Push everything to a fake central platform.
	fc := fakecentral.New(fakecentral.Options{Token: "central-secret", StationID: "st-test"})
	wire := &rawBatches{}
	srv := httptest.NewServer(wire.wrap(fc.Handler()))
	defer srv.Close()
	client, err := central.New(central.Config{BaseURL: srv.URL, StationID: "st-test", Token: "central-secret"})
	if err != nil {
		t.Fatal(err)
	}
	pusher, err := central.NewPusher(client, h.db, h.db, central.PushOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	done := make(chan struct{})
	go func() { pusher.Run(ctx); close(done) }()
	for len(fc.Events()) < int(h.db.LastSeq()) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	if got := len(fc.Events()); got != int(h.db.LastSeq()) {
		t.Fatalf("central holds %d events, the station has %d", got, h.db.LastSeq())
	}

	dataType := map[string]reflect.Type{}
	for _, d := range station.EventDataTypes() {
		dataType[d.EventType()] = reflect.TypeOf(d).Elem()
	}
	seen := map[string]int{}
	for _, body := range wire.bodies {
		var batch []json.RawMessage
		if err := json.Unmarshal(body, &batch); err != nil {
			t.Fatalf("a push is not a JSON array: %v", err)
		}
		for _, raw := range batch {
			ce := cloudevent.New()
			if err := json.Unmarshal(raw, &ce); err != nil {
				t.Errorf("the CloudEvents SDK cannot read %s: %v", raw, err)
				continue
			}
			if err := ce.Validate(); err != nil {
				t.Errorf("not a valid CloudEvent: %v\n%s", err, raw)
			}
			if kind, id, _ := strings.Cut(ce.Subject(), "/"); kind == "" || id == "" {
				t.Errorf("event %s (%s) has subject %q, want kind/id", ce.ID(), ce.Type(), ce.Subject())
			}
			if ce.SpecVersion() != "1.0" || ce.DataContentType() != "application/json" || ce.Source() != "urn:returns-station:st-test" {
				t.Errorf("event %s: specversion %q datacontenttype %q source %q subject %q", ce.ID(), ce.SpecVersion(), ce.DataContentType(), ce.Source(), ce.Subject())
			}
			for _, ext := range []string{"seq", "actor"} {
				if _, ok := ce.Extensions()[ext]; !ok {
					t.Errorf("event %s lacks the extension %s", ce.ID(), ext)
				}
			}
			typ := ce.Type()
			seen[typ]++
			gt, ok := dataType[typ]
			if !ok {
				t.Errorf("event type %s has no Go data type", typ)
				continue
			}
			dec := json.NewDecoder(bytes.NewReader(ce.Data()))
			dec.DisallowUnknownFields()
			if err := dec.Decode(reflect.New(gt).Interface()); err != nil {
				t.Errorf("%s data does not decode into station.%s: %v\n%s", typ, gt.Name(), err, ce.Data())
			}
			var data map[string]any
			json.Unmarshal(ce.Data(), &data)
			for _, f := range centralRequires[typ] {
				name, nullOK := strings.CutSuffix(f, "?")
				v, present := data[name]
				switch {
				case !present:
					t.Errorf("%s lacks %s, which central requires: %s", typ, name, ce.Data())
				case v == nil && !nullOK:
					t.Errorf("%s has %s null: %s", typ, name, ce.Data())
				case v == "" && name == "parcel_id" && typ == station.EventParcelException && shipmentExceptions[data["code"].(string)]:
					// Raised for a shipment before any parcel exists: it names
					// the shipment by tracking (and RMA) instead.
					if data["tracking"] == "" || !strings.HasPrefix(ce.Subject(), "tracking/") {
						t.Errorf("a shipment's exception names no tracking: %s (subject %s)", ce.Data(), ce.Subject())
					}
				case v == "" && strings.HasSuffix(name, "_id"):
					t.Errorf("%s has an empty %s: %s", typ, name, ce.Data())
				}
				if allowed := centralValues[name]; allowed != nil && v != nil && !slices.Contains(allowed, v.(string)) {
					t.Errorf("%s: %s %q is not one of central's %v", typ, name, v, allowed)
				}
			}
			if refund, ok := data["refund"].(map[string]any); ok {
				for _, f := range []string{"decision", "amount", "currency", "reasons"} {
					if _, ok := refund[f]; !ok {
						t.Errorf("%s refund lacks %s: %v", typ, f, refund)
					}
				}
				if d, _ := refund["decision"].(string); !slices.Contains(centralValues["decision"], d) {
					t.Errorf("%s refund decision %q is not one of central's", typ, d)
				}
			}
			if typ == station.EventTrackingUpdated && !slices.Contains(station.TrackingStatuses, data["status"].(string)) {
				t.Errorf("tracking status %q is not normalised", data["status"])
			}
		}
	}
	if seen[station.EventAlertRaised] != 1 {
		t.Errorf("central received %d returns.alert.raised, want the serial alarm's one", seen[station.EventAlertRaised])
	}
	for typ := range centralRequires {
		if seen[typ] == 0 {
			t.Errorf("the flow produced no %s event; the check proves nothing for it", typ)
		}
	}
}
