package poll

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"
)

// Options tune one provider's client. The zero value gives the defaults.
type Options struct {
	// BaseURL is the API's address; empty means the provider's public one.
	BaseURL string
	// Rate is the most requests a second this client sends, and Burst how many
	// it may send at once after a quiet spell. 0 means the provider's default
	// and a burst of 1.
	Rate  float64
	Burst int
	// Attempts is how many times one request is tried, the first included,
	// when the failure may pass (network, timeout, 429, 5xx). 0 means 3.
	Attempts int
	// Backoff is the wait before the first retry, doubled for each next one
	// and capped at MaxBackoff. 0 means 1 s and 30 s. A Retry-After longer
	// than MaxBackoff ends the tries: the next poll cycle asks again.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Timeout bounds each request. 0 means 15 s.
	Timeout time.Duration
	// Logger receives the HTTP client's own warnings; nil discards them.
	Logger *slog.Logger
}

// Error is a look-up that failed at a provider.
type Error struct {
	Provider   string        // kuaidi100 or track17
	StatusCode int           // HTTP status; 0 when no answer came
	Code       string        // the provider's own error code, when it gave one
	Message    string        // what went wrong, for the log
	Retryable  bool          // whether asking again later may succeed
	RetryAfter time.Duration // how long the provider asked us to wait, when it did
	Err        error         // the cause, when there is one
}

// Error says which provider failed, how, and why.
func (e *Error) Error() string {
	s := "poll " + e.Provider + ": " + e.Message
	if e.StatusCode != 0 {
		s += " (HTTP " + strconv.Itoa(e.StatusCode) + ")"
	}
	if e.Code != "" {
		s += " (code " + e.Code + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause, so errors.Is finds context.DeadlineExceeded and the like.
func (e *Error) Unwrap() error { return e.Err }

// maxResponse bounds what a client reads of one answer.
const maxResponse = 8 << 20

// client sends one provider's requests under its rate limit and retry policy.
type client struct {
	provider   string
	http       *resty.Client
	limit      *limiter
	attempts   int
	backoff    time.Duration
	maxBackoff time.Duration
}

func newClient(provider, baseURL string, rate float64, o Options) *client {
	if o.BaseURL != "" {
		baseURL = o.BaseURL
	}
	if o.Rate > 0 {
		rate = o.Rate
	}
	c := &client{
		provider:   provider,
		limit:      newLimiter(rate, max(o.Burst, 1)),
		attempts:   orDefault(o.Attempts, 3),
		backoff:    orDefault(o.Backoff, time.Second),
		maxBackoff: orDefault(o.MaxBackoff, 30*time.Second),
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c.http = resty.New().
		SetBaseURL(baseURL).
		SetTimeout(orDefault(o.Timeout, 15*time.Second)).
		SetResponseBodyLimit(maxResponse).
		SetLogger(restyLogger{logger.With("component", "poll", "provider", provider)})
	return c
}

// orDefault returns v, or def when v is zero or less.
func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// post sends one request, built by build, to path, trying again while the
// failure may pass. check reads a 2xx answer's body and returns a *Error
// for an answer that says the request failed.
func (c *client) post(ctx context.Context, path string, build func(*resty.Request) *resty.Request, check func([]byte) error) ([]byte, error) {
	for attempt := 1; ; attempt++ {
		if err := c.limit.wait(ctx); err != nil {
			return nil, err
		}
		resp, err := build(c.http.R().SetContext(ctx)).Post(path)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		err = c.classify(resp, err)
		if err == nil {
			if err = check(resp.Body()); err == nil {
				return resp.Body(), nil
			}
		}
		var e *Error
		if !errors.As(err, &e) || !e.Retryable || attempt >= c.attempts || e.RetryAfter > c.maxBackoff {
			return nil, err
		}
		wait := max(Backoff(c.backoff, c.maxBackoff, attempt-1), e.RetryAfter)
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// classify turns a transport failure or a non-2xx answer into a *Error.
func (c *client) classify(resp *resty.Response, err error) error {
	if err != nil {
		return &Error{Provider: c.provider, Message: "request failed", Retryable: true, Err: err}
	}
	code := resp.StatusCode()
	switch {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusTooManyRequests || code >= 500:
		return &Error{Provider: c.provider, StatusCode: code, Message: "provider busy or failing",
			Retryable: true, RetryAfter: retryAfter(resp.Header().Get("Retry-After"))}
	default:
		return &Error{Provider: c.provider, StatusCode: code, Message: "request refused"}
	}
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(time.Until(at), 0)
	}
	return 0
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// limiter is a token bucket: rate tokens a second, at most burst saved up.
// A caller that finds the bucket empty takes a token on credit and sleeps
// until it is paid for, so callers are served in arrival order.
type limiter struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

func newLimiter(rate float64, burst int) *limiter {
	return &limiter{rate: rate, burst: float64(burst), tokens: float64(burst), last: time.Now()}
}

// wait takes one token, sleeping until there is one or ctx is done.
func (l *limiter) wait(ctx context.Context) error {
	l.mu.Lock()
	now := time.Now()
	l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
	l.last = now
	l.tokens--
	var d time.Duration
	if l.tokens < 0 {
		d = time.Duration(-l.tokens / l.rate * float64(time.Second))
	}
	l.mu.Unlock()
	if d <= 0 {
		return nil
	}
	if err := sleep(ctx, d); err != nil {
		l.mu.Lock()
		l.tokens++ // give back the token that was never used
		l.mu.Unlock()
		return err
	}
	return nil
}

// restyLogger sends resty's messages to slog.
type restyLogger struct{ l *slog.Logger }

// Errorf logs at error level.
func (r restyLogger) Errorf(format string, v ...any) { r.l.Error(fmt.Sprintf(format, v...)) }

// Warnf logs at warning level.
func (r restyLogger) Warnf(format string, v ...any) { r.l.Warn(fmt.Sprintf(format, v...)) }

// Debugf logs at debug level.
func (r restyLogger) Debugf(format string, v ...any) { r.l.Debug(fmt.Sprintf(format, v...)) }
