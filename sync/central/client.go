package central

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/prometheus/client_golang/prometheus"

	"returns-station/station"
)

// MaxBatch is the most events central takes in one push (central.md §3).
const MaxBatch = 500

// Content types of central.md.
const (
	ContentTypeBatch = "application/cloudevents-batch+json"
	contentTypeJSON  = "application/json"
)

// Config configures a Client. Only StationID is required; without BaseURL
// the client is unconfigured and every call fails at once with
// ErrNotConfigured, so a station with no central link still runs.
type Config struct {
	// BaseURL is central's root, e.g. https://central.example.com; the
	// paths of central.md are appended to it.
	BaseURL string
	// StationID names this station to central.
	StationID string
	// Token is the bearer token central issued to this station.
	Token string

	// Timeout bounds one HTTP attempt, body included. Default 30 s.
	Timeout time.Duration
	// RetryCount is how many times the client itself retries a retryable
	// failure before returning it; the long backoff belongs to the Pusher
	// and Puller loops. 0 means the default of 2; negative means none.
	RetryCount int
	// RetryWait is the base of the client's own full-jitter backoff.
	// Default 200 ms.
	RetryWait time.Duration
	// RetryMaxWait caps the client's own waits. A Retry-After up to it is
	// waited out here; a longer one is not retried here but returned in
	// the error (RetryAfter) for the caller's loop to honour. Default 3 s.
	RetryMaxWait time.Duration
	// MaxBodySize caps a response body. Default 32 MiB.
	MaxBodySize int

	// HTTPClient is the HTTP client to send through (its Timeout is
	// replaced by Timeout). Default: a new one with its own transport.
	HTTPClient *http.Client
	// Logger receives the client's debug logs. Default: discard.
	Logger *slog.Logger
	// Registerer, if set, receives the client's request metrics.
	Registerer prometheus.Registerer
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Client speaks central.md to the central platform: it pulls expected
// returns, looks up one parcel, and pushes events. It is safe for concurrent
// use. It also keeps the link state that Pusher.Status reports: every
// answer, or lack of one, says whether central is reachable.
type Client struct {
	stationID    string
	retryMaxWait time.Duration
	now          func() time.Time
	log          *slog.Logger
	rc           *resty.Client // retries retryable failures
	once         *resty.Client // never retries (look-up)
	metrics      *clientMetrics

	mu      sync.Mutex
	base    string // "" when unconfigured
	token   string
	config  string // digest of base, station and token
	link    linkState
	changed chan struct{}
}

// linkState is what the client learned from its last calls.
type linkState struct {
	known       bool
	online      bool
	since       time.Time
	lastSuccess time.Time
	lastError   string
	lastErrorAt time.Time
	authFailed  bool
	lastPull    time.Time
}

// New returns a Client for cfg.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.StationID) == "" {
		return nil, station.Invalid("station_id", "required to talk to the central platform")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	switch {
	case cfg.RetryCount == 0:
		cfg.RetryCount = 2
	case cfg.RetryCount < 0:
		cfg.RetryCount = 0
	}
	if cfg.RetryWait <= 0 {
		cfg.RetryWait = 200 * time.Millisecond
	}
	if cfg.RetryMaxWait <= 0 {
		cfg.RetryMaxWait = 3 * time.Second
	}
	if cfg.RetryMaxWait < cfg.RetryWait {
		cfg.RetryMaxWait = cfg.RetryWait
	}
	if cfg.MaxBodySize <= 0 {
		cfg.MaxBodySize = 32 << 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 4
		hc = &http.Client{Transport: tr}
	} else {
		cp := *hc
		hc = &cp
	}
	hc.Timeout = cfg.Timeout
	// A redirect would turn a POST into a GET: treat it as an answer.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	c := &Client{
		stationID:    cfg.StationID,
		retryMaxWait: cfg.RetryMaxWait,
		now:          cfg.Now,
		log:          cfg.Logger.With("component", "central"),
		changed:      make(chan struct{}),
	}
	if err := c.Reconfigure(cfg.BaseURL, cfg.Token); err != nil {
		return nil, err
	}
	m, err := newClientMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	c.metrics = m

	rl := restyLogger{c.log}
	c.rc = resty.NewWithClient(hc).
		SetLogger(rl).
		SetResponseBodyLimit(cfg.MaxBodySize).
		SetRetryCount(cfg.RetryCount).
		SetRetryWaitTime(cfg.RetryWait).
		SetRetryMaxWaitTime(cfg.RetryMaxWait).
		// AddRetryCondition replaces resty's default (retry on transport
		// errors only), so the condition must handle err != nil itself.
		AddRetryCondition(c.shouldRetry).
		// Without this resty ignores Retry-After and uses equal jitter.
		SetRetryAfter(c.retryAfter)
	c.once = resty.NewWithClient(hc).SetLogger(rl).SetResponseBodyLimit(cfg.MaxBodySize)
	return c, nil
}

