package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bbolt "go.etcd.io/bbolt"

	"returns-station/carriers"
	"returns-station/carriers/stdwebhook"
	"returns-station/station"
	"returns-station/station/bolt"
	"returns-station/station/web"
	"returns-station/sync/central"
	"returns-station/sync/fakecentral"
)

// bench measures the station on this machine's disk and prints each figure
// beside a baseline measured in the same run. It is not a test: run it on the
// warehouse machine before trusting it with a peak season.
func bench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "scratch directory (default: a temp dir, removed afterwards)")
	dur := fs.Duration("duration", 5*time.Second, "how long each concurrency level runs")
	levels := fs.String("concurrency", "1,8,64", "concurrency levels of the HTTP benchmark")
	parcels := fs.Int("parcels", 1_000_000, "parcels stored for the scale benchmark (0 skips it)")
	drain := fs.Int("drain", 100_000, "queued events for the push drain benchmark (0 skips it)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	memprofile := fs.String("memprofile", "", "write an allocation profile of the whole run to this file")
	rounds := fs.Int("rounds", 3, "rounds of the target workloads (each runs every workload once for --duration)")
	targets := fs.Bool("targets", true, "measure the receive path against bare Fiber + bbolt peers and print the speed targets")
	hooks := fs.Bool("webhooks", true, "measure carrier webhook latency")
	dashParcels := fs.Int("dashboard-parcels", 1_000_000, "parcels stored for the manager's view benchmark (0 skips it; kept in --dir for the next run)")
	dashOpen := fs.Int("dashboard-open", 5000, "of those, parcels still open")
	dashRows := fs.Int("dashboard-csv-rows", 100_000, "rows of the CSV export measured (late parcels are added to a copy until the ageing board lists this many)")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if *memprofile != "" {
		runtime.MemProfileRate = 64 << 10
		defer func() {
			if f, err := os.Create(*memprofile); err == nil {
				pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
		}()
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "station-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	fmt.Fprintf(stdout, "returns station benchmark — %s/%s, %d CPU, scratch %s\n\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), *dir)

	if *targets {
		if err := targetsBench(ctx, filepath.Join(*dir, "targets"), *dur, max(*rounds, 1), stdout); err != nil {
			return err
		}
		fmt.Fprintln(stdout)
	}
	if *levels != "" {
		if err := cycleBench(ctx, *dir, *levels, *dur, stdout); err != nil {
			return err
		}
	}
	if *hooks {
		if err := webhookBench(ctx, filepath.Join(*dir, "webhooks"), 200, *dur, stdout); err != nil {
			return err
		}
	}
	if *drain > 0 {
		if err := drainBench(ctx, filepath.Join(*dir, "drain"), *drain, stdout); err != nil {
			return err
		}
	}
	if *dashParcels > 0 {
		fmt.Fprintln(stdout)
		if err := dashboardBench(ctx, filepath.Join(*dir, "dashboard"), *dashParcels, min(*dashOpen, *dashParcels), *dashRows, max(*rounds, 1), *dur, stdout); err != nil {
			return err
		}
	}
	if *parcels > 0 {
		fmt.Fprintln(stdout)
		if err := scaleBench(ctx, filepath.Join(*dir, "scale"), *parcels, stdout); err != nil {
			return err
		}
	}
	return nil
}

// cycleBench runs the whole desk cycle (receive, add unit, inspect,
// confirm) at each concurrency level against a plain bbolt baseline.
func cycleBench(ctx context.Context, dir, levels string, dur time.Duration, stdout io.Writer) error {
	base, err := baseline(filepath.Join(dir, "baseline.db"), dur)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "baseline: plain bbolt, one put per Update: %.0f commits/s, p50 %s, p99 %s\n\n",
		base.perSec, base.p50.Round(time.Microsecond), base.p99.Round(time.Microsecond))

	fmt.Fprintf(stdout, "%-6s %12s %12s %12s %12s %10s %10s %10s\n", "conc", "commands/s", "× baseline", "receive p50", "receive p99", "p50 ×base", "cmds/commit", "cycles/s")
	for _, l := range strings.Split(levels, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(l))
		if err != nil || c < 1 {
			return usageError{"--concurrency: want numbers such as 1,8,64"}
		}
		r, err := httpBench(ctx, filepath.Join(dir, fmt.Sprintf("http-%d", c)), c, dur)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%-6d %12.0f %12.2f %12s %12s %10.2f %10.2f %10.0f\n", c, r.perSec, r.perSec/base.perSec,
			r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond), float64(r.p50)/float64(base.p50), r.perCommit, r.cycles)
	}
	fmt.Fprintln(stdout)
	return nil
}

