package poll_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"returns-station/carriers/kuaidi100"
	"returns-station/carriers/poll"
	"returns-station/station"
)

const (
	kdCustomer = "CUSTOMER-1"
	kdKey      = "query-key"
	kdAnswer   = `{"message":"ok","nu":"YT0000000000001","ischeck":"1","condition":"F00","com":"yuantong","status":"200","state":"3",` +
		`"data":[{"context":"已签收","time":"2026-01-01 10:00:00","ftime":"2026-01-01 10:00:00","status":"签收","areaName":"浙江,杭州市"}]}`
)

var now = time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)

// fast keeps retries quick in tests.
func fast(url string) poll.Options {
	return poll.Options{BaseURL: url, Rate: 1000, Burst: 100, Backoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond, Timeout: time.Second}
}

func TestKuaidi100Track(t *testing.T) {
	yt := poll.Shipment{Tracking: "YT0000000000001", Carrier: station.CarrierYTO, Provider: "kuaidi100"}
	tests := []struct {
		name     string
		replies  []reply
		opts     func(poll.Options) poll.Options
		calls    int
		updates  int
		wantErr  bool
		retrying bool // the error is a retryable *poll.Error
	}{
		{name: "delivered", replies: []reply{{body: kdAnswer}}, calls: 1, updates: 1},
		{name: "no result yet", replies: []reply{{body: `{"result":false,"returnCode":"500","message":"查询无结果，请隔段时间再查"}`}}, calls: 1},
		{name: "busy, then answer", replies: []reply{{body: `{"result":false,"returnCode":"502","message":"服务器繁忙"}`}, {body: kdAnswer}}, calls: 2, updates: 1},
		{name: "HTTP 503, then answer", replies: []reply{{status: 503}, {body: kdAnswer}}, calls: 2, updates: 1},
		{name: "HTTP 500 every time: gives up after 3 tries", replies: []reply{{status: 500}}, calls: 3, wantErr: true, retrying: true},
		{name: "Retry-After longer than the backoff cap: no retry", replies: []reply{{status: 429, header: http.Header{"Retry-After": {"120"}}}, {body: kdAnswer}},
			calls: 1, wantErr: true, retrying: true},
		{name: "timeout, then answer", replies: []reply{{delay: 2 * time.Second}, {body: kdAnswer}},
			opts: func(o poll.Options) poll.Options { o.Timeout = 100 * time.Millisecond; return o }, calls: 2, updates: 1},
		{name: "bad sign: permanent", replies: []reply{{body: `{"result":false,"returnCode":"503","message":"验证签名失败"}`}}, calls: 1, wantErr: true},
		{name: "key out of credit: permanent", replies: []reply{{body: `{"result":false,"returnCode":"601","message":"POLL:KEY已过期"}`}}, calls: 1, wantErr: true},
		{name: "HTTP 400: permanent", replies: []reply{{status: 400}}, calls: 1, wantErr: true},
		{name: "not JSON", replies: []reply{{body: `<html>maintenance</html>`}}, calls: 1, wantErr: true},
		{name: "answer without a number", replies: []reply{{body: `{"message":"ok","status":"200","state":"0","data":[]}`}}, calls: 1, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScript(map[string][]reply{yt.Tracking: tt.replies})
			srv, seen := fakeKuaidi100(t, kdCustomer, kdKey, s)
			o := fast(srv.URL)
			if tt.opts != nil {
				o = tt.opts(o)
			}
			ups, err := poll.NewKuaidi100(kdCustomer, kdKey, o).Track(context.Background(), []poll.Shipment{yt}, now)
			if got := s.count(yt.Tracking); got != tt.calls {
				t.Errorf("got %d calls, want %d", got, tt.calls)
			}
			if len(ups) != tt.updates {
				t.Errorf("got %d updates, want %d", len(ups), tt.updates)
			}
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			var pe *poll.Error
			if tt.retrying && (!errors.As(err, &pe) || !pe.Retryable) {
				t.Errorf("got %v, want a retryable *poll.Error", err)
			}
			if tt.wantErr && !tt.retrying && errors.As(err, &pe) && pe.Retryable {
				t.Errorf("got retryable %v, want permanent", err)
			}
			if q := *seen; len(q) > 0 && (q[0].Com != "yuantong" || q[0].ResultV2 != "4" || q[0].Num != yt.Tracking) {
				t.Errorf("got query %+v, want com yuantong, resultv2 4, num %s", q[0], yt.Tracking)
			}
		})
	}
}

