package web

import (
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"returns-station/station/web/ui"
)

// mountUI serves the staff UI. The UI lives in station/web/ui; this is the
// one place that wires it into the app. Pages are mounted path by path (not
// under a catch-all) so that they never shadow the API.
func (s *Server) mountUI() {
	opts := ui.Options{Logger: s.log}
	if s.cfg.Sessions != nil {
		opts.UserCount = s.cfg.Sessions.UserCount
	}
	u := ui.New(opts)
	h := adaptor.HTTPHandler(u)
	for _, p := range u.Pages() {
		s.app.Get(p, h)
	}
	s.app.Get(ui.AssetPrefix+"*", h)
}
