package fakecentral

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"returns-station/station"
)

// Options configure a Server.
type Options struct {
	// StationID, if set, is the only station whose routes are served;
	// another station in the path gets 403.
	StationID string
	// Token, if set, is the bearer token every central.md request must
	// carry (401 otherwise). If empty any bearer token is accepted, but
	// one is still required.
	Token string
	// Knobs are the failures injected from the start.
	Knobs Knobs
	// Returns are the RMAs central publishes from the start.
	Returns []station.ReturnAuthorization
	// Seed makes the injected failures repeatable; 0 picks one at random.
	Seed uint64
	// MaxRequestLog bounds the request log kept for Requests. Default 10000.
	MaxRequestLog int
	// Logger receives a line per request at debug level. Default: discard.
	Logger *slog.Logger
	// Now is the clock for the request log. Default time.Now.
	Now func() time.Time
}

// Server is a fake central platform: central.md §1–§3 over HTTP, an
// in-memory store of what it received, and knobs for failure. It is safe
// for concurrent use. It is for tests, demos and newcomers; it has no
// persistence and its admin routes have no authentication.
type Server struct {
	opt Options
	log *slog.Logger

	mu       sync.Mutex
	knobs    Knobs
	script   []Reply
	rnd      *rand.Rand
	events   []station.Event
	seen     map[eventKey]struct{}
	lastSeq  map[string]uint64
	bySeq    map[string]map[uint64]string // source → seq → id of the first event stored with it
	held     map[string]uint64            // source → distinct events stored
	keys     map[string]string            // Idempotency-Key → batch fingerprint
	stats    Stats
	requests []Request
	changes  []rmaChange
	latest   map[string]uint64 // RMA → its live change number
	change   uint64
	feed     FeedStats
}

type eventKey struct{ source, id string }

type rmaChange struct {
	n   uint64
	rma station.ReturnAuthorization
}

// Stats counts what the fake saw.
type Stats struct {
	// Requests is every request to a central.md route, failed ones included.
	Requests int `json:"requests"`
	// Batches is event pushes that were handled (stored and answered or cut).
	Batches int `json:"batches"`
	// Received is events in handled batches, duplicates included.
	Received int `json:"received"`
	// Stored is distinct events stored; Duplicates those received again.
	Stored     int `json:"stored"`
	Duplicates int `json:"duplicates"`
	// Rejected is events answered as rejected in a 207.
	Rejected int `json:"rejected"`
	// OutOfOrder counts new events stored with a seq not above the last
	// stored for their source: a station that reorders shows here.
	OutOfOrder int `json:"out_of_order"`
	// SeqConflicts counts new events stored with a seq that central
	// already holds from their source with another id: a station that
	// reuses a seq (say, after a careless restore) shows here.
	SeqConflicts int `json:"seq_conflicts"`
	// Positions is GET …/events/position requests answered.
	Positions int `json:"positions"`
	// Cut is connections closed without an answer.
	Cut int `json:"cut"`
	// Injected is answers made up by the knobs or the script.
	Injected int `json:"injected"`
	// Pulls is pages of returns served; Lookups look-ups answered.
	Pulls   int `json:"pulls"`
	Lookups int `json:"lookups"`
}

// Request is one request to a central.md route, as logged.
type Request struct {
	At             time.Time `json:"at"`
	Method         string    `json:"method"`
	Path           string    `json:"path"`
	IdempotencyKey string    `json:"idempotency_key,omitempty"`
	// Status is the answer; 0 when the connection was cut instead.
	Status   int    `json:"status"`
	Events   int    `json:"events,omitempty"`
	FirstSeq uint64 `json:"first_seq,omitempty"`
	LastSeq  uint64 `json:"last_seq,omitempty"`
}

