package web

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"

	"returns-station/station"
)

// isPhotoUpload is POST /api/v1/units/{id}/photos or /parcels/{id}/photos,
// the routes whose body may be larger than 1 MB.
func isPhotoUpload(c *fiber.Ctx) bool {
	return c.Method() == fiber.MethodPost && (strings.HasPrefix(c.Path(), "/api/v1/units/") || strings.HasPrefix(c.Path(), "/api/v1/parcels/")) &&
		strings.HasSuffix(strings.TrimSuffix(c.Path(), "/"), "/photos")
}

// maxEncodings bounds how many Content-Encoding layers one request may stack
// ("gzip, gzip" is two). No client of the station needs more.
const maxEncodings = 2

// decodeBody runs before every route. A compressed body (Content-Encoding
// gzip or deflate, stacked at most twice) is inflated here, never past the
// route's 1 MB limit, and the request then carries the plain body without the
// header, so nothing later (Fiber's Body, FormFile, MultipartForm) inflates
// anything again. A body that would grow past the limit is refused with 413
// as soon as the limit is crossed. Refused with 415: br (its decoder may need
// a 16 MB window whatever the output limit, and no client of the station
// sends it), unknown encodings, a third layer, and any encoding on the photo
// upload (pictures are compressed already, and its limit is 9 MB).
func (s *Server) decodeBody(c *fiber.Ctx) error {
	raw := c.Request().Header.Peek(fiber.HeaderContentEncoding)
	if len(raw) == 0 {
		return c.Next()
	}
	var codings []string
	for _, e := range strings.Split(string(raw), ",") {
		e = strings.ToLower(strings.TrimSpace(e))
		if e != "" && e != "identity" {
			codings = append(codings, e)
		}
	}
	if len(codings) > maxEncodings {
		return fiber.NewError(fiber.StatusUnsupportedMediaType,
			fmt.Sprintf("Content-Encoding stacks %d encodings; the station accepts at most %d", len(codings), maxEncodings))
	}
	if len(codings) > 0 && isPhotoUpload(c) {
		return fiber.NewError(fiber.StatusUnsupportedMediaType, "send the photo without Content-Encoding: pictures are compressed already")
	}
	limit := maxJSON
	body := c.Request().Body()
	// Encodings are listed in the order they were applied: undo the last first.
	for i := len(codings) - 1; i >= 0; i-- {
		var err error
		body, err = inflate(codings[i], body, limit)
		if err != nil {
			var fe *fiber.Error
			if errors.As(err, &fe) {
				s.log.Info("compressed request body refused", "component", "web", "path", c.Path(), "client", s.clientIP(c), "encoding", string(raw), "status", fe.Code)
				return fe
			}
			return station.Invalid("body", fmt.Sprintf("the %s-compressed body cannot be decoded: %v", codings[i], err)).Coded("body_malformed")
		}
	}
	c.Request().Header.Del(fiber.HeaderContentEncoding)
	c.Request().SetBodyRaw(body)
	return c.Next()
}

// inflate decodes one layer of encoding, reading at most limit bytes of output.
func inflate(coding string, in []byte, limit int) ([]byte, error) {
	var r io.Reader
	var err error
	switch coding {
	case "gzip", "x-gzip":
		r, err = gzip.NewReader(bytes.NewReader(in))
	case "deflate":
		r, err = zlib.NewReader(bytes.NewReader(in))
	default:
		return nil, fiber.NewError(fiber.StatusUnsupportedMediaType,
			fmt.Sprintf("Content-Encoding %q is not supported; send the body plain, or as gzip or deflate", coding))
	}
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(out) > limit {
		return nil, fiber.NewError(fiber.StatusRequestEntityTooLarge,
			fmt.Sprintf("the request body is larger than %d MB once decompressed (Content-Encoding: %s)", limit>>20, coding))
	}
	return out, nil
}
