package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"returns-station/station"
)

// maxHook bounds a carrier webhook body; a tracking push is a few kilobytes.
const maxHook = 1 << 20

// carrierHook verifies a provider's webhook over its raw body, then applies
// its updates in one transaction. A forged or malformed delivery stores
// nothing; a redelivery is answered like the first and changes nothing.
func (s *Server) carrierHook(c *fiber.Ctx) error {
	provider := c.Params("provider")
	h, ok := s.cfg.Hooks[provider]
	if !ok {
		// Not a label per name: anyone can post to any name, and each
		// label value lives in memory and on /metrics for good.
		s.hookCount("unknown", "not_configured")
		return station.Errorf(station.ENotFound, "no carrier webhook %q is configured on this station: set STATION_CARRIER_%s_SECRET", provider, strings.ToUpper(provider))
	}
	body := c.Body()
	if len(body) > maxHook {
		s.hookCount(provider, "too_large")
		return fiber.NewError(fiber.StatusRequestEntityTooLarge, "the webhook body is larger than 1 MB")
	}
	header := http.Header{}
	c.Request().Header.VisitAll(func(k, v []byte) { header.Add(string(k), string(v)) })
	updates, reply, replyType, err := h.Receive(header, body, s.now())
	if err != nil {
		s.hookCount(provider, station.ErrorCode(err))
		s.log.Info("carrier webhook refused", "component", "carriers", "provider", provider, "client", s.clientIP(c), "err", err)
		if reply != nil {
			c.Set(fiber.HeaderContentType, replyType)
			return c.Status(codeStatus[station.ErrorCode(err)]).Send(reply)
		}
		return err
	}
	env := station.Env{StationID: s.cfg.Store.StationID(), Actor: "carrier:" + provider, Role: station.RoleOperator, Now: s.now, NewID: s.newID}
	_, err = s.cfg.Store.Update(c.UserContext(), nil, func(tx station.Tx) (any, error) {
		for _, u := range updates {
			if _, err := station.ApplyTracking(tx, env, u); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	if err != nil {
		s.hookCount(provider, "store_failed")
		return err
	}
	s.hookCount(provider, "ok")
	if reply != nil {
		c.Set(fiber.HeaderContentType, replyType)
		return c.Status(fiber.StatusOK).Send(reply)
	}
	return c.SendStatus(fiber.StatusOK)
}

func (s *Server) hookCount(provider, outcome string) {
	s.metrics.hooks.WithLabelValues(provider, outcome).Inc()
}

func newHookMetric() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: "station_carrier_webhooks_total",
		Help: "Carrier webhook deliveries by provider and outcome (ok, unauthorized, invalid, …)."}, []string{"provider", "outcome"})
}

// inbound serves the inbound board: GET /api/v1/inbound?day=today|tomorrow|YYYY-MM-DD.
func (s *Server) inbound(c *fiber.Ctx) error {
	loc, err := s.warehouseZone()
	if err != nil {
		return err
	}
	now := s.now().In(loc)
	day := now
	switch q := c.Query("day", "today"); q {
	case "today":
	case "tomorrow":
		day = now.AddDate(0, 0, 1)
	default:
		d, err := time.ParseInLocation("2006-01-02", q, loc)
		if err != nil {
			return station.Invalid("day", "today, tomorrow or a date such as 2026-11-23")
		}
		day = d
	}
	var b *station.InboundBoard
	err = s.cfg.Store.View(func(tx station.Tx) (err error) {
		b, err = station.BuildInboundBoard(tx, day, now, loc)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(b)
}
