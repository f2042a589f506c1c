package aftership

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"returns-station/carriers/internal/wire"
	"returns-station/station"
)

// Provider is the name of this provider in station.TrackingUpdate.Provider and
// in configuration (STATION_CARRIER_AFTERSHIP_SECRET).
const Provider = "aftership"

// Header is the request header that carries the signature.
const Header = "Aftership-Hmac-Sha256"

// EventTrackingUpdate is the event that carries a new status.
const EventTrackingUpdate = "tracking_update"

// Hook verifies and reads AfterShip webhooks signed with any of its secrets.
// It is safe for concurrent use.
type Hook struct {
	secrets [][]byte
}

// New returns a Hook that accepts webhooks signed with any of secrets, so
// that a secret can be rotated without losing deliveries. Empty secrets are
// ignored; at least one is required.
func New(secrets []string) (*Hook, error) {
	h := &Hook{}
	for _, s := range secrets {
		if s != "" {
			h.secrets = append(h.secrets, []byte(s))
		}
	}
	if len(h.secrets) == 0 {
		return nil, station.Errorf(station.EInvalid,
			"aftership: no webhook secret configured; set STATION_CARRIER_AFTERSHIP_SECRET to the secret of the AfterShip webhook settings")
	}
	return h, nil
}

// Receive verifies one webhook over its raw body and returns its updates.
// Errors are *station.Error: EUnauthorized for a missing or wrong signature,
// EInvalid for a malformed body.
func (h *Hook) Receive(header http.Header, body []byte, now time.Time) ([]station.TrackingUpdate, error) {
	if err := h.Verify(header.Get(Header), body); err != nil {
		return nil, err
	}
	return Parse(body, now)
}

// Verify checks the signature header against the raw body with every
// secret. The MACs are compared decoded, in constant time; a value that is
// not standard base64 (hex, say) never matches.
func (h *Hook) Verify(signature string, body []byte) error {
	if signature == "" {
		return station.Errorf(station.EUnauthorized,
			"aftership webhook refused: it has no %s header; is the sender AfterShip?", Header)
	}
	got, err := base64.StdEncoding.DecodeString(signature)
	if err != nil || len(got) != sha256.Size {
		return station.Errorf(station.EUnauthorized,
			"aftership webhook refused: the %s header is not a base64 HMAC-SHA256", Header)
	}
	for _, s := range h.secrets {
		if hmac.Equal(mac(s, body), got) {
			return nil
		}
	}
	return station.Errorf(station.EUnauthorized,
		"aftership webhook refused: the signature matches none of the %d configured secrets (compare STATION_CARRIER_AFTERSHIP_SECRET with the AfterShip webhook secret; the body must not be altered by a proxy)", len(h.secrets))
}

// Sign returns the signature header for body: standard base64 of
// HMAC-SHA256(secret, body).
func Sign(body []byte, secret string) string {
	return base64.StdEncoding.EncodeToString(mac([]byte(secret), body))
}

func mac(key, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return m.Sum(nil)
}

type payload struct {
	TS      int64     `json:"ts"`
	Event   string    `json:"event"`
	EventID string    `json:"event_id"`
	Msg     *tracking `json:"msg"`
}

type tracking struct {
	TrackingNumber   string       `json:"tracking_number"`
	Slug             string       `json:"slug"`
	Tag              string       `json:"tag"`
	Subtag           string       `json:"subtag"`
	SubtagMessage    string       `json:"subtag_message"`
	ReturnToSender   bool         `json:"return_to_sender"`
	SignedBy         string       `json:"signed_by"`
	ExpectedDelivery string       `json:"expected_delivery"`
	Checkpoints      []checkpoint `json:"checkpoints"`
}

type checkpoint struct {
	CheckpointTime string `json:"checkpoint_time"`
	CreatedAt      string `json:"created_at"`
	Message        string `json:"message"`
	Location       string `json:"location"`
	City           string `json:"city"`
	State          string `json:"state"`
	CountryISO3    string `json:"country_iso3"`
	Events         []struct {
		Code string `json:"code"`
	} `json:"events"`
}

