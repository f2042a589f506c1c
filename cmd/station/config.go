package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"returns-station/station"
	"returns-station/station/bolt"
)

// Config is every setting of a station, from flags and the environment
// (flags win). Everything has a working default or is optional.
type Config struct {
	Data         string
	Addr         string
	StationID    string
	CentralURL   string
	CentralToken string
	LogLevel     string
	// TZ is the retired --tz: days and times follow the rules' time_zone.
	// It is still accepted, so a station started with it comes up (and
	// says at start that it is ignored) instead of refusing to start.
	TZ          string
	DockGrace   time.Duration
	StuckAfter  time.Duration
	PollQuiet   time.Duration
	PullEvery   time.Duration
	SyncBackoff time.Duration
	MaxDBMB     int
	TLSCert     string
	TLSKey      string
	Proxies     []string
	AgeTarget   time.Duration
	AgeAlarm    time.Duration
}

// common flags shared by every subcommand.
func dataFlag(fs *flag.FlagSet, getenv func(string) string) *string {
	return fs.String("data", envOr(getenv, "STATION_DATA", "./data"), "data directory (env STATION_DATA)")
}

// stationIDFlag is --station-id, which every command that opens the data
// honours: the first command decides the id, not only serve.
func stationIDFlag(fs *flag.FlagSet, getenv func(string) string) *string {
	return fs.String("station-id", getenv("STATION_ID"), "station id (env STATION_ID; default: generated once and kept in the data directory)")
}

func envOr(getenv func(string) string, k, def string) string {
	if v := getenv(k); v != "" {
		return v
	}
	return def
}

func parseServe(args []string, stderr io.Writer, getenv func(string) string) (Config, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c Config
	data := dataFlag(fs, getenv)
	fs.StringVar(&c.Addr, "addr", envOr(getenv, "STATION_ADDR", ":8080"), "listen address (env STATION_ADDR)")
	stationID := stationIDFlag(fs, getenv)
	fs.StringVar(&c.CentralURL, "central-url", getenv("STATION_CENTRAL_URL"), "central platform base URL (env STATION_CENTRAL_URL; empty: offline)")
	fs.StringVar(&c.CentralToken, "central-token", getenv("STATION_CENTRAL_TOKEN"), "bearer token central issued to this station (env STATION_CENTRAL_TOKEN)")
	fs.StringVar(&c.LogLevel, "log-level", envOr(getenv, "STATION_LOG_LEVEL", "info"), "debug, info, warn or error (env STATION_LOG_LEVEL)")
	fs.StringVar(&c.TZ, "tz", getenv("STATION_TZ"), "retired and ignored: days and times follow the rules' time_zone (env STATION_TZ)")
	fs.DurationVar(&c.DockGrace, "dock-grace", envDuration(getenv, "STATION_DOCK_GRACE", 4*time.Hour), "delivered but not scanned for this long → \"not found at dock\" (env STATION_DOCK_GRACE)")
	fs.DurationVar(&c.StuckAfter, "stuck-after", envDuration(getenv, "STATION_STUCK_AFTER", 120*time.Hour), "no carrier movement for this long → \"stuck\" (env STATION_STUCK_AFTER)")
	fs.DurationVar(&c.PollQuiet, "poll-quiet", envDuration(getenv, "STATION_POLL_QUIET", 6*time.Hour), "poll a tracking API for shipments with no push for this long (env STATION_POLL_QUIET)")
	fs.DurationVar(&c.PullEvery, "pull-interval", envDuration(getenv, "STATION_PULL_INTERVAL", time.Minute), "how often to pull expected returns from central (env STATION_PULL_INTERVAL)")
	fs.DurationVar(&c.SyncBackoff, "sync-max-backoff", envDuration(getenv, "STATION_SYNC_MAX_BACKOFF", 5*time.Minute), "longest wait between tries while central is unreachable (env STATION_SYNC_MAX_BACKOFF)")
	fs.IntVar(&c.MaxDBMB, "max-db-mb", envInt(getenv, "STATION_MAX_DB_MB", 0), "cap the data file at this many MB; 0 means no cap (env STATION_MAX_DB_MB)")
	fs.StringVar(&c.TLSCert, "tls-cert", getenv("STATION_TLS_CERT"), "serve HTTPS with this certificate (PEM; env STATION_TLS_CERT)")
	fs.StringVar(&c.TLSKey, "tls-key", getenv("STATION_TLS_KEY"), "the certificate's private key (PEM; env STATION_TLS_KEY)")
	fs.DurationVar(&c.AgeTarget, "age-target", envDuration(getenv, "STATION_AGE_TARGET", station.DefaultAgeTarget), "a parcel is late once this long after receipt without every unit confirmed and the parcel closed (env STATION_AGE_TARGET)")
	fs.DurationVar(&c.AgeAlarm, "age-alarm", envDuration(getenv, "STATION_AGE_ALARM", station.DefaultAgeAlarm), "a late parcel this long after receipt raises the alarm on the dashboard (env STATION_AGE_ALARM)")
	proxies := fs.String("trusted-proxies", getenv("STATION_TRUSTED_PROXIES"), "comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For/-Proto to believe (env STATION_TRUSTED_PROXIES)")
	if err := fs.Parse(args); err != nil {
		return c, usageError{err.Error()}
	}
	for _, p := range strings.Split(*proxies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			c.Proxies = append(c.Proxies, p)
		}
	}
	if fs.NArg() > 0 {
		return c, usageError{"unexpected arguments: " + strings.Join(fs.Args(), " ")}
	}
	c.Data, c.StationID = *data, *stationID
	return c, c.Validate()
}

