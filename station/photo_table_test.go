package station_test

import (
	"strings"
	"testing"

	"returns-station/station"
)

func TestSniffPhotoTable(t *testing.T) {
	cases := []struct {
		name  string
		bytes string
		want  string
	}{
		{name: "a JPEG from a handheld camera", bytes: "\xff\xd8\xff\xe0\x00\x10JFIF\x00", want: station.PhotoJPEG},
		{name: "a PNG screenshot", bytes: "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", want: station.PhotoPNG},
		{name: "a WebP picture", bytes: "RIFF\x24\x00\x00\x00WEBPVP8 ", want: station.PhotoWebP},
		{name: "a web page sent as image/jpeg", bytes: "<!doctype html><script>alert(1)</script>"},
		{name: "a PDF", bytes: "%PDF-1.7\n"},
		{name: "an iPhone HEIC picture", bytes: "\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"},
		{name: "a GIF", bytes: "GIF89a\x01\x00"},
		{name: "a WAV sound in a RIFF box", bytes: "RIFF\x24\x00\x00\x00WAVEfmt "},
		{name: "the first two bytes of a JPEG alone", bytes: "\xff\xd8"},
		{name: "a PNG signature cut short", bytes: "\x89PNG\r\n"},
		{name: "a RIFF header cut short", bytes: "RIFF\x24\x00\x00\x00WEB"},
		{name: "nothing", bytes: ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := station.SniffPhoto([]byte(c.bytes)); got != c.want {
				t.Errorf("SniffPhoto(%q) = %q, want %q", c.bytes, got, c.want)
			}
		})
	}
}

// Two pictures as the upload stores them: by the hash of their content.
var (
	damageShot = station.Photo{SHA256: strings.Repeat("d1", 32), ContentType: station.PhotoJPEG, Size: 48213}
	labelShot  = station.Photo{SHA256: strings.Repeat("a7", 32), ContentType: station.PhotoPNG, Size: 9120}
)

func TestAddParcelPhotoTable(t *testing.T) {
	cases := []struct {
		name    string
		before  []station.Photo // already on the parcel
		parcel  string          // "" = the received parcel
		role    string
		photo   station.Photo
		errCode string
		errKey  string
		want    []string // the parcel's photos after, by hash
		event   bool
	}{
		{name: "the clerk photographs a damaged box", photo: damageShot,
			want: []string{damageShot.SHA256}, event: true},
		{name: "a second picture is added after the first", before: []station.Photo{damageShot}, photo: labelShot,
			want: []string{damageShot.SHA256, labelShot.SHA256}, event: true},
		{name: "the same picture twice is recorded once", before: []station.Photo{damageShot}, photo: damageShot,
			want: []string{damageShot.SHA256}},
		{name: "central's machine account adds no photo", role: station.RoleCentral, photo: damageShot,
			errCode: station.EForbidden, errKey: "role_needed"},
		{name: "no such parcel", parcel: "NO-SUCH-PARCEL", photo: damageShot,
			errCode: station.ENotFound, errKey: "not_found_parcel"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.put(t, waitingRMA(1, station.RMAApproved))
			res, err := station.Receive(f.tx, f.env, station.ReceiveInput{Code: waybill, Packaging: station.PackagingDamaged})
			if err != nil {
				t.Fatal(err)
			}
			p := res.Parcel
			for _, ph := range c.before {
				if _, err := station.AddParcelPhoto(f.tx, f.env, p.ID, ph); err != nil {
					t.Fatal(err)
				}
			}
			id := p.ID
			if c.parcel != "" {
				id = c.parcel
			}
			env := f.env
			if c.role != "" {
				env = f.as(c.role)
			}
			mark, snap := f.mark(), f.snapshot(t)
			got, err := station.AddParcelPhoto(f.tx, env, id, c.photo)
			if c.errCode != "" {
				wantErr(t, err, c.errCode, c.errKey)
				f.unchanged(t, snap)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			stored, _ := f.tx.Parcel(p.ID)
			for what, pp := range map[string]*station.Parcel{"answer": got, "stored": stored} {
				var hashes []string
				for _, ph := range pp.Photos {
					hashes = append(hashes, ph.SHA256)
					if ph.AddedBy != "user:li.wei" || ph.AddedAt.IsZero() || ph.ContentType == "" || ph.Size == 0 {
						t.Errorf("%s photo %+v: want who added it, when, its type and size", what, ph)
					}
				}
				sameList(t, what+" parcel's photos", hashes, c.want)
			}
			types := f.eventsSince(t, mark)
			if !c.event {
				sameList(t, "events", types, nil)
				if f.snapshot(t) != snap {
					t.Errorf("the same picture again changed the store")
				}
				return
			}
			sameList(t, "events", types, []string{station.EventParcelPhoto})
			d := f.data(t, station.EventParcelPhoto)
			for k, v := range map[string]any{"parcel_id": p.ID, "tracking": waybill, "carrier": p.Carrier, "packaging": station.PackagingDamaged,
				"sha256": c.photo.SHA256, "content_type": c.photo.ContentType, "size": c.photo.Size} {
				checkField(t, "photo_added", d, k, v)
			}
		})
	}
}

