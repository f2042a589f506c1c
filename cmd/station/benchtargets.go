package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
	bbolt "go.etcd.io/bbolt"

	"returns-station/station"
	"returns-station/station/bolt"
	"returns-station/station/web"
)

// load is what one load run measured: every request answered, its
// latency, and how many answers were not the expected status.
type load struct {
	perSec     float64
	p50, p99   time.Duration
	n, refused int64
}

// drive sends POST requests to addr from clients connections for dur, each
// request's body made by body(i), and measures them as wrk would. A request
// whose body() says it should fail counts as answered when the server
// answers 4xx; any other status is an error.
func drive(ctx context.Context, addr, path, token string, clients int, dur time.Duration, body func(i int64) (raw []byte, fails bool)) (load, error) {
	hc := &fasthttp.HostClient{Addr: addr, MaxConns: clients, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	var (
		next     atomic.Int64
		mu       sync.Mutex
		lat      []time.Duration
		refused  atomic.Int64
		firstErr error
		wg       sync.WaitGroup
	)
	start := time.Now()
	stop := start.Add(dur)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Profiles tell the load generator's own work apart (side=client).
			pprof.SetGoroutineLabels(pprof.WithLabels(ctx, pprof.Labels("side", "client")))
			local := make([]time.Duration, 0, 4096)
			req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(res)
			for time.Now().Before(stop) && ctx.Err() == nil {
				raw, fails := body(next.Add(1))
				req.Reset()
				req.SetRequestURI("http://" + addr + path)
				req.Header.SetMethod(fasthttp.MethodPost)
				req.Header.SetContentType("application/json")
				req.Header.Set("Authorization", "Bearer "+token)
				req.SetBodyRaw(raw)
				t0 := time.Now()
				err := hc.Do(req, res)
				local = append(local, time.Since(t0))
				st := res.StatusCode()
				if err == nil && fails && st/100 == 4 {
					refused.Add(1)
					continue
				}
				if err == nil && (fails || st/100 != 2) {
					err = fmt.Errorf("POST %s: status %d: %s", path, st, res.Body())
				}
				if err != nil {
					mu.Lock()
					firstErr = cmpOr(firstErr, err)
					mu.Unlock()
					break
				}
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	if firstErr != nil {
		return load{}, firstErr
	}
	return load{perSec: float64(len(lat)) / secs, p50: percentile(lat, .5), p99: percentile(lat, .99), n: int64(len(lat)), refused: refused.Load()}, nil
}

// peer is a bare Fiber server storing each scan in bbolt, as a program
// written for speed alone would: no auth, no domain rules, one record and
// one index entry per request, durable before the answer. With group set,
// one goroutine drains every waiting request into one commit (no timer);
// without, each request is one db.Update.
type peer struct {
	db   *bbolt.DB
	app  *fiber.App
	addr string
	reqs chan *peerReq
	stop chan struct{}
	done sync.WaitGroup
}

type peerReq struct {
	key, rec []byte
	index    []byte
	err      chan error
}

type peerRecord struct {
	ID         string    `json:"id"`
	Tracking   string    `json:"tracking"`
	Status     string    `json:"status"`
	Packaging  string    `json:"packaging"`
	ReceivedAt time.Time `json:"received_at"`
	ReceivedBy string    `json:"received_by"`
	Station    string    `json:"station"`
	Note       string    `json:"note"`
}

func startPeer(dir string, group bool) (*peer, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	db, err := bbolt.Open(filepath.Join(dir, "peer.db"), 0o600, &bbolt.Options{Timeout: time.Second, InitialMmapSize: 1 << 30, FreelistType: bbolt.FreelistMapType})
	if err != nil {
		return nil, err
	}
	p := &peer{db: db, reqs: make(chan *peerReq, 1024), stop: make(chan struct{})}
	if err := db.Update(func(tx *bbolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists([]byte("scans")); err != nil {
			return err
		}
		_, err := tx.CreateBucketIfNotExists([]byte("idx"))
		return err
	}); err != nil {
		db.Close()
		return nil, err
	}
	write := func(tx *bbolt.Tx, r *peerReq) error {
		if err := tx.Bucket([]byte("scans")).Put(r.key, r.rec); err != nil {
			return err
		}
		return tx.Bucket([]byte("idx")).Put(r.index, r.key)
	}
	if group {
		p.done.Add(1)
		go func() {
			defer p.done.Done()
			for {
				var batch []*peerReq
				select {
				case r := <-p.reqs:
					batch = append(batch, r)
				case <-p.stop:
					return
				}
			fill:
				for len(batch) < 256 {
					select {
					case r := <-p.reqs:
						batch = append(batch, r)
					default:
						break fill
					}
				}
				err := db.Update(func(tx *bbolt.Tx) error {
					for _, r := range batch {
						if err := write(tx, r); err != nil {
							return err
						}
					}
					return nil
				})
				for _, r := range batch {
					r.err <- err
				}
			}
		}()
	}
	var seq atomic.Uint64
	p.app = fiber.New(fiber.Config{DisableStartupMessage: true})
	p.app.Post("/receive", func(c *fiber.Ctx) error {
		var in struct {
			Code string `json:"code"`
		}
		if err := json.Unmarshal(c.Body(), &in); err != nil || in.Code == "" {
			return c.Status(400).SendString("bad scan")
		}
		now := time.Now()
		key := make([]byte, 16)
		binary.BigEndian.PutUint64(key, uint64(now.UnixNano()))
		binary.BigEndian.PutUint64(key[8:], seq.Add(1))
		rec := peerRecord{ID: fmt.Sprintf("%x", key), Tracking: in.Code, Status: "received", Packaging: "intact", ReceivedAt: now,
			ReceivedBy: "token:bench", Station: "st-bench", Note: "received at the dock; no return matched yet"}
		raw, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		r := &peerReq{key: key, rec: raw, index: []byte(in.Code), err: make(chan error, 1)}
		if group {
			p.reqs <- r
			err = <-r.err
		} else {
			err = db.Update(func(tx *bbolt.Tx) error { return write(tx, r) })
		}
		if err != nil {
			return err
		}
		c.Status(201).Set("Content-Type", "application/json")
		return c.Send(raw)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		p.close()
		return nil, err
	}
	p.addr = ln.Addr().String()
	go p.app.Listener(ln)
	return p, nil
}

func (p *peer) close() {
	if p.app != nil {
		p.app.Shutdown()
	}
	close(p.stop)
	p.done.Wait()
	p.db.Close()
}

// runPeer measures a fresh peer at one concurrency.
func runPeer(ctx context.Context, dir string, group bool, clients int, dur time.Duration) (load, error) {
	p, err := startPeer(dir, group)
	if err != nil {
		return load{}, err
	}
	defer p.close()
	return drive(ctx, p.addr, "/receive", "none", clients, dur, func(i int64) ([]byte, bool) {
		return []byte(`{"code":"` + benchTracking(int(i)) + `"}`), false
	})
}

// stationRun is one receive run against a fresh station.
type stationRun struct {
	load
	commits, evictions uint64
	busy, write        time.Duration // committer busy; bbolt's page writes and fsyncs
}

// runStation measures receives of unknown waybills (a new parcel, its
// "unmatched" exception and two events each) at one concurrency. With
// failEvery > 0, every failEvery-th request scans a parcel label of a
// parcel the station never had, refused inside the transaction.
func runStation(ctx context.Context, dir string, clients int, dur time.Duration, failEvery int64) (stationRun, error) {
	db, err := bolt.Open(filepath.Join(dir, "station.db"), bolt.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return stationRun{}, err
	}
	defer db.Close()
	secret, _, err := db.CreateToken("bench", station.RoleSupervisor)
	if err != nil {
		return stationRun{}, err
	}
	srv := web.New(web.Config{Store: db})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return stationRun{}, err
	}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())
	c0, e0, b0, w0 := db.Commits(), db.Evictions(), db.Busy(), writeTime(db)
	l, err := drive(ctx, ln.Addr().String(), "/api/v1/parcels/receive", secret, clients, dur, func(i int64) ([]byte, bool) {
		if failEvery > 0 && i%failEvery == 0 {
			return []byte(fmt.Sprintf(`{"code":"RS1:P:01JD2Z6W8Q3M5T7V9X%08d"}`, i)), true
		}
		return []byte(`{"code":"` + benchTracking(int(i)) + `"}`), false
	})
	if err != nil {
		return stationRun{}, err
	}
	return stationRun{load: l, commits: db.Commits() - c0, evictions: db.Evictions() - e0, busy: db.Busy() - b0,
		write: writeTime(db) - w0}, nil
}

// target is one line of the targets: figure, peer, ratio, goal.
// The p99 line has a fixed limit instead of a peer (against "limit").
func target(w io.Writer, what string, figure, peerFig string, ratio float64, goal string, met bool) {
	against := "peer"
	if strings.HasSuffix(goal, "10 ms") {
		against = "limit"
	}
	verdict := "met"
	if !met {
		verdict = "NOT met"
	}
	fmt.Fprintf(w, "target %-34s %14s  %-5s %14s  ratio %6.2f  (target %s)  %s\n", what, figure, against, peerFig, ratio, goal, verdict)
}

func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 3, 64) + " ms" }

