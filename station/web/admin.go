package web

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"returns-station/station"
)

// Accounts is what an admin manages: people and machine tokens (station/bolt).
type Accounts interface {
	Tokens() ([]station.Token, error)
	CreateTokenAs(actor, name, role string) (string, *station.Token, error)
	RevokeToken(name, by string) (*station.Token, error)
	RotateToken(name, by string) (string, *station.Token, error)
	TouchToken(hash string, at time.Time) error
	Users() ([]station.User, error)
	AddUserAs(actor string, u station.User, pin, badge string) (*station.User, error)
	UpdateUser(actor, username string, ch station.UserChange) (*station.User, error)
}

func (s *Server) accounts(c *fiber.Ctx) (Accounts, error) {
	a := s.cfg.Accounts
	if a == nil {
		return nil, station.Errorf(station.EUnavailable, "account management is not available on this station").Coded("accounts_off")
	}
	return a, nil
}

// TokenInput creates a token.
type TokenInput struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// NewToken is a token with its secret, shown this once.
type NewToken struct {
	station.Token
	Secret string `json:"secret"`
}

// Created reports a new token (HTTP 201).
func (NewToken) Created() bool { return true }

func (s *Server) listTokens(c *fiber.Ctx) error {
	a, err := s.accounts(c)
	if err != nil {
		return err
	}
	list, err := a.Tokens()
	if err != nil {
		return err
	}
	for i := range list {
		list[i].Hash = "" // never needed outside the store
	}
	if list == nil {
		list = []station.Token{}
	}
	return c.JSON(TokenList{Tokens: list})
}

func (s *Server) createToken(c *fiber.Ctx) error {
	a, err := s.accounts(c)
	if err != nil {
		return err
	}
	var in TokenInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	secret, tok, err := a.CreateTokenAs(ident(c).Actor, in.Name, in.Role)
	if err != nil {
		return err
	}
	tok.Hash = ""
	return c.Status(fiber.StatusCreated).JSON(NewToken{Token: *tok, Secret: secret})
}

func (s *Server) rotateToken(c *fiber.Ctx) error {
	a, err := s.accounts(c)
	if err != nil {
		return err
	}
	secret, tok, err := a.RotateToken(c.Params("name"), ident(c).Actor)
	if err != nil {
		return err
	}
	tok.Hash = ""
	return c.Status(fiber.StatusCreated).JSON(NewToken{Token: *tok, Secret: secret})
}

func (s *Server) revokeToken(c *fiber.Ctx) error {
	a, err := s.accounts(c)
	if err != nil {
		return err
	}
	tok, err := a.RevokeToken(c.Params("name"), ident(c).Actor)
	if err != nil {
		return err
	}
	tok.Hash = ""
	return c.JSON(tok)
}

