package bolt

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"

	"returns-station/station"
)

// txn implements station.Tx over one bbolt transaction.
type txn struct {
	tx       *bolt.Tx
	db       *DB
	write    bool
	batch    *batch // the group's journal batch (nil: not journaled)
	lastSeq  uint64
	newRules *station.RuleSet // replaced in this transaction; published after commit
	// counts holds the counter changes of the transaction's commands until
	// its commit (nil: written straight through).
	counts counterDeltas
	// dirty is set before the command's first write: a command that fails
	// while it is false has changed nothing, so its group need not roll back.
	dirty bool

	// What index maintenance needs from records already read in this
	// transaction, so a Put does not decode the old record a second time.
	oldRMA    map[string]rmaIndex
	oldParcel map[string]string // parcel id → its RMA
	oldSerial map[string]string // unit id → its serial
	oldLoc    map[string]string // unit id → its location

	// touched are the parcels whose record, units or exceptions the
	// command wrote: their entries in the open-parcel index are refreshed
	// when it ends.
	touched map[string]bool
	// The records as this transaction last stored them, so refreshOpen
	// reads what it has just written without decoding it again.
	wroteParcel map[string]station.Parcel
	wroteUnit   map[string]station.Unit
	wroteExc    map[string]station.Exception
}

type rmaIndex struct {
	trackings []string
	order     string
	phone     string
}

func remember[V any](m *map[string]V, k string, v V) {
	if *m == nil {
		*m = map[string]V{}
	}
	(*m)[k] = v
}

// appendMostly are buckets whose keys grow with time (seq, ULIDs): packing
// their pages full halves the file compared with bbolt's default 50%.
var appendMostly = func() (m uint64) {
	for _, b := range [][]byte{bEvents, bParcels, bUnits, bExceptions, bExcOpen, bPrintJobs} {
		m |= bucketBit[string(b)]
	}
	return m
}()

// b returns the bucket name of the transaction; in the committer its
// writes also go to the group's journal batch.
func (t *txn) b(name []byte) bucket {
	b := journaled(t.tx, name, t.batch)
	if t.write && b.bit&appendMostly != 0 {
		b.FillPercent = 0.9
	}
	return b
}

func (t *txn) mustWrite() error {
	if !t.write {
		return errReadOnly
	}
	t.dirty = true
	return nil
}

// prefixIDs returns the second part of every index key that starts with prefix+0.
func (t *txn) prefixIDs(bucket []byte, prefix string) []string {
	var out []string
	p := append([]byte(prefix), 0)
	c := t.b(bucket).Cursor()
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
		out = append(out, string(k[len(p):]))
	}
	return out
}

func (t *txn) RMA(id string) (*station.ReturnAuthorization, error) {
	r, err := get[station.ReturnAuthorization](t.b(bRMAs), []byte(id))
	if r != nil {
		remember(&t.oldRMA, id, rmaIndex{r.Trackings(), r.OrderID, r.Customer.PhoneTail})
	}
	return r, err
}

func (t *txn) RMAByTracking(tracking string) (*station.ReturnAuthorization, error) {
	id := t.b(bRMATracking).Get([]byte(tracking))
	if id == nil {
		return nil, nil
	}
	return t.RMA(string(id))
}

func (t *txn) RMAsByOrder(orderID string) ([]*station.ReturnAuthorization, error) {
	return loadIndexed(t, bRMAOrder, station.NormalizeTracking(orderID), t.RMA)
}

// loadIndexed loads with load every record that index lists under key,
// passing over ids whose record is gone.
func loadIndexed[T any](t *txn, index []byte, key string, load func(id string) (*T, error)) ([]*T, error) {
	var out []*T
	for _, id := range t.prefixIDs(index, key) {
		v, err := load(id)
		if err != nil {
			return nil, err
		}
		if v != nil {
			out = append(out, v)
		}
	}
	return out, nil
}

func (t *txn) PutRMA(r *station.ReturnAuthorization) error {
	if err := t.mustWrite(); err != nil {
		return err
	}
	old, ok := t.oldRMA[r.RMA]
	if !ok {
		o, err := t.RMA(r.RMA)
		if err != nil {
			return err
		}
		old, ok = t.oldRMA[r.RMA], o != nil
	}
	if ok { // drop index entries the new version no longer has
		for _, tr := range old.trackings {
			if string(t.b(bRMATracking).Get([]byte(tr))) == r.RMA {
				if err := t.b(bRMATracking).Delete([]byte(tr)); err != nil {
					return err
				}
			}
		}
		if err := t.b(bRMAOrder).Delete(key(station.NormalizeTracking(old.order), r.RMA)); err != nil {
			return err
		}
		if err := t.b(bRMAPhone).Delete(key(old.phone, r.RMA)); err != nil {
			return err
		}
	}
	remember(&t.oldRMA, r.RMA, rmaIndex{r.Trackings(), r.OrderID, r.Customer.PhoneTail})
	if err := indexRMAPhone(t.b(bRMAPhone), r); err != nil {
		return err
	}
	for _, tr := range r.Trackings() {
		if err := t.b(bRMATracking).Put([]byte(tr), []byte(r.RMA)); err != nil {
			return err
		}
	}
	if err := t.b(bRMAOrder).Put(key(station.NormalizeTracking(r.OrderID), r.RMA), nil); err != nil {
		return err
	}
	// Also find the RMA by its own number as scanned (normalised).
	if n := station.NormalizeTracking(r.RMA); n != r.RMA {
		if err := t.b(bRMATracking).Put([]byte(n), []byte(r.RMA)); err != nil {
			return err
		}
	}
	return put(t.b(bRMAs), []byte(r.RMA), r)
}

