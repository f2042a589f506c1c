package central_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"returns-station/station"
	"returns-station/sync/central"
)

// memStore is an in-memory EventLog, PushStore and ReturnStore for tests.
// It follows the contracts documented in the central package: a gap-free
// log, one "transaction" (one lock) per AckPush and ApplyReturns.
type memStore struct {
	mu       sync.Mutex
	station  string
	events   []station.Event // events[i].Seq == i+1
	commit   chan struct{}
	push     station.PushState
	parked   []station.ParkedEvent
	acks     int
	cursor   string
	returns  map[string]station.ReturnAuthorization
	applies  []applyCall
	ackCheck func(st station.PushState, parked []station.ParkedEvent) error // called inside AckPush
	ackErrs  []error
	failAck  int // fail this many AckPush calls
	restored *station.Restored
	resumes  []uint64 // central's last seq at each ResumeAfter
}

type applyCall struct {
	n      int
	cursor string
}

var (
	_ central.EventLog    = (*memStore)(nil)
	_ central.PushStore   = (*memStore)(nil)
	_ central.ReturnStore = (*memStore)(nil)
)

func newMemStore(stationID string) *memStore {
	return &memStore{station: stationID, commit: make(chan struct{}),
		returns: map[string]station.ReturnAuthorization{}}
}

var baseTime = time.Date(2026, 11, 22, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

// appendEvents commits n events; typeOf chooses each one's type by seq.
func (m *memStore) appendEvents(n int, typeOf func(seq uint64) string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for range n {
		seq := uint64(len(m.events) + 1)
		typ := station.EventUnitInspected
		if typeOf != nil {
			typ = typeOf(seq)
		}
		data, _ := json.Marshal(map[string]any{
			"unit_id": fmt.Sprintf("U%08d", seq), "parcel_id": fmt.Sprintf("P%08d", seq/3),
			"rma": "RMA-20261122-000123", "line": 1, "sku": "EAR-BT-01", "serial": "SN8842AA",
			"grade": "B", "disposition": "resell_open_box", "findings": []string{"packaging_opened"},
			"refund":    map[string]any{"decision": "full", "amount": "199.00", "currency": "CNY"},
			"inspector": "user:li.wei",
		})
		m.events = append(m.events, station.Event{
			SpecVersion: "1.0", ID: fmt.Sprintf("01JD2Z6W8Q3M5T7V9X%08d", seq),
			Source: station.Source(m.station), Type: typ, Subject: fmt.Sprintf("unit/U%08d", seq),
			Time: baseTime.Add(time.Duration(seq) * time.Second), DataContentType: "application/json",
			Seq: seq, Actor: "user:li.wei", Data: data,
		})
	}
	close(m.commit)
	m.commit = make(chan struct{})
}

func (m *memStore) EventsAfter(ctx context.Context, after uint64, limit int) ([]station.Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if after >= uint64(len(m.events)) {
		return nil, nil
	}
	end := min(uint64(len(m.events)), after+uint64(limit))
	return append([]station.Event(nil), m.events[after:end]...), nil
}

func (m *memStore) LastSeq() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return uint64(len(m.events))
}

func (m *memStore) Committed() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.commit
}

func (m *memStore) PushState(ctx context.Context) (station.PushState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.push, nil
}

func (m *memStore) AckPush(ctx context.Context, st station.PushState, parked []station.ParkedEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failAck > 0 {
		m.failAck--
		return errors.New("disk on fire")
	}
	if st.AckedSeq < m.push.AckedSeq {
		m.ackErrs = append(m.ackErrs, fmt.Errorf("acked seq went back from %d to %d", m.push.AckedSeq, st.AckedSeq))
	}
	for _, p := range parked {
		if p.Seq > st.AckedSeq || p.Seq <= m.push.AckedSeq {
			m.ackErrs = append(m.ackErrs, fmt.Errorf("parked seq %d outside (%d, %d]", p.Seq, m.push.AckedSeq, st.AckedSeq))
		}
	}
	if m.ackCheck != nil {
		if err := m.ackCheck(st, parked); err != nil {
			m.ackErrs = append(m.ackErrs, err)
		}
	}
	m.push = st
	m.parked = append(m.parked, parked...)
	m.acks++
	return nil
}

func (m *memStore) SavePushState(ctx context.Context, st station.PushState) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if st.AckedSeq != m.push.AckedSeq {
		m.ackErrs = append(m.ackErrs, fmt.Errorf("SavePushState moved acked seq from %d to %d", m.push.AckedSeq, st.AckedSeq))
	}
	m.push = st
	return nil
}

func (m *memStore) CountParked(ctx context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.parked), nil
}

func (m *memStore) Restored(ctx context.Context) (*station.Restored, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.restored == nil {
		return nil, nil
	}
	r := *m.restored
	return &r, nil
}

// ResumeAfter ends the wait. The memStore's log is dense (events[i].Seq
// == i+1), so it cannot move events: it only takes positions at or below
// the restored log's end, which is all its tests need.
func (m *memStore) ResumeAfter(ctx context.Context, lastSeq uint64, lastID string) (*station.Restored, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.resumes = append(m.resumes, lastSeq)
	if m.restored == nil || !m.restored.Waiting {
		return m.restored, nil
	}
	if lastSeq > uint64(len(m.events)) {
		return nil, fmt.Errorf("memStore cannot move events after central's seq %d", lastSeq)
	}
	if lastSeq > 0 && m.events[lastSeq-1].ID != lastID {
		return nil, station.Errorf(station.EConflict, "central's event %d is %s, ours is %s", lastSeq, lastID, m.events[lastSeq-1].ID)
	}
	m.restored.Waiting, m.restored.CentralLastSeq = false, lastSeq
	r := *m.restored
	return &r, nil
}

func (m *memStore) ReturnCursor(ctx context.Context) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cursor, nil
}

func (m *memStore) ApplyReturns(ctx context.Context, page []station.ReturnAuthorization, next string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range page {
		if old, ok := m.returns[r.RMA]; ok && old.Version >= r.Version {
			continue
		}
		m.returns[r.RMA] = r
	}
	m.cursor = next
	m.applies = append(m.applies, applyCall{n: len(page), cursor: next})
	return nil
}

// snapshot returns copies of what tests assert on.
func (m *memStore) snapshot() (st station.PushState, parked []station.ParkedEvent, ackErrs []error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.push, append([]station.ParkedEvent(nil), m.parked...), append([]error(nil), m.ackErrs...)
}

func (m *memStore) log() []station.Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]station.Event(nil), m.events...)
}

func (m *memStore) pullState() (cursor string, returns map[string]station.ReturnAuthorization, applies []applyCall) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rs := make(map[string]station.ReturnAuthorization, len(m.returns))
	for k, v := range m.returns {
		rs[k] = v
	}
	return m.cursor, rs, append([]applyCall(nil), m.applies...)
}
