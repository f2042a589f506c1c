package web_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"returns-station/station"
)

// A clerk photographs a box damaged in transit at the dock: the picture is
// kept with the parcel for the carrier claim, through the same checked
// upload as a unit's photos.
func TestDamagedParcelPhoto(t *testing.T) {
	h := newHarness(t)
	rec := h.receive(201, map[string]any{"code": "YT2412345678901", "packaging": "damaged"})
	pid := rec.Parcel.ID
	post := func(data []byte, parcel string) resp {
		body, ct := photoForm("photo", "image/jpeg", data)
		return h.do("operator", "POST", "/api/v1/parcels/"+parcel+"/photos", body, "Content-Type", ct)
	}
	// Refused uploads store nothing: not a picture, no such parcel.
	seq := h.db.LastSeq()
	h.must(415, post(htmlBytes, pid))
	h.must(404, post(jpegBytes, "01NOSUCHPARCEL"))
	if h.db.LastSeq() != seq || len(h.photoFiles()) != 0 {
		t.Fatalf("refused uploads left %d files and %d events", len(h.photoFiles()), h.db.LastSeq()-seq)
	}
	var p station.Parcel
	h.must(200, post(jpegBytes, pid)).json(t, &p)
	if len(p.Photos) != 1 || p.Photos[0].ContentType != "image/jpeg" || p.Photos[0].AddedBy != "token:operator-1" {
		t.Fatalf("parcel photos %+v", p.Photos)
	}
	h.must(200, post(jpegBytes, pid)) // the same picture again: recorded once
	var view station.ParcelView
	h.must(200, h.do("operator", "GET", "/api/v1/parcels/"+pid, nil)).json(t, &view)
	if len(view.Photos) != 1 {
		t.Errorf("parcel shows %d photos after the same one twice, want 1", len(view.Photos))
	}
	got := h.must(200, h.do("operator", "GET", "/api/v1/parcels/"+pid+"/photos/"+hexSHA(jpegBytes), nil))
	if !bytes.Equal(got.body, jpegBytes) || got.header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("served photo: %d bytes as %q", len(got.body), got.header.Get("Content-Type"))
	}
	h.must(404, h.do("operator", "GET", "/api/v1/parcels/"+pid+"/photos/"+hexSHA(pngBytes), nil))
	var added []station.ParcelPhotoAddedData
	for _, e := range h.allEvents() {
		if e.Type == station.EventParcelPhoto {
			var d station.ParcelPhotoAddedData
			if err := json.Unmarshal(e.Data, &d); err != nil {
				t.Fatal(err)
			}
			added = append(added, d)
		}
	}
	if len(added) != 1 || added[0].ParcelID != pid || added[0].Packaging != "damaged" || added[0].SHA256 != hexSHA(jpegBytes) {
		t.Errorf("photo events %+v, want one for the damaged parcel", added)
	}
	// A unit showing the same picture drops it: the parcel's copy stays.
	unit := h.unitForPhotos()
	h.must(200, h.upload("operator", unit, "image/jpeg", jpegBytes))
	h.must(200, h.do("supervisor", "DELETE", "/api/v1/units/"+unit+"/photos/"+hexSHA(jpegBytes), map[string]any{"reason": "wrong picture"}))
	h.must(200, h.do("operator", "GET", "/api/v1/parcels/"+pid+"/photos/"+hexSHA(jpegBytes), nil))
}