// Reconfigure changes central's URL and the token; an empty baseURL leaves
// the client unconfigured. A change clears an authentication failure and
// wakes the loops waiting on Changed, so a corrected token takes effect at
// once.
func (c *Client) Reconfigure(baseURL, token string) error {
	base := strings.TrimRight(strings.TrimSpace(baseURL), "/")
	if base != "" {
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return station.Invalid("central_url", "must be an http or https URL such as https://central.example.com")
		}
	}
	sum := sha256.Sum256([]byte(base + "\x00" + c.stationID + "\x00" + token))
	config := hex.EncodeToString(sum[:8])
	c.mu.Lock()
	defer c.mu.Unlock()
	if config == c.config {
		return nil
	}
	c.base, c.token, c.config = base, token, config
	c.link.authFailed = false
	c.notifyLocked()
	return nil
}

// StationID is the station this client speaks for.
func (c *Client) StationID() string { return c.stationID }

// Configured reports whether the client has a central URL.
func (c *Client) Configured() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base != ""
}

// ConfigID is a digest of the URL, station and token (never the token
// itself). A stopped loop stores it and resumes when it changes.
func (c *Client) ConfigID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.config
}

// Changed returns a channel closed at the next event that should make a
// waiting loop try now: the link comes back (an answer after a failure) or
// the configuration changes. Call it again for the one after.
func (c *Client) Changed() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.changed
}

func (c *Client) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// PullReturns fetches one page of expected returns after cursor (central.md
// §1); an empty cursor starts from the beginning and limit ≤ 0 means
// central's default. RMAs that fail to decode or validate are reported in
// Page.Invalid rather than failing the page.
func (c *Client) PullReturns(ctx context.Context, cursor string, limit int) (Page, error) {
	const op = "pull returns"
	if limit > 1000 {
		limit = 1000
	}
	q := url.Values{}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	path := "/v1/stations/" + url.PathEscape(c.stationID) + "/returns"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	resp, err := c.do(ctx, c.rc, op, http.MethodGet, path, nil)
	if err != nil {
		return Page{}, err
	}
	if resp.StatusCode() != http.StatusOK {
		return Page{}, c.fail(op, c.remoteError(op, resp))
	}
	p, err := decodePage(resp.Body())
	if err != nil {
		return Page{}, c.fail(op, &Error{Op: op, StatusCode: resp.StatusCode(), Malformed: true, Err: err})
	}
	c.succeeded()
	c.mu.Lock()
	c.link.lastPull = c.now()
	c.mu.Unlock()
	return p, nil
}

// Lookup asks central for the return of one parcel by its tracking number
// and, optionally, carrier (central.md §2). It never retries: a scan is
// waiting, so give ctx a short deadline. 404 is a station.ENotFound error;
// no answer in time is station.EUnavailable.
func (c *Client) Lookup(ctx context.Context, tracking, carrier string) (*station.ReturnAuthorization, error) {
	const op = "lookup"
	if strings.TrimSpace(tracking) == "" {
		return nil, station.Invalid("tracking", "required to look a parcel up")
	}
	q := url.Values{"tracking": {tracking}}
	if carrier != "" {
		q.Set("carrier", carrier)
	}
	resp, err := c.do(ctx, c.once, op, http.MethodGet, "/v1/returns/lookup?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode() == http.StatusNotFound {
		c.succeeded()
		return nil, &station.Error{Code: station.ENotFound,
			Message: "the central platform has no return for this parcel",
			Err:     c.remoteError(op, resp)}
	}
	if resp.StatusCode() != http.StatusOK {
		return nil, c.fail(op, c.remoteError(op, resp))
	}
	var r station.ReturnAuthorization
	if err := json.Unmarshal(resp.Body(), &r); err != nil {
		return nil, c.fail(op, &Error{Op: op, StatusCode: resp.StatusCode(), Malformed: true, Err: err})
	}
	c.succeeded()
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("lookup: central's return %q: %w", r.RMA, err)
	}
	return &r, nil
}

