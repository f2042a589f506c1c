package station

import (
	"regexp"
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

var (
	usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,31}$`)
	pinPattern      = regexp.MustCompile(`^[0-9]{4,12}$`)
)

// ValidateNewUser checks a user about to be created and its PIN.
func ValidateNewUser(u *User, pin string) error {
	var p Problems
	if !usernamePattern.MatchString(u.Username) {
		p.AddCode("username", "username_format", "2-32 lower-case letters, digits, '.', '_' or '-' (for example li.wei)")
	}
	if !pinPattern.MatchString(pin) {
		p.AddCode("pin", "pin_format", "4 to 12 digits")
	}
	switch u.Role {
	case RoleOperator, RoleSupervisor, RoleAdmin:
	default:
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
	if c.Role != nil {
		switch *c.Role {
		case RoleOperator, RoleSupervisor, RoleAdmin:
		default:
			p.AddCode("role", "role_unknown", "must be operator, supervisor or admin")
		}
	}
	if c.PIN != nil && !pinPattern.MatchString(*c.PIN) {
		p.AddCode("pin", "pin_format", "4 to 12 digits")
	}
	if c.DisplayName != nil && len(*c.DisplayName) > 64 {
		p.AddCode("display_name", "display_name_long", "at most 64 characters")
	}
	return p.Err("the change cannot be made")
}
