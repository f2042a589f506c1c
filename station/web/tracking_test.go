package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"returns-station/carriers/stdwebhook"
	"returns-station/station"
	"returns-station/station/web"
)

// TestWhereIsMyParcel pushes a carrier update from each provider, and an
// older one arriving late, for a return's shipment; the return, its parcel
// and a scan of either code then show the shipment's latest normalised
// status, time and location and its history, most recent first.
func TestWhereIsMyParcel(t *testing.T) {
	h := newHarness(t, withCarriers(t))
	now := time.Now()
	for p, d := range deliveries(t, now) {
		t.Run(p, func(t *testing.T) {
			want := hookWant[p]
			rma := "RMA-WHERE-" + p
			h.must(201, h.do("supervisor", "POST", "/api/v1/returns", sampleRMA(rma, want.tracking, "quality", "electronics", now.Add(-72*time.Hour), now.Add(-48*time.Hour))))
			h.must(200, h.hook(p, d.header, d.body))
			early := now.Add(-30 * time.Hour)
			body := []byte(`{"tracking":"` + want.tracking + `","status":"in_transit","occurred_at":"` + early.Format(time.RFC3339) + `","location":"Origin depot"}`)
			id := "early-" + p
			sig, _ := stdwebhook.Sign(whSecret, id, now, body)
			h.must(200, h.hook("webhook", http.Header{"Webhook-Id": {id}, "Webhook-Timestamp": {strconv.FormatInt(now.Unix(), 10)}, "Webhook-Signature": {sig}}, body))

			check := func(where string, tr []*station.Shipment) {
				t.Helper()
				if len(tr) != 1 {
					t.Fatalf("%s shows %d shipments, want 1: %+v", where, len(tr), tr)
				}
				s := tr[0]
				if s.Tracking != want.tracking || s.Status != want.status || s.StatusAt.IsZero() {
					t.Errorf("%s: shipment %s %s at %v, want %s %s", where, s.Tracking, s.Status, s.StatusAt, want.tracking, want.status)
				}
				if len(s.History) != 2 {
					t.Fatalf("%s: history %+v, want the provider's event and the late one", where, s.History)
				}
				latest, older := s.History[0], s.History[1]
				if latest.Status != want.status || !latest.OccurredAt.Equal(s.StatusAt) || latest.Provider != p || latest.Location != s.Location {
					t.Errorf("%s: latest step %+v does not match the shipment's status %s at %v in %q", where, latest, s.Status, s.StatusAt, s.Location)
				}
				if older.Status != "in_transit" || older.Location != "Origin depot" || !older.OccurredAt.Equal(early.Truncate(time.Second)) || !older.OccurredAt.Before(latest.OccurredAt) {
					t.Errorf("%s: older step %+v, want in_transit at Origin depot, before the latest", where, older)
				}
				if p == "webhook" && s.Location != "Hangzhou DC" {
					t.Errorf("%s: location %q, want Hangzhou DC", where, s.Location)
				}
			}
			var rv web.ReturnView
			h.must(200, h.do("operator", "GET", "/api/v1/returns/"+rma, nil)).json(t, &rv)
			check("GET /returns/"+rma, rv.Shipments)
			var lr web.LookupResult
			h.must(200, h.do("operator", "GET", "/api/v1/lookup?code="+url.QueryEscape(rma), nil)).json(t, &lr)
			check("a scan of the RMA number", lr.Shipments)

			var rec station.ReceiveResult
			h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": want.tracking})).json(t, &rec)
			var pv station.ParcelView
			h.must(200, h.do("operator", "GET", "/api/v1/parcels/"+rec.Parcel.ID, nil)).json(t, &pv)
			check("GET /parcels/{id}", pv.Shipments)
			lr = web.LookupResult{}
			h.must(200, h.do("operator", "GET", "/api/v1/lookup?code="+url.QueryEscape(want.tracking), nil)).json(t, &lr)
			if lr.Kind != "parcel" {
				t.Errorf("a scan of the waybill found a %s, want the parcel", lr.Kind)
			}
			check("a scan of the waybill", lr.Shipments)
		})
	}
	// A return whose shipment no carrier reported on shows it with no status.
	h.must(201, h.do("supervisor", "POST", "/api/v1/returns", sampleRMA("RMA-QUIET", "SF5550000000001", "quality", "electronics", now.Add(-72*time.Hour), now.Add(-48*time.Hour))))
	var rv web.ReturnView
	h.must(200, h.do("operator", "GET", "/api/v1/returns/RMA-QUIET", nil)).json(t, &rv)
	if len(rv.Shipments) != 1 || rv.Shipments[0].Tracking != "SF5550000000001" || rv.Shipments[0].Status != "" || len(rv.Shipments[0].History) != 0 {
		t.Errorf("a shipment without carrier news: %+v", rv.Shipments)
	}
}
