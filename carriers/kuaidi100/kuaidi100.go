package kuaidi100

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"time"

	"returns-station/carriers/internal/wire"
	"returns-station/station"
)

// Provider is the name of this provider in station.TrackingUpdate.Provider and
// in configuration (STATION_CARRIER_KUAIDI100_SECRET).
const Provider = "kuaidi100"

// ReplyType is the content type of the answers Reply builds.
const ReplyType = "application/json; charset=utf-8"

// chinaTime is China Standard Time. China has kept UTC+8 all year since 1991,
// so a fixed zone is exact and does not depend on the host's tzdata.
var chinaTime = time.FixedZone("CST", 8*60*60)

// timeLayout is the layout of ftime: local time in chinaTime, no offset.
const timeLayout = "2006-01-02 15:04:05"

// Hook verifies and reads Kuaidi100 pushes signed with any of its salts.
// It is safe for concurrent use.
type Hook struct {
	salts []string
}

// New returns a Hook that accepts pushes signed with any of salts, so that a
// salt can be rotated without losing pushes signed with the old one. Empty
// salts are ignored; at least one is required, because Kuaidi100 signs
// nothing when subscribed without a salt.
func New(salts []string) (*Hook, error) {
	h := &Hook{}
	for _, s := range salts {
		if s != "" {
			h.salts = append(h.salts, s)
		}
	}
	if len(h.salts) == 0 {
		return nil, station.Errorf(station.EInvalid,
			"kuaidi100: no salt configured; subscribe numbers with a salt and set the same one in STATION_CARRIER_KUAIDI100_SECRET")
	}
	return h, nil
}

// Receive verifies one push over its raw form body and returns its update.
// The header is not used: everything Kuaidi100 sends is in the form. Errors
// are *station.Error: EUnauthorized when sign is missing or matches no salt,
// EInvalid when the body or param is malformed.
func (h *Hook) Receive(_ http.Header, body []byte, now time.Time) ([]station.TrackingUpdate, error) {
	param, sign, err := Form(body)
	if err != nil {
		return nil, err
	}
	if err := h.Verify(param, sign); err != nil {
		return nil, err
	}
	return Parse([]byte(param), now)
}

// Verify checks sign against param with every salt, in constant time. param
// must be the form-decoded value as received: re-encoding the JSON changes
// the signature.
func (h *Hook) Verify(param, sign string) error {
	if sign == "" {
		return station.Errorf(station.EUnauthorized,
			"kuaidi100 push refused: it has no sign field; the number was subscribed without a salt, so anyone could have sent it (re-subscribe with the salt from STATION_CARRIER_KUAIDI100_SECRET)")
	}
	for _, salt := range h.salts {
		if subtle.ConstantTimeCompare([]byte(Sign(param, salt)), []byte(sign)) == 1 {
			return nil
		}
	}
	return station.Errorf(station.EUnauthorized,
		"kuaidi100 push refused: sign matches none of the %d configured salts (compare STATION_CARRIER_KUAIDI100_SECRET with the salt used when subscribing)", len(h.salts))
}

