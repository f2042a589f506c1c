package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"returns-station/station"
)

// FirstAdmin creates the first account, only while none exists
// (station/bolt implements it).
type FirstAdmin interface {
	AddFirstAdmin(actor string, u station.User, pin string) (*station.User, error)
}

// SetupInput creates the first admin with the one-time setup code that the
// station printed in its log at start.
type SetupInput struct {
	Code        string `json:"code"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	PIN         string `json:"pin"`
}

// SetupResult is the admin that set-up created.
type SetupResult struct {
	Username string `json:"username"`
	Role     string `json:"role"`
}

// setup holds the one-time setup code, as its hash, until it is used.
type setup struct {
	mu     sync.Mutex
	hash   []byte           // nil: no code (an account existed at start, or it was used)
	client *station.Lockout // wrong codes per client: 5 a minute
	all    *station.Lockout // wrong codes from every client together: 20 a minute
}

// normalizeSetupCode lets a code be typed with or without dashes and spaces,
// in either case.
func normalizeSetupCode(code string) string {
	return strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(code)))
}

func newSetup(code string) *setup {
	s := &setup{client: station.NewLockout(5, time.Minute), all: station.NewLockout(20, time.Minute)}
	if code != "" {
		h := sha256.Sum256([]byte(normalizeSetupCode(code)))
		s.hash = h[:]
	}
	return s
}

// createFirstAdmin is POST /api/v1/setup: with the setup code from the log,
// it creates the first admin. The code works once, only while no account
// exists; it is compared in constant time (as hashes, so its length does not
// show either), and wrong codes are limited to 5 a minute per client and 20
// a minute in all.
func (s *Server) createFirstAdmin(c *fiber.Ctx) error {
	fa := s.cfg.FirstAdmin
	if fa == nil {
		return notConfigured("Browser set-up")(c)
	}
	var in SetupInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	now := s.now()
	st := s.setup
	client := []string{"ip:" + s.clientIP(c)}
	all := []string{"all"}
	// Every attempt counts at once (so parallel guesses cannot slip past the
	// limit); all but a wrong code are given back at the end.
	wait := st.client.Reserve(client, now)
	if wait == 0 {
		if wait = st.all.Reserve(all, now); wait > 0 {
			st.client.Release(client, now)
		}
	}
	if wait > 0 {
		secs := int(wait.Seconds()) + 1
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
		return sendProblem(c, Problem{Type: problemType("locked"), Status: fiber.StatusTooManyRequests,
			Detail: fmt.Sprintf("Too many wrong setup codes. Try again in %d seconds. 设置码错误次数过多，请于%d秒后再试。", secs, secs),
			Code:   "setup_locked", Args: map[string]string{"s": strconv.Itoa(secs)}})
	}
	wrong := false
	defer func() {
		if !wrong {
			st.client.Release(client, now)
			st.all.Release(all, now)
		}
	}()
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.hash == nil {
		return sendProblem(c, Problem{Type: problemType("setup_closed"), Status: fiber.StatusGone,
			Detail: "Set-up is closed: an account exists already, or the setup code was used. Sign in, or ask an admin. 设置已关闭：已有账号或设置码已用过。请登录或联系管理员。",
			Code:   "setup_done"})
	}
	if n, err := s.cfg.Sessions.UserCount(); err != nil {
		return err
	} else if n > 0 {
		st.hash = nil
		return sendProblem(c, Problem{Type: problemType("setup_closed"), Status: fiber.StatusGone,
			Detail: "Set-up is closed: an account exists already. Sign in, or ask an admin. 设置已关闭：已有账号。请登录或联系管理员。",
			Code:   "setup_done"})
	}
	got := sha256.Sum256([]byte(normalizeSetupCode(in.Code)))
	if subtle.ConstantTimeCompare(got[:], st.hash) != 1 {
		wrong = true
		s.log.Warn("wrong setup code", "component", "web", "client", s.clientIP(c))
		return station.Invalid("code", "not the setup code: copy it from the line \"setup code\" in the station's log (printed when it started). 设置码不对：请从服务日志中“setup code”一行复制。").Coded("setup_code_wrong")
	}
	u, err := fa.AddFirstAdmin("setup:"+s.clientIP(c), station.User{Username: station.NormalizeUsername(in.Username), DisplayName: strings.TrimSpace(in.DisplayName)}, in.PIN)
	if station.ErrorCode(err) == station.EConflict {
		st.hash = nil // with no account, only an account made meanwhile conflicts
	}
	if err != nil {
		return err
	}
	st.hash = nil // used
	s.log.Info("first admin created in the browser; the setup code is used up", "component", "web", "user", u.Username, "client", s.clientIP(c))
	return c.Status(fiber.StatusCreated).JSON(SetupResult{Username: u.Username, Role: u.Role})
}