func (t *txn) Parcel(id string) (*station.Parcel, error) {
	p, err := get[station.Parcel](t.b(bParcels), []byte(id))
	if p != nil {
		remember(&t.oldParcel, id, p.RMA)
	}
	return p, err
}

func (t *txn) ParcelByKey(code string) (*station.Parcel, error) {
	id := t.b(bParcelKey).Get([]byte(code))
	if id == nil {
		return nil, nil
	}
	return t.Parcel(string(id))
}

func (t *txn) ParcelsByRMA(rma string) ([]*station.Parcel, error) {
	return loadIndexed(t, bParcelRMA, rma, t.Parcel)
}

func (t *txn) PutParcel(p *station.Parcel) error {
	if err := t.mustWrite(); err != nil {
		return err
	}
	oldRMA, ok := t.oldParcel[p.ID]
	if !ok {
		if _, err := t.Parcel(p.ID); err != nil {
			return err
		}
		oldRMA = t.oldParcel[p.ID]
	}
	for _, k := range p.Keys {
		if cur := t.b(bParcelKey).Get([]byte(k)); cur != nil && string(cur) != p.ID {
			return &station.Error{Code: station.EConflict, Key: "tracking_taken", Message: fmt.Sprintf("tracking %s already belongs to another parcel", k)}
		}
		if err := t.b(bParcelKey).Put([]byte(k), []byte(p.ID)); err != nil {
			return err
		}
	}
	if oldRMA != p.RMA && oldRMA != "" {
		if err := t.b(bParcelRMA).Delete(key(oldRMA, p.ID)); err != nil {
			return err
		}
	}
	remember(&t.oldParcel, p.ID, p.RMA)
	if p.Status == station.ParcelOpen {
		remember(&t.touched, p.ID, true)
	} else if err := t.b(bParcelOpen).Delete(openParcelKey(p)); err != nil {
		return err
	}
	if p.RMA != "" {
		if err := t.b(bParcelRMA).Put(key(p.RMA, p.ID), nil); err != nil {
			return err
		}
	}
	remember(&t.wroteParcel, p.ID, *p)
	return put(t.b(bParcels), []byte(p.ID), p)
}

func (t *txn) Unit(id string) (*station.Unit, error) {
	u, err := get[station.Unit](t.b(bUnits), []byte(id))
	if u != nil {
		remember(&t.oldSerial, id, u.Serial)
		remember(&t.oldLoc, id, u.Location)
	}
	return u, err
}

func (t *txn) UnitsByParcel(parcelID string) ([]*station.Unit, error) {
	return loadIndexed(t, bUnitParcel, parcelID, t.Unit)
}

func (t *txn) UnitsBySerial(serial string) ([]string, error) {
	return t.prefixIDs(bUnitSerial, station.NormalizeTracking(serial)), nil
}

func (t *txn) PutUnit(u *station.Unit) error {
	if err := t.mustWrite(); err != nil {
		return err
	}
	oldSerial, ok := t.oldSerial[u.ID]
	if !ok {
		if _, err := t.Unit(u.ID); err != nil {
			return err
		}
		oldSerial = t.oldSerial[u.ID]
	}
	if oldSerial != "" && oldSerial != u.Serial {
		if err := t.b(bUnitSerial).Delete(key(station.NormalizeTracking(oldSerial), u.ID)); err != nil {
			return err
		}
	}
	remember(&t.oldSerial, u.ID, u.Serial)
	if err := t.indexUnitLocation(u); err != nil {
		return err
	}
	if u.Serial != "" {
		if err := t.b(bUnitSerial).Put(key(station.NormalizeTracking(u.Serial), u.ID), nil); err != nil {
			return err
		}
	}
	if err := t.b(bUnitParcel).Put(key(u.ParcelID, u.ID), nil); err != nil {
		return err
	}
	remember(&t.touched, u.ParcelID, true)
	remember(&t.wroteUnit, u.ID, *u)
	return put(t.b(bUnits), []byte(u.ID), u)
}

func (t *txn) Exception(id string) (*station.Exception, error) {
	return get[station.Exception](t.b(bExceptions), []byte(id))
}

func (t *txn) ExceptionsByParcel(parcelID string) ([]*station.Exception, error) {
	return loadIndexed(t, bExcParcel, parcelID, t.Exception)
}

