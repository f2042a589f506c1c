package web

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"returns-station/station"
)

// Sync is the link to the central platform as people see it (sync/central,
// composed in cmd/station).
type Sync interface {
	// Status is the link state: online or offline since when, the backlog,
	// the oldest unacknowledged event, last success and error, parked events.
	Status(ctx context.Context) (station.LinkState, error)
	// Retry asks the push and the pull to try now instead of after backoff.
	Retry()
	// Parked lists events central rejected, for a supervisor to look at.
	Parked(limit int) ([]station.ParkedEvent, error)
}

func (s *Server) syncStatus(c *fiber.Ctx) error {
	if s.cfg.Sync == nil {
		return notConfigured("Sync with the central platform")(c)
	}
	st, err := s.cfg.Sync.Status(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(st)
}

func (s *Server) syncRetry(c *fiber.Ctx) error {
	if s.cfg.Sync == nil {
		return notConfigured("Sync with the central platform")(c)
	}
	s.cfg.Sync.Retry()
	s.log.Info("sync retry requested", "component", "sync", "by", ident(c).Actor)
	return c.Status(fiber.StatusAccepted).JSON(Accepted{Status: "retrying"})
}

func (s *Server) syncParked(c *fiber.Ctx) error {
	if s.cfg.Sync == nil {
		return notConfigured("Sync with the central platform")(c)
	}
	limit, err := queryLimit(c, 200, 1000)
	if err != nil {
		return err
	}
	list, err := s.cfg.Sync.Parked(limit)
	if err != nil {
		return err
	}
	if list == nil {
		list = []station.ParkedEvent{}
	}
	return c.JSON(ParkedList{Parked: list})
}
