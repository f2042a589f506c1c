package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"returns-station/station"
)

// Store is what the web layer needs from storage (station/bolt implements it).
type Store interface {
	// Update runs one command in one durable transaction; see station.Tx.
	// With idem set, a repeat returns *station.Replayed.
	Update(ctx context.Context, idem *station.Idempotency, fn func(station.Tx) (any, error)) (any, error)
	View(fn func(station.Tx) error) error
	ListParcels(f station.ParcelFilter, cursor string, limit int) ([]*station.Parcel, string, error)
	ListExceptions(state string, limit int) ([]*station.Exception, error)
	// WaitingParcels lists parcels received and not yet closed, oldest first.
	WaitingParcels(limit int) ([]*station.Parcel, error)
	// OpenParcels lists what the ageing board needs of each open parcel,
	// oldest first, read from an index without loading parcels or units;
	// those received after fullAfter carry only their id and receipt time.
	OpenParcels(fullAfter time.Time, limit int) ([]station.OpenParcel, error)
	EventsAfter(ctx context.Context, after uint64, limit int) ([]station.Event, error)
	// FeedEventsAfter is EventsAfter for the feed central pulls: it notes
	// that events left the station, and holds back the events whose seq
	// may still change (after a restore, until central's position is known).
	FeedEventsAfter(ctx context.Context, after uint64, limit int) ([]station.Event, error)
	// FeedReaderHolds is told that a feed reader presented a cursor this
	// station signed before a restore: the reader holds the events up to
	// seq. Without a push link that is the only word on central's position.
	FeedReaderHolds(ctx context.Context, seq uint64) error
	FirstSeq() (uint64, error)
	LastSeq() uint64
	Committed() <-chan struct{}
	TokenBySecret(secret string) (*station.Token, error)
	// PutPhoto stores a photo by its hash; created is false if it was there.
	PutPhoto(sha string, data []byte) (created bool, err error)
	Photo(sha string) ([]byte, error)
	// DropPhoto deletes a photo's file unless a unit still shows it.
	DropPhoto(sha string) error
	StationID() string
	Epoch() string
	FeedKey() []byte
}

// Lookup asks central about a parcel nothing local matches (sync/central).
// It returns (nil, error with code not_found) when central does not know it.
type Lookup interface {
	Lookup(ctx context.Context, tracking, carrier string) (*station.ReturnAuthorization, error)
}

// CarrierHook verifies and parses one provider's webhook (carriers/…).
type CarrierHook interface {
	// Receive verifies one webhook delivery over its raw body and headers and
	// returns the normalised updates, plus the exact response body and content
	// type the provider expects. Errors are *station.Error: EUnauthorized
	// (signature) → 401, EInvalid (malformed) → 400.
	Receive(header http.Header, body []byte, now time.Time) (updates []station.TrackingUpdate, reply []byte, replyType string, err error)
}

// Config wires the server.
type Config struct {
	Store  Store
	Logger *slog.Logger
	// Now and NewID are the station's one clock and id source
	// (station.Clock), shared with the store and the workers: sessions,
	// events and records made here read the same time. Nil: the wall clock,
	// and an IDSource of the server's own over Now.
	Now   func() time.Time
	NewID func() string
	// Registry receives the web metrics; the caller owns it.
	Registry *prometheus.Registry
	// Lookup is optional: without it unknown parcels stay unmatched until the pull.
	Lookup        Lookup
	LookupTimeout time.Duration
	// Hooks maps provider names (kuaidi100, track17, …) to their verifiers.
	Hooks map[string]CarrierHook
	// HandlerTimeout bounds each request's work.
	HandlerTimeout time.Duration
	// Ready reports whether the station can take work (nil: ready).
	Ready func() error
	// Sessions enables staff sign-in with a cookie (nil: bearer tokens only).
	Sessions Sessions
	// The capabilities below are optional and wired by the caller, never
	// discovered from Store. Their routes stay mounted (and documented in
	// OpenAPI) either way; without the capability they answer a problem that
	// names what is missing, so a client can tell "not on this station"
	// from a wrong address.

	// Accounts manages people and tokens (nil: the account routes answer
	// 503 accounts_off, and token use is not recorded).
	Accounts Accounts
	// FirstAdmin creates the first account in the browser (nil: POST
	// /api/v1/setup answers 501 not_configured).
	FirstAdmin FirstAdmin
	// Printing is the printer registry and print queue (nil: the printer and
	// print routes answer 503 printing_off).
	Printing Printing
	// Backups streams hot backups (nil: GET /api/v1/admin/backup answers
	// 501 not_configured).
	Backups Backuper
	// IdleTimeout ends a session nobody used for this long (DefaultIdleTimeout).
	IdleTimeout time.Duration
	// Labels renders labels (nil: label routes answer 501).
	Labels LabelRenderer
	// Spooler is woken when a print job is queued.
	Spooler Kicker
	// Sync is the link to central (nil: the station runs offline-only).
	Sync Sync
	// TrustedProxies are reverse proxies (IPs or CIDRs) whose X-Forwarded-For,
	// -Proto and -Host are believed; empty believes none. Of X-Forwarded-For
	// only the hops these proxies added count (see clientIP).
	TrustedProxies []string
	// SetupCode, when not empty, lets the first admin be created in the
	// browser (POST /api/v1/setup) by whoever has it: the caller makes it
	// only while no account exists and prints it in the log at start.
	SetupCode string
	// Ageing is the 24-hour clock's target and alarm (zero: 24 h and 48 h).
	Ageing station.AgeTargets
}

