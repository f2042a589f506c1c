package track17

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"returns-station/carriers/internal/wire"
	"returns-station/station"
)

// Provider is the name of this provider in station.TrackingUpdate.Provider and
// in configuration (STATION_CARRIER_TRACK17_SECRET).
const Provider = "track17"

// Header is the request header that carries the signature.
const Header = "sign"

// Events that carry a tracked number. Other events are acknowledged and ignored.
const (
	EventUpdated = "TRACKING_UPDATED"
	EventStopped = "TRACKING_STOPPED"
)

// Hook verifies and reads 17TRACK webhooks signed with any of its keys.
// It is safe for concurrent use.
type Hook struct {
	keys []string
}

// New returns a Hook that accepts webhooks signed with any of keys, so that a
// key can be rotated without losing deliveries. Empty keys are ignored; at
// least one is required.
func New(keys []string) (*Hook, error) {
	h := &Hook{}
	for _, k := range keys {
		if k != "" {
			h.keys = append(h.keys, k)
		}
	}
	if len(h.keys) == 0 {
		return nil, station.Errorf(station.EInvalid,
			"track17: no security key configured; set STATION_CARRIER_TRACK17_SECRET to the webhook security key of the 17TRACK dashboard")
	}
	return h, nil
}

// Receive verifies one webhook over its raw body and returns its updates.
// Errors are *station.Error: EUnauthorized for a missing or wrong sign
// header, EInvalid for a malformed body.
func (h *Hook) Receive(header http.Header, body []byte, now time.Time) ([]station.TrackingUpdate, error) {
	if err := h.Verify(header.Get(Header), body); err != nil {
		return nil, err
	}
	return Parse(body, now)
}

// Verify checks the sign header against the raw body with every key, in
// constant time. The hex must be lower-case, as 17TRACK sends it.
func (h *Hook) Verify(sign string, body []byte) error {
	if sign == "" {
		return station.Errorf(station.EUnauthorized,
			"17track webhook refused: it has no %q header; is the sender 17TRACK?", Header)
	}
	for _, k := range h.keys {
		if subtle.ConstantTimeCompare([]byte(Sign(body, k)), []byte(sign)) == 1 {
			return nil
		}
	}
	return station.Errorf(station.EUnauthorized,
		"17track webhook refused: the %q header matches none of the %d configured keys (compare STATION_CARRIER_TRACK17_SECRET with the security key in the 17TRACK dashboard)", Header, len(h.keys))
}

// Sign returns the sign header for body: lower-case hex SHA-256 of
// body + "/" + key.
func Sign(body []byte, key string) string {
	s := sha256.New()
	s.Write(body)
	s.Write([]byte("/" + key))
	return hex.EncodeToString(s.Sum(nil))
}

type envelope struct {
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
}

// track is one tracked number: a webhook's data, or an accepted entry of gettrackinfo.
type track struct {
	Number    string `json:"number"`
	Carrier   int    `json:"carrier"`
	Tag       string `json:"tag"`
	TrackInfo *struct {
		LatestStatus struct {
			Status    string `json:"status"`
			SubStatus string `json:"sub_status"`
		} `json:"latest_status"`
		LatestEvent *struct {
			TimeISO     string `json:"time_iso"`
			TimeUTC     string `json:"time_utc"`
			Description string `json:"description"`
			Location    string `json:"location"`
		} `json:"latest_event"`
		TimeMetrics struct {
			EstimatedDeliveryDate struct {
				From string `json:"from"`
				To   string `json:"to"`
			} `json:"estimated_delivery_date"`
		} `json:"time_metrics"`
	} `json:"track_info"`
}

