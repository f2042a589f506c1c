package web

import (
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
)

// unmatchedRoute labels requests for paths the station does not serve.
const unmatchedRoute = "unmatched"

// routeLabel is the route pattern a request is counted under in metrics: the
// first registered route its method and path match, as Fiber matches them,
// whether that route answered or a middleware answered first (a 401 from the
// sign-in check, a 413 for a body). Labels are always registered patterns,
// never raw paths, so their number is fixed whatever clients send.
func (s *Server) routeLabel(c *fiber.Ctx) string {
	s.patternsOnce.Do(func() {
		s.patterns = map[string][][]string{}
		for _, r := range s.app.GetRoutes(true) { // true: without middleware
			s.patterns[r.Method] = append(s.patterns[r.Method], splitPath(r.Path))
		}
	})
	path := splitPath(c.Path())
	for _, p := range s.patterns[c.Method()] {
		if matchPattern(p, path) {
			return "/" + strings.Join(p, "/")
		}
	}
	return unmatchedRoute
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// matchPattern matches path segments against a Fiber pattern: ":name" is one
// segment, a segment ending in "*" or "+" takes the rest.
func matchPattern(pattern, path []string) bool {
	for i, seg := range pattern {
		if strings.HasSuffix(seg, "*") || strings.HasSuffix(seg, "+") {
			prefix, rest := strings.ToLower(seg[:len(seg)-1]), ""
			if i < len(path) {
				rest = strings.ToLower(strings.Join(path[i:], "/"))
			}
			return strings.HasPrefix(rest, prefix) && (strings.HasSuffix(seg, "*") || len(rest) > len(prefix))
		}
		if i >= len(path) {
			return false
		}
		if !strings.HasPrefix(seg, ":") && !strings.EqualFold(seg, path[i]) {
			return false
		}
	}
	return len(pattern) == len(path)
}

// patternTable is filled once, after every route is registered.
type patternTable struct {
	patternsOnce sync.Once
	patterns     map[string][][]string // method → split patterns
}