// New returns a fake central with opt. It panics if opt.Returns or
// opt.Knobs are invalid, since that is a mistake in the caller's code.
func New(opt Options) *Server {
	if opt.MaxRequestLog <= 0 {
		opt.MaxRequestLog = 10000
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	seed := opt.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	s := &Server{
		opt:     opt,
		log:     defaultLogger(opt.Logger).With("component", "fakecentral"),
		rnd:     rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		seen:    map[eventKey]struct{}{},
		lastSeq: map[string]uint64{},
		bySeq:   map[string]map[uint64]string{},
		held:    map[string]uint64{},
		keys:    map[string]string{},
		latest:  map[string]uint64{},
	}
	if err := s.SetKnobs(opt.Knobs); err != nil {
		panic("fakecentral: " + err.Error())
	}
	if err := s.AddReturns(opt.Returns...); err != nil {
		panic("fakecentral: " + err.Error())
	}
	return s
}

func defaultLogger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// Handler serves central.md §1–§3.1 under /v1/ and the admin routes under
// /_fake/:
//
//	GET  /_fake/knobs     the knobs as JSON
//	PUT  /_fake/knobs     replace the knobs
//	POST /_fake/script    queue scripted replies (a Reply or an array)
//	GET  /_fake/events    the stored events, in arrival order
//	GET  /_fake/stats     Stats
//	GET  /_fake/requests  the request log
//	POST /_fake/returns   publish RMAs (one or an array)
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /v1/stations/{station}/returns", s.central(s.handleReturns))
	mux.Handle("GET /v1/returns/lookup", s.central(s.handleLookup))
	mux.Handle("POST /v1/stations/{station}/events", s.central(s.handleEvents))
	mux.Handle("GET /v1/stations/{station}/events/position", s.central(s.handlePosition))
	mux.HandleFunc("GET /_fake/knobs", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, s.Knobs()) })
	mux.HandleFunc("PUT /_fake/knobs", s.adminKnobs)
	mux.HandleFunc("POST /_fake/script", s.adminScript)
	mux.HandleFunc("GET /_fake/events", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, s.Events()) })
	mux.HandleFunc("GET /_fake/stats", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, s.Stats()) })
	mux.HandleFunc("GET /_fake/requests", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, s.Requests()) })
	mux.HandleFunc("POST /_fake/returns", s.adminReturns)
	return mux
}

// SetKnobs replaces the knobs; they apply to the next request.
func (s *Server) SetKnobs(k Knobs) error {
	if err := k.validate(); err != nil {
		return err
	}
	k.RejectSeqs = append([]uint64(nil), k.RejectSeqs...)
	k.RejectTypes = append([]string(nil), k.RejectTypes...)
	s.mu.Lock()
	s.knobs = k
	s.mu.Unlock()
	return nil
}

// Knobs returns the current knobs.
func (s *Server) Knobs() Knobs {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.knobs
	k.RejectSeqs = append([]uint64(nil), k.RejectSeqs...)
	k.RejectTypes = append([]string(nil), k.RejectTypes...)
	return k
}

// Script queues replies: each of the next requests to a central.md route
// gets the next reply instead of being handled, before any knob applies
// (except Down).
func (s *Server) Script(replies ...Reply) {
	s.mu.Lock()
	s.script = append(s.script, replies...)
	s.mu.Unlock()
}