// UserInput creates an account.
type UserInput struct {
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`
	PIN         string `json:"pin"`
	Badge       string `json:"badge"`
}

func (s *Server) listUsers(c *fiber.Ctx) error {
	a, err := s.accounts(c)
	if err != nil {
		return err
	}
	list, err := a.Users()
	if err != nil {
		return err
	}
	if list == nil {
		list = []station.User{}
	}
	return c.JSON(UserList{Users: list})
}

func (s *Server) addUser(c *fiber.Ctx) error {
	a, err := s.accounts(c)
	if err != nil {
		return err
	}
	var in UserInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	u, err := a.AddUserAs(ident(c).Actor, station.User{Username: station.NormalizeUsername(in.Username), DisplayName: in.DisplayName, Role: in.Role}, in.PIN, in.Badge)
	if err != nil {
		return err
	}
	u.PINHash, u.BadgeHash = "", ""
	return c.Status(fiber.StatusCreated).JSON(u)
}

func (s *Server) updateUser(c *fiber.Ctx) error {
	a, err := s.accounts(c)
	if err != nil {
		return err
	}
	var ch station.UserChange
	if err := decodeJSON(c, &ch); err != nil {
		return err
	}
	name := c.Params("name")
	if name == strings.TrimPrefix(ident(c).Actor, "user:") && ((ch.Disabled != nil && *ch.Disabled) || (ch.Role != nil && *ch.Role != station.RoleAdmin)) {
		return station.Errorf(station.EConflict, "you cannot disable yourself or take away your own admin role; ask another admin").Coded("admin_self")
	}
	u, err := a.UpdateUser(ident(c).Actor, name, ch)
	if err != nil {
		return err
	}
	return c.JSON(u)
}

// AuditEntry is one event as the audit view shows it.
type AuditEntry struct {
	station.Event
	Highlight string `json:"highlight,omitempty"` // override, regrade, exception_resolved, admin
}

// audit answers "who did what, when, and why": the event log newest first,
// filtered by user, parcel, unit, RMA, type and time. The log is append-only;
// nothing here can change it.
func (s *Server) audit(c *fiber.Ctx) error {
	limit, err := queryLimit(c, 100, 1000)
	if err != nil {
		return err
	}
	var p station.Problems
	var from, to time.Time
	if v := c.Query("from"); v != "" {
		if from, err = time.Parse(time.RFC3339, v); err != nil {
			p.AddCode("from", "audit_time", "an RFC 3339 time such as 2026-11-23T08:00:00+08:00")
		}
	}
	if v := c.Query("to"); v != "" {
		if to, err = time.Parse(time.RFC3339, v); err != nil {
			p.AddCode("to", "audit_time", "an RFC 3339 time such as 2026-11-23T18:00:00+08:00")
		}
	}
	var before uint64
	if v := c.Query("before"); v != "" {
		if before, err = strconv.ParseUint(v, 10, 64); err != nil {
			p.AddCode("before", "audit_before", "an event seq")
		}
	}
	if err := p.Err("the audit query is not valid"); err != nil {
		return err
	}
	user, err := s.auditActor(c.Query("user"))
	if err != nil {
		return err
	}
	parcel, err := s.auditParcel(c.Query("parcel"))
	if err != nil {
		return err
	}
	want := map[string]string{"parcel_id": parcel, "unit_id": c.Query("unit"), "rma": c.Query("rma")}
	typ := c.Query("type")
	match := func(e *station.Event) bool {
		if user != "" && e.Actor != user || typ != "" && !strings.HasPrefix(e.Type, typ) {
			return false
		}
		if !from.IsZero() && e.Time.Before(from) || !to.IsZero() && e.Time.After(to) {
			return false
		}
		return dataMatches(e, want)
	}
	const maxScan = 200_000
	cur := s.cfg.Store.LastSeq() // the highest seq still to examine
	if before > 0 && before-1 < cur {
		cur = before - 1
	}
	out := []AuditEntry{}
	for scanned := 0; cur > 0 && len(out) < limit && scanned < maxScan; {
		start := cur - min(cur, 500)
		evs, err := s.cfg.Store.EventsAfter(c.UserContext(), start, int(cur-start))
		if err != nil {
			return err
		}
		// The log may have a gap (after a restore, the seqs that exist
		// only on central): then the read runs past cur; drop those.
		for len(evs) > 0 && evs[len(evs)-1].Seq > cur {
			evs = evs[:len(evs)-1]
		}
		if len(evs) == 0 {
			cur = start
			continue
		}
		for i := len(evs) - 1; i >= 0 && len(out) < limit; i-- {
			scanned++
			cur = evs[i].Seq - 1
			if match(&evs[i]) {
				out = append(out, AuditEntry{Event: evs[i], Highlight: highlight(&evs[i])})
			}
		}
	}
	resp := AuditPage{Entries: out}
	if cur > 0 {
		resp.NextBefore = cur + 1 // ask again with before=next_before for older entries
	}
	return c.JSON(resp)
}

func dataMatches(e *station.Event, want map[string]string) bool {
	var data map[string]any
	need := false
	for _, v := range want {
		need = need || v != ""
	}
	if !need {
		return true
	}
	if err := json.Unmarshal(e.Data, &data); err != nil {
		return false
	}
	for k, v := range want {
		if v == "" {
			continue
		}
		got, _ := data[k].(string)
		if got != v && !(k == "parcel_id" && e.Subject == "parcel/"+v) && !(k == "unit_id" && e.Subject == "unit/"+v) {
			return false
		}
	}
	return true
}

func highlight(e *station.Event) string {
	switch {
	case e.Type == station.EventUnitRegraded:
		return "regrade"
	case e.Type == station.EventUnitInspected && strings.Contains(string(e.Data), `"override_reason"`):
		return "override"
	case e.Type == station.EventExceptionResolved:
		return "exception_resolved"
	case strings.HasPrefix(e.Type, "returns.admin."):
		return "admin"
	}
	return ""
}

// auditActor turns the audit's user filter into an actor: "user:NAME" or
// "token:NAME" as given, a user name, or a person's display name (李伟),
// compared without case.
func (s *Server) auditActor(q string) (string, error) {
	q = strings.TrimSpace(q)
	if q == "" || strings.Contains(q, ":") {
		return q, nil
	}
	if a := s.cfg.Accounts; a != nil {
		users, err := a.Users()
		if err != nil {
			return "", err
		}
		for _, u := range users {
			if strings.EqualFold(u.Username, q) {
				return "user:" + u.Username, nil
			}
		}
		for _, u := range users {
			if u.DisplayName != "" && strings.EqualFold(strings.TrimSpace(u.DisplayName), q) {
				return "user:" + u.Username, nil
			}
		}
	}
	return "user:" + q, nil
}

// auditParcel turns the audit's parcel filter into a parcel id: an id, a
// parcel's station label, or its tracking number as scanned.
func (s *Server) auditParcel(q string) (string, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return "", nil
	}
	id := q
	err := s.cfg.Store.View(func(tx station.Tx) error {
		if p, err := tx.Parcel(q); err != nil || p != nil {
			return err
		}
		sc := station.NormalizeScan(q)
		if sc.Label != nil && sc.Label.Kind == station.LabelParcel {
			id = sc.Label.ID
			return nil
		}
		p, err := tx.ParcelByKey(sc.Code)
		if p != nil {
			id = p.ID
		}
		return err
	})
	return id, err
}
