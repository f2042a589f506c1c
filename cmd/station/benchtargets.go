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
	"slices"
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
	cpu        time.Duration // CPU the whole process used per request, server and load generator
	perSec     float64
	p50, p99   time.Duration
	n, refused int64
}

// drive sends POST requests to addr from clients connections for dur, each
// request's body made by body(i), and measures them as wrk would. A request
// whose body() says it should fail counts as answered when the server
// answers 4xx; any other status is an error.
func drive(ctx context.Context, addr, path, token string, clients int, dur time.Duration, body func(i int64) (raw []byte, fails bool)) (load, error) {
	return driveKeyed(ctx, addr, path, token, clients, dur, false, body)
}

// driveKeyed is drive; with idem, each request carries a new Idempotency-Key.
func driveKeyed(ctx context.Context, addr, path, token string, clients int, dur time.Duration, idem bool, body func(i int64) (raw []byte, fails bool)) (load, error) {
	hc := &fasthttp.HostClient{Addr: addr, MaxConns: clients, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	var (
		next     atomic.Int64
		mu       sync.Mutex
		lat      []time.Duration
		refused  atomic.Int64
		firstErr error
		wg       sync.WaitGroup
	)
	cpu0 := processCPU()
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
				n := next.Add(1)
				raw, fails := body(n)
				req.Reset()
				req.SetRequestURI("http://" + addr + path)
				req.Header.SetMethod(fasthttp.MethodPost)
				req.Header.SetContentType("application/json")
				req.Header.Set("Authorization", "Bearer "+token)
				req.SetBodyRaw(raw)
				if idem { // a new key per request, as a handheld retrying only on a lost answer
					req.Header.Set("Idempotency-Key", "bench-"+strconv.FormatInt(n, 10))
				}
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
	cpu := processCPU() - cpu0
	if firstErr != nil {
		return load{}, firstErr
	}
	return load{cpu: cpu / time.Duration(max(len(lat), 1)), perSec: float64(len(lat)) / secs, p50: percentile(lat, .5), p99: percentile(lat, .99), n: int64(len(lat)), refused: refused.Load()}, nil
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

// runPeer measures a fresh peer at one concurrency, and the pages its
// bbolt file wrote meanwhile.
func runPeer(ctx context.Context, dir string, group bool, clients int, dur time.Duration) (load, int64, error) {
	p, err := startPeer(dir, group)
	if err != nil {
		return load{}, 0, err
	}
	defer p.close()
	p0 := pagesWritten(p.db)
	l, err := drive(ctx, p.addr, "/receive", "none", clients, dur, func(i int64) ([]byte, bool) {
		return []byte(`{"code":"` + benchTracking(int(i)) + `"}`), false
	})
	return l, pagesWritten(p.db) - p0, err
}

// stationRun is one receive run against a fresh station.
type stationRun struct {
	load
	commits, evictions uint64
	checkpoints        uint64        // commits of the data file
	journal            uint64        // bytes of journal records
	pages              int64         // pages bbolt wrote, meta pages included
	busy, write        time.Duration // committer busy; bbolt's page writes and fsyncs
}

// runStation measures receives of unknown waybills (a new parcel, its
// "unmatched" exception and two events each) at one concurrency. With
// failEvery > 0, every failEvery-th request scans a parcel label of a
// parcel the station never had, refused inside the transaction.
func runStation(ctx context.Context, dir string, clients int, dur time.Duration, failEvery int64, idem bool) (stationRun, error) {
	db, err := bolt.Open(filepath.Join(dir, "station.db"), bolt.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return stationRun{}, err
	}
	defer db.Close()
	secret, _, err := db.CreateToken("bench", station.RoleSupervisor)
	if err != nil {
		return stationRun{}, err
	}
	srv := web.New(storeWeb(db))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return stationRun{}, err
	}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())
	c0, e0, b0, w0, p0 := db.Commits(), db.Evictions(), db.Busy(), writeTime(db), pagesWritten(db)
	k0, j0 := db.Checkpoints(), db.JournalBytes()
	l, err := driveKeyed(ctx, ln.Addr().String(), "/api/v1/parcels/receive", secret, clients, dur, idem, func(i int64) ([]byte, bool) {
		if failEvery > 0 && i%failEvery == 0 {
			return []byte(fmt.Sprintf(`{"code":"RS1:P:01JD2Z6W8Q3M5T7V9X%08d"}`, i)), true
		}
		return []byte(`{"code":"` + benchTracking(int(i)) + `"}`), false
	})
	if err != nil {
		return stationRun{}, err
	}
	return stationRun{load: l, commits: db.Commits() - c0, evictions: db.Evictions() - e0, busy: db.Busy() - b0,
		write: writeTime(db) - w0, pages: pagesWritten(db) - p0, checkpoints: db.Checkpoints() - k0, journal: db.JournalBytes() - j0}, nil
}