// Validate reports every setting that cannot work.
func (c Config) Validate() error {
	var errs []error
	if c.Data == "" {
		errs = append(errs, errors.New("--data: a data directory is required"))
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("--addr %q: want HOST:PORT or :PORT", c.Addr))
	}
	if c.CentralURL != "" {
		u, err := url.Parse(c.CentralURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("--central-url %q: want http(s)://host[:port]", c.CentralURL))
		}
		if c.CentralToken == "" {
			errs = append(errs, errors.New("--central-url is set but --central-token (STATION_CENTRAL_TOKEN) is empty: central will refuse the station"))
		}
	}
	if c.MaxDBMB < 0 {
		errs = append(errs, errors.New("--max-db-mb must be 0 (no cap) or a positive number of megabytes"))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("--tls-cert and --tls-key go together"))
	}
	for _, p := range c.Proxies {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				errs = append(errs, fmt.Errorf("--trusted-proxies: %q is neither an IP nor a CIDR", p))
			}
		}
	}
	if c.DockGrace <= 0 || c.StuckAfter <= 0 || c.PollQuiet <= 0 || c.PullEvery <= 0 || c.SyncBackoff <= 0 {
		errs = append(errs, errors.New("--dock-grace, --stuck-after, --poll-quiet, --pull-interval and --sync-max-backoff must be positive durations such as 4h or 30s"))
	}
	if err := (station.AgeTargets{Target: c.AgeTarget, Alarm: c.AgeAlarm}).Validate(); err != nil {
		errs = append(errs, fmt.Errorf("--age-target, --age-alarm: %w", err))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel))
	}
	if len(errs) > 0 {
		return usageError{errors.Join(errs...).Error()}
	}
	return nil
}

// envDuration reads a duration from the environment; a bad value is kept as
// -1 so Validate reports it instead of silently using the default.
func envDuration(getenv func(string) string, k string, def time.Duration) time.Duration {
	v := getenv(k)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return -1
	}
	return d
}

// envInt reads a whole number from the environment; a bad value becomes -1
// so Validate reports it.
func envInt(getenv func(string) string, k string, def int) int {
	v := getenv(k)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return -1
	}
	return n
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// dbPath is the bbolt file inside a data directory.
func dbPath(data string) string { return filepath.Join(data, "station.db") }

// openForCLI opens the data file for a maintenance command: it never waits
// behind a serving station. stationID is the --station-id setting ("" when
// not set).
func openForCLI(data, stationID string) (*bolt.DB, error) {
	if _, err := os.Stat(dbPath(data)); os.IsNotExist(err) {
		if err := os.MkdirAll(data, 0o750); err != nil {
			return nil, err
		}
	}
	db, err := bolt.Open(dbPath(data), bolt.Options{LockTimeout: 300 * time.Millisecond, StationID: stationID})
	if errors.Is(err, bolt.ErrLocked) {
		return nil, fmt.Errorf("a station is serving %s right now and holds its data file: stop it first (Ctrl-C or systemctl stop), or do this through its API", data)
	}
	return db, explainDamage(err, data)
}
