package fakecentral

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"returns-station/station"
)

// FeedOptions configure PullFeed: where the station's feed is and how to
// read it (central.md §4).
type FeedOptions struct {
	// StationURL is the station's root, e.g. http://127.0.0.1:8080.
	StationURL string
	// Token is a station token with the central role (feed:read).
	Token string
	// Cursor, if set, is where to start; otherwise where the last
	// PullFeed stopped, or the beginning.
	Cursor string
	// Limit is the page size, 1..1000. Default 500.
	Limit int
	// Wait is the long-poll wait in seconds, 0..60. Default 30.
	Wait int
	// Retry is the pause after a failed pull. Default 1 s.
	Retry time.Duration
	// HTTPClient sends the requests. Default: one with a timeout of Wait
	// plus 10 s.
	HTTPClient *http.Client
}

// feedPage is the station's answer to GET /api/v1/feed.
type feedPage struct {
	Events     []station.Event `json:"events"`
	NextCursor string          `json:"next_cursor"`
	HasMore    bool            `json:"has_more"`
}

// FeedStats says what PullFeed did.
type FeedStats struct {
	// Pages is pages read; Events events in them, duplicates included.
	Pages  int `json:"pages"`
	Events int `json:"events"`
	// Failures is pulls that failed; Expired cursors the station refused
	// with 410 (the fake then starts over from the beginning).
	Failures int `json:"failures"`
	Expired  int `json:"expired"`
	// Cursor is the last cursor saved.
	Cursor string `json:"cursor"`
	// LastError is the last failure, "" if none.
	LastError string `json:"last_error,omitempty"`
}

// PullFeed reads the station's feed the way central does (central.md §4)
// until ctx is done, storing the events as pushed ones are stored — so the
// same (source, id) pushed and pulled is held once. It saves the cursor
// only after storing the page, like a careful consumer, and returns nil
// when ctx is done.
func (s *Server) PullFeed(ctx context.Context, opt FeedOptions) error {
	base := strings.TrimRight(opt.StationURL, "/")
	if base == "" {
		return errors.New("pull feed: the station URL is required")
	}
	if opt.Limit <= 0 || opt.Limit > 1000 {
		opt.Limit = 500
	}
	if opt.Wait < 0 || opt.Wait > 60 {
		opt.Wait = 30
	}
	if opt.Retry <= 0 {
		opt.Retry = time.Second
	}
	if opt.Cursor != "" {
		s.mu.Lock()
		s.feed.Cursor = opt.Cursor
		s.mu.Unlock()
	}
	hc := opt.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: time.Duration(opt.Wait)*time.Second + 10*time.Second}
	}
	for ctx.Err() == nil {
		s.mu.Lock()
		cursor := s.feed.Cursor
		s.mu.Unlock()
		n, err := s.pullFeedPage(ctx, hc, base, opt, cursor)
		if ctx.Err() != nil || (err == nil && n > 0) {
			continue
		}
		if err != nil {
			s.mu.Lock()
			s.feed.Failures++
			s.feed.LastError = err.Error()
			s.mu.Unlock()
		}
		// After a failure, or an empty page (a station that does not
		// long-poll answers at once): pause rather than spin.
		t := time.NewTimer(opt.Retry)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
	}
	return nil
}

// pullFeedPage reads and stores one page; n is how many events it held.
func (s *Server) pullFeedPage(ctx context.Context, hc *http.Client, base string, opt FeedOptions, cursor string) (n int, err error) {
	q := url.Values{"limit": {strconv.Itoa(opt.Limit)}, "wait": {strconv.Itoa(opt.Wait)}}
	if cursor != "" {
		q.Set("after", cursor)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/feed?"+q.Encode(), nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+opt.Token)
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return 0, err
	}
	switch {
	case resp.StatusCode == http.StatusGone:
		s.mu.Lock()
		s.feed.Expired++
		s.feed.Cursor = ""
		s.mu.Unlock()
		return 0, fmt.Errorf("the station refused cursor %q as expired; starting over", cursor)
	case resp.StatusCode != http.StatusOK:
		return 0, fmt.Errorf("the station answered %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	var p feedPage
	if err := json.Unmarshal(body, &p); err != nil {
		return 0, fmt.Errorf("read feed page: %w", err)
	}
	for i := 1; i < len(p.Events); i++ {
		if p.Events[i].Seq <= p.Events[i-1].Seq {
			return 0, fmt.Errorf("feed page not in seq order at %d", p.Events[i].Seq)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range p.Events {
		s.storeLocked(e)
	}
	s.feed.Pages++
	s.feed.Events += len(p.Events)
	if p.NextCursor != "" {
		s.feed.Cursor = p.NextCursor
	}
	return len(p.Events), nil
}

// FeedStats returns what PullFeed did so far.
func (s *Server) FeedStats() FeedStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.feed
}
