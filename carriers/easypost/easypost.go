package easypost

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"returns-station/carriers/internal/wire"
	"returns-station/station"
)

// Provider is the name of this provider in station.TrackingUpdate.Provider and
// in configuration (STATION_CARRIER_EASYPOST_SECRET).
const Provider = "easypost"

// Header is the request header that carries the signature.
const Header = "X-Hmac-Signature"

// prefix starts every signature header value.
const prefix = "hmac-sha256-hex="

// Hook verifies and reads EasyPost events signed with any of its secrets.
// It is safe for concurrent use.
type Hook struct {
	keys [][]byte
}

// New returns a Hook that accepts events signed with any of secrets, so that
// a secret can be rotated without losing deliveries. Empty secrets are
// ignored; at least one is required.
func New(secrets []string) (*Hook, error) {
	h := &Hook{}
	for _, s := range secrets {
		if s != "" {
			h.keys = append(h.keys, key(s))
		}
	}
	if len(h.keys) == 0 {
		return nil, station.Errorf(station.EInvalid,
			"easypost: no webhook secret configured; set STATION_CARRIER_EASYPOST_SECRET to the webhook_secret given to EasyPost")
	}
	return h, nil
}

// key is the HMAC key EasyPost derives from a secret.
func key(secret string) []byte { return []byte(norm.NFKD.String(secret)) }

// Receive verifies one event over its raw body and returns its updates.
// Errors are *station.Error: EUnauthorized for a missing or wrong signature,
// EInvalid for a malformed body.
func (h *Hook) Receive(header http.Header, body []byte, now time.Time) ([]station.TrackingUpdate, error) {
	if err := h.Verify(header.Get(Header), body); err != nil {
		return nil, err
	}
	return Parse(body, now)
}

// Verify checks the signature header against the raw body with every
// secret, in constant time. The hex must be lower-case, as EasyPost sends it.
func (h *Hook) Verify(signature string, body []byte) error {
	if signature == "" {
		return station.Errorf(station.EUnauthorized,
			"easypost event refused: it has no %s header; was the webhook created with a webhook_secret?", Header)
	}
	if !strings.HasPrefix(signature, prefix) {
		return station.Errorf(station.EUnauthorized,
			"easypost event refused: the %s header does not start with %q", Header, prefix)
	}
	for _, k := range h.keys {
		if hmac.Equal([]byte(sign(k, body)), []byte(signature)) {
			return nil
		}
	}
	return station.Errorf(station.EUnauthorized,
		"easypost event refused: the signature matches none of the %d configured secrets (compare STATION_CARRIER_EASYPOST_SECRET with the webhook_secret given to EasyPost)", len(h.keys))
}

// Sign returns the X-Hmac-Signature header for body: "hmac-sha256-hex=" and
// the lower-case hex of HMAC-SHA256 keyed by the NFKD form of secret.
func Sign(body []byte, secret string) string { return sign(key(secret), body) }

func sign(key, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return prefix + hex.EncodeToString(m.Sum(nil))
}

type event struct {
	ID          string   `json:"id"`
	Description string   `json:"description"`
	CreatedAt   string   `json:"created_at"`
	Result      *tracker `json:"result"`
}

type tracker struct {
	Object          string   `json:"object"`
	TrackingCode    string   `json:"tracking_code"`
	Status          string   `json:"status"`
	StatusDetail    string   `json:"status_detail"`
	SignedBy        string   `json:"signed_by"`
	EstDeliveryDate string   `json:"est_delivery_date"`
	Carrier         string   `json:"carrier"`
	UpdatedAt       string   `json:"updated_at"`
	TrackingDetails []detail `json:"tracking_details"`
}

type detail struct {
	Message          string `json:"message"`
	Description      string `json:"description"`
	Datetime         string `json:"datetime"`
	TrackingLocation *struct {
		City    string `json:"city"`
		State   string `json:"state"`
		Country string `json:"country"`
	} `json:"tracking_location"`
}

// Parse reads a verified event body. Events that are not about a tracker
// (description not "tracker.*", or a result that is not a Tracker) yield no
// update and no error. now dates a tracker that carries no time at all.
func Parse(body []byte, now time.Time) ([]station.TrackingUpdate, error) {
	var e event
	if err := decode(body, &e); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(e.Description, "tracker.") {
		return nil, nil
	}
	if e.Result == nil {
		return nil, invalid("result", "required", nil)
	}
	r := e.Result
	if r.Object != "" && r.Object != "Tracker" {
		return nil, nil
	}
	if e.ID == "" {
		return nil, invalid("id", "required", nil)
	}
	nu := station.NormalizeTracking(r.TrackingCode)
	if nu == "" {
		return nil, invalid("result.tracking_code", "required", nil)
	}
	u := station.TrackingUpdate{
		Provider:     Provider,
		DedupKey:     Provider + ":" + e.ID,
		Tracking:     nu,
		Carrier:      carrierOf(r.Carrier, nu),
		Status:       Status(r.Status, r.StatusDetail),
		RawStatus:    r.Status,
		RawSubstatus: r.StatusDetail,
		SignedBy:     strings.TrimSpace(r.SignedBy),
		OccurredAt:   now.UTC(),
	}
	// Dated by the latest tracking detail (oldest first), else when the
	// tracker or the event was last written.
	stamps := []struct{ field, value string }{{"result.updated_at", r.UpdatedAt}, {"created_at", e.CreatedAt}}
	if n := len(r.TrackingDetails); n > 0 {
		d := r.TrackingDetails[n-1]
		stamps = append([]struct{ field, value string }{{"result.tracking_details[" + strconv.Itoa(n-1) + "].datetime", d.Datetime}}, stamps...)
		u.Description = d.Message
		if u.Description == "" {
			u.Description = d.Description
		}
		if l := d.TrackingLocation; l != nil {
			u.Location = wire.JoinNonEmpty(", ", l.City, l.State, l.Country)
		}
	}
	for _, s := range stamps {
		if s.value == "" {
			continue
		}
		at, err := time.Parse(time.RFC3339, s.value)
		if err != nil {
			return nil, invalid(s.field, "want an RFC 3339 time", err)
		}
		u.OccurredAt = at.UTC()
		break
	}
	// The estimate is a courtesy: one EasyPost cannot state is left out, not refused.
	if at, err := time.Parse(time.RFC3339, r.EstDeliveryDate); err == nil {
		at = at.UTC()
		u.ETA = &at
	}
	return []station.TrackingUpdate{u}, nil
}

// decode unmarshals JSON and turns its errors into EInvalid naming the field.
func decode(b []byte, v any) error {
	return wire.Decode("easypost event is malformed", b, v, "", "not a JSON object")
}

// invalid returns an EInvalid error for field, keeping the cause for the log.
func invalid(field, detail string, err error) error {
	return wire.Invalid("easypost event is malformed", field, detail, err)
}