// DefaultIdleTimeout ends a staff session nobody used for this long.
const DefaultIdleTimeout = station.DefaultSessionIdle

// Server is the station's HTTP server.
type Server struct {
	cfg     Config
	app     *fiber.App
	log     *slog.Logger
	now     func() time.Time
	metrics *metrics
	logins  *station.Lockout // sign-ins per user and per client
	proxies []netip.Prefix
	setup   *setup // the one-time setup code for the first admin

	// life ends when Shutdown begins: every request's context derives from
	// it, so a long poll answers at once instead of holding the shutdown.
	life    context.Context
	endLife context.CancelFunc

	touchMu sync.Mutex
	touched map[string]time.Time
	sweepAt int // sweep touched once it reaches this size

	patternTable // route patterns for metric labels
}

type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	hooks    *prometheus.CounterVec
}

// maxJSON bounds a JSON request body. Photos have their own, larger limit.
const maxJSON = 1 << 20

// maxPhoto bounds one uploaded photo.
const maxPhoto = 8 << 20

// New builds the server and its routes.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewID == nil {
		cfg.NewID = station.NewIDSource(cfg.Now, rand.Reader).New
	}
	if cfg.HandlerTimeout == 0 {
		cfg.HandlerTimeout = 15 * time.Second
	}
	if cfg.LookupTimeout == 0 {
		cfg.LookupTimeout = 300 * time.Millisecond
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	s := &Server{cfg: cfg, log: cfg.Logger, now: cfg.Now, logins: station.NewLockout(station.SignInAttempts, station.SignInWindow), setup: newSetup(cfg.SetupCode), touched: map[string]time.Time{},
		proxies: parseProxies(cfg.TrustedProxies)}
	s.life, s.endLife = context.WithCancel(context.Background())
	s.metrics = &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "station_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "station_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10}}, []string{"route"}),
		hooks: newHookMetric(),
	}
	cfg.Registry.MustRegister(s.metrics.requests, s.metrics.latency, s.metrics.hooks, newAgeingCollector(s), newAlertsCollector(s), newThroughputCollector(s))
	s.app = fiber.New(fiber.Config{
		AppName:               "returns-station",
		BodyLimit:             maxPhoto + 1<<20,
		Immutable:             true, // request values outlive the handler (logs, events)
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          75 * time.Second, // the feed's long poll waits up to 60 s
		IdleTimeout:           120 * time.Second,
		DisableStartupMessage: true,
		// Forwarded headers (-Proto, -Host) count only from a listed proxy; with
		// none listed, from nobody. Client addresses come from clientIP.
		EnableTrustedProxyCheck: true,
		TrustedProxies:          cfg.TrustedProxies,
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			return s.writeProblem(c, err)
		},
	})
	s.routes()
	return s
}

// App exposes the Fiber app, for tests that call it in memory.
func (s *Server) App() *fiber.App { return s.app }

// Serve answers on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.app.Listener(ln) }

// Shutdown ends every request's context (a long poll answers what it has),
// stops accepting connections and waits for requests in flight.
func (s *Server) Shutdown(ctx context.Context) error {
	s.endLife()
	return s.app.ShutdownWithContext(ctx)
}

// identity is who is calling.
type identity struct {
	Actor   string
	Role    string
	Session string // session hash when signed in by cookie
}

const localIdentity = "identity"

func (s *Server) observe(c *fiber.Ctx) error {
	start := time.Now()
	ctx, cancel := context.WithTimeout(s.life, s.cfg.HandlerTimeout)
	defer cancel()
	c.SetUserContext(ctx)
	if err := c.Next(); err != nil {
		if perr := s.writeProblem(c, err); perr != nil {
			return perr
		}
	}
	route := s.routeLabel(c)
	s.metrics.requests.WithLabelValues(route, strconv.Itoa(c.Response().StatusCode())).Inc()
	s.metrics.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
	return nil
}