// Parse reads a verified webhook body. Only tracking_update (or a legacy
// body without event) yields an update. now dates a tracking with no
// checkpoint and no ts.
func Parse(body []byte, now time.Time) ([]station.TrackingUpdate, error) {
	var p payload
	if err := decode(body, &p); err != nil {
		return nil, err
	}
	if p.Event != EventTrackingUpdate && p.Event != "" {
		return nil, nil
	}
	if p.Msg == nil {
		return nil, invalid("msg", "required", nil)
	}
	m := p.Msg
	nu := station.NormalizeTracking(m.TrackingNumber)
	if nu == "" {
		return nil, invalid("msg.tracking_number", "required", nil)
	}
	rts := m.ReturnToSender
	for _, c := range m.Checkpoints {
		for _, e := range c.Events {
			rts = rts || e.Code == "returned_to_sender"
		}
	}
	u := station.TrackingUpdate{
		Provider:     Provider,
		Tracking:     nu,
		Carrier:      carrierOf(m.Slug, nu),
		Status:       Status(m.Tag, m.Subtag, rts),
		RawStatus:    m.Tag,
		RawSubstatus: m.Subtag,
		Description:  m.SubtagMessage,
		SignedBy:     strings.TrimSpace(m.SignedBy),
		OccurredAt:   now.UTC(),
	}
	if p.TS > 0 {
		u.OccurredAt = time.Unix(p.TS, 0).UTC()
	}
	if n := len(m.Checkpoints); n > 0 {
		c := m.Checkpoints[n-1] // checkpoints are oldest first
		at, err := checkpointTime(c)
		if err != nil {
			return nil, invalid("msg.checkpoints["+strconv.Itoa(n-1)+"].checkpoint_time", "want an ISO 8601 time", err)
		}
		u.OccurredAt = at
		if c.Message != "" {
			u.Description = c.Message
		}
		u.Location = c.Location
		if u.Location == "" {
			u.Location = wire.JoinNonEmpty(", ", c.City, c.State, c.CountryISO3)
		}
	}
	if at, ok := parseETA(m.ExpectedDelivery); ok {
		u.ETA = &at
	}
	key := p.EventID
	if key == "" { // legacy bodies have no event_id
		key = strings.Join([]string{nu, u.OccurredAt.Format(time.RFC3339), m.Tag, m.Subtag}, "|")
	}
	u.DedupKey = Provider + ":" + key
	return []station.TrackingUpdate{u}, nil
}

// zones are the countries with a single zone and no daylight saving time, in
// which a checkpoint_time without an offset can be read exactly.
var zones = map[string]int{
	"CHN": 8 * 3600, "HKG": 8 * 3600, "MAC": 8 * 3600, "TWN": 8 * 3600,
	"SGP": 8 * 3600, "MYS": 8 * 3600, "PHL": 8 * 3600,
	"JPN": 9 * 3600, "KOR": 9 * 3600, "IND": 5*3600 + 1800,
}

// checkpointTime reads checkpoint_time: with its offset when it has one,
// else in the zone of its country, else dated by created_at (when AfterShip
// recorded it, UTC), else as UTC.
func checkpointTime(c checkpoint) (time.Time, error) {
	s := strings.TrimSpace(c.CheckpointTime)
	if at, err := time.Parse(time.RFC3339, s); err == nil {
		return at.UTC(), nil
	}
	local, err := time.Parse("2006-01-02T15:04:05", s)
	if err != nil {
		return time.Time{}, err
	}
	if off, ok := zones[strings.ToUpper(c.CountryISO3)]; ok {
		return local.Add(-time.Duration(off) * time.Second), nil
	}
	if at, err := time.Parse(time.RFC3339, c.CreatedAt); err == nil {
		return at.UTC(), nil
	}
	return local, nil
}

// parseETA reads expected_delivery, a date or a time; the estimate is a
// courtesy, so one it cannot read is left out rather than refused.
func parseETA(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", time.DateOnly} {
		if at, err := time.Parse(layout, s); err == nil {
			return at.UTC(), true
		}
	}
	return time.Time{}, false
}

// decode unmarshals JSON and turns its errors into EInvalid naming the field.
func decode(b []byte, v any) error {
	return wire.Decode("aftership webhook is malformed", b, v, "", "not a JSON object")
}

// invalid returns an EInvalid error for field, keeping the cause for the log.
func invalid(field, detail string, err error) error {
	return wire.Invalid("aftership webhook is malformed", field, detail, err)
}
