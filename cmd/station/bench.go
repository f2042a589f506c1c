package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
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

	"returns-station/station"
	"returns-station/station/bolt"
	"returns-station/station/web"
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
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
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
	if *dir == "" {
		d, err := os.MkdirTemp("", "station-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	fmt.Fprintf(stdout, "returns station benchmark — %s/%s, %d CPU, scratch %s\n\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), *dir)

	base, err := baseline(filepath.Join(*dir, "baseline.db"), *dur)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "baseline: plain bbolt, one put per Update: %.0f commits/s, p50 %s, p99 %s\n\n",
		base.perSec, base.p50.Round(time.Microsecond), base.p99.Round(time.Microsecond))

	fmt.Fprintf(stdout, "%-6s %12s %12s %12s %12s %10s %10s %10s\n", "conc", "commands/s", "× baseline", "receive p50", "receive p99", "p50 ×base", "cmds/commit", "cycles/s")
	for _, l := range strings.Split(*levels, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(l))
		if err != nil || c < 1 {
			return usageError{"--concurrency: want numbers such as 1,8,64"}
		}
		r, err := httpBench(ctx, filepath.Join(*dir, fmt.Sprintf("http-%d", c)), c, *dur)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%-6d %12.0f %12.2f %12s %12s %10.2f %10.2f %10.0f\n", c, r.perSec, r.perSec/base.perSec,
			r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond), float64(r.p50)/float64(base.p50), r.perCommit, r.cycles)
	}
	if *parcels > 0 {
		fmt.Fprintln(stdout)
		if err := scaleBench(ctx, filepath.Join(*dir, "scale"), *parcels, stdout); err != nil {
			return err
		}
	}
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
	env := station.Env{StationID: db.StationID(), Actor: "system:bench", Role: station.RoleAdmin, Now: time.Now, NewID: station.NewIDSource(time.Now, rand.Reader).New}
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
	srv := web.New(web.Config{Store: db})
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
				var rec station.ReceiveResult
				t0 := time.Now()
				err := post("POST", "/api/v1/parcels/receive", map[string]any{"code": benchTracking(i)}, &rec)
				local = append(local, time.Since(t0))
				var ur station.UnitResult
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
	env := station.Env{StationID: db.StationID(), Actor: "system:bench", Role: station.RoleAdmin, Now: time.Now, NewID: station.NewIDSource(time.Now, rand.Reader).New}
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
	rssBefore := rssMB()
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
	fmt.Fprintf(stdout, "scale: open %s (target < 2 s, %.2f× of target), resident memory %.0f MB after open and %d look-ups (target < 200 MB; %.0f MB before open)\n",
		open.Round(time.Millisecond), open.Seconds()/2, rssMB(), lookups, rssBefore)
	fmt.Fprintf(stdout, "scale: tracking look-up p50 %s, p99 %s (target < 1 ms)\n", percentile(lat, .5).Round(time.Microsecond), percentile(lat, .99).Round(time.Microsecond))
	return nil
}

// rssMB reads the process's resident set size from /proc (Linux).
func rssMB() float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return -1
}