func (t *txn) PutException(e *station.Exception) error {
	if err := t.mustWrite(); err != nil {
		return err
	}
	if e.ParcelID != "" {
		if err := t.b(bExcParcel).Put(key(e.ParcelID, e.ID), nil); err != nil {
			return err
		}
		remember(&t.touched, e.ParcelID, true)
	}
	var err error
	if e.State == station.ExOpen {
		err = t.b(bExcOpen).Put([]byte(e.ID), nil)
	} else {
		err = t.b(bExcOpen).Delete([]byte(e.ID))
	}
	if err != nil {
		return err
	}
	remember(&t.wroteExc, e.ID, *e)
	return put(t.b(bExceptions), []byte(e.ID), e)
}

func (t *txn) Shipment(tracking string) (*station.Shipment, error) {
	return get[station.Shipment](t.b(bShipments), []byte(tracking))
}

func (t *txn) PutShipment(s *station.Shipment) error {
	if err := t.mustWrite(); err != nil {
		return err
	}
	return put(t.b(bShipments), []byte(s.Tracking), s)
}

// Rules returns the rule document in force. It is decoded once and shared
// (read-only): decoding it per command would cost more than the commit.
func (t *txn) Rules() (*station.RuleSet, error) {
	if t.newRules != nil {
		return t.newRules, nil
	}
	return t.db.rules.Load(), nil
}

func (t *txn) PutRules(rs *station.RuleSet) error {
	if err := t.mustWrite(); err != nil {
		return err
	}
	t.newRules = rs
	return put(t.b(bMeta), []byte("rules"), rs)
}

func (t *txn) Append(e *station.Event) error {
	if err := t.mustWrite(); err != nil {
		return err
	}
	b := t.b(bEvents)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	e.Seq = seq
	raw, err := encodeEvent(e)
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, seq)
	t.lastSeq = seq
	return b.Put(k, raw)
}

func (t *txn) Shipments(visit func(*station.Shipment) error) error {
	return t.b(bShipments).ForEach(func(k, v []byte) error {
		var s station.Shipment
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("decode shipment %s: %w", k, err)
		}
		return visit(&s)
	})
}

func (t *txn) TrackingSeen(key string) (bool, error) {
	return t.b(bTrackSeen).Get([]byte(key)) != nil, nil
}

func (t *txn) MarkTrackingSeen(key string, at time.Time) error {
	if err := t.mustWrite(); err != nil {
		return err
	}
	return t.b(bTrackSeen).Put([]byte(key), u64(uint64(at.Unix())))
}

// TalliesOff reports that the store keeps no running aggregates
// (Options.NoTallies): commands then skip every tally.
func (t *txn) TalliesOff() bool { return t.db != nil && t.db.noTallies }

func (t *txn) Count(key string, delta int64) error {
	if err := t.mustWrite(); err != nil {
		return err
	}
	if t.counts != nil {
		t.counts.add(key, delta)
		return nil
	}
	return addCounter(t.b(bStats), []byte(key), delta)
}

func (t *txn) Counts(prefix string, visit func(station.Counter) error) error {
	b := t.b(bStats)
	if len(t.counts) > 0 { // a read sees the changes made before it
		if err := t.counts.flush(b); err != nil {
			return err
		}
	}
	c := b.Cursor()
	p := []byte(prefix)
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		n, err := counterValue(k, v)
		if err != nil {
			return err
		}
		if err := visit(station.Counter{Key: string(k), N: n}); err != nil {
			return err
		}
	}
	return nil
}

// encodeEvent writes the bytes json.Marshal(e) would, field by field in
// station.Event's order, without reflection and without scanning and
// re-compacting e.Data: encoding/json checks and copies a json.RawMessage
// byte by byte on every marshal, and the data was just made by json.Marshal
// (station.Tx.Append asks for that). Two events are stored per receive, so
// this runs in the committer at every scan.
func encodeEvent(e *station.Event) ([]byte, error) {
	data := []byte(e.Data)
	if len(data) == 0 {
		data = []byte("null")
	}
	at, err := e.Time.MarshalJSON()
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, 160+len(e.ID)+len(e.Source)+len(e.Type)+len(e.Subject)+len(at)+len(e.DataContentType)+len(e.Actor)+len(data))
	out = append(out, `{"specversion":`...)
	out = appendJSONString(out, e.SpecVersion)
	out = append(out, `,"id":`...)
	out = appendJSONString(out, e.ID)
	out = append(out, `,"source":`...)
	out = appendJSONString(out, e.Source)
	out = append(out, `,"type":`...)
	out = appendJSONString(out, e.Type)
	if e.Subject != "" {
		out = append(out, `,"subject":`...)
		out = appendJSONString(out, e.Subject)
	}
	out = append(out, `,"time":`...)
	out = append(out, at...)
	out = append(out, `,"datacontenttype":`...)
	out = appendJSONString(out, e.DataContentType)
	out = append(out, `,"seq":`...)
	out = strconv.AppendUint(out, e.Seq, 10)
	out = append(out, `,"actor":`...)
	out = appendJSONString(out, e.Actor)
	out = append(out, `,"data":`...)
	out = append(out, data...)
	return append(out, '}'), nil
}

// appendJSONString appends s as encoding/json writes a string: as it is
// when it is printable ASCII that needs no escape (ids, types, sources,
// actors almost always are), or else as json.Marshal escapes it.
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(dst, q...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
