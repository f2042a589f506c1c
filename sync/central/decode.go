package central

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"returns-station/station"
)

// Page is one page of expected returns (central.md §1).
type Page struct {
	// Returns are the page's RMAs that decoded and passed Validate, in
	// central's order.
	Returns []station.ReturnAuthorization
	// Invalid are the page's RMAs the station cannot use. They are left out
	// of Returns so one bad record cannot stall the pull; the cursor still
	// moves past them.
	Invalid []InvalidReturn
	// NextCursor is the cursor to send next time, even when the page is
	// empty. Empty when central sent none.
	NextCursor string
	// HasMore says another page is ready now.
	HasMore bool
}

// InvalidReturn is an RMA from central that the station could not read or
// that failed ReturnAuthorization.Validate.
type InvalidReturn struct {
	// RMA and Version are read on a best-effort basis, for the log.
	RMA     string
	Version int64
	Err     error
}

// PushResult is central's answer to a push of events (central.md §3).
type PushResult struct {
	// StatusCode is 200, 207, or another 2xx central used.
	StatusCode int
	// Accepted is how many events central says it accepted.
	Accepted int
	// LastSeq is the seq up to which every event is durably stored on
	// central, except the rejected ones.
	LastSeq uint64
	// Rejected are the events central will never accept as they are.
	Rejected []Rejection
}

// Rejection is one event of a 207 answer that central rejected as invalid.
type Rejection struct {
	ID  string
	Seq uint64
	// Problem is central's reason, decoded; nil if it sent none or an
	// unreadable one. RawProblem is the problem exactly as sent.
	Problem    *Problem
	RawProblem json.RawMessage
}

type wirePage struct {
	Returns    []json.RawMessage `json:"returns"`
	NextCursor *string           `json:"next_cursor"`
	HasMore    bool              `json:"has_more"`
}

// errNotObject is returned for a body that is valid JSON but not an object.
var errNotObject = errors.New("the body is not a JSON object")

func isObject(body []byte) bool {
	b := bytes.TrimLeft(body, " \t\r\n")
	return len(b) > 0 && b[0] == '{'
}

// decodePage reads a 200 body of GET …/returns. An RMA that does not decode
// or validate goes to Page.Invalid; only a body that is not a page at all is
// an error.
func decodePage(body []byte) (Page, error) {
	if !isObject(body) {
		return Page{}, errNotObject
	}
	var w wirePage
	if err := json.Unmarshal(body, &w); err != nil {
		return Page{}, fmt.Errorf("decode returns page: %w", err)
	}
	p := Page{HasMore: w.HasMore}
	if w.NextCursor != nil {
		p.NextCursor = *w.NextCursor
	}
	for _, raw := range w.Returns {
		var r station.ReturnAuthorization
		if err := json.Unmarshal(raw, &r); err != nil {
			p.Invalid = append(p.Invalid, invalidReturn(raw, err))
			continue
		}
		if err := r.Validate(); err != nil {
			p.Invalid = append(p.Invalid, InvalidReturn{RMA: r.RMA, Version: r.Version, Err: err})
			continue
		}
		p.Returns = append(p.Returns, r)
	}
	return p, nil
}

// invalidReturn names an undecodable RMA as well as it can.
func invalidReturn(raw json.RawMessage, err error) InvalidReturn {
	var id struct {
		RMA     any `json:"rma"`
		Version any `json:"version"`
	}
	_ = json.Unmarshal(raw, &id) // best effort, for the log only
	inv := InvalidReturn{Err: err}
	if s, ok := id.RMA.(string); ok {
		inv.RMA = s
	}
	if v, ok := id.Version.(float64); ok && v == float64(int64(v)) {
		inv.Version = int64(v)
	}
	return inv
}

type wirePushResult struct {
	Accepted *int   `json:"accepted"`
	LastSeq  uint64 `json:"last_seq"`
	Rejected []struct {
		ID      string          `json:"id"`
		Seq     uint64          `json:"seq"`
		Problem json.RawMessage `json:"problem"`
	} `json:"rejected"`
}

// decodePushResult reads a 2xx body of POST …/events: an object with
// accepted and last_seq, and for 207 the rejected events, each named by seq
// or id.
func decodePushResult(status int, body []byte) (PushResult, error) {
	if !isObject(body) {
		return PushResult{}, errNotObject
	}
	var w wirePushResult
	if err := json.Unmarshal(body, &w); err != nil {
		return PushResult{}, fmt.Errorf("decode push result: %w", err)
	}
	if w.Accepted == nil {
		return PushResult{}, errors.New("decode push result: accepted is missing")
	}
	if *w.Accepted < 0 {
		return PushResult{}, fmt.Errorf("decode push result: accepted is %d", *w.Accepted)
	}
	r := PushResult{StatusCode: status, Accepted: *w.Accepted, LastSeq: w.LastSeq}
	for i, x := range w.Rejected {
		if x.Seq == 0 && x.ID == "" {
			return PushResult{}, fmt.Errorf("decode push result: rejected[%d] names no event", i)
		}
		rej := Rejection{ID: x.ID, Seq: x.Seq}
		if len(x.Problem) > 0 && !bytes.Equal(bytes.TrimSpace(x.Problem), []byte("null")) {
			rej.RawProblem = append(json.RawMessage(nil), x.Problem...)
			rej.Problem = decodeProblem(x.Problem)
		}
		r.Rejected = append(r.Rejected, rej)
	}
	return r, nil
}

// Position is central's position for a station (central.md §3.1): the
// highest seq it durably holds from the station, that event's id, and how
// many events it holds. LastSeq is 0 and LastID "" when it holds none.
type Position struct {
	LastSeq uint64
	LastID  string
	Count   uint64
}

type wirePosition struct {
	LastSeq *uint64 `json:"last_seq"`
	LastID  string  `json:"last_id"`
	Count   uint64  `json:"count"`
}

// decodePosition reads a 200 body of GET …/events/position. last_seq is
// required: a position without it cannot be trusted to continue after.
func decodePosition(body []byte) (Position, error) {
	if !isObject(body) {
		return Position{}, errNotObject
	}
	var w wirePosition
	if err := json.Unmarshal(body, &w); err != nil {
		return Position{}, fmt.Errorf("decode position: %w", err)
	}
	if w.LastSeq == nil {
		return Position{}, errors.New("decode position: last_seq is missing")
	}
	if *w.LastSeq == 0 && w.LastID != "" {
		return Position{}, errors.New("decode position: last_id without a last_seq")
	}
	return Position{LastSeq: *w.LastSeq, LastID: w.LastID, Count: w.Count}, nil
}
