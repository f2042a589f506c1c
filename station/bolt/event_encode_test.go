package bolt

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"returns-station/station"
)

// The stored event must be byte for byte what encoding/json makes of it:
// feed readers, push batches and backups compare and hash these bytes.
func TestEncodeEventMatchesJSONMarshal(t *testing.T) {
	at := time.Date(2026, 12, 7, 9, 30, 1, 123456789, time.FixedZone("CST", 8*3600))
	data, _ := json.Marshal(station.ParcelExceptionData{ParcelID: "01JD2Z6W8Q3M5T7V9X1Z3B5D7E", Code: "unmatched", Note: "无匹配退货单 <no match> & \"quoted\"", Tracking: "SF1234567890123"})
	for _, e := range []station.Event{
		{SpecVersion: "1.0", ID: "01JD", Source: station.Source("st-1"), Type: station.EventParcelException, Subject: "parcel/01JD", Time: at,
			DataContentType: "application/json", Seq: 42, Actor: "token:handheld-3", Data: data},
		{SpecVersion: "1.0", ID: "x", Source: "urn:returns-station:st-\u2028", Type: station.EventRMAUpserted, Time: at.UTC(), Seq: 1, Actor: "system:<cli>", Data: json.RawMessage(`{"rma":"R-1","version":2}`)},
		{SpecVersion: "1.0", ID: "no-data", Type: station.EventTokenRevoked},
	} {
		sameAsMarshal(t, &e)
	}
}

// sameAsMarshal fails t unless encodeEvent writes e as json.Marshal does.
func sameAsMarshal(t *testing.T, e *station.Event) {
	t.Helper()
	want, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	got, err := encodeEvent(e)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("encodeEvent of %+v:\n got %s\nwant %s", e, got, want)
	}
}

// Every string field goes through the same escaping as encoding/json's:
// HTML characters, control bytes, invalid UTF-8, U+2028, Chinese, empty.
func TestEncodeEventEscapesLikeJSONMarshal(t *testing.T) {
	pieces := []string{"", "a", "Z9", "<", ">", "&", "\"", "\\", "\n", "\t", "\x00", "\x1f", "\x7f", "\xff", "\xe4\xb8", "\u2028", "\u2029",
		"退货", "user:李伟", " ", "/", "'", "é", "\U0001F4E6"}
	rng := rand.New(rand.NewPCG(1, 2))
	str := func() string {
		var b strings.Builder
		for range rng.IntN(5) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	for i := range 5000 {
		e := station.Event{SpecVersion: str(), ID: str(), Source: str(), Type: str(), Subject: str(),
			Time:            time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)).In(time.FixedZone("", 60*(rng.IntN(1500)-750))),
			DataContentType: str(), Seq: rng.Uint64(), Actor: str()}
		if i%3 == 0 {
			e.Data = json.RawMessage(`{"k":1}`)
		}
		sameAsMarshal(t, &e)
	}
}

// BenchmarkEncodeEvent is the stored event's encoding beside
// BenchmarkEncodeEventMarshal, encoding/json's own (which re-compacts data).
func BenchmarkEncodeEvent(b *testing.B) {
	e := benchEvent()
	for b.Loop() {
		if _, err := encodeEvent(e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeEventMarshal(b *testing.B) {
	e := benchEvent()
	for b.Loop() {
		if _, err := json.Marshal(e); err != nil {
			b.Fatal(err)
		}
	}
}

func benchEvent() *station.Event {
	data, _ := json.Marshal(station.ParcelReceivedData{ParcelID: "01JD2Z6W8Q3M5T7V9X1Z3B5D7E", Tracking: "SF1234567890123", Carrier: "SF", ReceivedAt: time.Now(), Packaging: "intact"})
	return &station.Event{SpecVersion: "1.0", ID: "01JD2Z6W8Q3M5T7V9X1Z3B5D7F", Source: station.Source("st-1"), Type: station.EventParcelReceived,
		Subject: "parcel/01JD2Z6W8Q3M5T7V9X1Z3B5D7E", Time: time.Now(), DataContentType: "application/json", Seq: 42, Actor: "token:handheld-3", Data: data}
}

// The idempotency record, whose body is the whole answer, is stored as
// json.Marshal would write it.
func TestEncodeIdemMatchesJSONMarshal(t *testing.T) {
	body, _ := json.Marshal(map[string]any{"parcel": map[string]any{"id": "01JD", "note": "破损 <b>&</b> \u2028"}, "duplicate": false})
	for _, rec := range []idemRecord{
		{Fingerprint: "9f86d081884c7d65", Created: true, Body: body, At: time.Date(2026, 12, 7, 9, 30, 1, 5, time.FixedZone("CST", 8*3600))},
		{Fingerprint: "\"quoted\" <fp>", At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
	} {
		want, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		got, err := encodeIdem(rec)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("encodeIdem:\n got %s\nwant %s", got, want)
		}
	}
}

// BenchmarkEncodeIdem is the idempotency record of a receive's answer
// beside BenchmarkEncodeIdemMarshal, encoding/json's own.
func BenchmarkEncodeIdem(b *testing.B) {
	rec := benchIdem()
	for b.Loop() {
		if _, err := encodeIdem(rec); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeIdemMarshal(b *testing.B) {
	rec := benchIdem()
	for b.Loop() {
		if _, err := json.Marshal(rec); err != nil {
			b.Fatal(err)
		}
	}
}

func benchIdem() idemRecord {
	now := time.Now()
	p := &station.Parcel{ID: "01JD2Z6W8Q3M5T7V9X1Z3B5D7E", Tracking: "SF1234567890123", Carrier: "SF", ScanRaw: "SF1234567890123", Status: station.ParcelOpen,
		Packaging: "intact", ReceivedAt: now, ReceivedBy: "token:handheld-3", Keys: []string{"SF1234567890123"}}
	body, _ := json.Marshal(&station.ReceiveResult{Parcel: p, Exceptions: []*station.Exception{{ID: "01JD2Z6W8Q3M5T7V9X1Z3B5D7F", Code: "unmatched", State: station.ExOpen,
		ParcelID: p.ID, Tracking: p.Tracking, OpenedAt: now, OpenedBy: "token:handheld-3", Note: "No return matches this parcel yet. 暂无匹配的退货单。"}}})
	return idemRecord{Fingerprint: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Created: true, Body: body, At: now}
}
