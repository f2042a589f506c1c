package web

import (
	"fmt"
	"runtime/debug"

	"github.com/gofiber/fiber/v2"

	"returns-station/station"
)

// recoverPanic turns a panic in a handler (a bug, or bbolt meeting a damaged
// page) into a 500 problem and a logged stack, so one bad request never takes
// the station down for every desk. It runs inside observe, which writes the
// problem and counts the request.
func (s *Server) recoverPanic(c *fiber.Ctx) (err error) {
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		s.log.Error("panic while answering a request; the station keeps running. If it repeats, stop the station and run `station check`",
			"component", "web", "method", c.Method(), "path", c.Path(), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		c.Response().Reset() // drop anything the handler half-wrote
		err = &station.Error{Code: station.EInternal, Key: "internal", Message: "internal error: the station could not answer this request; it is logged for the administrator",
			Err: fmt.Errorf("panic: %v", p)}
	}()
	return c.Next()
}
