package central

import (
	"encoding/json"
	"fmt"
	"testing"
)

// The decoders read central's answers, which are outside input: they must
// never panic, and what they accept must hold their documented invariants.

func FuzzDecodePushResult(f *testing.F) {
	f.Add(200, []byte(`{"accepted": 3, "last_seq": 42}`))
	f.Add(207, []byte(`{"accepted": 2, "last_seq": 42, "rejected": [{"id": "01JD2Z6W8Q3M5T7V9X1Z3B5D7F", "seq": 41,
		"problem": {"type": "https://central.example/problems/invalid-event", "title": "invalid event", "status": 422,
		"detail": "data.grade must be one of A, B, C, D, X", "errors": [{"field": "data.grade", "detail": "unknown"}]}}]}`))
	f.Add(207, []byte(`{"accepted": 0, "last_seq": 0, "rejected": [{"id": "x", "problem": "not an object"}]}`))
	f.Add(207, []byte(`{"accepted": 1, "rejected": [{"seq": 0, "id": ""}]}`))
	f.Add(200, []byte(`{"accepted": -1, "last_seq": 1}`))
	f.Add(200, []byte(`[]`))
	f.Add(200, []byte(`null`))
	f.Add(200, []byte(`{"accepted": 1e3, "last_seq": 18446744073709551615}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		r, err := decodePushResult(status, body)
		if err != nil {
			return
		}
		if r.Accepted < 0 {
			t.Errorf("got accepted %d, want ≥ 0", r.Accepted)
		}
		for i, rj := range r.Rejected {
			if rj.Seq == 0 && rj.ID == "" {
				t.Errorf("rejected[%d] names no event", i)
			}
			if len(rj.RawProblem) > 0 && !json.Valid(rj.RawProblem) {
				t.Errorf("rejected[%d]: raw problem %q is not JSON", i, rj.RawProblem)
			}
		}
	})
}

func FuzzDecodePage(f *testing.F) {
	f.Add([]byte(`{"returns": [], "next_cursor": "abc", "has_more": false}`))
	f.Add([]byte(`{"returns": [{"rma": "RMA-20261122-000123", "version": 3, "status": "approved", "order_id": "SO-88812",
		"channel": "tmall", "customer": {"name": "张*", "phone_tail": "1234"},
		"reason": {"code": "quality_issue", "text": "左耳没有声音"}, "policy": "no_reason_7d",
		"delivered_at": "2026-11-15T10:00:00+08:00", "requested_at": "2026-11-18T21:14:09+08:00",
		"refund": {"amount": "199.00", "currency": "CNY"},
		"return_shipments": [{"carrier": "SF", "tracking": "SF1234567890123"}],
		"lines": [{"line": 1, "sku": "EAR-BT-01", "gtin": "06901234567892", "name": "蓝牙耳机",
		"category": "electronics", "qty": 1, "unit_price": "199.00", "serials": ["SN8842AA"]}],
		"updated_at": "2026-11-19T08:00:00+08:00"}], "next_cursor": "c2", "has_more": true}`))
	f.Add([]byte(`{"returns": [{"rma": 5}, {"rma": "X", "version": "two"}, 7, null], "next_cursor": null}`))
	f.Add([]byte(`{"returns": {"rma": "X"}}`))
	f.Add([]byte(`"returns"`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := decodePage(body)
		if err != nil {
			return
		}
		for i := range p.Returns {
			if err := p.Returns[i].Validate(); err != nil {
				t.Errorf("returns[%d] does not validate: %v", i, err)
			}
		}
		for i, inv := range p.Invalid {
			if inv.Err == nil {
				t.Errorf("invalid[%d] has no error", i)
			}
		}
	})
}

func TestDecodePushResult(t *testing.T) {
	tests := []struct {
		name, body string
		wantErr    bool
		want       string // accepted/last_seq/rejected seqs and reasons
	}{
		{name: "200", body: `{"accepted": 3, "last_seq": 42, "extra": true}`, want: "3 42 []"},
		{name: "207", body: `{"accepted": 1, "last_seq": 42, "rejected": [{"id": "a", "seq": 41,
			"problem": {"title": "invalid event", "status": 422, "detail": "grade unknown"}},
			{"id": "b", "seq": 42, "problem": "odd"}]}`,
			want: "1 42 [41:422:invalid event; grade unknown 42:0:]"},
		{name: "accepted missing", body: `{"last_seq": 4}`, wantErr: true},
		{name: "accepted negative", body: `{"accepted": -2, "last_seq": 4}`, wantErr: true},
		{name: "rejected names nothing", body: `{"accepted": 0, "rejected": [{"problem": {}}]}`, wantErr: true},
		{name: "array", body: `[]`, wantErr: true},
		{name: "html", body: `<html>`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := decodePushResult(207, []byte(tt.body))
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			var rs []string
			for _, rj := range r.Rejected {
				status := 0
				if rj.Problem != nil {
					status = rj.Problem.Status
				}
				rs = append(rs, fmt.Sprintf("%d:%d:%s", rj.Seq, status, rj.Problem.Summary()))
			}
			if got := fmt.Sprintf("%d %d %v", r.Accepted, r.LastSeq, rs); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestDecodePage(t *testing.T) {
	body := `{"returns": [
		{"rma": "RMA-1", "version": 2, "status": "approved", "order_id": "SO-1", "policy": "quality",
		 "lines": [{"line": 1, "sku": "A", "qty": 1, "unit_price": "9.90"}]},
		{"rma": "RMA-2", "version": 1, "status": "lost", "order_id": "SO-2", "policy": "quality",
		 "lines": [{"line": 1, "sku": "A", "qty": 1, "unit_price": "9.90"}]},
		{"rma": "RMA-3", "version": 4, "delivered_at": "yesterday"}],
		"next_cursor": "c-7", "has_more": true}`
	p, err := decodePage([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	var inv []string
	for _, i := range p.Invalid {
		inv = append(inv, fmt.Sprintf("%s@%d", i.RMA, i.Version))
	}
	got := fmt.Sprintf("%d %v %s %v", len(p.Returns), inv, p.NextCursor, p.HasMore)
	if want := "1 [RMA-2@1 RMA-3@4] c-7 true"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func FuzzDecodePosition(f *testing.F) {
	f.Add([]byte(`{"last_seq": 1042, "last_id": "01JD2Z6W8Q3M5T7V9X1Z3B5D7F", "count": 1042}`))
	f.Add([]byte(`{"last_seq": 0, "last_id": "", "count": 0}`))
	f.Add([]byte(`{"last_seq": 0, "last_id": "x"}`))
	f.Add([]byte(`{"last_id": "x", "count": 3}`))
	f.Add([]byte(`{"last_seq": -1}`))
	f.Add([]byte(`{"last_seq": 18446744073709551615, "count": 1e2}`))
	f.Add([]byte(`[{"last_seq": 3}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := decodePosition(body)
		if err != nil {
			return
		}
		if p.LastSeq == 0 && p.LastID != "" {
			t.Errorf("position %+v: an id without a seq", p)
		}
	})
}
