package central

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"returns-station/station"
)

// Error is a failed call to the central platform. Every error the Client
// returns for a remote failure is a *station.Error (so the web layer maps it
// like any other) that wraps an *Error (so the loops can classify it):
//
//	var ce *central.Error
//	if errors.As(err, &ce) && ce.Retryable() { … }
type Error struct {
	// Op says what was being done: "pull returns", "lookup", "push events".
	Op string
	// StatusCode is central's HTTP status; 0 when no answer came (network
	// error, connection cut, timeout).
	StatusCode int
	// RetryAfter is central's Retry-After, 0 when it sent none.
	RetryAfter time.Duration
	// Problem is central's RFC 9457 body, when it sent one.
	Problem *Problem
	// Malformed is set when a success status came with a body that could
	// not be read: the call is retried, since central's state is unknown.
	Malformed bool
	// Err is the underlying cause: a network or decoding error.
	Err error
}

// Error describes the failure for a log: operation, status, central's
// problem, Retry-After and cause. It never contains the token.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	switch {
	case e.StatusCode == 0:
		b.WriteString(": no answer from central")
	case e.Malformed:
		fmt.Fprintf(&b, ": central answered %d with an unreadable body", e.StatusCode)
	default:
		fmt.Fprintf(&b, ": central answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	}
	if e.Problem != nil {
		if s := e.Problem.Summary(); s != "" {
			b.WriteString(" (")
			b.WriteString(s)
			b.WriteString(")")
		}
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, ", retry after %s", e.RetryAfter)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the network or decoding error beneath, if any.
func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether the same request may succeed later: no answer,
// an unreadable success, 408, 425, 429 and 5xx (except 501 and 505, which
// say central will never handle the request). Everything else — 400, 401,
// 403, 404, 409, 412, 413, 422 … — is permanent: sending it again
// unchanged cannot help.
func (e *Error) Retryable() bool {
	if e.StatusCode == 0 || e.Malformed {
		return true
	}
	return RetryableStatus(e.StatusCode)
}

// AuthFailed reports whether central refused the station's token (401) or
// its rights (403): nothing works until the configuration changes.
func (e *Error) AuthFailed() bool {
	return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
}

// code is the station error code for e.
func (e *Error) code() string {
	switch {
	case e.Retryable():
		return station.EUnavailable
	case e.StatusCode == http.StatusUnauthorized:
		return station.EUnauthorized
	case e.StatusCode == http.StatusForbidden:
		return station.EForbidden
	case e.StatusCode == http.StatusNotFound:
		return station.ENotFound
	case e.StatusCode == http.StatusConflict, e.StatusCode == http.StatusPreconditionFailed:
		return station.EConflict
	case e.StatusCode == http.StatusBadRequest, e.StatusCode == http.StatusRequestEntityTooLarge,
		e.StatusCode == http.StatusUnprocessableEntity:
		return station.EInvalid
	default:
		return station.EInternal
	}
}

// message is what a person reads about e.
func (e *Error) message() string {
	switch e.code() {
	case station.EUnavailable:
		return "the central platform cannot be reached right now; the station keeps working and retries"
	case station.EUnauthorized:
		return "the central platform refused the station's token; check the central link configuration"
	case station.EForbidden:
		return "the central platform does not allow this station to do that; check the central link configuration"
	case station.ENotFound:
		return "the central platform does not know it"
	case station.EConflict:
		return "the central platform reported a conflict"
	case station.EInvalid:
		return "the central platform rejected the request as invalid"
	default:
		return "the central platform gave an answer the station does not understand"
	}
}

// wrap returns e as a *station.Error.
func (e *Error) wrap() error {
	return &station.Error{Code: e.code(), Message: e.message(), Err: e}
}

// RetryableStatus reports whether an HTTP status from central means "try
// again later": 408, 425, 429 and 5xx other than 501 and 505.
func RetryableStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests:
		return true
	case http.StatusNotImplemented, http.StatusHTTPVersionNotSupported:
		return false
	}
	return code >= 500 && code <= 599
}

// IsRetryable reports whether err is a failure of central (or of the way to
// it) that may clear by itself. Cancellation by the caller is not.
func IsRetryable(err error) bool {
	var ce *Error
	return errors.As(err, &ce) && ce.Retryable()
}

// RetryAfter returns the Retry-After central sent with err, or 0.
func RetryAfter(err error) time.Duration {
	var ce *Error
	if errors.As(err, &ce) {
		return ce.RetryAfter
	}
	return 0
}

// StatusCode returns central's HTTP status carried by err, 0 for none.
func StatusCode(err error) int {
	var ce *Error
	if errors.As(err, &ce) {
		return ce.StatusCode
	}
	return 0
}

// ErrNotConfigured is returned (inside a *station.Error with code
// EUnavailable) by every call while the client has no central URL.
var ErrNotConfigured = errors.New("no central platform is configured")

func notConfigured(op string) error {
	return &station.Error{Code: station.EUnavailable,
		Message: "no central platform is configured; the station works offline",
		Err:     fmt.Errorf("%s: %w", op, ErrNotConfigured)}
}

func canceled(op string, err error) error {
	msg := "the request to the central platform was cancelled"
	if errors.Is(err, context.DeadlineExceeded) {
		msg = "the central platform did not answer in time"
	}
	return &station.Error{Code: station.EUnavailable, Message: msg, Err: fmt.Errorf("%s: %w", op, err)}
}

// Problem is an RFC 9457 problem as central sends it. Unknown members are
// ignored.
type Problem struct {
	Type   string               `json:"type,omitempty"`
	Title  string               `json:"title,omitempty"`
	Status int                  `json:"status,omitempty"`
	Detail string               `json:"detail,omitempty"`
	Errors []station.FieldError `json:"errors,omitempty"`
}

// Summary is the problem in one line for a person: title, detail and fields.
func (p *Problem) Summary() string {
	if p == nil {
		return ""
	}
	var parts []string
	if p.Title != "" {
		parts = append(parts, p.Title)
	}
	if p.Detail != "" {
		parts = append(parts, p.Detail)
	}
	for _, f := range p.Errors {
		parts = append(parts, f.Field+": "+f.Detail)
	}
	return strings.Join(parts, "; ")
}

// decodeProblem reads an RFC 9457 body; it returns nil when body is not one.
func decodeProblem(body []byte) *Problem {
	var p Problem
	if len(body) == 0 || json.Unmarshal(body, &p) != nil {
		return nil
	}
	if p.Type == "" && p.Title == "" && p.Detail == "" && p.Status == 0 && len(p.Errors) == 0 {
		return nil
	}
	return &p
}

// ParseRetryAfter reads an HTTP Retry-After value (RFC 9110 §10.2.3): a
// number of seconds, or an HTTP-date taken relative to now. It reports false
// for an empty or unreadable value; a date in the past is a wait of 0.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if v[0] >= '0' && v[0] <= '9' {
		n, err := strconv.ParseUint(v, 10, 63)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && errors.Is(ne.Err, strconv.ErrRange) && isDigits(v) {
				return time.Duration(1<<63 - 1), true
			}
			return 0, false
		}
		if n > uint64((1<<63-1)/time.Second) {
			return time.Duration(1<<63 - 1), true
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	if d < 0 {
		d = 0
	}
	return d, true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
