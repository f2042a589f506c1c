package stdwebhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"returns-station/carriers/internal/wire"
	"returns-station/station"
)

// Provider is the name of this provider in station.TrackingUpdate.Provider and
// in configuration (STATION_CARRIER_WEBHOOK_SECRET).
const Provider = "webhook"

// The headers of a Standard Webhooks delivery.
const (
	HeaderID        = "Webhook-Id"
	HeaderTimestamp = "Webhook-Timestamp"
	HeaderSignature = "Webhook-Signature"
)

// Tolerance is how far webhook-timestamp may be from now, in the past or the
// future, as in the reference implementation. It bounds replays of a
// captured delivery and forgives small clock differences.
const Tolerance = 5 * time.Minute

// secretPrefix starts every Standard Webhooks secret.
const secretPrefix = "whsec_"

// Hook verifies and reads deliveries signed with any of its secrets.
// It is safe for concurrent use.
type Hook struct {
	keys [][]byte
}

// New returns a Hook that accepts deliveries signed with any of secrets.
// Each secret is "whsec_" and the standard base64 of the key (the prefix may
// be left out). Empty secrets are ignored; at least one is required.
func New(secrets []string) (*Hook, error) {
	h := &Hook{}
	for i, s := range secrets {
		if s == "" {
			continue
		}
		k, err := Key(s)
		if err != nil {
			return nil, &station.Error{Code: station.EInvalid, Err: err,
				Message: "webhook: secret " + strconv.Itoa(i+1) + " of STATION_CARRIER_WEBHOOK_SECRET is not \"whsec_\" followed by base64"}
		}
		h.keys = append(h.keys, k)
	}
	if len(h.keys) == 0 {
		return nil, station.Errorf(station.EInvalid,
			"webhook: no secret configured; set STATION_CARRIER_WEBHOOK_SECRET to the whsec_… secret shared with the sender")
	}
	return h, nil
}

// Key returns the HMAC key of a secret: the base64-decoded text after "whsec_".
func Key(secret string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, secretPrefix))
	if err != nil {
		return nil, err
	}
	if len(k) == 0 {
		return nil, errors.New("empty key")
	}
	return k, nil
}

// Receive verifies one delivery over its raw body and headers and returns its
// update. Errors are *station.Error: EUnauthorized for missing headers, a
// timestamp outside Tolerance of now, or no matching signature; EInvalid for
// a malformed body.
func (h *Hook) Receive(header http.Header, body []byte, now time.Time) ([]station.TrackingUpdate, error) {
	if err := h.Verify(header, body, now); err != nil {
		return nil, err
	}
	return Parse(header.Get(HeaderID), body)
}

// Verify checks a delivery's headers against its raw body: the timestamp
// within Tolerance of now, then any v1 signature against any secret, in
// constant time. Entries of other versions (v1a, ed25519) are skipped.
func (h *Hook) Verify(header http.Header, body []byte, now time.Time) error {
	id, ts, sigs := header.Get(HeaderID), header.Get(HeaderTimestamp), header.Get(HeaderSignature)
	if id == "" || ts == "" || sigs == "" {
		return station.Errorf(station.EUnauthorized,
			"webhook refused: it lacks one of the headers %s, %s, %s; the sender must sign as Standard Webhooks says", HeaderID, HeaderTimestamp, HeaderSignature)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return &station.Error{Code: station.EUnauthorized, Err: err,
			Message: "webhook refused: " + HeaderTimestamp + " is not unix seconds"}
	}
	at := time.Unix(sec, 0)
	switch {
	case now.Sub(at) > Tolerance:
		return station.Errorf(station.EUnauthorized,
			"webhook refused: its timestamp %s is more than %s old (a replay, a long-queued retry, or the sender's clock is wrong)", at.UTC().Format(time.RFC3339), Tolerance)
	case at.Sub(now) > Tolerance:
		return station.Errorf(station.EUnauthorized,
			"webhook refused: its timestamp %s is more than %s in the future (check the clocks of the sender and this station)", at.UTC().Format(time.RFC3339), Tolerance)
	}
	for _, k := range h.keys {
		want := []byte(sign(k, id, ts, body))
		for _, entry := range strings.Split(sigs, " ") {
			version, sig, _ := strings.Cut(entry, ",")
			if version == "v1" && hmac.Equal([]byte(sig), want) {
				return nil
			}
		}
	}
	return station.Errorf(station.EUnauthorized,
		"webhook refused: no v1 signature matches any of the %d configured secrets (compare STATION_CARRIER_WEBHOOK_SECRET with the sender's whsec_ secret)", len(h.keys))
}

