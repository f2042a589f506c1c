package station

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. They say what kind of failure happened so that each edge
// (HTTP, CLI, sync) can react: a web handler maps them to status codes.
const (
	EInvalid      = "invalid"
	ENotFound     = "not_found"
	EConflict     = "conflict"
	EUnauthorized = "unauthorized"
	EForbidden    = "forbidden"
	EUnavailable  = "unavailable"
	EInternal     = "internal"
)

// FieldError names one input field at fault and what is wrong with it.
type FieldError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// Error is the station's one domain error. Message is written for the person
// using the station (a clerk at a desk, an integrator); internal causes stay in
// Err and are logged, never shown.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	// Reason is a short code a screen translates (for example why a scan is
	// not a parcel); "" when the message says it all.
	Reason string
	Err    error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Detail)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EInvalid error that names the field at fault.
func Invalid(field, detail string) *Error {
	return &Error{Code: EInvalid, Message: "the request has an invalid field", Fields: []FieldError{{Field: field, Detail: detail}}}
}

// ErrorCode returns the code of err, EInternal for errors that are not ours,
// and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the person-facing message of err; errors that are not
// ours get a generic text so internals never leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error: the station could not complete the request; it has been logged"
}

// ErrorReason returns the Reason of err, or "".
func ErrorReason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// Fields returns the field errors carried by err, if any.
func Fields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Problems collects field errors while validating input, so a caller sees every
// fault at once instead of one per round trip.
type Problems struct{ list []FieldError }

// Add records one field at fault.
func (p *Problems) Add(field, detail string) { p.list = append(p.list, FieldError{field, detail}) }

// Err returns nil when nothing was added, else one EInvalid Error with all fields.
func (p *Problems) Err(message string) error {
	if len(p.list) == 0 {
		return nil
	}
	return &Error{Code: EInvalid, Message: message, Fields: p.list}
}