// target prints one line of the store's speed targets: the station's
// figure, the peer's (or the limit's), the ratio as the median of the
// rounds' ratios with their spread, the goal and the verdict.
func target(w io.Writer, what, figure, against, peerFig string, ratios []float64, goal string, met func(float64) bool) {
	r := median(ratios)
	verdict := "met"
	if !met(r) {
		verdict = "NOT met"
	}
	fmt.Fprintf(w, "target %-34s %11s  %-5s %11s  ratio %6.2f [%.2f–%.2f]  (target %s)  %s\n",
		what, figure, against, peerFig, r, slices.Min(ratios), slices.Max(ratios), goal, verdict)
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

func ms(d float64) string { return strconv.FormatFloat(d/1e6, 'f', 3, 64) + " ms" }

func rate(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) + "/s" }

// targetsBench measures the receive path against bare peers in the same run
// and prints each of the store's speed targets as met or NOT met. The
// machine may be shared: every round runs each workload once, one after
// the other, so a ratio compares runs seconds apart; the median of the
// rounds' ratios decides, and their spread is printed beside it.
func targetsBench(ctx context.Context, dir string, dur time.Duration, rounds int, stdout io.Writer) error {
	type series struct {
		name         string
		group        bool // peer only
		station      bool
		clients      int
		failEvery    int64
		idem         bool
		runs         []stationRun
		perSec, p50s []float64
		p99s, cpus   []float64
	}
	all := []*series{
		{name: "peer, one bbolt commit per request, 1 client", clients: 1},
		{name: "station, 1 client", station: true, clients: 1},
		{name: "peer, one bbolt commit per request, 64 clients", clients: 64},
		{name: "peer, group commit without timer, 64 clients", group: true, clients: 64},
		{name: "station, 64 clients", station: true, clients: 64},
		{name: "station, 64 clients, 10% refused in the tx", station: true, clients: 64, failEvery: 10},
		{name: "station, 64 clients, Idempotency-Key on each", station: true, clients: 64, idem: true},
	}
	var floors []floor
	for round := range rounds {
		for i, sr := range all {
			// Each run carries a profile label, so a CPU profile of the
			// whole bench can be cut to one workload with -tagfocus.
			label := fmt.Sprintf("%d-%s", i, map[bool]string{true: "station", false: "peer"}[sr.station])
			sub := filepath.Join(dir, fmt.Sprintf("r%d-%s", round, label))
			var r stationRun
			var err error
			pprof.Do(ctx, pprof.Labels("bench", label), func(ctx context.Context) {
				if sr.station {
					r, err = runStation(ctx, sub, sr.clients, dur, sr.failEvery, sr.idem)
				} else {
					r.load, r.pages, err = runPeer(ctx, sub, sr.group, sr.clients, dur)
				}
			})
			if err != nil {
				return fmt.Errorf("%s: %w", sr.name, err)
			}
			os.RemoveAll(sub)
			sr.runs = append(sr.runs, r)
			sr.perSec = append(sr.perSec, r.perSec)
			sr.p50s = append(sr.p50s, float64(r.p50))
			sr.p99s = append(sr.p99s, float64(r.p99))
			sr.cpus = append(sr.cpus, float64(r.cpu))
		}
		f, err := commitFloor(filepath.Join(dir, fmt.Sprintf("r%d-floor", round)), dur)
		if err != nil {
			return fmt.Errorf("bare commit of eight buckets: %w", err)
		}
		floors = append(floors, f)
	}
	fmt.Fprintf(stdout, "receive over HTTP on loopback, %d rounds of %s per workload, load generator in this process (medians [min–max]; cpu: the process's CPU per request, server and load generator):\n", rounds, dur)
	for _, sr := range all {
		fmt.Fprintf(stdout, "  %-46s %8.0f/s [%.0f–%.0f]  p50 %9s  p99 %9s [%s–%s]  cpu %4.0f µs\n", sr.name, median(sr.perSec), slices.Min(sr.perSec), slices.Max(sr.perSec),
			ms(median(sr.p50s)), ms(median(sr.p99s)), ms(slices.Min(sr.p99s)), ms(slices.Max(sr.p99s)), median(sr.cpus)/1e3)
	}
	for _, sr := range all {
		if !sr.station {
			continue
		}
		var cmds, commits, evictions float64
		var busy, write time.Duration
		for _, r := range sr.runs {
			cmds += float64(r.n)
			commits += float64(r.commits)
			evictions += float64(r.evictions)
			busy += r.busy
			write += r.write
		}
		fmt.Fprintf(stdout, "  committer, %-36s %5.1f commands/commit, busy %3.0f%% of the run, %5.1f µs/command outside page writes+fsync, %4.0f evictions\n",
			strings.TrimPrefix(sr.name, "station, ")+":", cmds/max(commits, 1), 100*busy.Seconds()/(dur.Seconds()*float64(rounds)),
			float64((busy-write).Microseconds())/max(cmds, 1), evictions)
	}
	ratios := func(a, b []float64) []float64 {
		out := make([]float64, len(a))
		for i := range a {
			out[i] = a[i] / b[i]
		}
		return out
	}
	one1, st1, one64, grp64, st64, fail64 := all[0], all[1], all[2], all[3], all[4], all[5]
	pagesPerCommit := func(sr *series) float64 {
		var pages, commits float64
		for _, r := range sr.runs {
			pages += float64(r.pages)
			commits += float64(r.commits)
		}
		if !sr.station { // one commit per request
			commits = 0
			for _, r := range sr.runs {
				commits += float64(r.n)
			}
		}
		return pages / max(commits, 1)
	}
	floorP50s := make([]float64, len(floors))
	var floorPages float64
	for i, f := range floors {
		floorP50s[i] = float64(f.p50)
		floorPages += f.pages / float64(len(floors))
	}
	var kb, groups, ckpts, pages float64
	for _, r := range st1.runs {
		kb += float64(r.journal) / 1024
		groups += float64(r.commits)
		ckpts += float64(r.checkpoints)
		pages += float64(r.pages)
	}
	fmt.Fprintf(stdout, "  durability at 1 client: peer %.1f pages per commit (meta included); station %.2f KB of journal per group and %.1f checkpoints of the data file per second, %.1f pages each; a bare bbolt commit of one put into each of 8 buckets, as a receive of an unknown parcel writes, %.1f pages: p50 %s, %.2f× [%.2f–%.2f] the peer's commit\n",
		pagesPerCommit(one1), kb/max(groups, 1), ckpts/(dur.Seconds()*float64(rounds)), pages/max(ckpts, 1),
		floorPages, ms(median(floorP50s)), median(ratios(floorP50s, one1.p50s)), slices.Min(ratios(floorP50s, one1.p50s)), slices.Max(ratios(floorP50s, one1.p50s)))
	fmt.Fprintln(stdout)
	target(stdout, "1 client: receive p50", ms(median(st1.p50s)), "peer", ms(median(one1.p50s)), ratios(st1.p50s, one1.p50s),
		"≤ 1.50× one commit", func(r float64) bool { return r <= 1.5 })
	target(stdout, "64 clients: receives/s", rate(median(st64.perSec)), "peer", rate(median(one64.perSec)), ratios(st64.perSec, one64.perSec),
		"≥ 8.00× one commit per request", func(r float64) bool { return r >= 8 })
	target(stdout, "64 clients: receives/s", rate(median(st64.perSec)), "peer", rate(median(grp64.perSec)), ratios(st64.perSec, grp64.perSec),
		"≥ 0.50× group-commit peer", func(r float64) bool { return r >= 0.5 })
	limit := make([]float64, rounds)
	for i := range limit {
		limit[i] = float64(10 * time.Millisecond)
	}
	target(stdout, "64 clients: receive p99", ms(median(st64.p99s)), "limit", ms(limit[0]), ratios(st64.p99s, limit),
		"≤ 1.00× 10 ms", func(r float64) bool { return r <= 1 })
	idem := all[6]
	fmt.Fprintf(stdout, "  (not a target) 64 clients, each receive with an Idempotency-Key: %s, ratio %.2f [%.2f–%.2f] to the same receives without\n",
		rate(median(idem.perSec)), median(ratios(idem.perSec, st64.perSec)), slices.Min(ratios(idem.perSec, st64.perSec)), slices.Max(ratios(idem.perSec, st64.perSec)))
	target(stdout, "64 clients, 10% refused: answers/s", rate(median(fail64.perSec)), "peer", rate(median(st64.perSec)), ratios(fail64.perSec, st64.perSec),
		"≥ 0.85× all valid", func(r float64) bool { return r >= 0.85 })
	return nil
}

