package web_test

import (
	"bytes"
	"crypto/rand"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"returns-station/carriers"
	"returns-station/carriers/aftership"
	"returns-station/carriers/easypost"
	"returns-station/carriers/kuaidi100"
	"returns-station/carriers/stdwebhook"
	"returns-station/carriers/track17"
	"returns-station/station"
	"returns-station/station/web"
)

const whSecret = "whsec_c2VjcmV0LWtleS1mb3ItcmV0dXJucy13YXJlaG91c2U="

func withCarriers(t testing.TB) func(*web.Config) {
	return func(c *web.Config) {
		c.Hooks = map[string]web.CarrierHook{}
		for p, secrets := range map[string][]string{"kuaidi100": {"old-salt", "kd100-salt"}, "track17": {"17t-security-key"},
			"aftership": {"as-secret-123"}, "easypost": {"whk-test-1"}, "webhook": {whSecret}} {
			h, err := carriers.New(p, secrets)
			if err != nil {
				t.Fatal(err)
			}
			c.Hooks[p] = h
		}
	}
}

// post sends a raw webhook delivery.
func (h *harness) hook(provider string, header http.Header, body []byte) resp {
	h.t.Helper()
	req, _ := http.NewRequest("POST", h.url+"/hooks/carriers/"+provider, bytes.NewReader(body))
	req.Header = header
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(res.Body)
	return resp{status: res.StatusCode, body: buf.Bytes(), header: res.Header}
}

type signedHook struct {
	provider string
	header   http.Header
	body     []byte
}

// deliveries builds one correctly signed delivery per provider, each for its own tracking number.
func deliveries(t *testing.T, at time.Time) map[string]signedHook {
	ftime := at.In(time.FixedZone("CST", 8*3600)).Add(-time.Hour).Format("2006-01-02 15:04:05")
	kd := `{"status":"polling","message":"","lastResult":{"message":"ok","state":"3","status":"200","ischeck":"1","com":"yuantong","nu":"YT2400000000001","data":[{"context":"已签收，签收人：仓库 收件 + 退货","ftime":"` + ftime + `","areaName":"浙江,杭州市"}]}}`
	t17 := `{"event":"TRACKING_UPDATED","data":{"number":"EA123456785CN","carrier":3011,"track_info":{"latest_status":{"status":"InTransit","sub_status":"InTransit_Other"},"latest_event":{"time_utc":"` + at.Add(-2*time.Hour).UTC().Format(time.RFC3339) + `","description":"Departed"}}}}`
	as := `{"event":"tracking_update","event_id":"as-1","msg":{"tracking_number":"1Z999AA10123456784","slug":"ups","tag":"OutForDelivery","updated_at":"` + at.UTC().Format(time.RFC3339) + `"},"ts":` + strconv.FormatInt(at.Unix(), 10) + `}`
	ep := `{"id":"evt_100","object":"Event","description":"tracker.updated","result":{"object":"Tracker","tracking_code":"9400111899223100000017","carrier":"USPS","status":"return_to_sender","status_detail":"return","updated_at":"` + at.UTC().Format(time.RFC3339) + `","tracking_details":[{"datetime":"` + at.UTC().Format(time.RFC3339) + `","message":"Returned"}]}}`
	wh := `{"tracking":"SF6000000000006","carrier":"SF","status":"delivered","occurred_at":"` + at.Add(-5*time.Hour).Format(time.RFC3339) + `","location":"Hangzhou DC"}`

	out := map[string]signedHook{}
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	out["kuaidi100"] = signedHook{"kuaidi100", h, []byte(url.Values{"param": {kd}, "sign": {kuaidi100.Sign(kd, "kd100-salt")}}.Encode())}
	out["track17"] = signedHook{"track17", http.Header{"Sign": {track17.Sign([]byte(t17), "17t-security-key")}, "Content-Type": {"application/json"}}, []byte(t17)}
	out["aftership"] = signedHook{"aftership", http.Header{"Aftership-Hmac-Sha256": {aftership.Sign([]byte(as), "as-secret-123")}, "Content-Type": {"application/json"}}, []byte(as)}
	out["easypost"] = signedHook{"easypost", http.Header{"X-Hmac-Signature": {easypost.Sign([]byte(ep), "whk-test-1")}, "Content-Type": {"application/json"}}, []byte(ep)}
	sig, err := stdwebhook.Sign(whSecret, "msg_200", at, []byte(wh))
	if err != nil {
		t.Fatal(err)
	}
	out["webhook"] = signedHook{"webhook", http.Header{"Webhook-Id": {"msg_200"}, "Webhook-Timestamp": {strconv.FormatInt(at.Unix(), 10)},
		"Webhook-Signature": {"v1,AAAA " + sig}, "Content-Type": {"application/json"}}, []byte(wh)}
	return out
}

