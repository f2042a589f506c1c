package bolt_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"returns-station/station"
	"returns-station/station/bolt"
)

// These tests kill the station in-process: with checkpoints held, the data
// file and the journal are copied byte for byte right after commands were
// answered. That is exactly what a SIGKILL leaves on disk (the page cache
// survives a kill): the answered commands in the journal, the data file as
// of the last checkpoint. The copy is then opened as the next start would.

// logBuf collects a station's log for a test to read.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// replayedMsg is what the log says when Open applied journal records.
const replayedMsg = "were applied from the journal"

// openAt opens the station at path, its log going to the returned buffer;
// the test closes it at cleanup.
func openAt(t *testing.T, path string) (*bolt.DB, *logBuf) {
	t.Helper()
	lb := &logBuf{}
	db, err := bolt.Open(path, bolt.Options{StationID: "st-t", Logger: slog.New(slog.NewTextHandler(lb, nil))})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db, lb
}

// openHeld opens a new station whose checkpoints wait for a reader or Close.
func openHeld(t *testing.T) *bolt.DB {
	t.Helper()
	db, _ := openAt(t, filepath.Join(t.TempDir(), "station.db"))
	db.HoldCheckpoints()
	return db
}

func code(i int) string { return fmt.Sprintf("SF%013d", i) }

// receiveRange receives the parcels code(from) … code(to-1), one command
// (one journal record) each, and returns their codes.
func receiveRange(t *testing.T, db *bolt.DB, from, to int) []string {
	t.Helper()
	var codes []string
	for i := from; i < to; i++ {
		if _, err := db.Update(context.Background(), nil, receive(code(i))); err != nil {
			t.Fatalf("receive %s: %v", code(i), err)
		}
		codes = append(codes, code(i))
	}
	return codes
}