// Sign returns the sign of a push: the upper-case hex MD5 of param followed by salt.
func Sign(param, salt string) string {
	sum := md5.Sum([]byte(param + salt))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// QuerySign returns the sign of a real-time query (poll/query.do): the
// upper-case hex MD5 of param, then the API key, then the customer id.
func QuerySign(param, key, customer string) string {
	sum := md5.Sum([]byte(param + key + customer))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// Form decodes the form body of a push and returns its param and sign
// fields. Form decoding turns "+" into a space and "%2B" into "+", exactly as
// Kuaidi100 encoded them, which is why the body must never be split by hand.
func Form(body []byte) (param, sign string, err error) {
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return "", "", invalid("body", "not a form-encoded body (application/x-www-form-urlencoded)", err)
	}
	switch len(v["param"]) {
	case 0:
		return "", "", invalid("param", "required", nil)
	case 1:
	default:
		return "", "", invalid("param", "sent more than once", nil)
	}
	if len(v["sign"]) > 1 {
		return "", "", invalid("sign", "sent more than once", nil)
	}
	return v.Get("param"), v.Get("sign"), nil
}

// push is the param document of a subscription push.
type push struct {
	Status     string  `json:"status"` // monitoring state: polling, shutdown, abort, updateall
	Message    string  `json:"message"`
	AutoCheck  string  `json:"autoCheck"` // "1": Kuaidi100 corrected the company code
	ComOld     string  `json:"comOld"`
	ComNew     string  `json:"comNew"`
	LastResult *result `json:"lastResult"`
}

// result is lastResult of a push, and the whole answer of a real-time query.
type result struct {
	Message string `json:"message"`
	State   string `json:"state"`
	Status  string `json:"status"`
	IsCheck string `json:"ischeck"`
	Com     string `json:"com"`
	Nu      string `json:"nu"`
	Data    []item `json:"data"`
}

// item is one entry of the history, newest first.
type item struct {
	Context    string `json:"context"`
	Time       string `json:"time"`
	FTime      string `json:"ftime"`
	Status     string `json:"status"`
	StatusCode string `json:"statusCode"`
	AreaName   string `json:"areaName"`
	Location   string `json:"location"`
}

// Parse reads the param document of a verified push. The update's
// RawStatus is lastResult.state and its RawSubstatus is the monitoring state
// (param.status): "abort" means Kuaidi100 stopped tracking the number and it
// must be subscribed again. now dates a push that has no history yet.
func Parse(param []byte, now time.Time) ([]station.TrackingUpdate, error) {
	var p push
	if err := decode(param, &p, "param"); err != nil {
		return nil, err
	}
	if p.LastResult == nil {
		return nil, invalid("param.lastResult", "required", nil)
	}
	com := p.LastResult.Com
	if p.AutoCheck == "1" && p.ComNew != "" {
		com = p.ComNew
	}
	u, err := update(p.LastResult, com, p.Status, "param.lastResult.", now)
	if err != nil {
		return nil, err
	}
	return []station.TrackingUpdate{u}, nil
}

// ParseQuery reads the answer of a successful real-time query (the same
// document as a push's lastResult). An error answer, which has a returnCode
// other than "200", is the caller's to recognise first.
func ParseQuery(body []byte, now time.Time) ([]station.TrackingUpdate, error) {
	var r result
	if err := decode(body, &r, "body"); err != nil {
		return nil, err
	}
	u, err := update(&r, r.Com, "", "", now)
	if err != nil {
		return nil, err
	}
	return []station.TrackingUpdate{u}, nil
}

func update(r *result, com, monitor, prefix string, now time.Time) (station.TrackingUpdate, error) {
	nu := station.NormalizeTracking(r.Nu)
	if nu == "" {
		return station.TrackingUpdate{}, invalid(prefix+"nu", "required", nil)
	}
	u := station.TrackingUpdate{
		Provider:     Provider,
		Tracking:     nu,
		Carrier:      carrierOf(com, nu),
		RawStatus:    r.State,
		RawSubstatus: monitor,
		Status:       Status(r.State, r.IsCheck == "1"),
	}
	if len(r.Data) == 0 {
		// Nothing happened yet, or Kuaidi100 gave up (abort: "3天查询无记录").
		if r.State == "" || monitor == "abort" {
			u.Status = station.TrackUnknown
		}
		u.OccurredAt = now.UTC()
		u.DedupKey = Provider + ":" + strings.Join([]string{nu, monitor, r.State}, "|")
		return u, nil
	}
	d := r.Data[0]
	ftime, field := d.FTime, prefix+"data[0].ftime"
	if ftime == "" {
		ftime, field = d.Time, prefix+"data[0].time"
	}
	at, err := time.ParseInLocation(timeLayout, strings.TrimSpace(ftime), chinaTime)
	if err != nil {
		return station.TrackingUpdate{}, invalid(field, `want "2006-01-02 15:04:05" (China time)`, err)
	}
	if r.State == "" && d.StatusCode != "" {
		u.RawStatus = d.StatusCode
		u.Status = Status(d.StatusCode, r.IsCheck == "1")
	}
	u.OccurredAt = at.UTC()
	u.Description = d.Context
	u.Location = d.AreaName
	if u.Location == "" {
		u.Location = d.Location
	}
	u.DedupKey = Provider + ":" + strings.Join([]string{nu, ftime, u.RawStatus}, "|")
	return u, nil
}

// decode unmarshals JSON and turns its errors into EInvalid naming the field.
func decode(b []byte, v any, field string) error {
	return wire.Decode("kuaidi100 push is malformed", b, v, field, "not a JSON object")
}

// invalid returns an EInvalid error for field, keeping the cause for the log.
func invalid(field, detail string, err error) error {
	return wire.Invalid("kuaidi100 push is malformed", field, detail, err)
}

// Reply returns the body to answer a push with (content type ReplyType).
// For a nil err it is the success answer
// {"result":true,"returnCode":"200","message":"成功"}, which stops Kuaidi100
// retrying. For an error it is the failure answer of the same shape: result
// false, returnCode "401" for a bad or missing sign, "400" for a malformed
// push and "500" otherwise, and a fixed message that reveals nothing.
// Kuaidi100 pushes again after a failure answer.
func Reply(err error) []byte {
	switch {
	case err == nil:
		return []byte(`{"result":true,"returnCode":"200","message":"成功"}`)
	case station.ErrorCode(err) == station.EUnauthorized:
		return []byte(`{"result":false,"returnCode":"401","message":"签名错误 (sign mismatch)"}`)
	case station.ErrorCode(err) == station.EInvalid:
		return []byte(`{"result":false,"returnCode":"400","message":"参数错误 (malformed push)"}`)
	default:
		return []byte(`{"result":false,"returnCode":"500","message":"服务器错误 (server error, retry later)"}`)
	}
}
