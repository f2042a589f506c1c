package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"returns-station/station"
)

// Sessions is what signing in needs from storage (station/bolt implements it).
type Sessions interface {
	User(username string) (*station.User, error)
	UserByBadge(badge string) (*station.User, error)
	// CheckPIN reports whether pin is u's. For a user with no PIN hash (the
	// stand-in for an unknown name) it costs as much as a real check and is false.
	CheckPIN(u *station.User, pin string) bool
	CreateSession(u *station.User) (string, *station.Session, error)
	Session(secret string) (*station.Session, error)
	TouchSession(hash string, at time.Time) error
	DeleteSession(hash string) error
	UserCount() (int, error)
}

// SessionCookie is the name of the staff UI's session cookie.
const SessionCookie = "station_session"

// maxUsername bounds a user name at sign-in (names are far shorter).
const maxUsername = 64

// CSRFHeader carries the anti-CSRF token on every cookie-authenticated write.
const CSRFHeader = "X-CSRF-Token"

// minSweep is the size below which the map of touched sessions and tokens
// is never swept.
const minSweep = 1024

// LoginInput signs a person in by name and PIN, or by badge.
type LoginInput struct {
	Username string `json:"username"`
	PIN      string `json:"pin"`
	Badge    string `json:"badge"`
}

// SessionView is who is signed in, and the token their page sends on writes.
type SessionView struct {
	SignedIn    bool   `json:"signed_in"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`
	CSRFToken   string `json:"csrf_token"`
}

func (s *Server) csrfToken(sessionHash string) string {
	m := hmac.New(sha256.New, s.cfg.Store.FeedKey())
	m.Write([]byte("csrf:" + sessionHash))
	return hex.EncodeToString(m.Sum(nil))
}

func (s *Server) login(c *fiber.Ctx) error {
	if s.cfg.Sessions == nil {
		return notConfigured("Staff sign-in")(c)
	}
	var in LoginInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	// One normalised name for the lookup and the lockout alike: " u3", "u3 "
	// and "U3" are the same person and share one count.
	name := station.NormalizeUsername(in.Username)
	if in.Badge == "" && name == "" {
		return station.Invalid("username", "enter your user name and PIN, or scan your badge").Coded("signin_empty")
	}
	if len(name) > maxUsername {
		return station.Invalid("username", fmt.Sprintf("at most %d characters", maxUsername)).Coded("username_long")
	}
	now := s.now()
	client := s.clientIP(c)
	keys := station.SignInKeys(client, name, in.Badge != "")
	if wait := s.logins.Reserve(keys, now); wait > 0 {
		secs := int(wait.Seconds()) + 1
		loc, err := s.warehouseZone()
		if err != nil {
			return err
		}
		at := now.Add(wait).In(loc).Format("15:04:05")
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
		return sendProblem(c, Problem{Type: problemType("locked"), Status: fiber.StatusTooManyRequests,
			Detail: fmt.Sprintf("Too many wrong PINs. Try again in %d seconds (at %s). 密码错误次数过多，请于%d秒后再试。", secs, at, secs),
			Code:   "signin_locked", Args: map[string]string{"s": strconv.Itoa(secs), "at": at}})
	}
	var u *station.User
	var err error
	if in.Badge != "" {
		u, err = s.cfg.Sessions.UserByBadge(in.Badge)
	} else {
		u, err = s.cfg.Sessions.User(name)
		// An unknown name is checked against a stand-in with no hash, which
		// costs as much as a real check: the answer's time tells nothing.
		check := u
		if check == nil {
			check = &station.User{}
		}
		if !s.cfg.Sessions.CheckPIN(check, in.PIN) {
			u = nil
		}
	}
	if err != nil {
		return err
	}
	if !u.CanSignIn() {
		return station.Errorf(station.EUnauthorized, "wrong user name, PIN or badge. 用户名、密码或工牌错误。").Coded("signin_wrong")
	}
	s.logins.Release(keys, now)
	secret, sess, err := s.cfg.Sessions.CreateSession(u)
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: SessionCookie, Value: secret, Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode, Secure: c.Protocol() == "https"})
	s.log.Info("signed in", "component", "web", "user", u.Username, "role", u.Role, "client", client)
	return c.JSON(SessionView{SignedIn: true, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, CSRFToken: s.csrfToken(sess.Hash)})
}

func (s *Server) logout(c *fiber.Ctx) error {
	if h := ident(c).Session; h != "" {
		if err := s.cfg.Sessions.DeleteSession(h); err != nil {
			return err
		}
	}
	clearSessionCookie(c)
	return c.SendStatus(fiber.StatusNoContent)
}

