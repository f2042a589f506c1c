package station

import (
	"regexp"
	"time"
)

var tokenName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// ValidateNewToken checks the name and role of a token about to be made
// and names every field at fault. Unlike a person, a token may hold the
// central role (the central platform reading the feed).
func ValidateNewToken(name, role string) error {
	var p Problems
	if !tokenName.MatchString(name) {
		p.AddCode("name", "token_name", "1-64 lower-case letters, digits, '.', '_' or '-'")
	}
	if !personRole(role) && role != RoleCentral {
		p.AddCode("role", "token_role", "must be operator, supervisor, admin or central")
	}
	return p.Err("the token cannot be created")
}

// Live reports whether t still lets its holder in: a revoked token stops
// working at once, though its record stays for the audit.
func (t *Token) Live() bool { return t != nil && t.RevokedAt == nil }

// Revoke ends t at now, by whom. Revoking a revoked token changes nothing.
func (t *Token) Revoke(by string, now time.Time) {
	if !t.Live() {
		return
	}
	at := now
	t.RevokedAt, t.RevokedBy = &at, by
}

// TokenExists refuses a second live token with a name in use.
func TokenExists(name string) error {
	return &Error{Code: EConflict, Key: "token_exists", Message: "a token named " + name + " already exists; revoke or rotate it, or pick another name"}
}

// TokenNotFound is the answer about a name no live token has.
func TokenNotFound(name string) error {
	return Errorf(ENotFound, "no live token named %q", name).Coded("not_found_token", "id", name)
}
