package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"returns-station/labels"
	"returns-station/station"
	"returns-station/station/bolt"
	"returns-station/station/web"
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	cfg, err := parseServe(args, stderr, getenv)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel)
	// The one clock and id source of this process: the store, the web
	// server (sessions included) and every background loop read it.
	clk := station.NewClock(time.Now, rand.Reader)
	db, err := bolt.Open(dbPath(cfg.Data), bolt.Options{StationID: cfg.StationID, Logger: log, MaxSize: cfg.MaxDBMB << 20,
		ResumeFromFeed: cfg.CentralURL == "", Now: clk.Now, NewID: clk.NewID})
	if err != nil {
		return explainDamage(err, cfg.Data)
	}
	defer db.Close()
	// Listen first, so a port in use is reported before anything else starts.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another station running? choose another port with --addr)", cfg.Addr, err)
	}
	scheme := "http"
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("load the TLS certificate: %w", err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		scheme = "https"
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "station_event_last_seq", Help: "Seq of the newest committed event."},
		func() float64 { return float64(db.LastSeq()) }))
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "station_store_commits_total", Help: "Groups of commands made durable, each by one journal record (commands share them under load)."},
		func() float64 { return float64(db.Commits()) }))
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "station_store_checkpoints_total", Help: "Commits of the answered commands from the journal into the data file."},
		func() float64 { return float64(db.Checkpoints()) }))
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "station_store_journal_bytes_total", Help: "Bytes of journal records written."},
		func() float64 { return float64(db.JournalBytes()) }))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "station_store_data_file_unwritable",
		Help: "1 while the data file cannot be written (the last checkpoint failed): commands and reads are refused, what was answered is safe in the journal."},
		func() float64 {
			if db.Unwritable() != nil {
				return 1
			}
			return 0
		}))
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "station_store_evictions_total",
		Help: "Group transactions rolled back to drop one command that failed after writing; the rest of the group then committed together."},
		func() float64 { return float64(db.Evictions()) }))
	hooks, err := carrierHooks(getenv)
	if err != nil {
		return err
	}
	if cfg.TZ != "" {
		var zone string
		if err := db.View(func(tx station.Tx) error {
			rs, err := tx.Rules()
			if rs != nil {
				zone = rs.Location().String()
			}
			return err
		}); err != nil {
			return err
		}
		log.Warn("--tz (STATION_TZ) is no longer used and changes nothing: every day and time follows the rules' time_zone; set the warehouse's zone there (Rules page or PUT /api/v1/rules) and remove --tz",
			"component", "main", "tz", cfg.TZ, "rules_time_zone", zone)
	}

	wctx, cancel := context.WithCancel(context.Background())
	w := &workers{cancel: cancel}
	defer w.stop()
	client, link, err := startSync(w, wctx, db, clk, cfg, reg, log)
	if err != nil {
		return err
	}
	spooler := labels.NewSpooler(db, log)
	spooler.Now = clk.Now
	w.start(wctx, "print", log, spooler.Run)
	webCfg := storeWeb(db)
	webCfg.Logger, webCfg.Registry, webCfg.Hooks, webCfg.Sync = log, reg, hooks, link
	webCfg.Labels, webCfg.Spooler, webCfg.TrustedProxies, webCfg.Ready = labelRenderer{}, spooler, cfg.Proxies, func() error {
		return errors.Join(db.Unwritable(), w.ready())
	}
	webCfg.Ageing = station.AgeTargets{Target: cfg.AgeTarget, Alarm: cfg.AgeAlarm}
	if cfg.CentralURL != "" {
		webCfg.Lookup = client
	}
	if n, err := db.UserCount(); err != nil {
		return err
	} else if n == 0 {
		webCfg.SetupCode = newSetupCode()
	}
	srv := web.New(webCfg)
	w.start(wctx, "prune", log, pruneState(db, clk, log, func(err error) { w.report("prune", err) }))
	w.start(wctx, "inbound", log, sweepInbound(db, clk, station.InboundPolicy{DockGrace: cfg.DockGrace, StuckAfter: cfg.StuckAfter}, log,
		func(err error) { w.report("inbound", err) }))
	w.start(wctx, "age-alarm", log, alarmAgedParcels(db, clk, cfg.AgeAlarm, log, func(err error) { w.report("age-alarm", err) }))
	if p := carrierPoller(db, clk, getenv, cfg.PollQuiet, log); p != nil {
		w.start(wctx, "poll", log, p.Run)
	}
	for name := range hooks {
		log.Info("carrier webhook enabled", "component", "carriers", "provider", name, "route", "/hooks/carriers/"+name)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("station serving", "component", "main", "addr", ln.Addr().String(), "data", cfg.Data, "station_id", db.StationID())
	fmt.Fprintf(stdout, "returns station %s listening on %s://%s (data in %s)\n", db.StationID(), scheme, ln.Addr(), cfg.Data)
	if webCfg.SetupCode != "" {
		page := scheme + "://" + pageHost(ln.Addr()) + "/"
		log.Warn("no staff account yet: open the station's page and create the first admin with this one-time setup code",
			"component", "main", "setup_code", webCfg.SetupCode, "page", page)
		fmt.Fprintf(stdout, "no account yet: open %s and create the first admin with the setup code %s (it works once)\n", page, webCfg.SetupCode)
	}
	select {
	case err := <-errc:
		return fmt.Errorf("http server stopped: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "component", "main")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("http shutdown incomplete", "component", "main", "err", err)
	}
	return nil
}

// storeWeb is the web configuration of a station over db: the store serves
// every capability the web layer has (accounts, set-up, printing, backups)
// and lends it its clock and id source. serve adds the rest; the benchmarks
// measure this same server.
func storeWeb(db *bolt.DB) web.Config {
	clk := db.Clock()
	return web.Config{Store: db, Sessions: db, Accounts: db, FirstAdmin: db, Printing: db, Backups: db, Now: clk.Now, NewID: clk.NewID}
}

// setupAlphabet has no 0/O, 1/I or similar pairs, so a code read off a
// screen is typed right.
const setupAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// newSetupCode returns a one-time code of 12 random characters (60 bits) in
// three groups, such as "K7QM-3XWD-9HTP".
func newSetupCode() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	var out strings.Builder
	for i, v := range b {
		if i > 0 && i%4 == 0 {
			out.WriteByte('-')
		}
		out.WriteByte(setupAlphabet[v%32])
	}
	return out.String()
}

// pageHost is the listener's address as a browser on this machine reaches
// it: "localhost" for an address that listens on every interface.
func pageHost(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