// AddReturns publishes RMAs. An RMA already published is replaced and
// served again after the others, as a central that changed it would; the
// fake does not judge versions, so a test can also publish a lower one.
func (s *Server) AddReturns(rmas ...station.ReturnAuthorization) error {
	for i := range rmas {
		if err := rmas[i].Validate(); err != nil {
			return fmt.Errorf("add return %q: %w", rmas[i].RMA, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range rmas {
		s.change++
		s.changes = append(s.changes, rmaChange{n: s.change, rma: r})
		s.latest[r.RMA] = s.change
	}
	return nil
}

// Events returns a copy of the stored events, in the order they arrived.
func (s *Server) Events() []station.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]station.Event(nil), s.events...)
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Requests returns the request log, oldest first (at most MaxRequestLog).
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// central wraps a central.md route: it logs the request and applies the
// knobs and the script before the route's own checks.
func (s *Server) central(h func(http.ResponseWriter, *http.Request, *Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &Request{At: s.opt.Now(), Method: r.Method, Path: r.URL.Path,
			IdempotencyKey: r.Header.Get("Idempotency-Key")}
		// The request is logged as its answer starts (or its connection
		// is cut), so a client that got the answer finds it in the log.
		sw := &statusWriter{ResponseWriter: w}
		sw.onAnswer = func(status int) { s.logRequest(rec, status) }
		defer sw.answer(0) // the client went away first

		s.mu.Lock()
		s.stats.Requests++
		k := s.knobs
		var reply *Reply
		if !k.Down && len(s.script) > 0 {
			reply = &s.script[0]
			s.script = s.script[1:]
		}
		latency := k.Latency
		if k.LatencyJitter > 0 {
			latency += time.Duration(s.rnd.Int64N(int64(k.LatencyJitter) + 1))
		}
		throttle := k.ThrottleRate > 0 && s.rnd.Float64() < k.ThrottleRate
		fail := k.ErrorRate > 0 && s.rnd.Float64() < k.ErrorRate
		s.mu.Unlock()

		if k.Down {
			s.cut(sw)
			return
		}
		if latency > 0 {
			t := time.NewTimer(latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		switch {
		case reply != nil && reply.Cut:
			s.count(func(st *Stats) { st.Injected++ })
			s.cut(sw)
			return
		case reply != nil:
			s.count(func(st *Stats) { st.Injected++ })
			s.injected(sw, reply.Status, reply.RetryAfter)
			return
		case throttle:
			s.count(func(st *Stats) { st.Injected++ })
			s.injected(sw, http.StatusTooManyRequests, k.RetryAfter)
			return
		case fail:
			s.count(func(st *Stats) { st.Injected++ })
			code := k.ErrorStatus
			if code == 0 {
				code = http.StatusServiceUnavailable
			}
			ra := ""
			if code == http.StatusServiceUnavailable || code == http.StatusTooManyRequests {
				ra = k.RetryAfter
			}
			s.injected(sw, code, ra)
			return
		}
		if !s.authorized(r) {
			sw.Header().Set("WWW-Authenticate", `Bearer realm="central"`)
			problem(sw, http.StatusUnauthorized, "unauthorized", "a valid bearer token is required")
			return
		}
		h(sw, r, rec)
	})
}

func (s *Server) count(f func(*Stats)) {
	s.mu.Lock()
	f(&s.stats)
	s.mu.Unlock()
}

func (s *Server) logRequest(rec *Request, status int) {
	rec.Status = status
	s.mu.Lock()
	s.requests = append(s.requests, *rec)
	if n := len(s.requests) - s.opt.MaxRequestLog; n > 0 {
		s.requests = append(s.requests[:0:0], s.requests[n:]...)
	}
	s.mu.Unlock()
	s.log.Debug("request", "method", rec.Method, "path", rec.Path, "status", rec.Status,
		"events", rec.Events, "idempotency_key", rec.IdempotencyKey)
}

func (s *Server) injected(w http.ResponseWriter, code int, retryAfter string) {
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	problem(w, code, "injected failure", "the fake central was told to fail this request")
}

// cut closes the connection without an answer.
func (s *Server) cut(sw *statusWriter) {
	s.count(func(st *Stats) { st.Cut++ })
	sw.answer(0)
	conn, _, err := http.NewResponseController(sw.ResponseWriter).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // HTTP/2: abort the stream instead
	}
	conn.Close()
}

func (s *Server) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return false
	}
	if s.opt.Token == "" {
		return true
	}
	return subtle.ConstantTimeCompare([]byte(tok), []byte(s.opt.Token)) == 1
}

func (s *Server) stationOK(w http.ResponseWriter, id string) bool {
	if s.opt.StationID != "" && id != s.opt.StationID {
		problem(w, http.StatusForbidden, "forbidden", "this token is not for station "+strconv.Quote(id))
		return false
	}
	return true
}

// handleReturns serves central.md §1.
func (s *Server) handleReturns(w http.ResponseWriter, r *http.Request, _ *Request) {
	if !s.stationOK(w, r.PathValue("station")) {
		return
	}
	limit := 200
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			problem(w, http.StatusBadRequest, "invalid limit", "limit must be a whole number from 1 to 1000")
			return
		}
		limit = n
	}
	after, err := decodeCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		problem(w, http.StatusBadRequest, "invalid cursor", "the cursor was not issued by this central")
		return
	}
	s.mu.Lock()
	i := sort.Search(len(s.changes), func(i int) bool { return s.changes[i].n > after })
	page := []station.ReturnAuthorization{}
	next := after
	for ; i < len(s.changes) && len(page) < limit; i++ {
		c := s.changes[i]
		if s.latest[c.rma.RMA] != c.n {
			continue // replaced by a later change
		}
		page = append(page, c.rma)
		next = c.n
	}
	more := false
	for ; i < len(s.changes); i++ {
		if s.latest[s.changes[i].rma.RMA] == s.changes[i].n {
			more = true
			break
		}
	}
	s.stats.Pulls++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"returns": page, "next_cursor": encodeCursor(next), "has_more": more})
}

func encodeCursor(n uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("fc1:" + strconv.FormatUint(n, 10)))
}

func decodeCursor(c string) (uint64, error) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, err
	}
	v, ok := strings.CutPrefix(string(b), "fc1:")
	if !ok {
		return 0, errors.New("not a cursor")
	}
	return strconv.ParseUint(v, 10, 64)
}

