package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io"

	"github.com/gofiber/fiber/v2"

	"returns-station/station"
)

// addPhoto attaches a photo to a unit.
func (s *Server) addPhoto(c *fiber.Ctx) error {
	id := c.Params("id")
	return s.uploadPhoto(c, func(tx station.Tx) error {
		u, err := tx.Unit(id)
		if err == nil && u == nil {
			err = station.Errorf(station.ENotFound, "no unit %q on this station", id).Coded("not_found_unit")
		}
		return err
	}, func(env station.Env, tx station.Tx, ph station.Photo) (any, error) {
		return station.AddPhoto(tx, env, id, ph)
	})
}

// addParcelPhoto attaches a photo to a parcel: its damaged box, for the
// carrier claim.
func (s *Server) addParcelPhoto(c *fiber.Ctx) error {
	id := c.Params("id")
	return s.uploadPhoto(c, func(tx station.Tx) error {
		p, err := tx.Parcel(id)
		if err == nil && p == nil {
			err = station.Errorf(station.ENotFound, "no parcel %q on this station", id).Coded("not_found_parcel")
		}
		return err
	}, func(env station.Env, tx station.Tx, ph station.Photo) (any, error) {
		return station.AddParcelPhoto(tx, env, id, ph)
	})
}

// uploadPhoto is the one way a photo is stored, whatever it is of. Everything
// that can refuse the upload (the thing it is for, the picture's type, the
// size cap) is checked before the file is stored, and a file this request
// stored is dropped again if the command fails, so a refused upload leaves
// nothing in data/photos.
func (s *Server) uploadPhoto(c *fiber.Ctx, exists func(station.Tx) error, attach func(station.Env, station.Tx, station.Photo) (any, error)) error {
	if err := s.cfg.Store.View(exists); err != nil {
		return err
	}
	fh, err := c.FormFile("photo")
	if err != nil {
		return station.Invalid("photo", "send the picture as multipart/form-data field \"photo\"").Coded("photo_missing")
	}
	if fh.Size > maxPhoto {
		return fiber.NewError(fiber.StatusRequestEntityTooLarge, "the photo is larger than 8 MB; lower the camera resolution")
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(f, maxPhoto+1))
	f.Close()
	if err != nil {
		return err
	}
	if len(data) > maxPhoto {
		return fiber.NewError(fiber.StatusRequestEntityTooLarge, "the photo is larger than 8 MB; lower the camera resolution")
	}
	ct := station.SniffPhoto(data)
	if ct == "" {
		return sendProblem(c, Problem{Type: problemType("unsupported_media_type"), Status: fiber.StatusUnsupportedMediaType, Code: "photo_type",
			Detail: "the photo is not a JPEG, PNG or WebP picture (judged by its content, not its name or declared type)", Instance: c.Path(),
			Errors: []station.FieldError{{Field: "photo", Code: "photo_type", Detail: "must be a JPEG, PNG or WebP picture"}}})
	}
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	created, err := s.cfg.Store.PutPhoto(sha, data)
	if err != nil {
		return err
	}
	ph := station.Photo{SHA256: sha, ContentType: ct, Size: len(data)}
	err = s.command(c, func(env station.Env, tx station.Tx) (any, error) { return attach(env, tx, ph) })
	if err != nil && created {
		if derr := s.cfg.Store.DropPhoto(sha); derr != nil {
			s.log.Warn("could not delete the photo of a refused upload", "component", "web", "sha256", sha, "err", derr)
		}
	}
	return err
}

// getPhoto serves a unit's photo.
func (s *Server) getPhoto(c *fiber.Ctx) error {
	return s.servePhoto(c, func(tx station.Tx, sha string) (bool, error) {
		u, err := tx.Unit(c.Params("id"))
		if err != nil || u == nil {
			return false, err
		}
		return hasPhoto(u.Photos, sha), nil
	})
}

// getParcelPhoto serves a parcel's photo.
func (s *Server) getParcelPhoto(c *fiber.Ctx) error {
	return s.servePhoto(c, func(tx station.Tx, sha string) (bool, error) {
		p, err := tx.Parcel(c.Params("id"))
		if err != nil || p == nil {
			return false, err
		}
		return hasPhoto(p.Photos, sha), nil
	})
}

func hasPhoto(list []station.Photo, sha string) bool {
	for _, p := range list {
		if p.SHA256 == sha {
			return true
		}
	}
	return false
}

// servePhoto serves a photo the thing it belongs to shows, with the type its
// bytes have, and tells the browser not to guess another. A file that is no
// picture (stored before uploads were sniffed) is refused, never served as
// what it is.
func (s *Server) servePhoto(c *fiber.Ctx, shows func(station.Tx, string) (bool, error)) error {
	found := false
	err := s.cfg.Store.View(func(tx station.Tx) (err error) {
		found, err = shows(tx, c.Params("sha"))
		return err
	})
	if err != nil {
		return err
	}
	if !found {
		return station.Errorf(station.ENotFound, "no such photo here").Coded("not_found_photo")
	}
	data, err := s.cfg.Store.Photo(c.Params("sha"))
	if err != nil {
		return err
	}
	ct := station.SniffPhoto(data)
	if ct == "" {
		return station.Errorf(station.EConflict, "the file stored for this photo is not a picture (it was stored before uploads were checked); a supervisor can remove it from the unit").Coded("photo_not_picture")
	}
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; sandbox")
	c.Set(fiber.HeaderContentType, ct)
	c.Set(fiber.HeaderCacheControl, "private, max-age=31536000, immutable")
	return c.Send(data)
}

// removePhoto takes a photo off a unit for a supervisor, with a reason; the
// file goes once no unit shows it.
func (s *Server) removePhoto(c *fiber.Ctx) error {
	var in station.RemovePhotoInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	id, sha := c.Params("id"), c.Params("sha")
	if err := s.command(c, func(env station.Env, tx station.Tx) (any, error) { return station.RemovePhoto(tx, env, id, sha, in) }); err != nil {
		return err
	}
	if err := s.cfg.Store.DropPhoto(sha); err != nil {
		s.log.Warn("photo removed from the unit but its file could not be deleted", "component", "web", "sha256", sha, "err", err)
	}
	return nil
}