// IdempotencyKey is the key of a push of the events first..last
// (central.md §3): the same on every retry of the same batch.
func IdempotencyKey(stationID string, first, last uint64) string {
	return stationID + ":" + strconv.FormatUint(first, 10) + "-" + strconv.FormatUint(last, 10)
}

// PushEvents sends events, in seq order, as one batch of at most MaxBatch
// (central.md §3). Every retry carries the same Idempotency-Key, and central
// deduplicates on (source, id), so a retry after a lost answer is harmless.
// A 200 or 207 answer is a PushResult; anything else is an error wrapping
// *Error.
func (c *Client) PushEvents(ctx context.Context, events []station.Event) (PushResult, error) {
	const op = "push events"
	if len(events) == 0 || len(events) > MaxBatch {
		return PushResult{}, station.Errorf(station.EInvalid, "a push holds 1 to %d events, not %d", MaxBatch, len(events))
	}
	for i := 1; i < len(events); i++ {
		if events[i].Seq <= events[i-1].Seq {
			return PushResult{}, station.Errorf(station.EInvalid, "events to push are not in seq order at %d", events[i].Seq)
		}
	}
	body, err := json.Marshal(events)
	if err != nil {
		return PushResult{}, fmt.Errorf("push events: encode: %w", err)
	}
	key := IdempotencyKey(c.stationID, events[0].Seq, events[len(events)-1].Seq)
	path := "/v1/stations/" + url.PathEscape(c.stationID) + "/events"
	resp, err := c.do(ctx, c.rc, op, http.MethodPost, path, func(r *resty.Request) {
		r.SetHeader("Content-Type", ContentTypeBatch).
			SetHeader("Idempotency-Key", key).
			SetBody(body)
	})
	if err != nil {
		return PushResult{}, err
	}
	sc := resp.StatusCode()
	if sc < 200 || sc > 299 {
		return PushResult{}, c.fail(op, c.remoteError(op, resp))
	}
	res, err := decodePushResult(sc, resp.Body())
	if err != nil {
		return PushResult{}, c.fail(op, &Error{Op: op, StatusCode: sc, Malformed: true, Err: err})
	}
	c.succeeded()
	return res, nil
}

// Position reads how far central holds this station's events (central.md
// §3.1). A station restored from a backup reads it before its first push.
func (c *Client) Position(ctx context.Context) (Position, error) {
	const op = "read central's position"
	path := "/v1/stations/" + url.PathEscape(c.stationID) + "/events/position"
	resp, err := c.do(ctx, c.rc, op, http.MethodGet, path, nil)
	if err != nil {
		return Position{}, err
	}
	if resp.StatusCode() != http.StatusOK {
		return Position{}, c.fail(op, c.remoteError(op, resp))
	}
	pos, err := decodePosition(resp.Body())
	if err != nil {
		return Position{}, c.fail(op, &Error{Op: op, StatusCode: resp.StatusCode(), Malformed: true, Err: err})
	}
	c.succeeded()
	return pos, nil
}

// do sends one request through rc (with its retries) and records the
// outcome. A transport failure comes back as an error; any HTTP answer as a
// response for the caller to judge.
func (c *Client) do(ctx context.Context, rc *resty.Client, op, method, path string, prep func(*resty.Request)) (*resty.Response, error) {
	c.mu.Lock()
	base, token := c.base, c.token
	c.mu.Unlock()
	if base == "" {
		return nil, notConfigured(op)
	}
	req := rc.R().SetContext(ctx).SetHeader("Accept", contentTypeJSON)
	if token != "" {
		req.SetAuthToken(token)
	}
	if prep != nil {
		prep(req)
	}
	start := time.Now()
	resp, err := req.Execute(method, base+path)
	c.metrics.observe(op, resp, err, time.Since(start), req.Attempt)
	if err != nil {
		if ctx.Err() != nil {
			return nil, canceled(op, ctx.Err())
		}
		return nil, c.fail(op, &Error{Op: op, Err: err})
	}
	return resp, nil
}