// floor is a bare bbolt commit that touches as many buckets as a receive.
type floor struct {
	p50   time.Duration
	pages float64 // per commit, meta included
}

// commitFloor times commits of one put into each of 8 buckets of a bare
// bbolt file, each bucket big enough to have a branch page, as a receive
// of an unknown parcel puts into 8 (events, parcels, exceptions, four
// indexes, counters). With no HTTP, no domain rules and no JSON, it is the
// least one receive can cost with the station's file layout at 1 client.
func commitFloor(dir string, dur time.Duration) (floor, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return floor{}, err
	}
	defer os.RemoveAll(dir)
	db, err := bbolt.Open(filepath.Join(dir, "floor.db"), 0o600, &bbolt.Options{Timeout: time.Second, InitialMmapSize: 1 << 30, FreelistType: bbolt.FreelistMapType})
	if err != nil {
		return floor{}, err
	}
	defer db.Close()
	val := make([]byte, 300)
	names := make([][]byte, 8)
	put := func(tx *bbolt.Tx, n int) error {
		for _, name := range names {
			b, err := tx.CreateBucketIfNotExists(name)
			if err != nil {
				return err
			}
			for range n {
				seq, _ := b.NextSequence()
				if err := b.Put(binary.BigEndian.AppendUint64(nil, seq), val); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for i := range names {
		names[i] = []byte(fmt.Sprintf("b%d", i))
	}
	if err := db.Update(func(tx *bbolt.Tx) error { return put(tx, 1000) }); err != nil {
		return floor{}, err
	}
	p0 := pagesWritten(db)
	var lat []time.Duration
	for start := time.Now(); time.Since(start) < dur; {
		t0 := time.Now()
		if err := db.Update(func(tx *bbolt.Tx) error { return put(tx, 1) }); err != nil {
			return floor{}, err
		}
		lat = append(lat, time.Since(t0))
	}
	return floor{p50: percentile(lat, .5), pages: float64(pagesWritten(db)-p0) / float64(len(lat))}, nil
}

// pagesWritten is how many pages (meta included) db has written since it opened.
func pagesWritten(db interface{ Stats() bbolt.Stats }) int64 {
	st := db.Stats()
	return st.TxStats.GetWrite()
}

// writeTime is how long bbolt has spent writing pages and syncing them.
func writeTime(db *bolt.DB) time.Duration {
	st := db.Stats()
	return st.TxStats.GetWriteTime()
}
