package fakecentral

import (
	"encoding/json"
	"fmt"
	"time"
)

// Knobs are the failures the fake injects into its central.md routes (the
// admin routes under /_fake/ are never affected). The zero value is a
// healthy central. Rates are fractions of requests, 0..1.
type Knobs struct {
	// Down closes every connection without an answer, as a central that is
	// gone would.
	Down bool
	// ErrorRate is the fraction of requests answered with ErrorStatus
	// before they are handled (nothing is stored).
	ErrorRate float64
	// ErrorStatus is the status of injected errors. Default 503.
	ErrorStatus int
	// ThrottleRate is the fraction of requests answered 429.
	ThrottleRate float64
	// RetryAfter is sent as Retry-After with injected 429 and 503 answers,
	// e.g. "1", "60" or an HTTP-date; empty sends none.
	RetryAfter string
	// Latency delays every answer, plus a random part up to LatencyJitter.
	Latency       time.Duration
	LatencyJitter time.Duration
	// CutAfterCommitRate is the fraction of event pushes that are stored
	// and then answered by cutting the connection: the station must send
	// them again, and dedupe must absorb them.
	CutAfterCommitRate float64
	// RejectSeqs and RejectTypes make event intake reject (207) the events
	// with these seqs or types, every time they are sent.
	RejectSeqs  []uint64
	RejectTypes []string
	// MaxBatch makes event intake answer 413 to a batch of more events.
	// Default 500, the contract's limit.
	MaxBatch int
}

// Reply is one scripted answer: the next request to a central.md route
// gets it instead of being handled (see Server.Script).
type Reply struct {
	// Status is the HTTP status to answer, with a problem body.
	Status int `json:"status"`
	// RetryAfter, if set, is sent as Retry-After.
	RetryAfter string `json:"retry_after,omitempty"`
	// Cut closes the connection without an answer instead.
	Cut bool `json:"cut,omitempty"`
}

type knobsJSON struct {
	Down               bool     `json:"down"`
	ErrorRate          float64  `json:"error_rate"`
	ErrorStatus        int      `json:"error_status,omitempty"`
	ThrottleRate       float64  `json:"throttle_rate"`
	RetryAfter         string   `json:"retry_after,omitempty"`
	Latency            string   `json:"latency,omitempty"`
	LatencyJitter      string   `json:"latency_jitter,omitempty"`
	CutAfterCommitRate float64  `json:"cut_after_commit_rate"`
	RejectSeqs         []uint64 `json:"reject_seqs,omitempty"`
	RejectTypes        []string `json:"reject_types,omitempty"`
	MaxBatch           int      `json:"max_batch,omitempty"`
}

// MarshalJSON writes the knobs with durations as strings such as "250ms".
func (k Knobs) MarshalJSON() ([]byte, error) {
	j := knobsJSON{Down: k.Down, ErrorRate: k.ErrorRate, ErrorStatus: k.ErrorStatus,
		ThrottleRate: k.ThrottleRate, RetryAfter: k.RetryAfter,
		CutAfterCommitRate: k.CutAfterCommitRate, RejectSeqs: k.RejectSeqs,
		RejectTypes: k.RejectTypes, MaxBatch: k.MaxBatch}
	if k.Latency > 0 {
		j.Latency = k.Latency.String()
	}
	if k.LatencyJitter > 0 {
		j.LatencyJitter = k.LatencyJitter.String()
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (k *Knobs) UnmarshalJSON(b []byte) error {
	var j knobsJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	n := Knobs{Down: j.Down, ErrorRate: j.ErrorRate, ErrorStatus: j.ErrorStatus,
		ThrottleRate: j.ThrottleRate, RetryAfter: j.RetryAfter,
		CutAfterCommitRate: j.CutAfterCommitRate, RejectSeqs: j.RejectSeqs,
		RejectTypes: j.RejectTypes, MaxBatch: j.MaxBatch}
	var err error
	if j.Latency != "" {
		if n.Latency, err = time.ParseDuration(j.Latency); err != nil {
			return fmt.Errorf("latency: %w", err)
		}
	}
	if j.LatencyJitter != "" {
		if n.LatencyJitter, err = time.ParseDuration(j.LatencyJitter); err != nil {
			return fmt.Errorf("latency_jitter: %w", err)
		}
	}
	*k = n
	return nil
}

// validate rejects knobs the fake cannot apply.
func (k Knobs) validate() error {
	for name, r := range map[string]float64{"error_rate": k.ErrorRate, "throttle_rate": k.ThrottleRate,
		"cut_after_commit_rate": k.CutAfterCommitRate} {
		if r < 0 || r > 1 {
			return fmt.Errorf("%s must be between 0 and 1", name)
		}
	}
	if k.ErrorStatus != 0 && (k.ErrorStatus < 400 || k.ErrorStatus > 599) {
		return fmt.Errorf("error_status must be a 4xx or 5xx status")
	}
	if k.Latency < 0 || k.LatencyJitter < 0 {
		return fmt.Errorf("latency must not be negative")
	}
	if k.MaxBatch < 0 {
		return fmt.Errorf("max_batch must not be negative")
	}
	return nil
}