// killCopy copies the station's data file and journal, as a kill at this
// instant would leave them, into a new directory and returns the copy's
// data file.
func killCopy(t *testing.T, db *bolt.DB) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"station.db", "station.db.journal"} {
		raw, err := os.ReadFile(filepath.Join(filepath.Dir(db.Path()), name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "station.db")
}

// parcelsInDataFile counts the parcels the closed data file at path holds
// by itself, without its journal: to show a test's setup really left the
// answered commands out of the data file.
func parcelsInDataFile(t *testing.T, path string) int {
	t.Helper()
	raw, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	n := 0
	raw.View(func(tx *bbolt.Tx) error { n = tx.Bucket([]byte("parcels")).Stats().KeyN; return nil })
	return n
}

// metaLSN is the last journal record the closed data file at path holds.
func metaLSN(t *testing.T, path string) uint64 {
	t.Helper()
	raw, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var lsn uint64
	raw.View(func(tx *bbolt.Tx) error {
		if v := tx.Bucket([]byte("meta")).Get([]byte("journal_lsn")); len(v) == 8 {
			lsn = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return lsn
}

// record is where one journal record lies in the journal file.
type record struct {
	off     int // its start
	payload int // where its payload starts
	end     int
	lsn     uint64
}

// killedJournal reads the journal beside the killed copy at path: its
// path, its bytes and their records.
func killedJournal(t *testing.T, path string) (string, []byte, []record) {
	t.Helper()
	jp := path + ".journal"
	raw, err := os.ReadFile(jp)
	if err != nil {
		t.Fatal(err)
	}
	return jp, raw, journalRecords(t, raw)
}

// journalRecords lists the records at the start of a journal (the layout
// of journal.go), up to the zeros after the last one.
func journalRecords(t *testing.T, raw []byte) []record {
	t.Helper()
	var out []record
	for off := 4096; off+16 <= len(raw); {
		n := int(binary.BigEndian.Uint32(raw[off:]))
		lsn := binary.BigEndian.Uint64(raw[off+4:])
		if lsn == 0 || off+16+n > len(raw) {
			break
		}
		if len(out) > 0 && lsn != out[len(out)-1].lsn+1 {
			break // an older record from before the last checkpoint
		}
		out = append(out, record{off: off, payload: off + 16, end: off + 16 + n, lsn: lsn})
		off += 16 + n
	}
	return out
}

// wantParcels fails unless each of has is found by its code (by
// ParcelByKey and by the tracking filter of ListParcels), none of hasNot
// is, and the station lists exactly len(has) parcels.
func wantParcels(t *testing.T, db *bolt.DB, has, hasNot []string) {
	t.Helper()
	for _, c := range has {
		if !parcelFound(t, db, c) {
			t.Errorf("parcel %s, answered as received, is missing", c)
		}
	}
	for _, c := range hasNot {
		if parcelFound(t, db, c) {
			t.Errorf("parcel %s is there; it must not be", c)
		}
	}
	all, _, err := db.ListParcels(station.ParcelFilter{}, "", 10000)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(has) {
		t.Errorf("%d parcels listed, want %d", len(all), len(has))
	}
}

func parcelFound(t *testing.T, db *bolt.DB, c string) bool {
	t.Helper()
	var p *station.Parcel
	if err := db.View(func(tx station.Tx) (err error) { p, err = tx.ParcelByKey(c); return }); err != nil {
		t.Fatal(err)
	}
	listed, _, err := db.ListParcels(station.ParcelFilter{Tracking: c}, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if (p != nil) != (len(listed) == 1) {
		t.Errorf("parcel %s: ParcelByKey found it %v, ListParcels by tracking %d", c, p != nil, len(listed))
	}
	return p != nil
}

// wantEventLog fails unless the event log holds exactly n events, numbered
// 1 … n without a gap, and the station's last seq is n.
func wantEventLog(t *testing.T, db *bolt.DB, n int) {
	t.Helper()
	evs, err := db.EventsAfter(context.Background(), 0, 10*n+10)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != n || db.LastSeq() != uint64(n) {
		t.Errorf("%d events, last seq %d; want %d", len(evs), db.LastSeq(), n)
	}
	for i, e := range evs {
		if e.Seq != uint64(i+1) {
			t.Fatalf("event log gap: event %d has seq %d", i+1, e.Seq)
		}
	}
}

func wantClean(t *testing.T, db *bolt.DB) {
	t.Helper()
	if err := db.Check(); err != nil {
		t.Errorf("integrity check: %v", err)
	}
}

// Answered receives that never reached the data file are there after a
// kill, and a second start applies nothing again.
func TestJournalAnsweredReceivesSurviveAKill(t *testing.T) {
	db := openHeld(t)
	codes := receiveRange(t, db, 0, 2)
	wantParcels(t, db, codes, nil) // the read checkpoints these two
	codes = append(codes, receiveRange(t, db, 2, 12)...)
	path := killCopy(t, db)
	if n := parcelsInDataFile(t, path); n != 2 {
		t.Fatalf("the killed data file holds %d parcels by itself, want the 2 checkpointed: the test no longer holds checkpoints", n)
	}

	again, log := openAt(t, path)
	if !strings.Contains(log.String(), replayedMsg) || !strings.Contains(log.String(), "records=10") {
		t.Errorf("the start after the kill did not report applying the 10 records; log:\n%s", log)
	}
	wantParcels(t, again, codes, nil)
	wantEventLog(t, again, 2*len(codes))
	wantClean(t, again)
	if err := again.Close(); err != nil {
		t.Fatal(err)
	}

	third, log := openAt(t, path)
	if strings.Contains(log.String(), replayedMsg) {
		t.Errorf("the second start applied the journal again; log:\n%s", log)
	}
	wantParcels(t, third, codes, nil)
	wantEventLog(t, third, 2*len(codes))
	wantClean(t, third)
}

// A client that sent a command with an Idempotency-Key and lost the answer
// in the crash retries it after the restart: it gets the original answer
// back, and the parcel is not received twice. The key's record is in the
// same journal record as the command's writes.
func TestJournalIdempotentRetryAfterAKill(t *testing.T) {
	db := openHeld(t)
	idem := &station.Idempotency{Principal: "token:a", Key: "k1", Fingerprint: "f1"}
	if _, err := db.Update(context.Background(), idem, receive(code(1))); err != nil {
		t.Fatal(err)
	}
	again, _ := openAt(t, killCopy(t, db))
	res, err := again.Update(context.Background(), idem, receive(code(1)))
	if err != nil {
		t.Fatal(err)
	}
	if rp, ok := res.(*station.Replayed); !ok || !rp.Created {
		t.Errorf("the retry after the kill answered %T %+v, want the replay of the created answer", res, res)
	}
	_, err = again.Update(context.Background(), &station.Idempotency{Principal: "token:a", Key: "k1", Fingerprint: "f2"}, receive(code(2)))
	if key, _ := station.ErrorKey(err); key != "idempotency_key_reused" {
		t.Errorf("the same key with another body after the kill: %v, want idempotency_key_reused", err)
	}
	wantParcels(t, again, []string{code(1)}, []string{code(2)})
	wantEventLog(t, again, 2)
}

// dumpDataFile reads every bucket of the closed data file at path.
func dumpDataFile(t *testing.T, path string) map[string]map[string]string {
	t.Helper()
	raw, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	out := map[string]map[string]string{}
	raw.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			m := map[string]string{"(sequence)": fmt.Sprint(b.Sequence())}
			out[string(name)] = m
			return b.ForEach(func(k, v []byte) error { m[string(k)] = string(v); return nil })
		})
	})
	return out
}

// Every write of every kind of command is in the journal: the data file a
// kill leaves, once its journal is applied, is the same, bucket by bucket
// and key by key, as the one the same station writes at a checkpoint. A
// write that bypassed the journal would be missing (or stale) in the first.
func TestJournalHoldsEveryWrite(t *testing.T) {
	db := openHeld(t)
	ctx := context.Background()
	if _, err := db.Update(ctx, nil, failAfterWrite(code(50))); !errors.Is(err, errAfterWrite) {
		t.Fatalf("failing command: %v", err)
	}
	c0 := db.Checkpoints() // an eviction checkpoints
	receiveRange(t, db, 0, 3)
	if _, err := db.Update(ctx, &station.Idempotency{Principal: "token:a", Key: "k", Fingerprint: "f"}, receive(code(3))); err != nil {
		t.Fatal(err)
	}
	rs := station.DefaultRules()
	rs.TimeZone = "Asia/Urumqi"
	if _, err := db.Update(ctx, nil, func(tx station.Tx) (any, error) {
		return station.ReplaceRules(tx, env(station.RoleSupervisor), rs)
	}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.CreateToken("central", "central"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.CreateToken("old", "central"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RevokeToken("old", "user:test"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddUser(station.User{Username: "li.wei", Role: station.RoleOperator}, "2468", "BADGE-1"); err != nil {
		t.Fatal(err)
	}
	badge := "BADGE-2"
	if _, err := db.UpdateUser("user:test", "li.wei", station.UserChange{Badge: &badge}); err != nil {
		t.Fatal(err) // deletes the old badge's index key
	}
	for _, name := range []string{"dock", "desk"} {
		if err := db.PutPrinter(ctx, "user:test", station.Printer{Name: name, Addr: "127.0.0.1:9100", DPI: 203, Size: station.LabelSizeLarge}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.DeletePrinter(ctx, "user:test", "desk"); err != nil {
		t.Fatal(err)
	}
	if n := db.Checkpoints() - c0; n != 0 {
		t.Fatalf("%d checkpoints with checkpoints held: the kill below would not test the journal", n)
	}
	killed := killCopy(t, db)
	wantClean(t, db) // checkpoints what was answered
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{killed, db.Path()} { // the same start for both
		d, _ := openAt(t, path)
		d.Close()
	}
	got, want := dumpDataFile(t, killed), dumpDataFile(t, db.Path())
	for name, wb := range want {
		gb := got[name]
		for k, v := range wb {
			if gb[k] != v {
				t.Errorf("bucket %s key %q: after the kill %q, at a checkpoint %q", name, k, gb[k], v)
			}
		}
		for k := range gb {
			if _, ok := wb[k]; !ok {
				t.Errorf("bucket %s key %q: after the kill only", name, k)
			}
		}
	}
	for name := range got {
		if want[name] == nil {
			t.Errorf("bucket %s: after the kill only", name)
		}
	}
}

// The record being written when the station was killed (never answered,
// as its fdatasync had not returned) is torn: cut short, or with a byte
// that did not reach the disk. Every record before it is applied, it is
// not, and the station starts.
func TestJournalTornLastRecordIsDropped(t *testing.T) {
	for _, tear := range []struct {
		name string
		do   func(raw []byte, last record) []byte
	}{
		{"payload half written, the rest still zeros", func(raw []byte, last record) []byte {
			clear(raw[(last.payload+last.end)/2 : last.end])
			return raw
		}},
		{"file cut inside the payload", func(raw []byte, last record) []byte { return raw[:(last.payload+last.end)/2] }},
		{"file cut inside the record head", func(raw []byte, last record) []byte { return raw[:last.off+10] }},
		{"a payload byte flipped", func(raw []byte, last record) []byte {
			raw[(last.payload+last.end)/2] ^= 0x40
			return raw
		}},
	} {
		t.Run(tear.name, func(t *testing.T) {
			db := openHeld(t)
			codes := receiveRange(t, db, 0, 5)
			path := killCopy(t, db)
			jp, raw, recs := killedJournal(t, path)
			if len(recs) != 5 {
				t.Fatalf("%d journal records for 5 receives, want 5", len(recs))
			}
			if err := os.WriteFile(jp, tear.do(raw, recs[4]), 0o600); err != nil {
				t.Fatal(err)
			}
			again, _ := openAt(t, path)
			wantParcels(t, again, codes[:4], codes[4:])
			wantEventLog(t, again, 8)
			wantClean(t, again)
			// The station goes on from there: the next receive continues the
			// log, and survives a restart.
			more := receiveRange(t, again, 100, 101)
			again.Close()
			third, _ := openAt(t, path)
			wantParcels(t, third, append(codes[:4:4], more...), codes[4:])
			wantEventLog(t, third, 10)
		})
	}
}

// A damaged record in the middle of the journal ends it: the journal is
// read in order and each record must follow the one before (lsn and CRC),
// so the records before the damaged one are applied, and it and every one
// after it are not, even when those are intact. Open succeeds. (Commands
// answered in the records after it are lost: a byte of a flushed record
// changing on disk is damage the journal does not try to repair.)
func TestJournalDamagedMiddleRecordEndsTheJournal(t *testing.T) {
	db := openHeld(t)
	codes := receiveRange(t, db, 0, 6)
	path := killCopy(t, db)
	jp, raw, recs := killedJournal(t, path)
	if len(recs) != 6 {
		t.Fatalf("%d journal records for 6 receives, want 6", len(recs))
	}
	raw[recs[2].payload+7] ^= 0x01
	if err := os.WriteFile(jp, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	again, log := openAt(t, path)
	if !strings.Contains(log.String(), "records=2") {
		t.Errorf("the start did not report applying 2 records; log:\n%s", log)
	}
	wantParcels(t, again, codes[:2], codes[2:])
	wantEventLog(t, again, 4)
	wantClean(t, again)
}

// Records from before the last checkpoint still lie in the journal after
// the current ones (it is written again from its start, over them). They
// are never applied again, even when one starts exactly where the current
// ones end: applied, they would set the event log's sequence back, and
// the next events would overwrite answered ones.
func TestJournalStaleRecordsBeyondTheCurrentOnesAreNotApplied(t *testing.T) {
	db := openHeld(t)
	codes := receiveRange(t, db, 0, 5)
	first, err := os.ReadFile(db.Path() + ".journal")
	if err != nil {
		t.Fatal(err)
	}
	old := journalRecords(t, first)
	wantParcels(t, db, codes, nil) // checkpoint: the journal starts over
	codes = append(codes, receiveRange(t, db, 5, 7)...)
	path := killCopy(t, db)
	jp, raw, cur := killedJournal(t, path)
	if len(old) != 5 || len(cur) != 2 || cur[0].lsn != 6 {
		t.Fatalf("setup: %d records before the checkpoint, %d after from lsn %d; want 5, then 2 from 6", len(old), len(cur), cur[0].lsn)
	}
	// The old records 3 to 5 as they would lie if records 6 and 7 had the
	// size of 1 and 2 (their sizes differ by a timestamp's digits or so).
	raw = append(raw[:cur[1].end:cur[1].end], first[old[2].off:old[4].end]...)
	if err := os.WriteFile(jp, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	again, log := openAt(t, path)
	if !strings.Contains(log.String(), "records=2") {
		t.Errorf("the start did not report applying 2 records; log:\n%s", log)
	}
	codes = append(codes, receiveRange(t, again, 7, 8)...)
	wantParcels(t, again, codes, nil)
	wantEventLog(t, again, 2*len(codes))
	wantClean(t, again)
}

// When the journal is full, the group that does not fit goes to the data
// file by a checkpoint before it is answered, and the journal is written
// again from its start: it never grows past its size, and a kill after it
// loses nothing.
func TestJournalFullGoesToTheDataFile(t *testing.T) {
	db := openHeld(t)
	st, err := os.Stat(db.Path() + ".journal")
	if err != nil {
		t.Fatal(err)
	}
	size := st.Size()
	// Concurrent receives, so groups share records; until the journal has
	// taken more than its size, which only checkpoints make room for.
	var answered []string
	for round := 0; db.JournalBytes() < uint64(size)+uint64(size)/4; round++ {
		if round == 40 {
			t.Fatalf("%d bytes journaled after %d receives; the journal holds %d", db.JournalBytes(), len(answered), size)
		}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for g := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range 4 {
					c := code(round*1000 + g*10 + j)
					if _, err := db.Update(context.Background(), nil, receive(c)); err != nil {
						t.Errorf("receive %s: %v", c, err)
						return
					}
					mu.Lock()
					answered = append(answered, c)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	t.Logf("%d receives, %d journal bytes, %d checkpoints", len(answered), db.JournalBytes(), db.Checkpoints())
	if db.Checkpoints() == 0 {
		t.Fatalf("%d receives (%d journal bytes) with checkpoints held and none happened: the journal never filled", len(answered), db.JournalBytes())
	}
	if st, err := os.Stat(db.Path() + ".journal"); err != nil || st.Size() != size {
		t.Errorf("the journal is %d bytes after it filled, was %d (%v): it must be written again from its start, not grow", st.Size(), size, err)
	}
	killed, _ := openAt(t, killCopy(t, db))
	// Thousands of parcels: one listing, not a look-up each.
	all, _, err := killed.ListParcels(station.ParcelFilter{}, "", 2*len(answered))
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, p := range all {
		listed[p.Tracking] = true
	}
	for _, c := range answered {
		if !listed[c] {
			t.Errorf("parcel %s, answered as received, is missing", c)
		}
	}
	if len(all) != len(answered) {
		t.Errorf("%d parcels listed, want %d", len(all), len(answered))
	}
	wantEventLog(t, killed, 2*len(answered))
	wantClean(t, killed)
}

// A journal copied beside another station's data file (an operator moving
// files by hand) is never applied to it, even when its record numbers
// follow on from that file's: it is kept aside for whoever investigates,
// and the station opens with its own data.
func TestJournalOfAnotherStationIsKeptAsideNotApplied(t *testing.T) {
	// Station B: two receives, closed cleanly.
	bPath := filepath.Join(t.TempDir(), "station.db")
	b, _ := openAt(t, bPath)
	bCodes := receiveRange(t, b, 100, 102)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	// Station A: two receives checkpointed, three more only in its journal,
	// so its journal's first record is numbered as B's next one.
	a := openHeld(t)
	aCodes := receiveRange(t, a, 0, 2)
	wantParcels(t, a, aCodes, nil)
	aCodes = append(aCodes, receiveRange(t, a, 2, 5)...)
	aJournal, err := os.ReadFile(a.Path() + ".journal")
	if err != nil {
		t.Fatal(err)
	}
	recs := journalRecords(t, aJournal)
	if len(recs) != 3 || recs[0].lsn != metaLSN(t, bPath)+1 {
		t.Fatalf("setup: A's journal has %d records from lsn %d; want 3 following B's journal_lsn %d", len(recs), recs[0].lsn, metaLSN(t, bPath))
	}
	if err := os.WriteFile(bPath+".journal", aJournal, 0o600); err != nil {
		t.Fatal(err)
	}

	again, log := openAt(t, bPath)
	wantParcels(t, again, bCodes, aCodes)
	wantEventLog(t, again, 4)
	wantClean(t, again)
	aside, _ := filepath.Glob(bPath + ".journal.unused-*")
	if len(aside) != 1 {
		t.Fatalf("journals kept aside: %v, want A's", aside)
	}
	if kept, _ := os.ReadFile(aside[0]); !bytes.Equal(kept, aJournal) {
		t.Error("the journal kept aside is not A's journal as it was")
	}
	if !strings.Contains(log.String(), "kept_as="+aside[0]) {
		t.Errorf("the log does not say where the journal was kept; log:\n%s", log)
	}
	// B writes a journal of its own and keeps working.
	more := receiveRange(t, again, 200, 201)
	wantParcels(t, again, append(bCodes, more...), aCodes)
}

// A restore over a killed station: the restored station has exactly the
// backup's parcels (none answered after it: no fork), and the replaced
// data file keeps its journal beside it, so opening it shows what the
// killed station had answered.
func TestJournalRestoreOverAKilledStation(t *testing.T) {
	db := openHeld(t)
	before := receiveRange(t, db, 0, 3)
	backup := filepath.Join(t.TempDir(), "backup.tar")
	if _, err := db.BackupTo(backup); err != nil {
		t.Fatal(err)
	}
	after := receiveRange(t, db, 3, 6)
	path := killCopy(t, db)
	db.Close()

	res, err := bolt.Restore(path, backup, time.Now(), "st-t")
	if err != nil {
		t.Fatal(err)
	}
	if res.KeptDB == "" {
		t.Fatal("the restore kept no copy of the replaced data file")
	}
	if _, err := os.Stat(res.KeptDB + ".journal"); err != nil {
		t.Fatalf("the replaced data file's journal is not beside it: %v", err)
	}
	restored, _ := openAt(t, path)
	wantParcels(t, restored, before, after)
	wantEventLog(t, restored, 2*len(before))
	wantClean(t, restored)
	if aside, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*.unused-*")); len(aside) != 0 {
		t.Errorf("journals set aside as unused: %v; the replaced one should have moved with its data file", aside)
	}
	restored.Close()

	kept, log := openAt(t, res.KeptDB)
	if !strings.Contains(log.String(), replayedMsg) {
		t.Errorf("opening the kept data file applied no journal; log:\n%s", log)
	}
	wantParcels(t, kept, append(before, after...), nil)
	wantEventLog(t, kept, 2*(len(before)+len(after)))
	wantClean(t, kept)
}

// When the journal cannot be written, commands still succeed by going to
// the data file before their answer: nothing is answered that a kill or a
// restart would lose.
func TestJournalWriteFailureSavesToTheDataFile(t *testing.T) {
	for _, fail := range []struct {
		name string
		do   func(*bolt.DB)
	}{
		{"journal file unwritable", (*bolt.DB).BreakJournal},
		{"journal flush fails after the write", (*bolt.DB).FailJournalFlush},
	} {
		t.Run(fail.name, func(t *testing.T) {
			db := openHeld(t)
			codes := receiveRange(t, db, 0, 2)
			fail.do(db)
			codes = append(codes, receiveRange(t, db, 2, 5)...)
			if n := db.Checkpoints(); n < 3 {
				t.Errorf("%d checkpoints after 3 receives with a failing journal, want one each", n)
			}
			killed, _ := openAt(t, killCopy(t, db))
			wantParcels(t, killed, codes, nil)
			wantEventLog(t, killed, 2*len(codes))
			wantClean(t, killed)

			db.Close() // a closed journal file makes Close say so: not the point here
			again, _ := openAt(t, db.Path())
			wantParcels(t, again, codes, nil)
			wantEventLog(t, again, 2*len(codes))
			wantClean(t, again)
		})
	}
}

// listWithin lists a parcel and returns the read's error, failing the
// test if the read takes longer than d: a reader must never wait for a
// checkpoint that keeps failing.
func listWithin(t *testing.T, db *bolt.DB, d time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { _, _, err := db.ListParcels(station.ParcelFilter{}, "", 1); done <- err }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("a read still waits %v later", d)
		return nil
	}
}

// A journal write whose flush fails, followed by a checkpoint that fails
// too (a failing disk): the group is answered "nothing was saved", so a
// start after a kill must not apply it either, though its record reached
// the file (the page cache survives a kill). The groups answered before it
// are applied.
func TestJournalFailedFlushAndCheckpointLeaveNothingOfTheGroup(t *testing.T) {
	db := openHeld(t)
	answered := receiveRange(t, db, 0, 40)
	bolt.CapDataFile(db, 1) // the next checkpoint fails: see TestJournalCheckpointFailureKeepsAnsweredCommands
	db.FailJournalFlush()
	_, err := db.Update(context.Background(), nil, receive(code(99)))
	if station.ErrorCode(err) != station.EUnavailable {
		t.Fatalf("a receive whose journal flush and checkpoint both fail: %v, want unavailable", err)
	}
	killed, _ := openAt(t, killCopy(t, db))
	wantParcels(t, killed, answered, []string{code(99)})
	wantEventLog(t, killed, 2*len(answered))
	wantClean(t, killed)
}

// When a checkpoint fails (the data file cannot grow), what was answered
// stays answered: reads fail with a clear error instead of showing data
// without those commands, new commands are refused, Close does not hang,
// and the next start applies the journal.
func TestJournalCheckpointFailureKeepsAnsweredCommands(t *testing.T) {
	path := filepath.Join(t.TempDir(), "station.db")
	db, _ := openAt(t, path)
	db.HoldCheckpoints()
	// bbolt keeps 16 MiB of room past the pages it uses, so capping the file
	// at its size would take thousands of receives to bite; a cap of one
	// byte refuses the first page past those in use, as a full disk would.
	bolt.CapDataFile(db, 1)
	var answered []string
	var readErr error
	for i := 0; readErr == nil; i += 20 {
		if i >= 2000 {
			t.Fatalf("%d receives and the data file never needed a new page", i)
		}
		answered = append(answered, receiveRange(t, db, i, i+20)...)
		readErr = listWithin(t, db, 10*time.Second)
	}
	t.Logf("the checkpoint failed after %d answered receives: %v", len(answered), readErr)
	key, _ := station.ErrorKey(readErr)
	if station.ErrorCode(readErr) != station.EUnavailable || (key != "data_full" && key != "disk_error") {
		t.Fatalf("a read after the failed checkpoint: %v (code %s, key %s), want unavailable data_full or disk_error",
			readErr, station.ErrorCode(readErr), key)
	}
	if err := db.Unwritable(); err == nil {
		t.Error("Unwritable (what /readyz shows) reports nothing after the failed checkpoint")
	}
	if err := db.View(func(tx station.Tx) error { _, err := tx.ParcelByKey(answered[0]); return err }); station.ErrorCode(err) != station.EUnavailable {
		t.Errorf("ParcelByKey after the failed checkpoint: %v, want unavailable", err)
	}
	if _, err := db.Update(context.Background(), nil, receive(code(99999))); station.ErrorCode(err) != station.EUnavailable {
		t.Errorf("a new command after the failed checkpoint: %v, want refused as unavailable", err)
	}
	closed := make(chan struct{})
	go func() { db.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close hangs after a failed checkpoint")
	}

	again, log := openAt(t, path)
	if !strings.Contains(log.String(), replayedMsg) {
		t.Errorf("the next start applied no journal; log:\n%s", log)
	}
	wantParcels(t, again, answered, []string{code(99999)})
	wantEventLog(t, again, 2*len(answered))
	wantClean(t, again)
}

// Once the data file can take the checkpoint again (room made on the
// disk), the station resumes without a restart: what was answered before
// the failure is read back, and new commands are taken.
func TestJournalStationResumesAfterAFailedCheckpoint(t *testing.T) {
	db := openHeld(t)
	bolt.CapDataFile(db, 1) // see TestJournalCheckpointFailureKeepsAnsweredCommands
	var answered []string
	var readErr error
	for i := 0; readErr == nil; i += 20 {
		if i >= 2000 {
			t.Fatalf("%d receives and the data file never needed a new page", i)
		}
		answered = append(answered, receiveRange(t, db, i, i+20)...)
		readErr = listWithin(t, db, 10*time.Second)
	}
	if _, err := db.Update(context.Background(), nil, receive(code(99999))); station.ErrorCode(err) != station.EUnavailable {
		t.Fatalf("a new command after the failed checkpoint: %v, want refused as unavailable", err)
	}
	bolt.SetDataFileCap(db, 0)
	wantParcels(t, db, answered, []string{code(99999)})
	if err := db.Unwritable(); err != nil {
		t.Errorf("Unwritable after a checkpoint succeeded again: %v", err)
	}
	more := receiveRange(t, db, 5000, 5001)
	answered = append(answered, more...)
	wantParcels(t, db, answered, nil)
	wantEventLog(t, db, 2*len(answered))
	wantClean(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	again, _ := openAt(t, db.Path())
	wantParcels(t, again, answered, nil)
	wantEventLog(t, again, 2*len(answered))
}

// Each reader sees its own write at once, with checkpoints at their
// default: a read waits for the checkpoint of what was answered.
func TestJournalReadAfterWriteUnderConcurrency(t *testing.T) {
	db := openDB(t)
	var wg sync.WaitGroup
	errs := make(chan error, 2*16*20)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 20 {
				c := code(g*100 + j)
				if _, err := db.Update(context.Background(), nil, receive(c)); err != nil {
					errs <- err
					return
				}
				var p *station.Parcel
				if err := db.View(func(tx station.Tx) (err error) { p, err = tx.ParcelByKey(c); return }); err != nil || p == nil {
					errs <- fmt.Errorf("ParcelByKey(%s) right after its receive: %v, %v", c, p, err)
				}
				if ps, _, err := db.ListParcels(station.ParcelFilter{Tracking: c}, "", 10); err != nil || len(ps) != 1 {
					errs <- fmt.Errorf("ListParcels(%s) right after its receive: %d parcels, %v", c, len(ps), err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	wantEventLog(t, db, 2*16*20)
}

// A command failing after its write rolls the open transaction back, and
// with it the groups answered since the last checkpoint: they are applied
// again, so they survive, and nothing of the failed command is kept, in
// memory or on disk.
func TestJournalEvictionKeepsAnsweredGroups(t *testing.T) {
	db := openHeld(t)
	answered := receiveRange(t, db, 0, 3)
	e0 := db.Evictions()
	release, started := make(chan struct{}), make(chan struct{})
	gate := make(chan error, 1)
	go func() {
		_, err := db.Update(context.Background(), nil, func(station.Tx) (any, error) {
			close(started)
			<-release
			return nil, nil
		})
		gate <- err
	}()
	<-started // the committer runs the gate; the group below queues behind it
	var wg sync.WaitGroup
	fns := []func(station.Tx) (any, error){receive(code(10)), failAfterWrite(code(11)), receive(code(12))}
	errs := make([]error, len(fns))
	for i, fn := range fns {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = db.Update(context.Background(), nil, fn) }()
	}
	waitQueued(t, db, len(fns))
	close(release)
	wg.Wait()
	if err := <-gate; err != nil {
		t.Fatal(err)
	}
	if errs[0] != nil || !errors.Is(errs[1], errAfterWrite) || errs[2] != nil {
		t.Fatalf("answers %v, want success, the command's own failure, success", errs)
	}
	if db.Evictions() != e0+1 {
		t.Fatalf("%d evictions, want 1: the failing command did not share the group", db.Evictions()-e0)
	}
	all := append(answered, code(10), code(12))

	killed, _ := openAt(t, killCopy(t, db))
	wantParcels(t, killed, all, []string{code(11)})
	wantEventLog(t, killed, 2*len(all))
	wantClean(t, killed)

	wantParcels(t, db, all, []string{code(11)})
	wantEventLog(t, db, 2*len(all))
	wantClean(t, db)
}

// FuzzJournalReplay feeds arbitrary bytes to the journal's reader and
// decoder, on a real station data file: as the records after a valid
// header for the file, as the payload of one well-formed record (valid
// lsn and CRC, so the decoder sees it), and as a payload applied directly.
// Nothing may panic; each either applies or returns an error, and what it
// leaves passes bbolt's check.
func FuzzJournalReplay(f *testing.F) {
	dir := f.TempDir()
	tmpl := filepath.Join(dir, "station.db")
	db, err := bolt.Open(tmpl, bolt.Options{StationID: "st-t"})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := db.Update(context.Background(), nil, receive(code(1))); err != nil {
		f.Fatal(err)
	}
	db.Close()
	// Compacted: bbolt keeps 16 MiB of room in the station's file, which
	// would be copied for every input.
	small := filepath.Join(dir, "small.db")
	src, err := bbolt.Open(tmpl, 0o600, &bbolt.Options{ReadOnly: true})
	if err != nil {
		f.Fatal(err)
	}
	dst, err := bbolt.Open(small, 0o600, nil)
	if err != nil {
		f.Fatal(err)
	}
	if err := bbolt.Compact(dst, src, 0); err != nil {
		f.Fatal(err)
	}
	src.Close()
	dst.Close()
	base, err := os.ReadFile(small)
	if err != nil {
		f.Fatal(err)
	}
	var id []byte
	lsn := func() uint64 {
		raw, err := bbolt.Open(small, 0o600, &bbolt.Options{ReadOnly: true})
		if err != nil {
			f.Fatal(err)
		}
		defer raw.Close()
		var n uint64
		raw.View(func(tx *bbolt.Tx) error {
			meta := tx.Bucket([]byte("meta"))
			id = append(id, meta.Get([]byte("journal_id"))...)
			n = binary.BigEndian.Uint64(meta.Get([]byte("journal_lsn")))
			return nil
		})
		return n
	}()
	f.Add(bolt.AppendJournalRecord(nil, lsn+1, []byte("\x01\x04meta\x04fuzz\x011")))

	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "station.db")
		for i, journal := range [][]byte{
			append(bolt.JournalHead(id), data...),
			bolt.AppendJournalRecord(bolt.JournalHead(id), lsn+1, data),
		} {
			if err := os.WriteFile(path, base, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path+".journal", journal, 0o600); err != nil {
				t.Fatal(err)
			}
			n, err, checkErr := bolt.ReplayJournal(path)
			if checkErr != nil {
				t.Fatalf("the data file after the journal was applied (%d records, %v): %v", n, err, checkErr)
			}
			if i == 1 && err == nil && n != 1 {
				t.Fatalf("a well-formed record decoded without error, yet %d records applied", n)
			}
		}
		if err := os.WriteFile(path, base, 0o600); err != nil {
			t.Fatal(err)
		}
		_ = bolt.ApplyJournalPayload(path, data)
	})
}

// A station killed while it first filled its journal with zeros (before
// the header was written) starts again without a word about a journal of
// another file, and keeps no copy of the empty one aside.
func TestJournalKilledWhileCreatedIsNotForeign(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "station.db")
	db, _ := openAt(t, path)
	codes := receiveRange(t, db, 0, 3)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// What the kill left: the zeros written, the header not yet.
	if err := os.WriteFile(path+".journal", make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	again, logs := openAt(t, path)
	wantParcels(t, again, codes, nil)
	if strings.Contains(logs.String(), "does not belong") {
		t.Errorf("an unfinished journal of this station was taken for another file's:\n%s", logs)
	}
	if aside, _ := filepath.Glob(path + ".journal.unused-*"); len(aside) > 0 {
		t.Errorf("an empty journal was kept aside as %v", aside)
	}
	more := receiveRange(t, again, 3, 4)
	wantParcels(t, again, append(codes, more...), nil)
}