func rate(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) + "/s" }

// targetsBench measures the receive path against bare peers in the same run
// and prints each target of the store's speed goals as met or NOT met.
func targetsBench(ctx context.Context, dir string, dur time.Duration, stdout io.Writer) error {
	sub := func(name string) string { return filepath.Join(dir, name) }
	// Each run carries a profile label (bench=its directory), so a CPU
	// profile of the whole bench can be cut to one run with -tagfocus.
	peerRun := func(name string, group bool, clients int) (l load, err error) {
		pprof.Do(ctx, pprof.Labels("bench", name), func(ctx context.Context) { l, err = runPeer(ctx, sub(name), group, clients, dur) })
		return l, err
	}
	stRun := func(name string, clients int, failEvery int64) (r stationRun, err error) {
		pprof.Do(ctx, pprof.Labels("bench", name), func(ctx context.Context) { r, err = runStation(ctx, sub(name), clients, dur, failEvery) })
		return r, err
	}
	one1, err := peerRun("peer-one-1", false, 1)
	if err != nil {
		return err
	}
	st1, err := stRun("station-1", 1, 0)
	if err != nil {
		return err
	}
	one64, err := peerRun("peer-one-64", false, 64)
	if err != nil {
		return err
	}
	grp64, err := peerRun("peer-group-64", true, 64)
	if err != nil {
		return err
	}
	st64, err := stRun("station-64", 64, 0)
	if err != nil {
		return err
	}
	fail64, err := stRun("station-64-failing", 64, 10)
	if err != nil {
		return err
	}
	row := func(name string, l load) {
		fmt.Fprintf(stdout, "  %-46s %9.0f/s  p50 %9s  p99 %9s\n", name, l.perSec, ms(l.p50), ms(l.p99))
	}
	fmt.Fprintf(stdout, "receive over HTTP on loopback, %s each, load generator in this process:\n", dur)
	row("peer, one bbolt commit per request, 1 client", one1)
	row("station, 1 client", st1.load)
	row("peer, one bbolt commit per request, 64 clients", one64)
	row("peer, group commit without timer, 64 clients", grp64)
	row("station, 64 clients", st64.load)
	row("station, 64 clients, 10% refused in the tx", fail64.load)
	for _, r := range []struct {
		name string
		run  stationRun
	}{{"1 client", st1}, {"64 clients", st64}, {"64 clients, 10% refused", fail64}} {
		cmds := float64(r.run.n)
		fmt.Fprintf(stdout, "  committer, %-24s %7.1f commands/commit, busy %4.0f%% of the run, %6.1f µs/command outside page writes+fsync, %.2f commits/command, %d evictions\n",
			r.name+":", cmds/float64(max(r.run.commits, 1)), 100*r.run.busy.Seconds()/dur.Seconds(),
			float64((r.run.busy-r.run.write).Microseconds())/cmds, float64(r.run.commits)/cmds, r.run.evictions)
	}
	fmt.Fprintln(stdout)
	ra := float64(st1.p50) / float64(one1.p50)
	target(stdout, "1 client: receive p50", ms(st1.p50), ms(one1.p50), ra, "≤ 1.50× one commit", ra <= 1.5)
	rb := st64.perSec / one64.perSec
	target(stdout, "64 clients: receives/s", rate(st64.perSec), rate(one64.perSec), rb, "≥ 8.00× one commit per request", rb >= 8)
	rg := st64.perSec / grp64.perSec
	target(stdout, "64 clients: receives/s", rate(st64.perSec), rate(grp64.perSec), rg, "≥ 0.50× group-commit peer", rg >= 0.5)
	rp := float64(st64.p99) / float64(10*time.Millisecond)
	target(stdout, "64 clients: receive p99", ms(st64.p99), "10.000 ms", rp, "≤ 1.00× 10 ms", rp <= 1)
	rf := fail64.perSec / st64.perSec
	target(stdout, "64 clients, 10% refused: answers/s", rate(fail64.perSec), rate(st64.perSec), rf, "≥ 0.85× all valid", rf >= 0.85)
	return nil
}

// writeTime is how long bbolt has spent writing pages and syncing them.
func writeTime(db *bolt.DB) time.Duration {
	st := db.Stats()
	return st.TxStats.GetWriteTime()
}