type figures struct {
	perSec, perCommit, cycles float64
	p50, p99                  time.Duration
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

// baseline is the cost of one durable bbolt commit on this disk: what a
// station without group commit would pay per command.
func baseline(path string, dur time.Duration) (figures, error) {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		return figures{}, err
	}
	defer db.Close()
	val := bytes.Repeat([]byte("x"), 512)
	var lat []time.Duration
	start := time.Now()
	for time.Since(start) < dur {
		t0 := time.Now()
		err := db.Update(func(tx *bbolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("b"))
			if err != nil {
				return err
			}
			seq, _ := b.NextSequence()
			return b.Put([]byte(strconv.FormatUint(seq, 16)), val)
		})
		if err != nil {
			return figures{}, err
		}
		lat = append(lat, time.Since(t0))
	}
	return figures{perSec: float64(len(lat)) / time.Since(start).Seconds(), p50: percentile(lat, .5), p99: percentile(lat, .99)}, nil
}

// httpBench runs c desks, each receiving a parcel, adding a unit, answering
// the checklist and confirming, through the HTTP API on loopback.
func httpBench(ctx context.Context, dir string, c int, dur time.Duration) (figures, error) {
	db, err := bolt.Open(filepath.Join(dir, "station.db"), bolt.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return figures{}, err
	}
	defer db.Close()
	secret, _, err := db.CreateToken("bench", station.RoleSupervisor)
	if err != nil {
		return figures{}, err
	}
	// Most parcels at a real dock are expected: load RMAs for the waybills the
	// desks will scan, so receives match and units match lines.
	const expected = 30000
	env := db.Clock().Env(db.StationID(), "system:bench", station.RoleAdmin)
	now := time.Now()
	for i := 0; i < expected; i += 1000 {
		_, err := db.Update(ctx, nil, func(tx station.Tx) (any, error) {
			for j := i; j < i+1000; j++ {
				if _, err := station.PutReturn(tx, env, benchRMA(j, now), "later_pull"); err != nil {
					return nil, err
				}
			}
			return nil, nil
		})
		if err != nil {
			return figures{}, err
		}
	}
	srv := web.New(storeWeb(db))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return figures{}, err
	}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())
	url := "http://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c, MaxConnsPerHost: c}, Timeout: 30 * time.Second}
	post := func(method, path string, body any, out any) error {
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequestWithContext(ctx, method, url+path, bytes.NewReader(raw))
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		data, _ := io.ReadAll(res.Body)
		if res.StatusCode/100 != 2 {
			return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, data)
		}
		if out != nil {
			return json.Unmarshal(data, out)
		}
		return nil
	}
	answers := map[string]any{"packaging": "sealed", "used": false, "damaged": false, "works": true, "accessories_complete": true}
	var (
		n, cycles atomic.Int64
		mu        sync.Mutex
		recvLat   []time.Duration
		firstErr  error
		wg        sync.WaitGroup
	)
	commits0 := db.Commits()
	start := time.Now()
	stop := start.Add(dur)
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var local []time.Duration
			for i := w; time.Now().Before(stop); i += c {
				// A desk needs only the ids from the answers; decoding the
				// whole documents would measure the load generator, not the station.
				var rec struct{ Parcel struct{ ID string } }
				t0 := time.Now()
				err := post("POST", "/api/v1/parcels/receive", map[string]any{"code": benchTracking(i)}, &rec)
				local = append(local, time.Since(t0))
				var ur struct{ Unit struct{ ID string } }
				if err == nil {
					err = post("POST", "/api/v1/parcels/"+rec.Parcel.ID+"/units", map[string]any{"code": "SKU-1"}, &ur)
				}
				if err == nil {
					err = post("PUT", "/api/v1/units/"+ur.Unit.ID+"/inspection", map[string]any{"checklist": answers}, nil)
				}
				if err == nil {
					err = post("POST", "/api/v1/units/"+ur.Unit.ID+"/confirm", map[string]any{}, nil)
				}
				if err != nil {
					mu.Lock()
					firstErr = cmpOr(firstErr, err)
					mu.Unlock()
					return
				}
				n.Add(4)
				cycles.Add(1)
			}
			mu.Lock()
			recvLat = append(recvLat, local...)
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	if firstErr != nil {
		return figures{}, firstErr
	}
	secs := time.Since(start).Seconds()
	commits := float64(db.Commits() - commits0)
	return figures{perSec: float64(n.Load()) / secs, perCommit: float64(n.Load()) / commits, cycles: float64(cycles.Load()) / secs,
		p50: percentile(recvLat, .5), p99: percentile(recvLat, .99)}, nil
}

func benchTracking(i int) string { return fmt.Sprintf("SF%013d", i) }