func TestKuaidi100Update(t *testing.T) {
	s := newScript(map[string][]reply{"YT0000000000001": {{body: kdAnswer}}})
	srv, seen := fakeKuaidi100(t, kdCustomer, kdKey, s)
	ship := poll.Shipment{Tracking: "YT0000000000001", Carrier: station.CarrierYTO, Provider: "kuaidi100", Phone: "1234"}
	ups, err := poll.NewKuaidi100(kdCustomer, kdKey, fast(srv.URL)).Track(context.Background(), []poll.Shipment{ship}, now)
	if err != nil {
		t.Fatal(err)
	}
	want := station.TrackingUpdate{Provider: "poll", DedupKey: "kuaidi100:YT0000000000001|2026-01-01 10:00:00|3", Tracking: "YT0000000000001",
		Carrier: "YTO", Status: station.TrackDelivered, RawStatus: "3", OccurredAt: time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC),
		Location: "浙江,杭州市", Description: "已签收"}
	if len(ups) != 1 || ups[0].DedupKey != want.DedupKey || ups[0].Provider != want.Provider || ups[0].Status != want.Status ||
		!ups[0].OccurredAt.Equal(want.OccurredAt) || ups[0].Carrier != want.Carrier {
		t.Errorf("got %+v, want %+v", ups, want)
	}
	// The push of the same event carries the same key, so the store applies it once.
	pushed, err := kuaidi100.Parse([]byte(`{"status":"shutdown","lastResult":`+kdAnswer+`}`), now)
	if err != nil {
		t.Fatal(err)
	}
	if pushed[0].DedupKey != ups[0].DedupKey {
		t.Errorf("got push key %q and poll key %q, want equal", pushed[0].DedupKey, ups[0].DedupKey)
	}
	if q := *seen; len(q) != 1 || q[0].Phone != "1234" {
		t.Errorf("got queries %+v, want one with phone 1234", q)
	}
}

func TestKuaidi100SeveralShipments(t *testing.T) {
	s := newScript(map[string][]reply{"YT0000000000001": {{body: kdAnswer}}})
	srv, _ := fakeKuaidi100(t, kdCustomer, kdKey, s)
	ships := []poll.Shipment{
		{Tracking: "YT0000000000001", Carrier: station.CarrierYTO},
		{Tracking: "X-NO-CARRIER", Carrier: ""},                   // refused before asking: no company code
		{Tracking: "SF1234567890123", Carrier: station.CarrierSF}, // no result yet
	}
	ups, err := poll.NewKuaidi100(kdCustomer, kdKey, fast(srv.URL)).Track(context.Background(), ships, now)
	if len(ups) != 1 {
		t.Errorf("got %d updates, want 1", len(ups))
	}
	var pe *poll.Error
	if !errors.As(err, &pe) || pe.Retryable {
		t.Errorf("got %v, want a permanent *poll.Error for the shipment without carrier", err)
	}
	if s.count("X-NO-CARRIER") != 0 || s.count("SF1234567890123") != 1 {
		t.Errorf("got calls %v, want none for the shipment without carrier and one for SF", s.calls)
	}
}

func TestRetryAfter(t *testing.T) {
	s := newScript(map[string][]reply{"YT0000000000001": {{status: 429, header: http.Header{"Retry-After": {"1"}}}, {body: kdAnswer}}})
	srv, _ := fakeKuaidi100(t, kdCustomer, kdKey, s)
	o := fast(srv.URL)
	o.MaxBackoff = 2 * time.Second
	start := time.Now()
	ups, err := poll.NewKuaidi100(kdCustomer, kdKey, o).Track(context.Background(),
		[]poll.Shipment{{Tracking: "YT0000000000001", Carrier: station.CarrierYTO}}, now)
	if err != nil || len(ups) != 1 {
		t.Fatalf("got %v, %v; want one update", ups, err)
	}
	if gap := s.times[1].Sub(s.times[0]); gap < 900*time.Millisecond {
		t.Errorf("got a retry after %v, want at least the 1 s of Retry-After", gap)
	}
	if elapsed := time.Since(start); elapsed > 1900*time.Millisecond {
		t.Errorf("took %v, want about 1 s", elapsed)
	}
}

func TestRateLimit(t *testing.T) {
	s := newScript(map[string][]reply{})
	srv, _ := fakeKuaidi100(t, kdCustomer, kdKey, s)
	o := fast(srv.URL)
	o.Rate, o.Burst = 20, 1 // one request every 50 ms
	ships := make([]poll.Shipment, 6)
	for i := range ships {
		ships[i] = poll.Shipment{Tracking: "SF12345678901" + string(rune('0'+i)), Carrier: station.CarrierSF}
	}
	if _, err := poll.NewKuaidi100(kdCustomer, kdKey, o).Track(context.Background(), ships, now); err != nil {
		t.Fatal(err)
	}
	if len(s.times) != 6 {
		t.Fatalf("got %d requests, want 6", len(s.times))
	}
	if span := s.times[5].Sub(s.times[0]); span < 230*time.Millisecond {
		t.Errorf("got 6 requests in %v, want at least 250 ms at 20 a second", span)
	}
}

func TestKuaidi100Cancelled(t *testing.T) {
	s := newScript(map[string][]reply{"YT0000000000001": {{delay: 5 * time.Second}}})
	srv, _ := fakeKuaidi100(t, kdCustomer, kdKey, s)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	ships := []poll.Shipment{{Tracking: "YT0000000000001", Carrier: station.CarrierYTO}, {Tracking: "YT0000000000002", Carrier: station.CarrierYTO}}
	_, err := poll.NewKuaidi100(kdCustomer, kdKey, fast(srv.URL)).Track(ctx, ships, now)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want the context's deadline", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v after the context ended", d)
	}
	if s.count("YT0000000000002") != 0 {
		t.Errorf("asked for the second shipment after the context ended")
	}
}
