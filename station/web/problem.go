package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"returns-station/station"
)

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type     string               `json:"type"`
	Title    string               `json:"title"`
	Status   int                  `json:"status"`
	Detail   string               `json:"detail"`
	Instance string               `json:"instance,omitempty"`
	Errors   []station.FieldError `json:"errors,omitempty"`
	// Code names the message in a stable word (an extension member, RFC 9457
	// §3.2): the staff UI shows its text "err.CODE" in the reader's language,
	// filled with Args, and falls back to Detail, which is English.
	Code string            `json:"code,omitempty"`
	Args map[string]string `json:"args,omitempty"`
}

var codeStatus = map[string]int{
	station.EInvalid:      fiber.StatusBadRequest,
	station.ENotFound:     fiber.StatusNotFound,
	station.EConflict:     fiber.StatusConflict,
	station.EUnauthorized: fiber.StatusUnauthorized,
	station.EForbidden:    fiber.StatusForbidden,
	station.EUnavailable:  fiber.StatusServiceUnavailable,
	station.EInternal:     fiber.StatusInternalServerError,
}

var statusTitle = map[int]string{
	400: "invalid request", 401: "not signed in", 403: "not allowed", 404: "not found", 405: "method not allowed",
	409: "conflict", 410: "gone", 413: "request too large", 415: "unsupported media type", 422: "unprocessable request",
	429: "too many requests", 500: "internal error", 501: "not configured", 503: "unavailable",
}

// titleOf returns the problem title of an HTTP status: the station's own
// wording where it has one, else the standard status text in lower case.
func titleOf(status int) string {
	if t, ok := statusTitle[status]; ok {
		return t
	}
	if t := http.StatusText(status); t != "" {
		return strings.ToLower(t)
	}
	return "error"
}

// problemType returns the problem's type URI for a code.
func problemType(code string) string { return "urn:returns-station:problem:" + code }

// writeProblem answers with a problem; internal causes are logged, not shown.
func (s *Server) writeProblem(c *fiber.Ctx, err error) error {
	code := station.ErrorCode(err)
	status := codeStatus[code]
	fields := station.Fields(err)
	if len(fields) == 1 && fields[0].Field == "Idempotency-Key" {
		status = fiber.StatusUnprocessableEntity
	}
	detail, instance := station.ErrorMessage(err), c.Path()
	var fe *fiber.Error
	if errors.As(err, &fe) {
		status, code, detail = fe.Code, "", fe.Message
		switch status {
		case fiber.StatusMethodNotAllowed:
			detail = c.Method() + " is not one of the methods of " + c.Path() + " (the Allow header lists them; /api/v1/openapi.json describes every route)"
		case fiber.StatusRequestHeaderFieldsTooLarge:
			detail = "the request's headers are larger than the station reads (4 KB): a cookie, token or other header is too long"
			instance = "" // the request was not read: its path is unknown
		case fiber.StatusNotFound:
			if strings.HasPrefix(c.Path(), "/api/") {
				detail = "no route " + c.Method() + " " + c.Path() + "; /api/v1/openapi.json lists every route"
			}
		}
	}
	if status == 0 {
		status = 500
	}
	if status >= 500 {
		s.log.Error("request failed", "component", "web", "method", c.Method(), "path", c.Path(), "status", status, "err", err)
	}
	key, args := station.ErrorKey(err)
	if key == "" && status == fiber.StatusInternalServerError {
		key = "internal"
	}
	return sendProblem(c, Problem{Type: problemType(code), Status: status, Detail: detail, Instance: instance, Errors: fields, Code: key, Args: args})
}

// sendProblem writes p as application/problem+json. A type without a code
// and an empty title are filled from the status, so every problem is complete.
func sendProblem(c *fiber.Ctx, p Problem) error {
	if p.Title == "" {
		p.Title = titleOf(p.Status)
	}
	if p.Type == "" || p.Type == problemType("") {
		p.Type = problemType(strings.ReplaceAll(p.Title, " ", "_"))
	}
	if p.Detail == "" {
		p.Detail = p.Title
	}
	body, _ := json.Marshal(p)
	c.Set(fiber.HeaderContentType, "application/problem+json")
	return c.Status(p.Status).Send(body)
}

// decode reads a JSON body strictly into v: unknown fields, trailing data and
// wrong types are errors that name the field at fault.
func decode(body []byte, v any, strict bool) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return station.Invalid("body", "a JSON object is required").Coded("body_required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return station.Invalid("body", "unexpected data after the JSON object").Coded("body_malformed")
	}
	return nil
}

func jsonProblem(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		f := te.Field
		if f == "" {
			f = "body"
		}
		return station.Invalid(f, fmt.Sprintf("must be %s, not %s", te.Type.Kind(), te.Value)).Coded("field_type")
	case errors.As(err, &se):
		return station.Invalid("body", fmt.Sprintf("malformed JSON at byte %d", se.Offset)).Coded("body_malformed")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return station.Invalid(f, "unknown field").Coded("field_unknown")
	}
	return station.Invalid("body", "malformed JSON: "+err.Error()).Coded("body_malformed")
}