// handleLookup serves central.md §2.
func (s *Server) handleLookup(w http.ResponseWriter, r *http.Request, _ *Request) {
	tracking := station.NormalizeTracking(r.URL.Query().Get("tracking"))
	carrier := r.URL.Query().Get("carrier")
	if tracking == "" {
		problem(w, http.StatusBadRequest, "invalid tracking", "tracking is required")
		return
	}
	s.mu.Lock()
	s.stats.Lookups++
	var found *station.ReturnAuthorization
	for i := len(s.changes) - 1; i >= 0 && found == nil; i-- {
		c := s.changes[i]
		if s.latest[c.rma.RMA] != c.n {
			continue
		}
		for _, sh := range c.rma.ReturnShipments {
			if station.NormalizeTracking(sh.Tracking) == tracking && (carrier == "" || strings.EqualFold(carrier, sh.Carrier)) {
				found = &c.rma
				break
			}
		}
	}
	s.mu.Unlock()
	if found == nil {
		problem(w, http.StatusNotFound, "not found", "no return has this tracking number")
		return
	}
	writeJSON(w, http.StatusOK, found)
}

// rejection is one entry of a 207's rejected list.
type rejection struct {
	ID      string         `json:"id"`
	Seq     uint64         `json:"seq"`
	Problem map[string]any `json:"problem"`
}

// handleEvents serves central.md §3.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request, rec *Request) {
	sid := r.PathValue("station")
	if !s.stationOK(w, sid) {
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/cloudevents-batch+json" {
		problem(w, http.StatusBadRequest, "wrong content type", "events are sent as application/cloudevents-batch+json")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 32<<20))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			problem(w, http.StatusRequestEntityTooLarge, "too large", "the batch is too large")
			return
		}
		return // the client went away
	}
	var evs []station.Event
	if err := json.Unmarshal(body, &evs); err != nil || len(evs) == 0 {
		problem(w, http.StatusBadRequest, "not a batch", "the body must be a non-empty JSON array of CloudEvents")
		return
	}
	k := s.Knobs()
	maxBatch := k.MaxBatch
	if maxBatch == 0 {
		maxBatch = 500
	}
	if len(evs) > maxBatch {
		problem(w, http.StatusRequestEntityTooLarge, "too many events", fmt.Sprintf("at most %d events per request", maxBatch))
		return
	}
	for i := range evs {
		if evs[i].Seq == 0 || (i > 0 && evs[i].Seq <= evs[i-1].Seq) {
			problem(w, http.StatusBadRequest, "not in seq order", "events must carry strictly increasing seq values")
			return
		}
	}
	first, last := evs[0].Seq, evs[len(evs)-1].Seq
	rec.Events, rec.FirstSeq, rec.LastSeq = len(evs), first, last
	key := r.Header.Get("Idempotency-Key")
	if want := fmt.Sprintf("%s:%d-%d", sid, first, last); key != want {
		problem(w, http.StatusBadRequest, "bad Idempotency-Key", "Idempotency-Key must be "+want)
		return
	}
	fp := fingerprint(evs)

	rejectSeq := map[uint64]bool{}
	for _, q := range k.RejectSeqs {
		rejectSeq[q] = true
	}
	rejectType := map[string]bool{}
	for _, t := range k.RejectTypes {
		rejectType[t] = true
	}
	source := station.Source(sid)
	var rejected []rejection
	s.mu.Lock()
	if prev, ok := s.keys[key]; ok && prev != fp {
		s.mu.Unlock()
		problem(w, http.StatusUnprocessableEntity, "Idempotency-Key reused",
			"this Idempotency-Key was used for different events")
		return
	}
	s.keys[key] = fp
	s.stats.Batches++
	s.stats.Received += len(evs)
	for _, e := range evs {
		if why := invalidEvent(e, source); why != "" || rejectSeq[e.Seq] || rejectType[e.Type] {
			if why == "" {
				why = "rejected by the fake central's knobs"
			}
			rejected = append(rejected, rejection{ID: e.ID, Seq: e.Seq, Problem: map[string]any{
				"type": "https://central.example/problems/invalid-event", "title": "invalid event",
				"status": http.StatusUnprocessableEntity, "detail": why}})
			continue
		}
		s.storeLocked(e)
	}
	s.stats.Rejected += len(rejected)
	cut := k.CutAfterCommitRate > 0 && s.rnd.Float64() < k.CutAfterCommitRate
	s.mu.Unlock()

	if cut {
		s.cut(w.(*statusWriter))
		return
	}
	res := map[string]any{"accepted": len(evs) - len(rejected), "last_seq": last}
	if len(rejected) > 0 {
		res["rejected"] = rejected
		writeJSON(w, http.StatusMultiStatus, res)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// handlePosition serves central.md §3.1: the highest seq held from the
// station, that event's id, and how many events are held.
func (s *Server) handlePosition(w http.ResponseWriter, r *http.Request, _ *Request) {
	sid := r.PathValue("station")
	if !s.stationOK(w, sid) {
		return
	}
	source := station.Source(sid)
	s.mu.Lock()
	s.stats.Positions++
	last := s.lastSeq[source]
	pos := map[string]any{"last_seq": last, "last_id": s.bySeq[source][last], "count": s.held[source]}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, pos)
}

