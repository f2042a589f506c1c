package central

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/prometheus/client_golang/prometheus"
)

const namespace = "station"

// register adds cs to reg; a nil reg keeps them unregistered (tests, tools).
func register(reg prometheus.Registerer, cs ...prometheus.Collector) error {
	if reg == nil {
		return nil
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

type clientMetrics struct {
	requests *prometheus.CounterVec
	retries  *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newClientMetrics(reg prometheus.Registerer) (*clientMetrics, error) {
	m := &clientMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "central", Name: "requests_total",
			Help: "Calls to the central platform by operation and outcome (HTTP status, network or canceled).",
		}, []string{"op", "outcome"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "central", Name: "client_retries_total",
			Help: "Retries made inside one call to the central platform.",
		}, []string{"op"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "central", Name: "request_duration_seconds",
			Help:    "Duration of calls to the central platform, retries included.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"op"}),
	}
	if err := register(reg, m.requests, m.retries, m.duration); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *clientMetrics) observe(op string, resp *resty.Response, err error, d time.Duration, attempts int) {
	outcome := "network"
	switch {
	case err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)):
		outcome = "canceled"
	case err != nil:
	case resp != nil:
		outcome = strconv.Itoa(resp.StatusCode())
	}
	m.requests.WithLabelValues(op, outcome).Inc()
	if attempts > 1 {
		m.retries.WithLabelValues(op).Add(float64(attempts - 1))
	}
	m.duration.WithLabelValues(op).Observe(d.Seconds())
}

type pushMetrics struct {
	pushed  prometheus.Counter
	parked  prometheus.Counter
	batches *prometheus.CounterVec
}

func newPushMetrics(reg prometheus.Registerer, p *Pusher) (*pushMetrics, error) {
	m := &pushMetrics{
		pushed: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "push", Name: "events_acked_total",
			Help: "Events the central platform acknowledged as stored.",
		}),
		parked: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "push", Name: "events_parked_total",
			Help: "Events the central platform rejected as invalid, parked for a supervisor.",
		}),
		batches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "push", Name: "batches_total",
			Help: "Push attempts by result: ok, retry, halted, shrunk (batch split after 400/413/422) or local (store error).",
		}, []string{"result"}),
	}
	if err := register(reg, m.pushed, m.parked, m.batches, linkCollector{p}); err != nil {
		return nil, err
	}
	return m, nil
}

// linkCollector exports Pusher.Status at scrape time, so backlog and age
// are current even while the push waits out a backoff.
type linkCollector struct{ p *Pusher }

var (
	descOnline = prometheus.NewDesc(namespace+"_central_online",
		"1 while the central platform answers, 0 while it does not.", nil, nil)
	descAuth = prometheus.NewDesc(namespace+"_central_auth_failed",
		"1 when the central platform refused the station's token.", nil, nil)
	descHalted = prometheus.NewDesc(namespace+"_push_halted",
		"1 when the push is stopped until its configuration changes.", nil, nil)
	descBacklog = prometheus.NewDesc(namespace+"_push_backlog_events",
		"Committed events not yet acknowledged by the central platform.", nil, nil)
	descOldest = prometheus.NewDesc(namespace+"_push_oldest_unacked_age_seconds",
		"Age of the oldest event waiting to be pushed; 0 when none waits.", nil, nil)
	descAcked = prometheus.NewDesc(namespace+"_push_acked_seq",
		"Last event seq settled with the central platform.", nil, nil)
	descParked = prometheus.NewDesc(namespace+"_push_parked_events",
		"Events rejected by the central platform and kept for a supervisor.", nil, nil)
	descAttempts = prometheus.NewDesc(namespace+"_push_failed_attempts",
		"Consecutive failed push attempts (the backoff step).", nil, nil)
	descLastOK = prometheus.NewDesc(namespace+"_push_last_success_timestamp_seconds",
		"Unix time of the last accepted push; 0 if none.", nil, nil)
	descWaiting = prometheus.NewDesc(namespace+"_push_waiting_for_position",
		"1 while a station restored from a backup waits for central's position before pushing.", nil, nil)
)

func (linkCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descOnline, descAuth, descHalted, descBacklog, descOldest,
		descAcked, descParked, descAttempts, descLastOK, descWaiting} {
		ch <- d
	}
}

func (c linkCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st, err := c.p.Status(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descBacklog, err)
		return
	}
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	var lastOK float64
	if !st.LastSuccessAt.IsZero() {
		lastOK = float64(st.LastSuccessAt.UnixNano()) / 1e9
	}
	g := prometheus.GaugeValue
	ch <- prometheus.MustNewConstMetric(descOnline, g, b(st.Online))
	ch <- prometheus.MustNewConstMetric(descAuth, g, b(st.AuthFailed))
	ch <- prometheus.MustNewConstMetric(descHalted, g, b(st.Halted))
	ch <- prometheus.MustNewConstMetric(descBacklog, g, float64(st.Backlog))
	ch <- prometheus.MustNewConstMetric(descOldest, g, st.OldestUnackedAgeSeconds)
	ch <- prometheus.MustNewConstMetric(descAcked, g, float64(st.AckedSeq))
	ch <- prometheus.MustNewConstMetric(descParked, g, float64(st.Parked))
	ch <- prometheus.MustNewConstMetric(descAttempts, g, float64(st.Attempts))
	ch <- prometheus.MustNewConstMetric(descLastOK, g, lastOK)
	ch <- prometheus.MustNewConstMetric(descWaiting, g, b(st.Restore != nil && st.Restore.Waiting))
}

type pullMetrics struct {
	pages    prometheus.Counter
	returns  prometheus.Counter
	invalid  prometheus.Counter
	failures *prometheus.CounterVec
}

func newPullMetrics(reg prometheus.Registerer) (*pullMetrics, error) {
	m := &pullMetrics{
		pages: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "pull", Name: "pages_total",
			Help: "Pages of expected returns pulled and stored.",
		}),
		returns: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "pull", Name: "returns_total",
			Help: "Return authorizations pulled and handed to storage.",
		}),
		invalid: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "pull", Name: "invalid_returns_total",
			Help: "Return authorizations from central that failed to decode or validate and were skipped.",
		}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "pull", Name: "failures_total",
			Help: "Failed pulls by kind: retry, halted or local (store error).",
		}, []string{"kind"}),
	}
	if err := register(reg, m.pages, m.returns, m.invalid, m.failures); err != nil {
		return nil, err
	}
	return m, nil
}
