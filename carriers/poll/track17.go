package poll

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/go-resty/resty/v2"

	"returns-station/carriers/track17"
	"returns-station/station"
)

// Track17 looks shipments up with 17TRACK's gettrackinfo, up to
// Track17Batch numbers a request, and registers the numbers 17TRACK does not
// track yet, so that they are pushed from then on. It is safe for
// concurrent use.
type Track17 struct {
	c     *client
	token string
}

// Track17URL is the public address of 17TRACK's tracking API, version 2.2.
const Track17URL = "https://api.17track.net/track/v2.2"

// Track17Rate is the default request rate; 17TRACK allows 3 a second.
const Track17Rate = 3

// Track17Batch is the most numbers 17TRACK takes in one request.
const Track17Batch = 40

// track17NoInfo is the rejection of a registered number that has no
// tracking information yet: registering it again would not help.
const track17NoInfo = -18019909

// NewTrack17 returns a Tracker for the 17TRACK account with the given API
// token (sent in the 17token header).
func NewTrack17(token string, o Options) *Track17 {
	return &Track17{c: newClient(track17.Provider, Track17URL, Track17Rate, o), token: token}
}

// number is one entry of a gettrackinfo or register request.
type number struct {
	Number  string `json:"number"`
	Carrier int    `json:"carrier,omitempty"`
}

// answer is 17TRACK's answer to gettrackinfo and register.
type answer struct {
	Code int `json:"code"`
	Data struct {
		Accepted []json.RawMessage `json:"accepted"`
		Rejected []struct {
			Number string `json:"number"`
			Error  struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		} `json:"rejected"`
	} `json:"data"`
}

// Track asks for the shipments in batches and returns the updates it got.
// Numbers 17TRACK rejects are registered, not reported as errors: they will
// be pushed or found by a later poll. Errors for batches, for malformed
// tracks and for registering are joined.
func (t *Track17) Track(ctx context.Context, ships []Shipment, now time.Time) ([]station.TrackingUpdate, error) {
	var ups []station.TrackingUpdate
	var errs []error
	var unknown []number
	for start := 0; start < len(ships); start += Track17Batch {
		batch := ships[start:min(start+Track17Batch, len(ships))]
		req := make([]number, len(batch))
		for i, s := range batch {
			req[i] = number{Number: s.Tracking, Carrier: track17.CarrierKey(s.Carrier)}
		}
		a, err := t.call(ctx, "/gettrackinfo", req)
		if err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		for i, raw := range a.Data.Accepted {
			u, err := track17.ParseTrack(raw, now)
			if err != nil {
				errs = append(errs, &Error{Provider: track17.Provider, Message: "malformed track " + strconv.Itoa(i) + " in answer", Err: err})
				continue
			}
			u.Provider = Provider
			ups = append(ups, u)
		}
		for _, r := range a.Data.Rejected {
			if r.Error.Code != track17NoInfo {
				unknown = append(unknown, number{Number: r.Number, Carrier: carrierKeyOf(batch, r.Number)})
			}
		}
	}
	for start := 0; start < len(unknown) && ctx.Err() == nil; start += Track17Batch {
		if _, err := t.call(ctx, "/register", unknown[start:min(start+Track17Batch, len(unknown))]); err != nil {
			errs = append(errs, err)
		}
	}
	return ups, errors.Join(errs...)
}

func (t *Track17) call(ctx context.Context, path string, req []number) (*answer, error) {
	body, err := t.c.post(ctx, path, func(r *resty.Request) *resty.Request {
		return r.SetHeader("17token", t.token).SetHeader("Content-Type", "application/json").SetBody(req)
	}, checkTrack17)
	if err != nil {
		return nil, err
	}
	var a answer
	if err := json.Unmarshal(body, &a); err != nil {
		return nil, &Error{Provider: track17.Provider, Message: "malformed answer to " + path, Err: err}
	}
	return &a, nil
}

// checkTrack17 recognises an error answer: a code other than 0.
func checkTrack17(body []byte) error {
	var a struct {
		Code *int `json:"code"`
	}
	if err := json.Unmarshal(body, &a); err != nil || a.Code == nil {
		return &Error{Provider: track17.Provider, Message: "answer is not 17TRACK's JSON", Err: err}
	}
	if *a.Code != 0 {
		return &Error{Provider: track17.Provider, Code: strconv.Itoa(*a.Code), Message: "request refused"}
	}
	return nil
}

// carrierKeyOf returns the 17TRACK key of the carrier of number in batch.
func carrierKeyOf(batch []Shipment, number string) int {
	for _, s := range batch {
		if s.Tracking == number {
			return track17.CarrierKey(s.Carrier)
		}
	}
	return 0
}
