package station

import (
	"bytes"
	"strings"
	"time"
)

// Photo content types the station stores. A photo's type is what its bytes
// are, never what the client says they are.
const (
	PhotoJPEG = "image/jpeg"
	PhotoPNG  = "image/png"
	PhotoWebP = "image/webp"
)

// SniffPhoto returns the type of a JPEG, PNG or WebP picture from its first
// bytes, or "" for anything else (HTML, PDF, HEIC, text…).
func SniffPhoto(b []byte) string {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return PhotoJPEG
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return PhotoPNG
	case len(b) >= 12 && string(b[0:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return PhotoWebP
	}
	return ""
}

// RemovePhotoInput says why a photo is taken off a unit.
type RemovePhotoInput struct {
	Reason string `json:"reason"`
}

// RemovePhoto takes a photo off a unit (a wrong picture, a customer's face
// or address in it). It needs a supervisor and a reason, and the event says
// who and why. The caller deletes the file once no unit shows it.
func RemovePhoto(tx Tx, env Env, unitID, sha string, in RemovePhotoInput) (*Unit, error) {
	if err := env.require(RoleSupervisor, "removing a photo"); err != nil {
		return nil, err
	}
	reason := strings.TrimSpace(in.Reason)
	if reason == "" {
		return nil, Invalid("reason", "say why the photo is removed (it is kept in the audit log)").Coded("photo_reason")
	}
	if len(reason) > 500 {
		return nil, Invalid("reason", "at most 500 bytes").Coded("photo_reason_long")
	}
	u, err := loadUnit(tx, unitID)
	if err != nil {
		return nil, err
	}
	i := -1
	for j, p := range u.Photos {
		if p.SHA256 == sha {
			i = j
		}
	}
	if i < 0 {
		return nil, Errorf(ENotFound, "unit %s has no photo %s", u.ID, sha).Coded("not_found_photo")
	}
	removed := u.Photos[i]
	u.Photos = append(u.Photos[:i:i], u.Photos[i+1:]...)
	if err := tx.PutUnit(u); err != nil {
		return nil, err
	}
	if err := env.emit(tx, "unit/"+u.ID, UnitPhotoRemovedData{UnitID: u.ID, SHA256: sha, Reason: reason,
		AddedBy: removed.AddedBy, AddedAt: removed.AddedAt}); err != nil {
		return nil, err
	}
	return u, nil
}

// UnitPhotoRemovedData is the data of returns.unit.photo_removed (the
// station's own): which photo, why, and who had added it; the event's actor
// is who removed it.
type UnitPhotoRemovedData struct {
	UnitID  string    `json:"unit_id"`
	SHA256  string    `json:"sha256"`
	Reason  string    `json:"reason"`
	AddedBy string    `json:"added_by"`
	AddedAt time.Time `json:"added_at"`
}

// EventType implements EventData.
func (UnitPhotoRemovedData) EventType() string { return EventUnitPhotoRemoved }
