package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"returns-station/station"
	"returns-station/station/web"
)

// fuzzBoundary is the multipart boundary of the fuzzed bodies (seeds in
// testdata/fuzz/FuzzPhotoUpload use it).
const fuzzBoundary = "fuzzboundary"

// FuzzPhotoUpload sends arbitrary multipart bodies to the photo upload. No
// input may crash the station or earn a 5xx; a refusal is a problem document
// and leaves no file behind; an accepted photo is a JPEG, PNG or WebP by its
// bytes and is served back as exactly those bytes.
func FuzzPhotoUpload(f *testing.F) {
	h := newHarness(f)
	unit := h.unitForPhotos()
	for _, seed := range [][]byte{jpegBytes, pngBytes, webpBytes, htmlBytes, {}} {
		body, _ := photoFormBoundary("photo", "image/png", seed)
		f.Add(body, true)
	}
	// Over the real socket: a body too broken for the multipart parser is
	// refused by the HTTP server itself, which in-memory calls do not show.
	client := &http.Client{Timeout: 10 * time.Second}
	send := func(req *http.Request) (*http.Response, []byte, error) {
		res, err := client.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer res.Body.Close()
		raw, err := io.ReadAll(res.Body)
		return res, raw, err
	}
	f.Fuzz(func(t *testing.T, body []byte, known bool) {
		target := "NOPE"
		if known {
			target = unit
		}
		before := len(h.photoFiles())
		req, _ := http.NewRequest("POST", h.url+"/api/v1/units/"+target+"/photos", bytes.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+fuzzBoundary)
		req.Header.Set("Authorization", "Bearer "+h.token["operator"])
		res, raw, err := send(req)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode >= 500 {
			t.Fatalf("%q → %d %s", body, res.StatusCode, raw)
		}
		if res.StatusCode >= 400 {
			var p web.Problem
			if json.Unmarshal(raw, &p) != nil || p.Status != res.StatusCode || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
				t.Fatalf("%q → %d without a problem document: %s", body, res.StatusCode, raw)
			}
			if after := len(h.photoFiles()); after != before {
				t.Fatalf("refused upload (%d) changed the photo files from %d to %d", res.StatusCode, before, after)
			}
			return
		}
		var u station.Unit
		if err := json.Unmarshal(raw, &u); err != nil || len(u.Photos) == 0 {
			t.Fatalf("accepted upload answered %s", raw)
		}
		for _, p := range u.Photos {
			get, _ := http.NewRequest("GET", h.url+"/api/v1/units/"+unit+"/photos/"+p.SHA256, nil)
			get.Header.Set("Authorization", "Bearer "+h.token["operator"])
			gr, data, err := send(get)
			if err != nil {
				t.Fatal(err)
			}
			if gr.StatusCode != 200 || station.SniffPhoto(data) != p.ContentType || gr.Header.Get("Content-Type") != p.ContentType || hexSHA(data) != p.SHA256 {
				t.Fatalf("photo %s (%s) served %d as %q", p.SHA256, p.ContentType, gr.StatusCode, gr.Header.Get("Content-Type"))
			}
		}
	})
}

func photoFormBoundary(field, contentType string, data []byte) ([]byte, error) {
	body, ct := photoForm(field, contentType, data)
	_, boundary, _ := strings.Cut(ct, "boundary=")
	return bytes.ReplaceAll(body, []byte(boundary), []byte(fuzzBoundary)), nil
}