// storeLocked keeps e unless central already holds it (same source and
// id), as central deduplicates. s.mu is held.
func (s *Server) storeLocked(e station.Event) {
	ek := eventKey{e.Source, e.ID}
	if _, dup := s.seen[ek]; dup {
		s.stats.Duplicates++
		return
	}
	s.seen[ek] = struct{}{}
	if e.Seq <= s.lastSeq[e.Source] {
		s.stats.OutOfOrder++
	}
	s.lastSeq[e.Source] = max(s.lastSeq[e.Source], e.Seq)
	ids := s.bySeq[e.Source]
	if ids == nil {
		ids = map[uint64]string{}
		s.bySeq[e.Source] = ids
	}
	if _, ok := ids[e.Seq]; ok {
		s.stats.SeqConflicts++
	} else {
		ids[e.Seq] = e.ID
	}
	s.held[e.Source]++
	s.events = append(s.events, e)
	s.stats.Stored++
}

// invalidEvent says why e is not a valid station event, or "".
func invalidEvent(e station.Event, source string) string {
	switch {
	case e.SpecVersion != "1.0":
		return "specversion must be 1.0"
	case e.ID == "":
		return "id is required"
	case e.Source != source:
		return "source must be " + source
	case e.Type == "":
		return "type is required"
	case e.Time.IsZero():
		return "time is required"
	}
	return ""
}

// fingerprint identifies a batch by its events' ids and seqs.
func fingerprint(evs []station.Event) string {
	h := sha256.New()
	for _, e := range evs {
		fmt.Fprintf(h, "%d\x00%s\x00", e.Seq, e.ID)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (s *Server) adminKnobs(w http.ResponseWriter, r *http.Request) {
	var k Knobs
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&k); err != nil {
		problem(w, http.StatusBadRequest, "invalid knobs", err.Error())
		return
	}
	if err := s.SetKnobs(k); err != nil {
		problem(w, http.StatusBadRequest, "invalid knobs", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, s.Knobs())
}

func (s *Server) adminScript(w http.ResponseWriter, r *http.Request) {
	var replies []Reply
	if err := decodeOneOrMany(r.Body, &replies); err != nil {
		problem(w, http.StatusBadRequest, "invalid script", err.Error())
		return
	}
	for _, rp := range replies {
		if !rp.Cut && (rp.Status < 100 || rp.Status > 599) {
			problem(w, http.StatusBadRequest, "invalid script", "each reply needs a status or cut")
			return
		}
	}
	s.Script(replies...)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) adminReturns(w http.ResponseWriter, r *http.Request) {
	var rmas []station.ReturnAuthorization
	if err := decodeOneOrMany(r.Body, &rmas); err != nil {
		problem(w, http.StatusBadRequest, "invalid returns", err.Error())
		return
	}
	if err := s.AddReturns(rmas...); err != nil {
		problem(w, http.StatusBadRequest, "invalid returns", err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// decodeOneOrMany reads a JSON array, or one object as an array of one.
func decodeOneOrMany[T any](body io.Reader, out *[]T) error {
	b, err := io.ReadAll(io.LimitReader(body, 32<<20))
	if err != nil {
		return err
	}
	t := strings.TrimSpace(string(b))
	if strings.HasPrefix(t, "[") {
		return json.Unmarshal(b, out)
	}
	var one T
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*out = []T{one}
	return nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

func problem(w http.ResponseWriter, code int, title, detail string) {
	b, _ := json.Marshal(map[string]any{
		"type":   "https://central.example/problems/" + strings.ReplaceAll(strings.ToLower(title), " ", "-"),
		"title":  title,
		"status": code,
		"detail": detail,
	})
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

// statusWriter calls onAnswer once, with the status, when the answer
// starts — or with 0 when the connection is cut or the client left.
type statusWriter struct {
	http.ResponseWriter
	onAnswer func(status int)
	done     bool
}

func (w *statusWriter) answer(status int) {
	if !w.done {
		w.done = true
		w.onAnswer(status)
	}
}

func (w *statusWriter) WriteHeader(code int) {
	w.answer(code)
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.answer(http.StatusOK)
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
