package station

import (
	"encoding/json"
	"time"
)

// Idempotency asks storage to make a command idempotent: the first answer for
// (Principal, Key) is stored in the same transaction as the command's effect
// and replayed for a repeat with the same Fingerprint. A repeat with another
// fingerprint is refused.
type Idempotency struct {
	Principal   string
	Key         string
	Fingerprint string // hash of method, path and body
}

// Replayed is returned instead of running a command a second time.
type Replayed struct {
	Created bool
	Body    json.RawMessage
}

// ParcelFilter narrows a parcel listing.
type ParcelFilter struct {
	Status   string
	RMA      string
	Tracking string
}

// Token is a bearer credential for a device or a machine. Only the SHA-256 of
// its secret is stored; the secret is shown once, at creation.
type Token struct {
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	Hash       string     `json:"hash"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	RevokedBy  string     `json:"revoked_by,omitempty"`
}