// whoami tells a page who is signed in. Nobody signed in is an answer, not
// an error (200 with signed_in false), so a page's first look costs no 401.
func (s *Server) whoami(c *fiber.Ctx) error {
	id, err := s.identify(c)
	if station.ErrorCode(err) == station.EUnauthorized {
		return c.JSON(SessionView{})
	}
	if err != nil {
		return err
	}
	v := SessionView{SignedIn: true, Username: strings.TrimPrefix(strings.TrimPrefix(id.Actor, "user:"), "token:"), Role: id.Role}
	if id.Session != "" {
		v.CSRFToken = s.csrfToken(id.Session)
		if u, err := s.cfg.Sessions.User(v.Username); err == nil && u != nil {
			v.DisplayName = u.DisplayName
		}
	}
	return c.JSON(v)
}

// sessionIdentity authenticates a request by its session cookie, enforcing
// the idle timeout and, on writes, the CSRF token and same origin.
func (s *Server) sessionIdentity(c *fiber.Ctx, secret string) (identity, error) {
	sess, err := s.cfg.Sessions.Session(secret)
	if err != nil {
		return identity{}, err
	}
	now := s.now()
	if sess == nil || sess.Ended(now, s.cfg.IdleTimeout) {
		if sess != nil {
			_ = s.cfg.Sessions.DeleteSession(sess.Hash)
		}
		clearSessionCookie(c)
		return identity{}, station.Errorf(station.EUnauthorized, "your session has ended; please sign in again. 登录已过期，请重新登录。").Coded("session_ended")
	}
	if unsafe(c.Method()) {
		want := s.csrfToken(sess.Hash)
		if !hmac.Equal([]byte(c.Get(CSRFHeader)), []byte(want)) || !sameOrigin(c) {
			return identity{}, station.Errorf(station.EForbidden, "the request did not come from the station's own page (CSRF check failed); reload the page").Coded("csrf")
		}
	}
	u, err := s.cfg.Sessions.User(sess.Username)
	if err != nil {
		return identity{}, err
	}
	if !u.CanSignIn() {
		_ = s.cfg.Sessions.DeleteSession(sess.Hash)
		clearSessionCookie(c)
		return identity{}, station.Errorf(station.EUnauthorized, "this account is disabled; ask an admin. 该账号已停用，请联系管理员。").Coded("account_disabled")
	}
	s.touch(sess.Hash, now, func() error { return s.cfg.Sessions.TouchSession(sess.Hash, now) })
	return identity{Actor: "user:" + sess.Username, Role: u.Role, Session: sess.Hash}, nil
}

// touchToken records a token's last use, at most once a minute.
func (s *Server) touchToken(hash string) {
	a := s.cfg.Accounts
	if a == nil {
		return
	}
	now := s.now()
	s.touch("token:"+hash, now, func() error { return a.TouchToken(hash, now) })
}

// touch runs record at most once a minute per key, so reads stay reads.
func (s *Server) touch(key string, now time.Time, record func() error) {
	s.touchMu.Lock()
	last, ok := s.touched[key]
	if ok && now.Sub(last) < time.Minute {
		s.touchMu.Unlock()
		return
	}
	s.touched[key] = now
	if len(s.touched) >= max(s.sweepAt, minSweep) {
		// Forget keys not seen for a minute once the map has doubled since the
		// last sweep, as station.Lockout does: bounded memory, constant work a call.
		for k, at := range s.touched {
			if now.Sub(at) >= time.Minute {
				delete(s.touched, k)
			}
		}
		s.sweepAt = 2 * len(s.touched)
	}
	s.touchMu.Unlock()
	if err := record(); err != nil {
		s.log.Warn("could not record activity", "component", "web", "err", err)
	}
}

// clearSessionCookie tells the browser to drop the session cookie. The
// expired cookie must carry the same Path as the one set at sign-in, or the
// browser keeps the original.
func clearSessionCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: SessionCookie, Value: "", Path: "/", Expires: time.Unix(1, 0), MaxAge: -1,
		HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode, Secure: c.Protocol() == "https"})
}

func unsafe(method string) bool {
	switch method {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return false
	}
	return true
}

// sameOrigin refuses a write whose Origin (or Referer) names another site.
func sameOrigin(c *fiber.Ctx) bool {
	o := c.Get(fiber.HeaderOrigin)
	if o == "" {
		o = c.Get(fiber.HeaderReferer)
	}
	if o == "" {
		return true // same-origin fetches may omit both; the CSRF token still had to match
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == c.Hostname()
}
