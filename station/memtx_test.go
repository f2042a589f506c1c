package station_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"returns-station/station"
)

// memTx is station.Tx in memory, for table tests of the domain commands at
// the speed of a map. Records are stored as JSON, as the bbolt store keeps
// them, so a command that changes a record it read without putting it back
// changes nothing. Look-ups use indexes keyed like the bbolt store's; every
// Put removes the entries the record's previous version no longer has.
type memTx struct {
	rmas       map[string][]byte
	parcels    map[string][]byte
	units      map[string][]byte
	totes      map[string][]byte
	exceptions map[string][]byte
	shipments  map[string][]byte
	seen       map[string]time.Time
	rules      *station.RuleSet

	rmaTracking map[string]string          // normalised tracking (and RMA number) → RMA
	rmaOrder    map[string]map[string]bool // normalised order id → RMAs
	rmaPhone    map[string]map[string]bool // phone tail → RMAs
	parcelKey   map[string]string          // parcel key → parcel id
	parcelRMA   map[string]map[string]bool // RMA → parcel ids
	unitParcel  map[string]map[string]bool // parcel id → unit ids
	unitSerial  map[string]map[string]bool // normalised serial → unit ids
	unitLoc     map[string]map[string]bool // location → unit ids
	excParcel   map[string]map[string]bool // parcel id → exception ids

	events []*station.Event
	counts map[string]int64
}

func newMemTx() *memTx {
	return &memTx{
		rmas: map[string][]byte{}, parcels: map[string][]byte{}, units: map[string][]byte{}, totes: map[string][]byte{},
		exceptions: map[string][]byte{}, shipments: map[string][]byte{}, seen: map[string]time.Time{},
		rules: station.DefaultRules(), counts: map[string]int64{},
		rmaTracking: map[string]string{}, rmaOrder: map[string]map[string]bool{}, rmaPhone: map[string]map[string]bool{},
		parcelKey: map[string]string{}, parcelRMA: map[string]map[string]bool{}, unitParcel: map[string]map[string]bool{},
		unitSerial: map[string]map[string]bool{}, unitLoc: map[string]map[string]bool{}, excParcel: map[string]map[string]bool{},
	}
}

var _ station.Tx = (*memTx)(nil)

func load[T any](m map[string][]byte, id string) (*T, error) {
	raw, ok := m[id]
	if !ok {
		return nil, nil
	}
	v := new(T)
	if err := json.Unmarshal(raw, v); err != nil {
		return nil, fmt.Errorf("decode %s: %w", id, err)
	}
	return v, nil
}

func store(m map[string][]byte, id string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	m[id] = raw
	return nil
}

func addIndex(ix map[string]map[string]bool, k, id string) {
	if ix[k] == nil {
		ix[k] = map[string]bool{}
	}
	ix[k][id] = true
}

func dropIndex(ix map[string]map[string]bool, k, id string) {
	delete(ix[k], id)
	if len(ix[k]) == 0 {
		delete(ix, k)
	}
}