// Sign returns one webhook-signature entry, "v1," and the base64
// HMAC-SHA256 of "<id>.<unix seconds>.<body>" keyed by secret (as New
// reads it). Senders, and tests, use it.
func Sign(secret, id string, at time.Time, body []byte) (string, error) {
	k, err := Key(secret)
	if err != nil {
		return "", err
	}
	return "v1," + sign(k, id, strconv.FormatInt(at.Unix(), 10), body), nil
}

func sign(key []byte, id, ts string, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + ts + "."))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Event is the body an in-house sender posts: one tracking event. Times are
// RFC 3339 strings with an offset.
type Event struct {
	Tracking    string `json:"tracking"`
	Carrier     string `json:"carrier,omitempty"`
	Status      string `json:"status"`
	Substatus   string `json:"substatus,omitempty"`
	OccurredAt  string `json:"occurred_at"`
	Location    string `json:"location,omitempty"`
	Description string `json:"description,omitempty"`
	SignedBy    string `json:"signed_by,omitempty"`
	ETA         string `json:"eta,omitempty"`
}

// Envelope is the payload structure the Standard Webhooks specification
// recommends: an event type, a timestamp and the event itself in data. A
// delivery in this form carries one Event in Data.
type Envelope struct {
	Type      string          `json:"type"`
	Timestamp string          `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

// Parse reads the body of a verified delivery whose webhook-id is id. The
// body is either one flat Event or an Envelope whose data is the Event (a
// body with a top-level "tracking" is flat, whatever else it holds); in the
// envelope, fields at fault are named "data.tracking" and so on.
func Parse(id string, body []byte) ([]station.TrackingUpdate, error) {
	var env struct {
		Envelope
		Tracking json.RawMessage `json:"tracking"`
	}
	if err := json.Unmarshal(body, &env); err == nil && env.Tracking == nil && len(env.Data) > 0 && string(env.Data) != "null" {
		return parse(id, env.Data, "data.")
	}
	return parse(id, body, "")
}

// parse reads one Event from body; prefix goes before the field names in errors.
func parse(id string, body []byte, prefix string) ([]station.TrackingUpdate, error) {
	var e Event
	if err := json.Unmarshal(body, &e); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return nil, invalid(prefix+te.Field, "want a JSON "+te.Type.Kind().String()+", got "+te.Value, err)
		}
		if prefix != "" {
			return nil, invalid("data", "not a JSON object", err)
		}
		return nil, invalid("body", "not a JSON object", err)
	}
	var p station.Problems
	nu := station.NormalizeTracking(e.Tracking)
	if nu == "" {
		p.Add(prefix+"tracking", "required")
	}
	if strings.TrimSpace(e.Status) == "" {
		p.Add(prefix+"status", "required")
	}
	at, err := time.Parse(time.RFC3339, e.OccurredAt)
	if err != nil {
		p.Add(prefix+"occurred_at", "want an RFC 3339 time with an offset, such as 2026-01-01T10:00:00+08:00")
	}
	var eta *time.Time
	if e.ETA != "" {
		t, err := time.Parse(time.RFC3339, e.ETA)
		if err != nil {
			p.Add(prefix+"eta", "want an RFC 3339 time with an offset")
		}
		t = t.UTC()
		eta = &t
	}
	if id == "" {
		p.Add(HeaderID, "required")
	}
	if err := p.Err("webhook tracking event is malformed"); err != nil {
		return nil, err
	}
	carrier := strings.ToUpper(strings.TrimSpace(e.Carrier))
	if carrier == "" {
		carrier = station.CarrierOf(nu)
	}
	return []station.TrackingUpdate{{
		Provider:     Provider,
		DedupKey:     Provider + ":" + id,
		Tracking:     nu,
		Carrier:      carrier,
		Status:       Status(e.Status, e.Substatus),
		RawStatus:    e.Status,
		RawSubstatus: e.Substatus,
		OccurredAt:   at.UTC(),
		Location:     e.Location,
		Description:  e.Description,
		SignedBy:     e.SignedBy,
		ETA:          eta,
	}}, nil
}

// invalid returns an EInvalid error for field, keeping the cause for the log.
func invalid(field, detail string, err error) error {
	return wire.Invalid("webhook tracking event is malformed", field, detail, err)
}