func TestRemovePhotoTable(t *testing.T) {
	long := strings.Repeat("顾客的脸", 42) // 504 bytes
	cases := []struct {
		name    string
		role    string
		unit    int    // which of the two units: 0 or 1
		unitID  string // instead of one of them
		sha     string // "" = the damage shot
		reason  string
		errCode string
		errKey  string
		field   string
		left    [2][]string // each unit's photos after
	}{
		{name: "a supervisor removes a picture with the customer's face", role: station.RoleSupervisor, reason: "  customer's face in it ",
			left: [2][]string{{labelShot.SHA256}, {damageShot.SHA256}}},
		{name: "removing it from the other unit leaves the first unit's copy", role: station.RoleSupervisor, unit: 1, reason: "wrong unit",
			left: [2][]string{{damageShot.SHA256, labelShot.SHA256}, nil}},
		{name: "an admin may remove one too", role: station.RoleAdmin, sha: labelShot.SHA256, reason: "blurred",
			left: [2][]string{{damageShot.SHA256}, {damageShot.SHA256}}},
		{name: "an operator may not", role: station.RoleOperator, reason: "wrong picture",
			errCode: station.EForbidden, errKey: "role_needed"},
		{name: "no reason", role: station.RoleSupervisor,
			errCode: station.EInvalid, errKey: "photo_reason", field: "reason"},
		{name: "a reason of blanks is no reason", role: station.RoleSupervisor, reason: " \t ",
			errCode: station.EInvalid, errKey: "photo_reason", field: "reason"},
		{name: "a reason over 500 bytes", role: station.RoleSupervisor, reason: long,
			errCode: station.EInvalid, errKey: "photo_reason_long", field: "reason"},
		{name: "no such unit", role: station.RoleSupervisor, unitID: "NO-SUCH-UNIT", reason: "wrong picture",
			errCode: station.ENotFound, errKey: "not_found_unit"},
		{name: "a photo the unit does not show", role: station.RoleSupervisor, unit: 1, sha: labelShot.SHA256, reason: "wrong picture",
			errCode: station.ENotFound, errKey: "not_found_photo"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Two cases of the waiting RMA, inspected; the damage shot was
			// taken of both, the label shot of the first only.
			f := newFixture(t)
			f.put(t, waitingRMA(1, station.RMAApproved))
			p := f.receive(t, waybill)
			units := []*station.Unit{f.addUnit(t, p.ID, caseSKU), f.addUnit(t, p.ID, caseSKU)}
			for i, phs := range [][]station.Photo{{damageShot, labelShot}, {damageShot}} {
				for _, ph := range phs {
					if _, err := station.AddPhoto(f.tx, f.env, units[i].ID, ph); err != nil {
						t.Fatal(err)
					}
				}
			}
			added, _ := f.tx.Unit(units[c.unit].ID)
			sha := damageShot.SHA256
			if c.sha != "" {
				sha = c.sha
			}
			id := units[c.unit].ID
			if c.unitID != "" {
				id = c.unitID
			}
			mark, snap := f.mark(), f.snapshot(t)
			got, err := station.RemovePhoto(f.tx, f.as(c.role), id, sha, station.RemovePhotoInput{Reason: c.reason})
			if c.errCode != "" {
				wantRefusal(t, err, c.errCode, c.errKey, c.field)
				f.unchanged(t, snap)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, u := range units {
				stored, _ := f.tx.Unit(u.ID)
				var hashes []string
				for _, ph := range stored.Photos {
					hashes = append(hashes, ph.SHA256)
				}
				sameList(t, "photos of unit "+u.ID, hashes, c.left[i])
			}
			if len(got.Photos) != len(c.left[c.unit]) {
				t.Errorf("the answer shows %d photos, want %d", len(got.Photos), len(c.left[c.unit]))
			}
			sameList(t, "events", f.eventsSince(t, mark), []string{station.EventUnitPhotoRemoved})
			if e := f.tx.events[len(f.tx.events)-1]; e.Actor != "user:"+c.role {
				t.Errorf("removed by %q, want user:%s", e.Actor, c.role)
			}
			var was station.Photo
			for _, ph := range added.Photos {
				if ph.SHA256 == sha {
					was = ph
				}
			}
			d := f.data(t, station.EventUnitPhotoRemoved)
			for k, v := range map[string]any{"unit_id": units[c.unit].ID, "sha256": sha, "reason": strings.TrimSpace(c.reason),
				"added_by": was.AddedBy, "added_at": was.AddedAt.Format("2006-01-02T15:04:05Z07:00")} {
				checkField(t, "photo_removed", d, k, v)
			}
		})
	}
}
