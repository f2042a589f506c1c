package poll_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"returns-station/carriers/kuaidi100"
)

// reply is one scripted answer of a fake provider.
type reply struct {
	status int           // 0 means 200
	header http.Header   // extra headers, such as Retry-After
	body   string        // the answer
	delay  time.Duration // wait before answering, for timeouts
}

// script hands out scripted replies per key (a number, or a path), the last
// one repeating, and counts the requests.
type script struct {
	mu      sync.Mutex
	replies map[string][]reply
	calls   map[string]int
	times   []time.Time
}

func newScript(replies map[string][]reply) *script {
	return &script{replies: replies, calls: map[string]int{}}
}

func (s *script) next(key string) (reply, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.times = append(s.times, time.Now())
	n := s.calls[key]
	s.calls[key]++
	list, ok := s.replies[key]
	if !ok || len(list) == 0 {
		return reply{}, false
	}
	return list[min(n, len(list)-1)], true
}

func (s *script) count(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[key]
}

func write(w http.ResponseWriter, r *http.Request, rep reply) {
	if rep.delay > 0 {
		select {
		case <-time.After(rep.delay):
		case <-r.Context().Done():
			return
		}
	}
	for k, v := range rep.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(max(rep.status, http.StatusOK))
	_, _ = io.WriteString(w, rep.body)
}

// kuaidi100Query is the param a real-time query sends.
type kuaidi100Query struct {
	Com      string `json:"com"`
	Num      string `json:"num"`
	Phone    string `json:"phone"`
	ResultV2 string `json:"resultv2"`
}

// fakeKuaidi100 speaks Kuaidi100's real-time query: it checks the form and
// its sign, then answers from the script by number.
func fakeKuaidi100(t *testing.T, customer, key string, s *script) (*httptest.Server, *[]kuaidi100Query) {
	t.Helper()
	var mu sync.Mutex
	var seen []kuaidi100Query
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/poll/query.do" {
			t.Errorf("got %s %s, want POST /poll/query.do", r.Method, r.URL.Path)
			http.NotFound(w, r)
			return
		}
		if err := r.ParseForm(); err != nil {
			t.Errorf("form: %v", err)
		}
		param := r.PostForm.Get("param")
		if got := r.PostForm.Get("customer"); got != customer {
			t.Errorf("got customer %q, want %q", got, customer)
		}
		if got, want := r.PostForm.Get("sign"), kuaidi100.QuerySign(param, key, customer); got != want {
			t.Errorf("got sign %q, want %q", got, want)
			write(w, r, reply{body: `{"result":false,"returnCode":"503","message":"验证签名失败"}`})
			return
		}
		var q kuaidi100Query
		if err := json.Unmarshal([]byte(param), &q); err != nil {
			t.Errorf("param %q: %v", param, err)
		}
		mu.Lock()
		seen = append(seen, q)
		mu.Unlock()
		rep, ok := s.next(q.Num)
		if !ok {
			rep = reply{body: `{"result":false,"returnCode":"500","message":"查询无结果，请隔段时间再查"}`}
		}
		write(w, r, rep)
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

// fakeTrack17 speaks 17TRACK's v2.2 API: it checks the token and the JSON
// list of numbers (a wrong token gets 401), answers gettrackinfo from the script by number and
// records the numbers registered.
func fakeTrack17(t *testing.T, token string, s *script) (*httptest.Server, *[][]string) {
	t.Helper()
	var mu sync.Mutex
	var registered [][]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("17token") != token {
			write(w, r, reply{status: http.StatusUnauthorized, body: `{"code":401}`})
			return
		}
		var req []struct {
			Number  string `json:"number"`
			Carrier int    `json:"carrier"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req) == 0 || len(req) > 40 {
			t.Errorf("got %d numbers (%v), want 1 to 40", len(req), err)
		}
		var numbers []string
		for _, n := range req {
			numbers = append(numbers, n.Number)
		}
		switch r.URL.Path {
		case "/register":
			mu.Lock()
			registered = append(registered, numbers)
			mu.Unlock()
			write(w, r, reply{body: `{"code":0,"data":{"accepted":[],"rejected":[]}}`})
		case "/gettrackinfo":
			if rep, ok := s.next("/gettrackinfo"); ok {
				write(w, r, rep)
				return
			}
			var accepted []json.RawMessage
			var rejected []map[string]any
			for _, n := range numbers {
				if rep, ok := s.next(n); ok {
					accepted = append(accepted, json.RawMessage(rep.body))
					continue
				}
				code := -18019902 // not registered
				if strings.HasPrefix(n, "NOINFO") {
					code = -18019909 // registered, nothing yet
				}
				rejected = append(rejected, map[string]any{"number": n, "error": map[string]any{"code": code, "message": "not tracked"}})
			}
			b, err := json.Marshal(map[string]any{"code": 0, "data": map[string]any{"accepted": accepted, "rejected": rejected}})
			if err != nil {
				t.Error(err)
			}
			write(w, r, reply{body: string(b)})
		default:
			t.Errorf("got path %s", r.URL.Path)
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &registered
}
