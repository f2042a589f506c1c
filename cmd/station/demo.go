package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"returns-station/carriers/stdwebhook"
	"returns-station/station"
	"returns-station/sync/fakecentral"
)

// fakeCentral runs the fake central platform on its own, for integrators and
// for trying the sync by hand (see sync/fakecentral for its knobs).
func fakeCentral(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fakecentral", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:9090", "listen address")
	stationID := fs.String("station-id", "", "serve only this station (empty: any)")
	token := fs.String("token", "", "bearer token stations must send (empty: any)")
	returns := fs.String("returns", "", "file of return authorizations to publish (JSON array or NDJSON)")
	seed := fs.Bool("seed", false, "publish the demo's Chinese e-commerce returns")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	var rmas []station.ReturnAuthorization
	if *returns != "" {
		f, err := os.Open(*returns)
		if err != nil {
			return err
		}
		rmas, err = readReturns(f)
		f.Close()
		if err != nil {
			return err
		}
	}
	if *seed {
		rmas = append(rmas, demoReturns(time.Now())...)
	}
	fc := fakecentral.New(fakecentral.Options{StationID: *stationID, Token: *token, Returns: rmas})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "fake central platform on http://%s (%d returns published); knobs: PUT /_fake/knobs\n", ln.Addr(), len(rmas))
	return serveHTTP(ctx, ln, fc.Handler())
}

func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
}

// demo starts a station with a fake central publishing realistic returns and
// a simulated carrier pushing tracking updates, so a newcomer sees the whole
// flow in the browser within a minute.
func demo(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "the station's listen address")
	data := fs.String("data", "", "data directory (default: a fresh temporary one)")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *data == "" {
		d, err := os.MkdirTemp("", "station-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		*data = d
	}
	db, err := openForCLI(*data, "")
	if err != nil {
		return err
	}
	stationID := db.StationID()
	for _, u := range []struct{ name, display, role, pin string }{
		{"li.wei", "李伟", station.RoleOperator, "1111"}, {"wang.fang", "王芳", station.RoleSupervisor, "2222"}, {"admin", "管理员", station.RoleAdmin, "9999"},
		{"chen.jing", "陈静", station.RoleOperator, "3333"}, {"zhao.lei", "赵磊", station.RoleSupervisor, "4444"},
	} {
		if _, err := db.AddUser(station.User{Username: u.name, DisplayName: u.display, Role: u.role}, u.pin, "BADGE-"+u.pin); err != nil && station.ErrorCode(err) != station.EConflict {
			db.Close()
			return err
		}
	}
	t0 := time.Now()
	played, err := seedDemoWeek(ctx, db, stationID, t0)
	db.Close()
	if err != nil {
		return fmt.Errorf("playing the demo's past week: %w", err)
	}
	if played > 0 {
		fmt.Fprintf(stdout, "Played a past week of %d returns in %s (late parcels, throughput, cost and recovery, risk alarms).\n", played, time.Since(t0).Round(time.Millisecond))
	}

	now := time.Now()
	rmas := demoReturns(now)
	centralToken := "demo-central-token"
	fc := fakecentral.New(fakecentral.Options{StationID: stationID, Token: centralToken, Returns: rmas})
	cln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go serveHTTP(ctx, cln, fc.Handler())

	secretRaw := make([]byte, 24)
	rand.Read(secretRaw)
	secret := "whsec_" + base64.StdEncoding.EncodeToString(secretRaw)
	env := map[string]string{
		"STATION_CENTRAL_URL":            "http://" + cln.Addr().String(),
		"STATION_CENTRAL_TOKEN":          centralToken,
		"STATION_CARRIER_WEBHOOK_SECRET": secret,
	}
	demoEnv := func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return getenv(k)
	}
	go simulateCarrier(ctx, "http://"+*addr, secret, rmas, slog.New(slog.NewTextHandler(stderr, nil)))

	fmt.Fprintf(stdout, `
Returns station demo
  Open http://%s in a browser and sign in:
    li.wei    PIN 1111  (operator: receive, inspect, put away)
    wang.fang PIN 2222  (supervisor: overrides, exceptions)
    admin     PIN 9999
    chen.jing PIN 3333  (operator) · zhao.lei PIN 4444 (supervisor)
  A fake central platform publishes %d returns; a simulated carrier pushes tracking updates.
  The past week is on the dashboard (sign in as wang.fang): /dashboard
  Try scanning: %s   (an expected return)
                %s   (matches by RMA number)
                SF9999999999999   (an unknown parcel: kept as an exception)
  Ctrl-C stops everything; the demo's data is thrown away unless you gave --data.

`, *addr, len(rmas), rmas[0].ReturnShipments[0].Tracking, rmas[1].RMA)
	return serve(ctx, []string{"--data", *data, "--addr", *addr}, stdout, stderr, demoEnv)
}

