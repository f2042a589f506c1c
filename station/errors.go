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
	// Code names what is wrong in a stable word that a user interface maps
	// to a text in its reader's language (the staff UI's messages.json
	// "err.CODE"); Detail is the English fallback.
	Code string `json:"code,omitempty"`
}

// Error is the station's one domain error. Message is written for the person
// using the station (a clerk at a desk, an integrator); internal causes stay in
// Err and are logged, never shown.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	Err     error
	// Key names the message in a stable word that a user interface maps to
	// a text in its reader's language; Args fill the text's {blanks}. Message
	// is the English fallback.
	Key  string
	Args map[string]string
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

// Coded gives e its message key and the values (name, value, name, value
// …) that fill the message's blanks. An EInvalid error's one field without
// a code takes the same key.
func (e *Error) Coded(key string, args ...string) *Error {
	e.Key = key
	if len(args) > 1 {
		e.Args = make(map[string]string, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			e.Args[args[i]] = args[i+1]
		}
	}
	if e.Code == EInvalid && len(e.Fields) == 1 && e.Fields[0].Code == "" {
		e.Fields[0].Code = key
	}
	return e
}

// ErrorKey returns the message key and its values of err, if it has one.
func ErrorKey(err error) (string, map[string]string) {
	var e *Error
	if errors.As(err, &e) {
		return e.Key, e.Args
	}
	return "", nil
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
func (p *Problems) Add(field, detail string) {
	p.list = append(p.list, FieldError{Field: field, Detail: detail})
}

// AddCode records one field at fault with the code of its message (see
// FieldError.Code).
func (p *Problems) AddCode(field, code, detail string) {
	p.list = append(p.list, FieldError{Field: field, Detail: detail, Code: code})
}

// Err returns nil when nothing was added, else one EInvalid Error with all fields.
func (p *Problems) Err(message string) error {
	if len(p.list) == 0 {
		return nil
	}
	return &Error{Code: EInvalid, Message: message, Fields: p.list}
}
