package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"mime/multipart"
	"net/textproto"
	"os"
	"path/filepath"
	"testing"
	"time"

	"returns-station/station"
)

var (
	jpegBytes = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9")
	pngBytes  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde")
	webpBytes = []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")
	htmlBytes = []byte("<html><body><script>alert(document.cookie)</script></body></html>")
)

// photoForm is a multipart body with one file part named field.
func photoForm(field, contentType string, data []byte) ([]byte, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="`+field+`"; filename="photo.png"`)
	h.Set("Content-Type", contentType)
	w, _ := mw.CreatePart(h)
	w.Write(data)
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

func (h *harness) upload(role, unit, contentType string, data []byte) resp {
	h.t.Helper()
	body, ct := photoForm("photo", contentType, data)
	return h.do(role, "POST", "/api/v1/units/"+unit+"/photos", body, "Content-Type", ct)
}

// photoFiles lists the files under the station's photos directory.
func (h *harness) photoFiles() []string {
	var out []string
	filepath.Walk(filepath.Join(filepath.Dir(h.db.Path()), "photos"), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			out = append(out, filepath.Base(p))
		}
		return nil
	})
	return out
}

func (h *harness) unitForPhotos() string {
	h.t.Helper()
	var rec station.ReceiveResult
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": "SF5550000000001"})).json(h.t, &rec)
	var ur station.UnitResult
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/units", map[string]any{"code": "SKU-9"})).json(h.t, &ur)
	return ur.Unit.ID
}

func hexSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestPhotoUploadIsCheckedBeforeItIsStored(t *testing.T) {
	h := newHarness(t)
	unit := h.unitForPhotos()
	before := h.allEvents()

	// An unknown unit: 404, and no file is left behind.
	if p := h.must(404, h.upload("operator", "NOPE", "image/png", pngBytes)).problem(t); p.Status != 404 {
		t.Errorf("problem %+v", p)
	}
	// HTML declared as a PNG: 415 naming the field, nothing stored.
	p := h.must(415, h.upload("operator", unit, "image/png", htmlBytes)).problem(t)
	if len(p.Errors) != 1 || p.Errors[0].Field != "photo" {
		t.Errorf("415 problem %+v: want the field photo named", p)
	}
	// Not a picture type the station keeps (HEIC, PDF, empty).
	for _, b := range [][]byte{[]byte("\x00\x00\x00\x18ftypheic"), []byte("%PDF-1.7\n"), {}} {
		if r := h.upload("operator", unit, "image/jpeg", b); r.status != 415 && r.status != 400 {
			t.Errorf("upload of %q: %d, want 415", b, r.status)
		}
	}
	// No field named photo.
	body, ct := photoForm("picture", "image/png", pngBytes)
	h.must(400, h.do("operator", "POST", "/api/v1/units/"+unit+"/photos", body, "Content-Type", ct))
	if files := h.photoFiles(); len(files) != 0 {
		t.Fatalf("refused uploads left files: %v", files)
	}
	if n := len(h.allEvents()) - len(before); n != 0 {
		t.Errorf("refused uploads wrote %d events", n)
	}

	// Real pictures are stored with the type of their bytes, whatever the
	// client declared, and served with it and nosniff.
	for _, c := range []struct {
		data     []byte
		declared string
		want     string
	}{{jpegBytes, "text/html", "image/jpeg"}, {pngBytes, "application/octet-stream", "image/png"}, {webpBytes, "image/png", "image/webp"}} {
		var u station.Unit
		h.must(200, h.upload("operator", unit, c.declared, c.data)).json(t, &u)
		sha := hexSHA(c.data)
		var got *station.Photo
		for i := range u.Photos {
			if u.Photos[i].SHA256 == sha {
				got = &u.Photos[i]
			}
		}
		if got == nil || got.ContentType != c.want {
			t.Errorf("stored %+v, want type %s", got, c.want)
		}
		r := h.must(200, h.do("operator", "GET", "/api/v1/units/"+unit+"/photos/"+sha, nil))
		if r.header.Get("Content-Type") != c.want || r.header.Get("X-Content-Type-Options") != "nosniff" || !bytes.Equal(r.body, c.data) {
			t.Errorf("served as %q nosniff %q", r.header.Get("Content-Type"), r.header.Get("X-Content-Type-Options"))
		}
	}
	if files := h.photoFiles(); len(files) != 3 {
		t.Errorf("%d photo files, want 3", len(files))
	}
	// A picture refused after it was stored (its Idempotency-Key was used
	// for another photo) is deleted again.
	other := append(bytes.Clone(pngBytes), 7)
	body, ct = photoForm("photo", "image/png", other)
	r := h.do("operator", "POST", "/api/v1/units/"+unit+"/photos", body, "Content-Type", ct, "Idempotency-Key", "photo-key-1")
	h.must(200, r)
	other2 := append(bytes.Clone(pngBytes), 8)
	body, ct = photoForm("photo", "image/png", other2)
	h.must(422, h.do("operator", "POST", "/api/v1/units/"+unit+"/photos", body, "Content-Type", ct, "Idempotency-Key", "photo-key-1"))
	for _, f := range h.photoFiles() {
		if f == hexSHA(other2) {
			t.Error("the refused photo's file stays")
		}
	}
	if files := h.photoFiles(); len(files) != 4 {
		t.Errorf("%d photo files, want 4", len(files))
	}
}

func TestSupervisorRemovesAPhoto(t *testing.T) {
	h := newHarness(t)
	unit := h.unitForPhotos()
	h.must(200, h.upload("operator", unit, "image/jpeg", jpegBytes))
	sha := hexSHA(jpegBytes)
	path := "/api/v1/units/" + unit + "/photos/" + sha
	// An operator may not; a reason is required; an unknown photo is 404.
	h.must(403, h.do("operator", "DELETE", path, map[string]any{"reason": "wrong box"}))
	if p := h.must(400, h.do("supervisor", "DELETE", path, map[string]any{"reason": " "})).problem(t); len(p.Errors) != 1 || p.Errors[0].Field != "reason" {
		t.Errorf("no reason: %+v", p)
	}
	h.must(404, h.do("supervisor", "DELETE", "/api/v1/units/"+unit+"/photos/"+hexSHA(pngBytes), map[string]any{"reason": "x"}))
	if len(h.photoFiles()) != 1 {
		t.Fatal("a refused removal deleted the file")
	}
	var u station.Unit
	h.must(200, h.do("supervisor", "DELETE", path, map[string]any{"reason": "shows the customer's address label"})).json(t, &u)
	if len(u.Photos) != 0 {
		t.Errorf("unit still lists %d photos", len(u.Photos))
	}
	h.must(404, h.do("operator", "GET", path, nil))
	if files := h.photoFiles(); len(files) != 0 {
		t.Errorf("the removed photo's file stays: %v", files)
	}
	evs := h.allEvents()
	last := evs[len(evs)-1]
	var data map[string]any
	if err := json.Unmarshal(last.Data, &data); err != nil {
		t.Fatal(err)
	}
	if last.Type != "returns.unit.photo_removed" || last.Actor != "token:supervisor-1" || data["reason"] != "shows the customer's address label" || data["sha256"] != sha {
		t.Errorf("event %s by %s: %v; want who and why", last.Type, last.Actor, data)
	}
}

func TestPhotoSharedByTwoUnitsStaysUntilBothDropIt(t *testing.T) {
	h := newHarness(t)
	a := h.unitForPhotos()
	var ur station.UnitResult
	var rec station.ReceiveResult
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/receive", map[string]any{"code": "SF5550000000002"})).json(t, &rec)
	h.must(201, h.do("operator", "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/units", map[string]any{"code": "SKU-9"})).json(t, &ur)
	b := ur.Unit.ID
	h.must(200, h.upload("operator", a, "image/png", pngBytes))
	h.must(200, h.upload("operator", b, "image/png", pngBytes))
	sha := hexSHA(pngBytes)
	h.must(200, h.do("supervisor", "DELETE", "/api/v1/units/"+a+"/photos/"+sha, map[string]any{"reason": "wrong unit"}))
	h.must(200, h.do("operator", "GET", "/api/v1/units/"+b+"/photos/"+sha, nil))
	h.must(200, h.do("supervisor", "DELETE", "/api/v1/units/"+b+"/photos/"+sha, map[string]any{"reason": "blurred"}))
	if files := h.photoFiles(); len(files) != 0 {
		t.Errorf("files left: %v", files)
	}
}

// TestOldNonPictureIsNotServed: a file stored before uploads were sniffed
// (HTML the client called image/png) is refused, not served as a page.
func TestOldNonPictureIsNotServed(t *testing.T) {
	h := newHarness(t)
	unit := h.unitForPhotos()
	sha := hexSHA(htmlBytes)
	if _, err := h.db.PutPhoto(sha, htmlBytes); err != nil {
		t.Fatal(err)
	}
	env := station.Env{StationID: "st-test", Actor: "user:old", Role: station.RoleOperator, Now: time.Now, NewID: func() string { return "x" }}
	if _, err := h.db.Update(context.Background(), nil, func(tx station.Tx) (any, error) {
		return station.AddPhoto(tx, env, unit, station.Photo{SHA256: sha, ContentType: "image/png", Size: len(htmlBytes)})
	}); err != nil {
		t.Fatal(err)
	}
	r := h.do("operator", "GET", "/api/v1/units/"+unit+"/photos/"+sha, nil)
	if p := r.problem(t); r.status != 409 || p.Code != "photo_not_picture" || bytes.Contains(r.body, []byte("<script>")) {
		t.Errorf("HTML stored as a photo answered %d %s", r.status, r.body)
	}
	// A supervisor removes it.
	h.must(200, h.do("supervisor", "DELETE", "/api/v1/units/"+unit+"/photos/"+sha, map[string]any{"reason": "not a picture"}))
	if files := h.photoFiles(); len(files) != 0 {
		t.Errorf("files left: %v", files)
	}
}