func benchRMA(i int, now time.Time) *station.ReturnAuthorization {
	delivered, requested := now.Add(-72*time.Hour), now.Add(-24*time.Hour)
	return &station.ReturnAuthorization{RMA: fmt.Sprintf("RMA-B-%07d", i), Version: 1, Status: station.RMAApproved,
		OrderID: fmt.Sprintf("SO-B-%07d", i), Policy: station.PolicyNoReason7d, DeliveredAt: &delivered, RequestedAt: &requested,
		Refund:          station.Money{Amount: "99.00", Currency: "CNY"},
		ReturnShipments: []station.ReturnShipment{{Carrier: "SF", Tracking: benchTracking(i)}},
		Lines:           []station.RMALine{{Line: 1, SKU: "SKU-1", Name: "水杯", Category: "home", Qty: 1, UnitPrice: "99.00"}}}
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// scaleBench fills a station with n parcels through the domain's Receive,
// then measures, in a fresh process, how long the file takes to open, the
// memory it needs and how fast a tracking number is found.
func scaleBench(ctx context.Context, dir string, n int, stdout io.Writer) error {
	path := filepath.Join(dir, "station.db")
	db, err := bolt.Open(path, bolt.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	env := db.Clock().Env(db.StationID(), "system:bench", station.RoleAdmin)
	start := time.Now()
	const chunk = 5000
	for i := 0; i < n; i += chunk {
		_, err := db.Update(ctx, nil, func(tx station.Tx) (any, error) {
			for j := i; j < min(i+chunk, n); j++ {
				if _, err := station.Receive(tx, env, station.ReceiveInput{Code: fmt.Sprintf("SF%013d", j)}); err != nil {
					return nil, err
				}
			}
			return nil, nil
		})
		if err != nil {
			db.Close()
			return err
		}
	}
	fill := time.Since(start)
	if err := db.Close(); err != nil {
		return err
	}
	st, _ := os.Stat(path)
	fmt.Fprintf(stdout, "scale: %d parcels (with their events and exceptions) stored in %s, file %.0f MB\n", n, fill.Round(time.Second), float64(st.Size())/1e6)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	out, err := exec.CommandContext(ctx, self, "bench-open", path, strconv.Itoa(n)).CombinedOutput()
	if err != nil {
		return fmt.Errorf("open benchmark: %v: %s", err, out)
	}
	stdout.Write(out)
	return nil
}

// benchOpen runs in a fresh process so its memory figure is the station's own.
func benchOpen(args []string, stdout io.Writer) error {
	if len(args) != 2 {
		return usageError{"usage: station bench-open FILE N"}
	}
	n, _ := strconv.Atoi(args[1])
	rssBefore := rssMB("VmRSS:")
	start := time.Now()
	db, err := bolt.Open(args[0], bolt.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer db.Close()
	open := time.Since(start)
	const lookups = 20000
	var lat []time.Duration
	var buf [8]byte
	for i := 0; i < lookups; i++ {
		rand.Read(buf[:])
		j := int(uint64(buf[0])<<32|uint64(buf[1])<<24|uint64(buf[2])<<16|uint64(buf[3])<<8|uint64(buf[4])) % n
		tr := fmt.Sprintf("SF%013d", j)
		t0 := time.Now()
		var p *station.Parcel
		err := db.View(func(tx station.Tx) (err error) {
			p, err = tx.ParcelByKey(tr)
			return err
		})
		lat = append(lat, time.Since(t0))
		if err != nil || p == nil {
			return fmt.Errorf("tracking %s not found: %v", tr, err)
		}
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(stdout, "scale: open %s (target < 2 s, %.4f× of target); after %d look-ups resident %.0f MB = %.0f MB process memory (Go heap in use %.0f MB) + %.0f MB of the data file mapped from the page cache (target < 200 MB; %.0f MB before open)\n",
		open.Round(time.Millisecond), open.Seconds()/2, lookups, rssMB("VmRSS:"), rssMB("RssAnon:"), float64(ms.HeapInuse)/1e6, rssMB("RssFile:"), rssBefore)
	fmt.Fprintf(stdout, "scale: tracking look-up p50 %s, p99 %s (target < 1 ms)\n", percentile(lat, .5).Round(time.Microsecond), percentile(lat, .99).Round(time.Microsecond))
	return nil
}

// rssMB reads one of the process's memory figures (VmRSS:, RssAnon:,
// RssFile:) from /proc (Linux), in MB.
func rssMB(field string) float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == field {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return -1
}

// drainBench times pushing n queued events to the fake central on loopback,
// beside a baseline of posting the same batches with no store or relay.
func drainBench(ctx context.Context, dir string, n int, stdout io.Writer) error {
	db, err := bolt.Open(filepath.Join(dir, "station.db"), bolt.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer db.Close()
	env := db.Clock().Env(db.StationID(), "system:bench", station.RoleAdmin)
	now := time.Now()
	for i := 0; i < n; i += 1000 {
		_, err := db.Update(ctx, nil, func(tx station.Tx) (any, error) {
			for j := i; j < min(i+1000, n); j++ {
				if _, err := station.PutReturn(tx, env, benchRMA(j, now), "later_pull"); err != nil {
					return nil, err
				}
			}
			return nil, nil
		})
		if err != nil {
			return err
		}
	}
	fc := fakecentral.New(fakecentral.Options{})
	srv := httptest.NewServer(fc.Handler())
	defer srv.Close()

	// Baseline: the same batches posted straight from memory.
	events, err := db.EventsAfter(ctx, 0, n)
	if err != nil {
		return err
	}
	client, err := central.New(central.Config{BaseURL: srv.URL, StationID: db.StationID(), Token: "t"})
	if err != nil {
		return err
	}
	t0 := time.Now()
	for i := 0; i < len(events); i += central.MaxBatch {
		if _, err := client.PushEvents(ctx, events[i:min(i+central.MaxBatch, len(events))]); err != nil {
			return err
		}
	}
	base := time.Since(t0)

	fc2 := fakecentral.New(fakecentral.Options{})
	srv2 := httptest.NewServer(fc2.Handler())
	defer srv2.Close()
	client2, err := central.New(central.Config{BaseURL: srv2.URL, StationID: db.StationID(), Token: "t"})
	if err != nil {
		return err
	}
	pusher, err := central.NewPusher(client2, db, db, central.PushOptions{})
	if err != nil {
		return err
	}
	pctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	t0 = time.Now()
	go func() { pusher.Run(pctx); close(done) }()
	for {
		st, err := db.PushState(ctx)
		if err != nil {
			cancel()
			return err
		}
		if st.AckedSeq >= db.LastSeq() {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	took := time.Since(t0)
	cancel()
	<-done
	fmt.Fprintf(stdout, "drain: %d queued events pushed to the fake central in %s (%.0f events/s); baseline, same batches posted from memory: %s (%.0f events/s); ratio %.2f\n",
		n, took.Round(time.Millisecond), float64(n)/took.Seconds(), base.Round(time.Millisecond), float64(n)/base.Seconds(), took.Seconds()/base.Seconds())
	return nil
}

// webhookBench sends signed carrier deliveries at rate per second for dur
// and reports their latency beside /healthz at the same rate.
func webhookBench(ctx context.Context, dir string, rate int, dur time.Duration, stdout io.Writer) error {
	db, err := bolt.Open(filepath.Join(dir, "station.db"), bolt.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer db.Close()
	secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("bench-secret-bench-secret-24"))
	hook, err := carriers.New("webhook", []string{secret})
	if err != nil {
		return err
	}
	cfg := storeWeb(db)
	cfg.Hooks = map[string]web.CarrierHook{"webhook": hook}
	srv := web.New(cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())
	url := "http://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	run := func(req func(i int) *http.Request) ([]time.Duration, error) {
		var (
			mu   sync.Mutex
			lat  []time.Duration
			wg   sync.WaitGroup
			errs atomic.Int64
		)
		tick := time.NewTicker(time.Second / time.Duration(rate))
		defer tick.Stop()
		stop := time.After(dur)
		for i := 0; ; i++ {
			select {
			case <-stop:
				wg.Wait()
				if errs.Load() > 0 {
					return nil, fmt.Errorf("%d requests failed", errs.Load())
				}
				return lat, nil
			case <-tick.C:
			}
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				t0 := time.Now()
				res, err := client.Do(req(i))
				d := time.Since(t0)
				if err != nil || res.StatusCode != 200 {
					errs.Add(1)
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}(i)
		}
	}
	base, err := run(func(int) *http.Request { r, _ := http.NewRequest("GET", url+"/healthz", nil); return r })
	if err != nil {
		return err
	}
	hooks, err := run(func(i int) *http.Request {
		body := fmt.Sprintf(`{"tracking":"SF%013d","status":"in_transit","occurred_at":%q}`, i, time.Now().Format(time.RFC3339))
		id := "b-" + strconv.Itoa(i)
		sig, _ := stdwebhook.Sign(secret, id, time.Now(), []byte(body))
		r, _ := http.NewRequest("POST", url+"/hooks/carriers/webhook", strings.NewReader(body))
		r.Header.Set("webhook-id", id)
		r.Header.Set("webhook-timestamp", strconv.FormatInt(time.Now().Unix(), 10))
		r.Header.Set("webhook-signature", sig)
		return r
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "webhooks: %d/s for %s: p50 %s, p99 %s (target p99 < 50 ms); baseline /healthz at the same rate: p50 %s, p99 %s\n",
		rate, dur, percentile(hooks, .5).Round(time.Microsecond), percentile(hooks, .99).Round(time.Microsecond),
		percentile(base, .5).Round(time.Microsecond), percentile(base, .99).Round(time.Microsecond))
	return nil
}
