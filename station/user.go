package station

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"time"
)

// User is a person who signs in at a desk or handheld.
type User struct {
	Username    string     `json:"username"`
	DisplayName string     `json:"display_name"`
	Role        string     `json:"role"`
	PINHash     string     `json:"pin_hash"`             // PBKDF2-SHA256, see station/bolt
	BadgeHash   string     `json:"badge_hash,omitempty"` // SHA-256 of the badge barcode
	CreatedAt   time.Time  `json:"created_at"`
	DisabledAt  *time.Time `json:"disabled_at,omitempty"`
}

// Session is a signed-in browser. Only the hash of its cookie is stored.
type Session struct {
	Hash     string    `json:"hash"`
	Username string    `json:"username"`
	Role     string    `json:"role"`
	Created  time.Time `json:"created"`
	LastSeen time.Time `json:"last_seen"`
}

// DefaultSessionIdle ends a staff session nobody used for this long.
const DefaultSessionIdle = 30 * time.Minute

// Ended reports whether s has been idle longer than idle at now: the person
// must sign in again, and the stored session may be dropped. Exactly idle is
// still alive.
func (s *Session) Ended(now time.Time, idle time.Duration) bool { return now.Sub(s.LastSeen) > idle }

var (
	usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,31}$`)
	pinPattern      = regexp.MustCompile(`^[0-9]{4,12}$`)
)

// NormalizeUsername is a user name as typed, the way it is stored and
// looked up: " U3", "u3 " and "u3" are one person (and share one lockout
// count at sign-in).
func NormalizeUsername(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// BadgeHash is the stored form of a badge barcode: the SHA-256 of the code
// as scanned, without the spaces a scanner may add around it. The badge
// itself is never stored.
func BadgeHash(badge string) string {
	h := sha256.Sum256([]byte(strings.TrimSpace(badge)))
	return hex.EncodeToString(h[:])
}

// personRole reports whether role can be a person's: central is a
// machine's role, held only by tokens.
func personRole(role string) bool {
	switch role {
	case RoleOperator, RoleSupervisor, RoleAdmin:
		return true
	}
	return false
}

// ValidateNewUser checks a user about to be created and its PIN.
func ValidateNewUser(u *User, pin string) error {
	var p Problems
	if !usernamePattern.MatchString(u.Username) {
		p.AddCode("username", "username_format", "2-32 lower-case letters, digits, '.', '_' or '-' (for example li.wei)")
	}
	if !pinPattern.MatchString(pin) {
		p.AddCode("pin", "pin_format", "4 to 12 digits")
	}
	if !personRole(u.Role) {
		p.AddCode("role", "role_unknown", "must be operator, supervisor or admin")
	}
	if len(u.DisplayName) > 64 {
		p.AddCode("display_name", "display_name_long", "at most 64 characters")
	}
	return p.Err("the user cannot be created")
}

// UserChange is an admin's edit of an account; nil fields stay as they are.
type UserChange struct {
	DisplayName *string `json:"display_name,omitempty"`
	Role        *string `json:"role,omitempty"`
	PIN         *string `json:"pin,omitempty"`
	Badge       *string `json:"badge,omitempty"`
	Disabled    *bool   `json:"disabled,omitempty"`
}

// Validate checks a change and names every field at fault.
func (c *UserChange) Validate() error {
	var p Problems
	if c.Role != nil && !personRole(*c.Role) {
		p.AddCode("role", "role_unknown", "must be operator, supervisor or admin")
	}
	if c.PIN != nil && !pinPattern.MatchString(*c.PIN) {
		p.AddCode("pin", "pin_format", "4 to 12 digits")
	}
	if c.DisplayName != nil && len(*c.DisplayName) > 64 {
		p.AddCode("display_name", "display_name_long", "at most 64 characters")
	}
	return p.Err("the change cannot be made")
}

// Apply makes a validated change to u and says what changed, for the
// returns.admin.user_changed event. pinHash is the stored form of the new
// PIN (used when c.PIN is set); badgeHash is BadgeHash of the new badge
// (used when c.Badge is set; "" removes the badge). Disabling an account, or
// changing its role or PIN, signs it out everywhere (signOut): a session
// must not outlive the rights or the secret it was opened with. Enabling it
// again, renaming it or changing its badge does not.
func (u *User) Apply(c UserChange, pinHash, badgeHash string, now time.Time) (changed UserChangedData, signOut bool) {
	changed.Username = u.Username
	if c.DisplayName != nil {
		u.DisplayName, changed.DisplayName = *c.DisplayName, c.DisplayName
	}
	if c.Role != nil && *c.Role != u.Role {
		u.Role, changed.Role, signOut = *c.Role, c.Role, true
	}
	if c.PIN != nil {
		u.PINHash, changed.PIN, signOut = pinHash, "changed", true
	}
	if c.Badge != nil {
		u.BadgeHash, changed.Badge = "", "removed"
		if *c.Badge != "" {
			u.BadgeHash, changed.Badge = badgeHash, "changed"
		}
	}
	if c.Disabled != nil {
		if *c.Disabled && u.DisabledAt == nil {
			at := now
			u.DisabledAt, changed.Disabled, signOut = &at, c.Disabled, true
		} else if !*c.Disabled && u.DisabledAt != nil {
			u.DisabledAt, changed.Disabled = nil, c.Disabled
		}
	}
	return changed, signOut
}

// CanSignIn reports whether u may sign in or keep a session: an account
// that exists and is not disabled.
func (u *User) CanSignIn() bool { return u != nil && u.DisabledAt == nil }

// UserExists refuses a second account with a name in use.
func UserExists(username string) error {
	return &Error{Code: EConflict, Key: "user_exists", Message: "a user named " + username + " already exists"}
}

// UserNotFound is the answer about a name no account has.
func UserNotFound(username string) error {
	return Errorf(ENotFound, "no user named %q", username).Coded("not_found_user", "id", username)
}

// BadgeTaken refuses a badge another account already has.
func BadgeTaken() error {
	return &Error{Code: EConflict, Key: "badge_taken", Message: "that badge already belongs to another user"}
}

// SetupDone refuses browser set-up once any account exists: the first
// admin is made only once.
func SetupDone() error {
	return &Error{Code: EConflict, Key: "setup_done", Message: "an account exists already: the first admin is made only once; sign in, or ask an admin. 已有账号：首个管理员只能创建一次，请登录或联系管理员。"}
}