// auth requires a bearer token or a staff session on every /api/v1 route.
func (s *Server) auth(c *fiber.Ctx) error {
	id, err := s.identify(c)
	if err != nil {
		return err
	}
	c.Locals(localIdentity, id)
	return c.Next()
}

// identify finds the caller: a staff session cookie, or a bearer token.
func (s *Server) identify(c *fiber.Ctx) (identity, error) {
	h := c.Get(fiber.HeaderAuthorization)
	secret, ok := strings.CutPrefix(h, "Bearer ")
	if !ok && s.cfg.Sessions != nil {
		if cookie := c.Cookies(SessionCookie); cookie != "" {
			return s.sessionIdentity(c, cookie)
		}
	}
	if !ok || secret == "" {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="returns-station"`)
		return identity{}, station.Errorf(station.EUnauthorized, "sign in: send Authorization: Bearer <token> (create one with `station token create`)").Coded("signin_needed")
	}
	tok, err := s.cfg.Store.TokenBySecret(strings.TrimSpace(secret))
	if err != nil {
		return identity{}, err
	}
	if tok == nil {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="returns-station", error="invalid_token"`)
		return identity{}, station.Errorf(station.EUnauthorized, "the token is unknown or revoked; ask an admin for a new one").Coded("token_unknown")
	}
	s.touchToken(tok.Hash)
	return identity{Actor: "token:" + tok.Name, Role: tok.Role}, nil
}

func ident(c *fiber.Ctx) identity {
	id, _ := c.Locals(localIdentity).(identity)
	return id
}

// need refuses the request unless the caller has at least role.
func need(role string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id := ident(c)
		if role == station.RoleCentral {
			if id.Role != station.RoleCentral && id.Role != station.RoleAdmin {
				return station.Errorf(station.EForbidden, "this route is for the central platform's token (role central)").Coded("central_only")
			}
			return c.Next()
		}
		if !station.RoleAtLeast(id.Role, role) {
			return station.Errorf(station.EForbidden, "this needs the %s role; you are signed in as %s (%s)", role, id.Actor, id.Role).Coded("role_needed", "role", role)
		}
		return c.Next()
	}
}

// env builds the domain Env for the caller.
func (s *Server) env(c *fiber.Ctx) station.Env {
	id := ident(c)
	return station.Env{StationID: s.cfg.Store.StationID(), Actor: id.Actor, Role: id.Role, Now: s.now, NewID: s.newID}
}

func (s *Server) newID() string { return s.cfg.NewID() }

// command runs fn as one durable command with the request's Idempotency-Key
// and answers with its result: 201 when it created something, else 200.
func (s *Server) command(c *fiber.Ctx, fn func(station.Env, station.Tx) (any, error)) error {
	var idem *station.Idempotency
	if k := c.Get("Idempotency-Key"); k != "" {
		if len(k) > 255 {
			return station.Invalid("Idempotency-Key", "at most 255 characters").Coded("idempotency_key_long")
		}
		idem = &station.Idempotency{Principal: ident(c).Actor, Key: k,
			Fingerprint: fingerprint([]byte(c.Method()), []byte(c.Path()), c.Body())}
	}
	env := s.env(c)
	res, err := s.cfg.Store.Update(c.UserContext(), idem, func(tx station.Tx) (any, error) { return fn(env, tx) })
	if err != nil {
		return err
	}
	if r, ok := res.(*station.Replayed); ok {
		c.Set("Idempotent-Replayed", "true")
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		status := fiber.StatusOK
		if r.Created {
			status = fiber.StatusCreated
		}
		return c.Status(status).Send(r.Body)
	}
	status := fiber.StatusOK
	if cr, ok := res.(interface{ Created() bool }); ok && cr.Created() {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(res)
}

func fingerprint(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(strconv.Itoa(len(p)) + ":"))
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (s *Server) metricsHandler() fiber.Handler {
	return adaptor.HTTPHandler(promhttp.HandlerFor(s.cfg.Registry, promhttp.HandlerOpts{}))
}

func (s *Server) readyz(c *fiber.Ctx) error {
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(); err != nil {
			return sendProblem(c, Problem{Type: problemType("unavailable"), Status: 503, Detail: "not ready: " + err.Error()})
		}
	}
	return c.JSON(fiber.Map{"status": "ready", "station_id": s.cfg.Store.StationID(), "last_seq": s.cfg.Store.LastSeq()})
}

func notConfigured(what string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		return sendProblem(c, Problem{Type: problemType("not_configured"), Status: fiber.StatusNotImplemented,
			Detail: what + " is not available on this station yet.", Code: "not_configured"})
	}
}