// remoteError describes an HTTP answer that is not the one wanted.
func (c *Client) remoteError(op string, resp *resty.Response) *Error {
	e := &Error{Op: op, StatusCode: resp.StatusCode(), Problem: decodeProblem(resp.Body())}
	if d, ok := ParseRetryAfter(resp.Header().Get("Retry-After"), c.now()); ok {
		e.RetryAfter = d
	}
	return e
}

// fail records e in the link state and returns it as a station error.
func (c *Client) fail(op string, e *Error) error {
	now := c.now()
	c.mu.Lock()
	c.link.lastError = e.Error()
	c.link.lastErrorAt = now
	switch {
	case e.Retryable():
		c.setOnlineLocked(false, now)
	case e.AuthFailed():
		c.link.authFailed = true
		c.setOnlineLocked(true, now)
	default:
		c.setOnlineLocked(true, now)
	}
	c.mu.Unlock()
	return e.wrap()
}

// succeeded records an answer that is what central means to say.
func (c *Client) succeeded() {
	now := c.now()
	c.mu.Lock()
	c.link.lastSuccess = now
	c.link.authFailed = false
	c.setOnlineLocked(true, now)
	c.mu.Unlock()
}

func (c *Client) setOnlineLocked(online bool, now time.Time) {
	if c.link.known && c.link.online == online {
		return
	}
	wasDown := c.link.known && !c.link.online
	c.link.known, c.link.online, c.link.since = true, online, now
	if online && wasDown {
		c.notifyLocked()
	}
}

// Link returns what the client knows of the link; the push fields are left
// for Pusher.Status to fill.
func (c *Client) Link() station.LinkState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return station.LinkState{
		Configured:    c.base != "",
		Online:        c.link.known && c.link.online,
		Since:         c.link.since,
		AuthFailed:    c.link.authFailed,
		LastSuccessAt: c.link.lastSuccess,
		LastError:     c.link.lastError,
		LastErrorAt:   c.link.lastErrorAt,
		LastPullAt:    c.link.lastPull,
	}
}

// shouldRetry is the client's one resty retry condition: transport errors
// and retryable statuses, unless Retry-After asks for longer than the
// client may wait — that wait belongs to the caller's loop.
func (c *Client) shouldRetry(resp *resty.Response, err error) bool {
	if err != nil {
		return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) &&
			!errors.Is(err, resty.ErrResponseBodyTooLarge)
	}
	if resp == nil || !RetryableStatus(resp.StatusCode()) {
		return false
	}
	if d, ok := ParseRetryAfter(resp.Header().Get("Retry-After"), c.now()); ok && d > c.retryMaxWait {
		return false
	}
	return true
}

// retryAfter is resty's wait before a retry: central's Retry-After when it
// sent one (never above RetryMaxWait, see shouldRetry), else full jitter
// rather than resty's equal jitter.
func (c *Client) retryAfter(rc *resty.Client, resp *resty.Response) (time.Duration, error) {
	if d, ok := ParseRetryAfter(resp.Header().Get("Retry-After"), c.now()); ok && d > 0 {
		return d, nil
	}
	attempt := 1
	if resp.Request != nil && resp.Request.Attempt > 0 {
		attempt = resp.Request.Attempt
	}
	ceil := backoffCeiling(rc.RetryWaitTime, rc.RetryMaxWaitTime, attempt)
	// 0 would mean "use resty's default": return at least 1 ns.
	return max(time.Duration(rand.Int64N(int64(ceil)+1)), time.Nanosecond), nil
}

// backoffCeiling is min(ceiling, base·2^(attempt-1)) without overflow.
func backoffCeiling(base, ceiling time.Duration, attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := base
	for i := 1; i < attempt && d < ceiling; i++ {
		d *= 2
	}
	return min(d, ceiling)
}

// restyLogger sends resty's own messages to slog at debug level: the
// client reports failures itself, once, through its errors.
type restyLogger struct{ log *slog.Logger }

func (l restyLogger) Errorf(format string, v ...any) { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l restyLogger) Warnf(format string, v ...any)  { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l restyLogger) Debugf(format string, v ...any) { l.log.Debug(fmt.Sprintf(format, v...)) }