var hookWant = map[string]struct{ tracking, status string }{
	"kuaidi100": {"YT2400000000001", "delivered"},
	"track17":   {"EA123456785CN", "in_transit"},
	"aftership": {"1Z999AA10123456784", "out_for_delivery"},
	"easypost":  {"9400111899223100000017", "return_to_sender"},
	"webhook":   {"SF6000000000006", "delivered"},
}

func TestCarrierWebhooksMoveTheRightShipment(t *testing.T) {
	h := newHarness(t, withCarriers(t))
	now := time.Now()
	// RMAs for some of them are known; the 17TRACK one is not yet pulled.
	for p, w := range hookWant {
		if p == "track17" {
			continue
		}
		h.must(201, h.do("supervisor", "POST", "/api/v1/returns", sampleRMA("RMA-"+p, w.tracking, "quality", "electronics", now.Add(-72*time.Hour), now.Add(-48*time.Hour))))
	}
	for p, d := range deliveries(t, now) {
		t.Run(p, func(t *testing.T) {
			seq := h.db.LastSeq()
			// Forged: body changed after signing.
			forged := bytes.Replace(d.body, []byte(hookWant[p].tracking), []byte("SF9999999999999"), 1)
			if p == "kuaidi100" {
				forged = bytes.Replace(d.body, []byte("YT2400000000001"), []byte("YT2400000000009"), 1)
			}
			r := h.hook(p, d.header, forged)
			if r.status != 401 {
				t.Fatalf("forged delivery: %d %s, want 401", r.status, r.body)
			}
			if h.db.LastSeq() != seq {
				t.Fatal("a forged delivery changed the log")
			}
			r = h.hook(p, d.header, d.body)
			if r.status != 200 {
				t.Fatalf("signed delivery: %d %s", r.status, r.body)
			}
			if p == "kuaidi100" && !strings.Contains(string(r.body), `"result":true`) {
				t.Errorf("Kuaidi100 needs its JSON answer, got %s", r.body)
			}
			var s *station.Shipment
			h.db.View(func(tx station.Tx) (err error) { s, err = tx.Shipment(hookWant[p].tracking); return })
			if s == nil || s.Status != hookWant[p].status {
				t.Fatalf("shipment %s: %+v, want status %s", hookWant[p].tracking, s, hookWant[p].status)
			}
			if p != "track17" && s.RMA != "RMA-"+p {
				t.Errorf("shipment attached to %q, want RMA-%s", s.RMA, p)
			}
			// A redelivery changes nothing.
			after := h.db.LastSeq()
			if r := h.hook(p, d.header, d.body); r.status != 200 {
				t.Fatalf("redelivery answered %d", r.status)
			}
			if h.db.LastSeq() != after {
				t.Error("a redelivery appended events")
			}
		})
	}
	// The RMA for the 17TRACK shipment arrives later: the shipment learns it.
	h.must(201, h.do("supervisor", "POST", "/api/v1/returns", sampleRMA("RMA-track17", "EA123456785CN", "quality", "electronics", now.Add(-72*time.Hour), now.Add(-48*time.Hour))))
	var s *station.Shipment
	h.db.View(func(tx station.Tx) (err error) { s, err = tx.Shipment("EA123456785CN"); return })
	if s.RMA != "RMA-track17" {
		t.Errorf("late RMA not attached to its shipment: %+v", s)
	}
	// Return to sender flagged the RMA with an exception.
	var ex struct{ Exceptions []station.Exception }
	h.must(200, h.do("supervisor", "GET", "/api/v1/exceptions", nil)).json(t, &ex)
	if len(ex.Exceptions) != 1 || ex.Exceptions[0].Code != "return_to_sender" || ex.Exceptions[0].RMA != "RMA-easypost" {
		t.Errorf("exceptions %+v, want return_to_sender for RMA-easypost", ex.Exceptions)
	}
	// The inbound board.
	var b station.InboundBoard
	h.must(200, h.do("operator", "GET", "/api/v1/inbound?day=today", nil)).json(t, &b)
	if len(b.DeliveredNotScanned) != 2 || len(b.Arriving) != 1 || b.Arriving[0].Tracking != "1Z999AA10123456784" || len(b.ReturnToSender) != 1 {
		t.Errorf("board: delivered %d arriving %+v return %d", len(b.DeliveredNotScanned), b.Arriving, len(b.ReturnToSender))
	}
	h.must(400, h.do("operator", "GET", "/api/v1/inbound?day=someday", nil))
	h.must(404, h.hook("dhl", http.Header{}, []byte("{}")))
}

