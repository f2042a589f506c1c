package web

// mountUI serves the staff UI. The UI lives in station/web/ui; this is the
// one place that wires it into the app.
func (s *Server) mountUI() {}
