package station

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"
)

// Running aggregates. The manager's figures (throughput, dwell, reasons
// against findings, alarms, recovery value) are counters kept in the same
// transaction as the events that move them, so a dashboard reads a few keys
// instead of the whole log, and a counter can never disagree with the log.
//
// A counter is a signed 64-bit number under a string key. Each figure owns a
// key prefix (see the tallies list) and documents its keys beside the code
// that writes them. Keys that fall into time buckets carry the bucket in a
// sortable form, so a range is one prefix scan.

// Counter is one running aggregate read back by Tx.Counts.
type Counter struct {
	Key string
	N   int64
}

// tally updates the running aggregates one event moves. It runs inside the
// command's transaction, after the event is appended: an error fails the
// command like any other storage error. at is the event's time.
type tally func(env Env, tx Tx, at time.Time, d EventData) error

// tallies are the aggregates kept, each owned by the figure it serves.
var tallies = []tally{
	valueTally,      // val/: cost and recovery value (value.go)
	tallyWhy,        // why/: what comes back and why (why.go)
	riskTally,       // risk/: risk alarms (risk.go)
	tallyThroughput, // thr/: throughput and dwell (throughput.go)
}

// tallyEvent runs every tally for one event.
func tallyEvent(env Env, tx Tx, at time.Time, d EventData) error {
	if off, ok := tx.(interface{ TalliesOff() bool }); ok && off.TalliesOff() {
		return nil // a benchmark's baseline without aggregates (bolt.Options.NoTallies)
	}
	tx = countOnly{tx}
	for _, t := range tallies {
		if err := t(env, tx, at, d); err != nil {
			return err
		}
	}
	return nil
}

// TallyVersion names the set of tallies this binary keeps. A data file whose
// counters were kept by another set is re-counted from the event log at open
// (RetallyEvent), so an upgraded station's dashboard covers its history.
// Change it whenever a tally is added or changes what it counts.
const TallyVersion = "2 why.1 risk.4 thr.2" // 2: val/ (cost and recovery value); why.1: why/ (what comes back and why); risk.4: risk/ (risk alarms; voided units and dismissed incidents taken back out, regrades count as overrides); thr.2: thr/ (throughput and dwell; a first confirmation at its result's time)

// errTallyWrite is what a tally meets if it tries more than counting.
var errTallyWrite = errors.New("a tally may only count (Tx.Count): it is re-run when the counters are rebuilt from the event log, so raise alerts and write records from the command or a worker instead")

// countOnly is the Tx a tally sees: reads and Count pass, every other write
// is refused, so re-counting the log can never change anything but counters.
type countOnly struct{ Tx }

func (countOnly) PutRMA(*ReturnAuthorization) error { return errTallyWrite }
func (countOnly) PutParcel(*Parcel) error           { return errTallyWrite }
func (countOnly) PutUnit(*Unit) error               { return errTallyWrite }
func (countOnly) PutTote(*Tote) error               { return errTallyWrite }
func (countOnly) PutException(*Exception) error     { return errTallyWrite }
func (countOnly) PutShipment(*Shipment) error       { return errTallyWrite }
func (countOnly) MarkTrackingSeen(string, time.Time) error {
	return errTallyWrite
}
func (countOnly) PutRules(*RuleSet) error { return errTallyWrite }
func (countOnly) Append(*Event) error     { return errTallyWrite }

// eventDataType maps an event type to its data's Go type.
var eventDataType = func() map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for _, d := range EventDataTypes() {
		m[d.EventType()] = reflect.TypeOf(d).Elem()
	}
	return m
}()

// TalliedData decodes the data of a logged event for RetallyEvent: nil for
// a type this binary does not know (or when it keeps no tallies). It only
// reads e, so the storage may decode many events at once.
func TalliedData(e *Event) (EventData, error) {
	t, ok := eventDataType[e.Type]
	if !ok || len(tallies) == 0 {
		return nil, nil
	}
	p := reflect.New(t)
	if err := json.Unmarshal(e.Data, p.Interface()); err != nil {
		return nil, fmt.Errorf("decode event %d (%s) to re-count it: %w", e.Seq, e.Type, err)
	}
	return p.Elem().Interface().(EventData), nil
}

// RetallyEvent counts one logged event again, as emit counted it when it was
// committed: the storage calls it for every event, in seq order, with d from
// TalliedData, after it has cleared the counters of an older TallyVersion.
// Events of types this binary does not know (d nil) are skipped.
func RetallyEvent(tx Tx, stationID string, e *Event, d EventData) error {
	if d == nil {
		return nil
	}
	at := e.Time
	env := Env{StationID: stationID, Actor: e.Actor, Now: func() time.Time { return at },
		NewID: func() string { return e.ID }}
	return tallyEvent(env, tx, at, d)
}