func TestTerminalStatusIsNeverUndone(t *testing.T) {
	h := newHarness(t, withCarriers(t))
	at := time.Now()
	send := func(id, status string, occurred time.Time) {
		body := []byte(`{"tracking":"SF7000000000007","status":"` + status + `","occurred_at":"` + occurred.Format(time.RFC3339) + `"}`)
		sig, _ := stdwebhook.Sign(whSecret, id, at, body)
		hd := http.Header{"Webhook-Id": {id}, "Webhook-Timestamp": {strconv.FormatInt(at.Unix(), 10)}, "Webhook-Signature": {sig}}
		h.must(200, h.hook("webhook", hd, body))
	}
	send("m1", "delivered", at.Add(-time.Hour))
	send("m2", "in_transit", at.Add(-3*time.Hour)) // older, arriving late
	send("m3", "out_for_delivery", at)             // newer but not terminal
	var s *station.Shipment
	h.db.View(func(tx station.Tx) (err error) { s, err = tx.Shipment("SF7000000000007"); return })
	if s.Status != "delivered" {
		t.Errorf("status %s, want delivered kept", s.Status)
	}
	// Stale signature timestamp: refused.
	body := []byte(`{"tracking":"SF7000000000007","status":"in_transit","occurred_at":"` + at.Format(time.RFC3339) + `"}`)
	old := at.Add(-10 * time.Minute)
	sig, _ := stdwebhook.Sign(whSecret, "m4", old, body)
	h.must(401, h.hook("webhook", http.Header{"Webhook-Id": {"m4"}, "Webhook-Timestamp": {strconv.FormatInt(old.Unix(), 10)}, "Webhook-Signature": {sig}}, body))
}

func TestNotFoundAtDockAndStuck(t *testing.T) {
	h := newHarness(t, withCarriers(t))
	at := time.Now()
	for i, c := range []struct{ tracking, status string }{{"SF8000000000001", "delivered"}, {"SF8000000000002", "in_transit"}} {
		body := []byte(`{"tracking":"` + c.tracking + `","status":"` + c.status + `","occurred_at":"` + at.Format(time.RFC3339) + `"}`)
		id := "s" + strconv.Itoa(i)
		sig, _ := stdwebhook.Sign(whSecret, id, at, body)
		h.must(200, h.hook("webhook", http.Header{"Webhook-Id": {id}, "Webhook-Timestamp": {strconv.FormatInt(at.Unix(), 10)}, "Webhook-Signature": {sig}}, body))
	}
	sweep := func(later time.Duration) int {
		env := station.Env{StationID: "st-test", Actor: "system:inbound", Role: "admin", Now: func() time.Time { return at.Add(later) }, NewID: station.NewIDSource(time.Now, rand.Reader).New}
		n, err := h.db.Update(t.Context(), nil, func(tx station.Tx) (any, error) { return station.SweepInbound(tx, env, station.DefaultInboundPolicy) })
		if err != nil {
			t.Fatal(err)
		}
		return n.(int)
	}
	if n := sweep(time.Hour); n != 0 {
		t.Fatalf("an hour after delivery %d exceptions raised, want 0", n)
	}
	if n := sweep(5 * time.Hour); n != 1 {
		t.Fatalf("five hours after delivery %d exceptions, want 1 (not found at dock)", n)
	}
	if n := sweep(6 * 24 * time.Hour); n != 1 {
		t.Fatalf("six days without movement %d exceptions, want 1 (stuck)", n)
	}
	if n := sweep(7 * 24 * time.Hour); n != 0 {
		t.Fatalf("exceptions raised twice (%d)", n)
	}
	// The parcel turns up at the dock: its exception resolves itself.
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": "SF8000000000001"}))
	var ex struct{ Exceptions []station.Exception }
	h.must(200, h.do("supervisor", "GET", "/api/v1/exceptions?state=open", nil)).json(t, &ex)
	codes := []string{}
	for _, e := range ex.Exceptions {
		codes = append(codes, e.Code+":"+e.Tracking)
	}
	if strings.Join(codes, ",") != "unmatched:SF8000000000001,stuck:SF8000000000002" {
		t.Errorf("open exceptions %v, want the new unmatched parcel and the stuck one", codes)
	}
}
