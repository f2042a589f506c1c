package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"returns-station/station"
)

// A feed cursor is base64url(version | epoch | seq | HMAC). It is opaque to
// central, survives restarts (the key and epoch live in the data file), and a
// cursor from another copy of the database (a restore from backup) is refused
// with 410 so central knows to resync instead of silently missing events.

const cursorVersion = 1

func (s *Server) encodeCursor(seq uint64) string {
	epoch := []byte(s.cfg.Store.Epoch())
	b := make([]byte, 0, 1+1+len(epoch)+8+16)
	b = append(b, cursorVersion, byte(len(epoch)))
	b = append(b, epoch...)
	b = binary.BigEndian.AppendUint64(b, seq)
	m := hmac.New(sha256.New, s.cfg.Store.FeedKey())
	m.Write(b)
	b = append(b, m.Sum(nil)[:16]...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor returns the seq a cursor stands for. Errors are problems.
func (s *Server) decodeCursor(cur string) (uint64, *Problem) {
	bad := &Problem{Type: problemType("invalid_cursor"), Status: 400, Detail: "the cursor is not one this station issued; start again without a cursor",
		Errors: []station.FieldError{{Field: "after", Detail: "unknown cursor"}}}
	b, err := base64.RawURLEncoding.DecodeString(cur)
	if err != nil || len(b) < 2+8+16 || b[0] != cursorVersion || int(b[1]) != len(b)-2-8-16 {
		return 0, bad
	}
	body, mac := b[:len(b)-16], b[len(b)-16:]
	m := hmac.New(sha256.New, s.cfg.Store.FeedKey())
	m.Write(body)
	if !hmac.Equal(mac, m.Sum(nil)[:16]) {
		return 0, bad
	}
	epoch := string(body[2 : 2+int(b[1])])
	seq := binary.BigEndian.Uint64(body[len(body)-8:])
	if epoch != s.cfg.Store.Epoch() || seq > s.cfg.Store.LastSeq() {
		if epoch != s.cfg.Store.Epoch() {
			// A cursor this station signed before a restore: the reader
			// holds the events up to seq (the store may use that to
			// end its wait for central's position).
			if err := s.cfg.Store.FeedReaderHolds(context.Background(), seq); err != nil {
				// Not 410: a reader told to start over would never
				// present this cursor again, and the station would wait
				// for central's position for good. 503: same cursor, later.
				s.log.Error("could not record how far the feed reader had read before the restore; it is told to try again with the same cursor",
					"component", "feed", "seq", seq, "err", err)
				return 0, &Problem{Type: problemType("unavailable"), Status: fiber.StatusServiceUnavailable,
					Detail: "the station could not record how far this reader had read before its data was restored; nothing was lost: try again with the same cursor",
					Errors: []station.FieldError{{Field: "after", Detail: "try again with the same cursor"}}}
			}
		}
		return 0, &Problem{Type: problemType("cursor_expired"), Status: fiber.StatusGone,
			Detail: "the cursor belongs to another copy of this station's data (restored from a backup?): events after it may differ; resynchronise from the start of the feed",
			Errors: []station.FieldError{{Field: "after", Detail: "cursor from another database epoch"}}}
	}
	if first, err := s.cfg.Store.FirstSeq(); err == nil && first > 0 && seq+1 < first {
		return 0, &Problem{Type: problemType("cursor_expired"), Status: fiber.StatusGone,
			Detail: "the events after this cursor were pruned; resynchronise from the start of the feed"}
	}
	return seq, nil
}

// FeedPage is one page of the feed (central.md §4).
type FeedPage struct {
	Events     []station.Event `json:"events"`
	NextCursor string          `json:"next_cursor"`
	HasMore    bool            `json:"has_more"`
}

func (s *Server) feed(c *fiber.Ctx) error {
	limit, err := queryLimit(c, 200, 1000)
	if err != nil {
		return err
	}
	wait := 0
	if w := c.Query("wait"); w != "" {
		if wait, err = strconv.Atoi(w); err != nil || wait < 0 || wait > 60 {
			return station.Invalid("wait", "must be a whole number of seconds from 0 to 60")
		}
	}
	var after uint64
	if cur := c.Query("after"); cur != "" {
		var p *Problem
		if after, p = s.decodeCursor(cur); p != nil {
			p.Instance = c.Path()
			if p.Status == fiber.StatusServiceUnavailable {
				c.Set(fiber.HeaderRetryAfter, "1")
			}
			return sendProblem(c, *p)
		}
	}
	// Longer than the handler timeout, so not the request's context; it
	// still ends at shutdown.
	ctx, cancel := context.WithTimeout(s.life, time.Duration(wait)*time.Second+5*time.Second)
	defer cancel()
	deadline := time.NewTimer(time.Duration(wait) * time.Second)
	defer deadline.Stop()
	for {
		// Take the commit signal before reading, so a commit in between wakes us.
		committed := s.cfg.Store.Committed()
		events, err := s.cfg.Store.FeedEventsAfter(ctx, after, limit+1)
		if err != nil {
			return err
		}
		if len(events) > 0 || wait == 0 {
			page := FeedPage{Events: events, HasMore: len(events) > limit}
			if page.HasMore {
				page.Events = events[:limit]
			}
			next := after
			if n := len(page.Events); n > 0 {
				next = page.Events[n-1].Seq
			}
			page.NextCursor = s.encodeCursor(next)
			if page.Events == nil {
				page.Events = []station.Event{}
			}
			return c.JSON(page)
		}
		select {
		case <-committed:
		case <-deadline.C:
			wait = 0
		case <-ctx.Done():
			wait = 0
		}
	}
}

// events serves the raw log for audit: GET /api/v1/events?after=SEQ&limit=N.
func (s *Server) events(c *fiber.Ctx) error {
	limit, err := queryLimit(c, 100, 1000)
	if err != nil {
		return err
	}
	var after uint64
	if a := c.Query("after"); a != "" {
		if after, err = strconv.ParseUint(a, 10, 64); err != nil {
			return station.Invalid("after", "must be an event seq (a whole number)")
		}
	}
	evs, err := s.cfg.Store.EventsAfter(c.UserContext(), after, limit)
	if err != nil {
		return err
	}
	if evs == nil {
		evs = []station.Event{}
	}
	return c.JSON(EventPage{Events: evs, LastSeq: s.cfg.Store.LastSeq()})
}