// Parse reads a verified webhook body. Events other than TRACKING_UPDATED
// and TRACKING_STOPPED yield no update and no error. now dates a track that
// has no event yet.
func Parse(body []byte, now time.Time) ([]station.TrackingUpdate, error) {
	var e envelope
	if err := decode(body, &e, ""); err != nil {
		return nil, err
	}
	if e.Event != EventUpdated && e.Event != EventStopped {
		return nil, nil
	}
	data := bytes.TrimSpace(e.Data)
	if len(data) == 0 || bytes.Equal(data, []byte("null")) {
		return nil, invalid("data", "required", nil)
	}
	if data[0] != '[' {
		u, err := parseTrack(data, "data.", now)
		if err != nil {
			return nil, err
		}
		return []station.TrackingUpdate{u}, nil
	}
	var list []json.RawMessage
	if err := decode(data, &list, "data"); err != nil {
		return nil, err
	}
	ups := make([]station.TrackingUpdate, 0, len(list))
	for i, raw := range list {
		u, err := parseTrack(raw, fmt.Sprintf("data[%d].", i), now)
		if err != nil {
			return nil, err
		}
		ups = append(ups, u)
	}
	return ups, nil
}

// ParseTrack reads one tracked number as gettrackinfo returns it in
// data.accepted (the same object as a webhook's data).
func ParseTrack(raw []byte, now time.Time) (station.TrackingUpdate, error) {
	return parseTrack(raw, "", now)
}

func parseTrack(raw []byte, prefix string, now time.Time) (station.TrackingUpdate, error) {
	var t track
	if err := decode(raw, &t, strings.TrimSuffix(prefix, ".")); err != nil {
		return station.TrackingUpdate{}, err
	}
	nu := station.NormalizeTracking(t.Number)
	if nu == "" {
		return station.TrackingUpdate{}, invalid(prefix+"number", "required", nil)
	}
	if t.TrackInfo == nil {
		return station.TrackingUpdate{}, invalid(prefix+"track_info", "required", nil)
	}
	ls := t.TrackInfo.LatestStatus
	u := station.TrackingUpdate{
		Provider:     Provider,
		Tracking:     nu,
		Carrier:      carrierOf(t.Carrier, nu),
		Status:       Status(ls.Status, ls.SubStatus),
		RawStatus:    ls.Status,
		RawSubstatus: ls.SubStatus,
		OccurredAt:   now.UTC(),
	}
	var stamp string
	if ev := t.TrackInfo.LatestEvent; ev != nil {
		field := prefix + "track_info.latest_event."
		switch {
		case ev.TimeUTC != "":
			at, err := parseTime(ev.TimeUTC, time.UTC)
			if err != nil {
				return station.TrackingUpdate{}, invalid(field+"time_utc", "want an RFC 3339 time", err)
			}
			u.OccurredAt, stamp = at, at.Format(time.RFC3339)
		case ev.TimeISO != "":
			at, err := time.Parse(time.RFC3339, ev.TimeISO)
			if err != nil {
				return station.TrackingUpdate{}, invalid(field+"time_iso", "want an RFC 3339 time with its offset", err)
			}
			u.OccurredAt, stamp = at.UTC(), at.UTC().Format(time.RFC3339)
		}
		u.Description, u.Location = ev.Description, ev.Location
	}
	// The estimate is a courtesy: one 17TRACK cannot state is left out, not refused.
	eta := t.TrackInfo.TimeMetrics.EstimatedDeliveryDate
	for _, s := range []string{eta.To, eta.From} {
		if at, err := time.Parse(time.RFC3339, s); err == nil {
			at = at.UTC()
			u.ETA = &at
			break
		}
	}
	u.DedupKey = Provider + ":" + strings.Join([]string{nu, stamp, ls.Status, ls.SubStatus}, "|")
	return u, nil
}

// parseTime reads RFC 3339, or the same without an offset in zone.
func parseTime(s string, zone *time.Location) (time.Time, error) {
	if at, err := time.Parse(time.RFC3339, s); err == nil {
		return at.UTC(), nil
	}
	at, err := time.ParseInLocation("2006-01-02T15:04:05", s, zone)
	return at.UTC(), err
}

// decode unmarshals JSON and turns its errors into EInvalid naming the field.
func decode(b []byte, v any, field string) error {
	return wire.Decode("17track webhook is malformed", b, v, field, "not valid JSON of the expected shape")
}

// invalid returns an EInvalid error for field, keeping the cause for the log.
func invalid(field, detail string, err error) error {
	return wire.Invalid("17track webhook is malformed", field, detail, err)
}