// simulateCarrier pushes Standard Webhooks tracking updates for the demo's
// returns: in transit, out for delivery, delivered, a few seconds apart.
func simulateCarrier(ctx context.Context, base, secret string, rmas []station.ReturnAuthorization, log *slog.Logger) {
	steps := []string{station.TrackInTransit, station.TrackOutForDelivery, station.TrackDelivered}
	n := 0
	for round, status := range steps {
		for i, r := range rmas {
			if i%3 == 2 && status == station.TrackDelivered || i%4 == 3 && round > 0 {
				continue // some parcels are still on their way
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(300 * time.Millisecond):
			}
			n++
			body := fmt.Sprintf(`{"tracking":%q,"carrier":%q,"status":%q,"occurred_at":%q,"location":"杭州转运中心"}`,
				r.ReturnShipments[0].Tracking, r.ReturnShipments[0].Carrier, status, time.Now().Format(time.RFC3339))
			id := "demo-" + strconv.Itoa(n)
			sig, err := stdwebhook.Sign(secret, id, time.Now(), []byte(body))
			if err != nil {
				return
			}
			req, _ := http.NewRequestWithContext(ctx, "POST", base+"/hooks/carriers/webhook", bytes.NewReader([]byte(body)))
			req.Header.Set("webhook-id", id)
			req.Header.Set("webhook-timestamp", strconv.FormatInt(time.Now().Unix(), 10))
			req.Header.Set("webhook-signature", sig)
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				if !errors.Is(err, context.Canceled) {
					log.Debug("simulated carrier: station not answering yet", "err", err)
				}
				continue
			}
			res.Body.Close()
		}
	}
}

// demoReturns are realistic Chinese e-commerce returns across categories and policies.
func demoReturns(now time.Time) []station.ReturnAuthorization {
	type item struct{ sku, gtin, name, category, price string }
	items := []item{
		{"EAR-BT-01", "06901234567892", "蓝牙耳机 Pro", "数码/耳机", "199.00"},
		{"DRS-SUM-23", "", "碎花连衣裙 M码", "女装/连衣裙", "259.00"},
		{"SKN-CRM-50", "", "保湿面霜 50ml", "美妆护肤", "328.00"},
		{"CHY-2KG", "", "智利车厘子 2kg", "生鲜水果", "168.00"},
		{"CUP-TH-500", "", "不锈钢保温杯 500ml", "家居日用", "89.00"},
		{"PHN-X12-128", "", "智能手机 X12 128G", "手机", "2999.00"},
		{"SHO-RUN-42", "", "跑步鞋 42码", "运动鞋", "499.00"},
		{"BK-CN-001", "", "定制刻字钢笔", "文具/定制", "159.00"},
	}
	policies := []string{station.PolicyNoReason7d, station.PolicyNoReason7d, station.PolicyNoReason7d, station.PolicyFresh24h,
		station.PolicyNoReason15d, station.PolicyQuality, station.PolicyNoReason7d, station.PolicyCustom}
	reasons := []station.ReturnReason{{Code: "quality_issue", Text: "左耳没有声音"}, {Code: "size_fit", Text: "尺码偏小"},
		{Code: "changed_mind", Text: "不想要了"}, {Code: "quality_issue", Text: "收到时已经坏了"}, {Code: "no_reason_7d", Text: "七天无理由"},
		{Code: "quality_issue", Text: "屏幕有坏点"}, {Code: "size_fit", Text: "偏大半码"}, {Code: "not_as_described", Text: "刻字有误"}}
	names := []string{"张*", "李*", "王*", "赵*", "陈*", "刘*", "杨*", "黄*"}
	channels := []string{"tmall", "jd", "douyin", "pdd"}
	carriers := []string{"SF", "YTO", "ZTO", "JD"}
	var out []station.ReturnAuthorization
	for i := 0; i < 40; i++ {
		it := items[i%len(items)]
		delivered := now.Add(-time.Duration(48+i*7) * time.Hour)
		requested := delivered.Add(time.Duration(20+i%5*24) * time.Hour)
		if policies[i%len(items)] == station.PolicyFresh24h {
			requested = delivered.Add(6 * time.Hour)
		}
		var tracking string
		switch carriers[i%4] {
		case "SF":
			tracking = fmt.Sprintf("SF%013d", 1234567890123+i)
		case "YTO":
			tracking = fmt.Sprintf("YT%013d", 2412345678000+i)
		case "ZTO":
			tracking = fmt.Sprintf("7531234567%04d", i)
		case "JD":
			tracking = fmt.Sprintf("JDVA%011d", 10000000000+i)
		}
		var serials []string
		if it.category == "数码/耳机" || it.category == "手机" {
			serials = []string{fmt.Sprintf("SN%06dCN", 880000+i)}
		}
		out = append(out, station.ReturnAuthorization{
			RMA: fmt.Sprintf("RMA-%s-%06d", now.Format("20060102"), 100+i), Version: 1, Status: station.RMAApproved,
			OrderID: fmt.Sprintf("SO-%d", 88800+i), Channel: channels[i%4],
			Customer: station.Customer{Name: names[i%len(names)], PhoneTail: fmt.Sprintf("%04d", 1000+i*37%9000)},
			Reason:   reasons[i%len(reasons)], Policy: policies[i%len(items)], DeliveredAt: &delivered, RequestedAt: &requested,
			Refund:          station.Money{Amount: it.price, Currency: "CNY"},
			ReturnShipments: []station.ReturnShipment{{Carrier: carriers[i%4], Tracking: tracking}},
			Lines: []station.RMALine{{Line: 1, SKU: it.sku, GTIN: it.gtin, Name: it.name, Category: it.category, Qty: 1,
				UnitPrice: it.price, Serials: serials}},
		})
	}
	return out
}
