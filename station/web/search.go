package web

import (
	"github.com/gofiber/fiber/v2"

	"returns-station/station"
)

// SearchResult is what one search box found.
type SearchResult struct {
	Query string              `json:"query"`
	Hits  []station.SearchHit `json:"hits"`
}

func (s *Server) search(c *fiber.Ctx) error {
	q := c.Query("q")
	var hits []station.SearchHit
	err := s.cfg.Store.View(func(tx station.Tx) (err error) {
		hits, err = station.Search(tx, q)
		return err
	})
	if err != nil {
		return err
	}
	if hits == nil {
		hits = []station.SearchHit{}
	}
	return c.JSON(SearchResult{Query: q, Hits: hits})
}

// QueueResult is the inspection bench's work queue.
type QueueResult struct {
	Parcels []station.QueuedParcel `json:"parcels"`
}

func (s *Server) queue(c *fiber.Ctx) error {
	limit, err := queryLimit(c, 100, 500)
	if err != nil {
		return err
	}
	ps, err := s.cfg.Store.WaitingParcels(limit)
	if err != nil {
		return err
	}
	now := s.now()
	res := QueueResult{Parcels: make([]station.QueuedParcel, 0, len(ps))}
	for _, p := range ps {
		res.Parcels = append(res.Parcels, station.QueuedParcel{Parcel: p, AgeSeconds: int64(now.Sub(p.ReceivedAt).Seconds())})
	}
	return c.JSON(res)
}