// ids lists an index entry's ids in key order, as a bbolt cursor would.
func ids(ix map[string]map[string]bool, k string) []string {
	var out []string
	for id := range ix[k] {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func loadAll[T any](m map[string][]byte, list []string) ([]*T, error) {
	var out []*T
	for _, id := range list {
		v, err := load[T](m, id)
		if err != nil {
			return nil, err
		}
		if v != nil {
			out = append(out, v)
		}
	}
	return out, nil
}

func (t *memTx) RMA(id string) (*station.ReturnAuthorization, error) {
	return load[station.ReturnAuthorization](t.rmas, id)
}

func (t *memTx) RMAByTracking(tracking string) (*station.ReturnAuthorization, error) {
	id, ok := t.rmaTracking[tracking]
	if !ok {
		return nil, nil
	}
	return t.RMA(id)
}

func (t *memTx) RMAsByOrder(orderID string) ([]*station.ReturnAuthorization, error) {
	return loadAll[station.ReturnAuthorization](t.rmas, ids(t.rmaOrder, station.NormalizeTracking(orderID)))
}

func (t *memTx) RMAsByPhone(tail string) ([]*station.ReturnAuthorization, error) {
	return loadAll[station.ReturnAuthorization](t.rmas, ids(t.rmaPhone, strings.TrimSpace(tail)))
}

func (t *memTx) PutRMA(r *station.ReturnAuthorization) error {
	old, err := t.RMA(r.RMA)
	if err != nil {
		return err
	}
	if old != nil {
		for _, tr := range old.Trackings() {
			if t.rmaTracking[tr] == r.RMA {
				delete(t.rmaTracking, tr)
			}
		}
		dropIndex(t.rmaOrder, station.NormalizeTracking(old.OrderID), r.RMA)
		dropIndex(t.rmaPhone, strings.TrimSpace(old.Customer.PhoneTail), r.RMA)
	}
	for _, tr := range r.Trackings() {
		t.rmaTracking[tr] = r.RMA
	}
	if n := station.NormalizeTracking(r.RMA); n != r.RMA {
		t.rmaTracking[n] = r.RMA
	}
	addIndex(t.rmaOrder, station.NormalizeTracking(r.OrderID), r.RMA)
	if tail := strings.TrimSpace(r.Customer.PhoneTail); tail != "" {
		addIndex(t.rmaPhone, tail, r.RMA)
	}
	return store(t.rmas, r.RMA, r)
}

func (t *memTx) Parcel(id string) (*station.Parcel, error) {
	return load[station.Parcel](t.parcels, id)
}

func (t *memTx) ParcelByKey(code string) (*station.Parcel, error) {
	id, ok := t.parcelKey[code]
	if !ok {
		return nil, nil
	}
	return t.Parcel(id)
}

func (t *memTx) ParcelsByRMA(rma string) ([]*station.Parcel, error) {
	return loadAll[station.Parcel](t.parcels, ids(t.parcelRMA, rma))
}

func (t *memTx) PutParcel(p *station.Parcel) error {
	for _, k := range p.Keys {
		if cur, ok := t.parcelKey[k]; ok && cur != p.ID {
			return &station.Error{Code: station.EConflict, Key: "tracking_taken", Message: fmt.Sprintf("tracking %s already belongs to another parcel", k)}
		}
	}
	old, err := t.Parcel(p.ID)
	if err != nil {
		return err
	}
	if old != nil && old.RMA != "" && old.RMA != p.RMA {
		dropIndex(t.parcelRMA, old.RMA, p.ID)
	}
	for _, k := range p.Keys {
		t.parcelKey[k] = p.ID
	}
	if p.RMA != "" {
		addIndex(t.parcelRMA, p.RMA, p.ID)
	}
	return store(t.parcels, p.ID, p)
}

func (t *memTx) Unit(id string) (*station.Unit, error) { return load[station.Unit](t.units, id) }

func (t *memTx) UnitsByParcel(parcelID string) ([]*station.Unit, error) {
	return loadAll[station.Unit](t.units, ids(t.unitParcel, parcelID))
}

func (t *memTx) UnitsBySerial(serial string) ([]string, error) {
	return ids(t.unitSerial, station.NormalizeTracking(serial)), nil
}

func (t *memTx) UnitsAt(location string) ([]*station.Unit, error) {
	return loadAll[station.Unit](t.units, ids(t.unitLoc, location))
}

func (t *memTx) PutUnit(u *station.Unit) error {
	old, err := t.Unit(u.ID)
	if err != nil {
		return err
	}
	if old != nil {
		if old.Serial != "" {
			dropIndex(t.unitSerial, station.NormalizeTracking(old.Serial), u.ID)
		}
		if old.Location != "" {
			dropIndex(t.unitLoc, old.Location, u.ID)
		}
	}
	if u.Serial != "" {
		addIndex(t.unitSerial, station.NormalizeTracking(u.Serial), u.ID)
	}
	if u.Location != "" {
		addIndex(t.unitLoc, u.Location, u.ID)
	}
	addIndex(t.unitParcel, u.ParcelID, u.ID)
	return store(t.units, u.ID, u)
}

func (t *memTx) Tote(id string) (*station.Tote, error) { return load[station.Tote](t.totes, id) }

func (t *memTx) PutTote(tt *station.Tote) error { return store(t.totes, tt.ID, tt) }

func (t *memTx) Totes(visit func(*station.Tote) error) error {
	return visitAll(t.totes, visit)
}

// visitAll calls visit for every record in m in key order.
func visitAll[T any](m map[string][]byte, visit func(*T) error) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, err := load[T](m, k)
		if err != nil {
			return err
		}
		if err := visit(v); err != nil {
			return err
		}
	}
	return nil
}

func (t *memTx) Exception(id string) (*station.Exception, error) {
	return load[station.Exception](t.exceptions, id)
}

func (t *memTx) ExceptionsByParcel(parcelID string) ([]*station.Exception, error) {
	return loadAll[station.Exception](t.exceptions, ids(t.excParcel, parcelID))
}

func (t *memTx) PutException(e *station.Exception) error {
	if e.ParcelID != "" {
		addIndex(t.excParcel, e.ParcelID, e.ID)
	}
	return store(t.exceptions, e.ID, e)
}

func (t *memTx) Shipment(tracking string) (*station.Shipment, error) {
	return load[station.Shipment](t.shipments, tracking)
}

func (t *memTx) PutShipment(s *station.Shipment) error { return store(t.shipments, s.Tracking, s) }

func (t *memTx) Shipments(visit func(*station.Shipment) error) error {
	return visitAll(t.shipments, visit)
}

func (t *memTx) TrackingSeen(key string) (bool, error) {
	_, ok := t.seen[key]
	return ok, nil
}

func (t *memTx) MarkTrackingSeen(key string, at time.Time) error {
	t.seen[key] = at
	return nil
}

func (t *memTx) Rules() (*station.RuleSet, error) { return t.rules, nil }

func (t *memTx) PutRules(rs *station.RuleSet) error {
	t.rules = rs
	return nil
}

// Append gives e the next gap-free seq, starting at 1 as bbolt's
// NextSequence does.
func (t *memTx) Append(e *station.Event) error {
	e.Seq = uint64(len(t.events)) + 1
	c := *e
	t.events = append(t.events, &c)
	return nil
}

func (t *memTx) Count(key string, delta int64) error {
	t.counts[key] += delta
	if t.counts[key] == 0 {
		delete(t.counts, key)
	}
	return nil
}

func (t *memTx) Counts(prefix string, visit func(station.Counter) error) error {
	var keys []string
	for k := range t.counts {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := visit(station.Counter{Key: k, N: t.counts[k]}); err != nil {
			return err
		}
	}
	return nil
}
