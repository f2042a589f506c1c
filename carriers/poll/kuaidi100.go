package poll

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/go-resty/resty/v2"

	"returns-station/carriers/kuaidi100"
	"returns-station/station"
)

// Kuaidi100 looks shipments up with Kuaidi100's real-time query
// (poll/query.do), one number a request. It is safe for concurrent use.
type Kuaidi100 struct {
	c        *client
	customer string
	key      string
}

// Kuaidi100URL is the public address of Kuaidi100's query API.
const Kuaidi100URL = "https://poll.kuaidi100.com"

// Kuaidi100Rate is the default request rate, well under what Kuaidi100 allows.
const Kuaidi100Rate = 2

// NewKuaidi100 returns a Tracker for the Kuaidi100 account with the given
// customer id and API key (授权key).
func NewKuaidi100(customer, key string, o Options) *Kuaidi100 {
	return &Kuaidi100{c: newClient(kuaidi100.Provider, Kuaidi100URL, Kuaidi100Rate, o), customer: customer, key: key}
}

// Track looks each shipment up in turn and returns the updates it got. A
// number Kuaidi100 has no result for yet (returnCode 500) yields nothing and
// no error. Errors for single shipments are joined; a shipment without a
// carrier Kuaidi100 knows is one of them, since the query needs the company.
func (k *Kuaidi100) Track(ctx context.Context, ships []Shipment, now time.Time) ([]station.TrackingUpdate, error) {
	var ups []station.TrackingUpdate
	var errs []error
	for _, s := range ships {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		u, err := k.track(ctx, s, now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ups = append(ups, u...)
	}
	return ups, errors.Join(errs...)
}

// query is the param of a real-time query.
type query struct {
	Com      string `json:"com"`
	Num      string `json:"num"`
	Phone    string `json:"phone,omitempty"`
	ResultV2 string `json:"resultv2"` // "4": advanced state codes (高级状态)
}

func (k *Kuaidi100) track(ctx context.Context, s Shipment, now time.Time) ([]station.TrackingUpdate, error) {
	com := kuaidi100.Company(s.Carrier)
	if com == "" {
		return nil, &Error{Provider: kuaidi100.Provider, Message: "no Kuaidi100 company code for carrier " + quote(s.Carrier) + " of " + s.Tracking}
	}
	param, err := json.Marshal(query{Com: com, Num: s.Tracking, Phone: s.Phone, ResultV2: "4"})
	if err != nil {
		return nil, err
	}
	form := map[string]string{
		"customer": k.customer,
		"param":    string(param),
		"sign":     kuaidi100.QuerySign(string(param), k.key, k.customer),
	}
	body, err := k.c.post(ctx, "/poll/query.do", func(r *resty.Request) *resty.Request {
		return r.SetFormData(form)
	}, checkKuaidi100)
	var e *Error
	if errors.As(err, &e) && e.Code == "500" {
		return nil, nil // 查询无结果: nothing yet
	}
	if err != nil {
		return nil, err
	}
	ups, err := kuaidi100.ParseQuery(body, now)
	if err != nil {
		return nil, &Error{Provider: kuaidi100.Provider, Message: "malformed answer for " + s.Tracking, Err: err}
	}
	for i := range ups {
		ups[i].Provider = Provider
	}
	return ups, nil
}

// checkKuaidi100 recognises an error answer: {"result":false,"returnCode":…}.
// 501 (server error) and 502 (busy) may pass; 400 (bad parameters), 500 (no
// result), 503 (bad sign), 601 (key expired or out of credit) will not.
func checkKuaidi100(body []byte) error {
	var a struct {
		Result     *bool  `json:"result"`
		ReturnCode string `json:"returnCode"`
		Message    string `json:"message"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return &Error{Provider: kuaidi100.Provider, Message: "answer is not JSON", Err: err}
	}
	if a.ReturnCode == "" || a.ReturnCode == "200" {
		return nil
	}
	return &Error{Provider: kuaidi100.Provider, Code: a.ReturnCode, Message: "query failed: " + a.Message,
		Retryable: a.ReturnCode == "501" || a.ReturnCode == "502"}
}

func quote(s string) string { return `"` + s + `"` }
