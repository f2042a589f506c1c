package bolt

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"math/bits"
	"os"
	"path/filepath"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The journal is what makes a command durable. bbolt's own commit writes
// every page the transaction touched, fsyncs, writes a meta page and
// fsyncs again; a receive touches eight buckets, so that is some 23 pages
// and two flushes per group of commands. Instead, a group's writes (each
// put and delete as bucket, key and value) are appended to the journal, a
// file of its own beside the data file, with one write and one fdatasync;
// then the commands are answered. Their bbolt transaction stays open and
// the next groups run in it; it is committed to the data file (a
// checkpoint) every checkpointEvery, when a reader needs what was
// answered, or when the journal fills. After a checkpoint the journal is
// written again from its start.
//
// A kill or a power cut between checkpoints loses the open transaction
// but not the journal: Open applies the journal's records newer than the
// last checkpoint (the data file keeps the number of the last record it
// holds, journal_lsn) before anything else reads the file.
//
// The file is written in place: it is filled with zeros when created, so
// an append changes no file size or block map and fdatasync flushes the
// record alone.
//
// Layout: a 4096-byte header (magic, the id of the data file it belongs
// to, a CRC), then records, each
//
//	length u32 | lsn u64 | crc32c(lsn, payload) u32 | payload
//
// whose payload is a list of operations:
//
//	1 put:    bucket (u8 length, name), key (uvarint length, bytes), value (uvarint length, bytes)
//	2 delete: bucket, key
//	3 seq:    bucket, sequence u64
//
// Records are applied in lsn order from journal_lsn+1; the first record
// that is torn, damaged or out of sequence ends the journal (older records
// from before the last checkpoint lie beyond it).
const (
	journalMagic  = "RSJOURN1"
	journalHeader = 4096
	// journalSize holds far more than a checkpoint interval of work (at
	// 20,000 receives/s, 25 ms is some 1.5 MB); a group that does not fit
	// goes to the data file by a checkpoint instead.
	journalSize = 8 << 20
	recordHead  = 16
)

// checkpointEvery bounds how long answered commands wait in the open
// transaction for the data file. Longer saves little: at 64 clients 20, 25,
// 50 and 100 ms gave 21,100, 21,300, 22,400 and 21,500 receives/s, and a
// checkpoint holds every command while it writes, so p99 grew from 8 to 19 ms.
const checkpointEvery = 25 * time.Millisecond

const (
	opPut byte = iota + 1
	opDelete
	opSeq
)

var (
	kJournalID  = []byte("journal_id")
	kJournalLSN = []byte("journal_lsn")
	castagnoli  = crc32.MakeTable(crc32.Castagnoli)
)

// journalPath is where the journal of the data file at path lives.
func journalPath(path string) string { return path + ".journal" }

// batch collects one group's writes as a journal record: buf holds the
// record's head (filled in by record) and then its payload, so the record
// is written as collected, without a copy.
type batch struct {
	lsn     uint64 // its journal record
	buf     []byte
	buckets uint64 // the buckets written, by bucketBit
	// cursors are the group's cursors for Get, one per bucket (by
	// bucketBit's bit), reused within the group's transaction: a bbolt
	// Get allocates a cursor and grows its stack every time.
	cursors [64]*bolt.Cursor
}

// newBatch returns an empty batch over buf, which it reuses.
func newBatch(buf []byte) *batch {
	return &batch{buf: append(buf[:0], make([]byte, recordHead)...)}
}

// ops is the batch's payload: its writes, in order.
func (b *batch) ops() []byte { return b.buf[recordHead:] }

// record numbers the batch lsn and returns it as a journal record.
func (b *batch) record(lsn uint64) []byte {
	b.lsn = lsn
	sealRecord(b.buf, lsn)
	return b.buf
}

// bucketBit numbers the station's buckets for batch.buckets.
var bucketBit = func() map[string]uint64 {
	m := map[string]uint64{}
	for i, b := range allBuckets {
		m[string(b)] = 1 << i
	}
	return m
}()

func (b *batch) bucket(op byte, name []byte, bit uint64) {
	b.buckets |= bit
	b.buf = append(b.buf, op, byte(len(name)))
	b.buf = append(b.buf, name...)
}

func (b *batch) bytes(v []byte) {
	b.buf = binary.AppendUvarint(b.buf, uint64(len(v)))
	b.buf = append(b.buf, v...)
}

func (b *batch) put(name []byte, bit uint64, k, v []byte) {
	b.bucket(opPut, name, bit)
	b.bytes(k)
	b.bytes(v)
}

func (b *batch) del(name []byte, bit uint64, k []byte) {
	b.bucket(opDelete, name, bit)
	b.bytes(k)
}

func (b *batch) seq(name []byte, bit uint64, v uint64) {
	b.bucket(opSeq, name, bit)
	b.buf = binary.BigEndian.AppendUint64(b.buf, v)
}

// bucket is a bucket of a transaction. In the committer's transaction each
// of its writes is also added to the group's batch for the journal; a
// write that bypassed it would be lost by a crash before the checkpoint.
type bucket struct {
	*bolt.Bucket
	name  []byte
	bit   uint64 // bucketBit[name]
	batch *batch // nil: not journaled (read transactions, Open)
}

// Get is bolt.Bucket.Get; in the committer's transaction it reuses the
// group's cursor on the bucket.
func (b bucket) Get(k []byte) []byte {
	if b.batch == nil || b.bit == 0 {
		return b.Bucket.Get(k)
	}
	c := &b.batch.cursors[bits.TrailingZeros64(b.bit)]
	if *c == nil || (*c).Bucket() != b.Bucket {
		*c = b.Bucket.Cursor()
	}
	// Seek returns a nil value for a nested bucket, as Get does.
	if key, v := (*c).Seek(k); bytes.Equal(key, k) {
		return v
	}
	return nil
}

func (b bucket) Put(k, v []byte) error {
	if err := b.Bucket.Put(k, v); err != nil {
		return err
	}
	if b.batch != nil {
		b.batch.put(b.name, b.bit, k, v)
	}
	return nil
}

func (b bucket) Delete(k []byte) error {
	if err := b.Bucket.Delete(k); err != nil {
		return err
	}
	if b.batch != nil {
		b.batch.del(b.name, b.bit, k)
	}
	return nil
}

func (b bucket) NextSequence() (uint64, error) {
	v, err := b.Bucket.NextSequence()
	if err == nil && b.batch != nil {
		b.batch.seq(b.name, b.bit, v)
	}
	return v, err
}

func (b bucket) SetSequence(v uint64) error {
	if err := b.Bucket.SetSequence(v); err != nil {
		return err
	}
	if b.batch != nil {
		b.batch.seq(b.name, b.bit, v)
	}
	return nil
}

// journaled is the bucket name of tx whose writes also go to batch (nil:
// not journaled).
func journaled(tx *bolt.Tx, name []byte, batch *batch) bucket {
	return bucket{Bucket: tx.Bucket(name), name: name, bit: bucketBit[string(name)], batch: batch}
}

// rawBucket is a bucket of tx whose writes are not journaled: for Open's
// own transactions, which bbolt commits durably before the committer runs.
func rawBucket(tx *bolt.Tx, name []byte) bucket { return journaled(tx, name, nil) }

var errJournalDamaged = errors.New("damaged journal record")

// applyOps applies one record's payload to tx. A payload that does not
// decode is an error and may have been applied in part: the caller rolls
// the transaction back.
func applyOps(tx *bolt.Tx, p []byte) error {
	for len(p) > 0 {
		op := p[0]
		if len(p) < 2 || int(p[1]) > len(p)-2 {
			return errJournalDamaged
		}
		name := p[2 : 2+int(p[1])]
		p = p[2+int(p[1]):]
		b := tx.Bucket(name)
		if b == nil {
			return fmt.Errorf("%w: no bucket %q", errJournalDamaged, name)
		}
		if bucketBit[string(name)]&appendMostly != 0 {
			b.FillPercent = 0.9
		}
		switch op {
		case opPut, opDelete:
			k, rest, ok := cut(p)
			if !ok || len(k) == 0 {
				return errJournalDamaged
			}
			p = rest
			if op == opDelete {
				if err := b.Delete(k); err != nil {
					return err
				}
				continue
			}
			v, rest, ok := cut(p)
			if !ok {
				return errJournalDamaged
			}
			p = rest
			if err := b.Put(k, v); err != nil {
				return err
			}
		case opSeq:
			if len(p) < 8 {
				return errJournalDamaged
			}
			if err := b.SetSequence(binary.BigEndian.Uint64(p)); err != nil {
				return err
			}
			p = p[8:]
		default:
			return fmt.Errorf("%w: operation %d", errJournalDamaged, op)
		}
	}
	return nil
}

// cut splits a uvarint-length-prefixed byte string off p.
func cut(p []byte) (v, rest []byte, ok bool) {
	n, w := binary.Uvarint(p)
	if w <= 0 || n > uint64(len(p)-w) {
		return nil, nil, false
	}
	return p[w : w+int(n)], p[w+int(n):], true
}

// journal is the open journal file. The committer reserves each record's
// place (off); the journal writer writes and flushes the records.
type journal struct {
	f    *os.File
	size int64 // bytes written to the file (zeros or records)
	off  int64 // where the next record goes (the committer's)
	buf  []byte
	sync func(*os.File) error // fdatasync (a test's failing disk otherwise)
}

func journalHead(id []byte) []byte {
	h := make([]byte, journalHeader)
	copy(h, journalMagic)
	copy(h[8:], id)
	binary.BigEndian.PutUint32(h[8+len(id):], crc32.Checksum(h[:8+len(id)], castagnoli))
	return h
}

// openJournal makes the journal at path ready for records of the data file
// whose journal id is id: filled with zeros to its size, its header
// written, all of it flushed to disk with the directory entry.
func openJournal(path string, id []byte) (*journal, error) {
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the journal: %w", err)
	}
	j := &journal{f: f, off: journalHeader, sync: fdatasync}
	st, err := f.Stat()
	if err == nil {
		j.size = st.Size()
		err = j.grow(journalSize)
	}
	if err == nil {
		_, err = f.WriteAt(journalHead(id), 0)
	}
	if err == nil {
		err = f.Sync()
	}
	if err == nil && os.IsNotExist(statErr) {
		err = syncDir(filepath.Dir(path))
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("prepare the journal %s: %w", path, err)
	}
	return j, nil
}

// grow fills the file with zeros up to size bytes (rounded up to 1 MiB).
func (j *journal) grow(size int64) error {
	size = (size + 1<<20 - 1) &^ (1<<20 - 1)
	if j.size >= size {
		return nil
	}
	zero := make([]byte, 1<<20)
	for off := j.size &^ (1<<20 - 1); off < size; off += int64(len(zero)) {
		if _, err := j.f.WriteAt(zero, off); err != nil {
			return err
		}
	}
	j.size = size
	return j.f.Sync() // the new size is metadata: a full fsync, once
}

// reserve returns where a record of a payload of n bytes goes, and false
// when it does not fit before the end of the file.
func (j *journal) reserve(n int) (int64, bool) {
	off := j.off
	if off+recordHead+int64(n) > j.size {
		return 0, false
	}
	j.off += recordHead + int64(n)
	return off, true
}

// rewind makes the next record go to the start: everything before is in
// the data file now.
func (j *journal) rewind() { j.off = journalHeader }

// sealRecord fills in the head of rec, a record whose payload follows its
// head, as the record numbered lsn.
func sealRecord(rec []byte, lsn uint64) {
	binary.BigEndian.PutUint32(rec[0:], uint32(len(rec)-recordHead))
	binary.BigEndian.PutUint64(rec[4:], lsn)
	binary.BigEndian.PutUint32(rec[12:], recordCRC(rec[:recordHead], rec[recordHead:]))
}

// recordCRC is the checksum a record's head (length, lsn, crc) carries:
// crc32c over its lsn and payload.
func recordCRC(head, payload []byte) uint32 {
	return crc32.Update(crc32.Checksum(head[4:12], castagnoli), castagnoli, payload)
}

// write writes consecutive records starting at off and flushes them to disk.
func (j *journal) write(off int64, recs []byte) error {
	if _, err := j.f.WriteAt(recs, off); err != nil {
		return err
	}
	return j.sync(j.f)
}

func (j *journal) close() error { return j.f.Close() }

// readJournal calls fn with every record of the journal at path that
// follows lsn after in sequence, in order, if the journal belongs to the
// data file whose journal id is id. A missing journal has no records. It
// returns whether the journal's header named another file (or was
// damaged), in which case no record was read.
func readJournal(path string, id []byte, after uint64, fn func(lsn uint64, payload []byte) error) (foreign bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, 8+len(id)+4)
	if _, err := io.ReadFull(f, head); err != nil {
		return true, nil
	}
	if !slices.ContainsFunc(head, func(c byte) bool { return c != 0 }) {
		return false, nil // killed while it was first filled with zeros: no record yet
	}
	if !bytes.Equal(head, journalHead(id)[:len(head)]) {
		return true, nil
	}
	if _, err := f.Seek(journalHeader, io.SeekStart); err != nil {
		return false, err
	}
	r := bufio.NewReaderSize(f, 1<<20)
	hdr := make([]byte, recordHead)
	for want := after + 1; ; want++ {
		if _, err := io.ReadFull(r, hdr); err != nil {
			return false, nil // the end of the file ends the journal
		}
		n := binary.BigEndian.Uint32(hdr)
		if binary.BigEndian.Uint64(hdr[4:]) != want || n > 1<<30 {
			return false, nil
		}
		// A new buffer each time: bbolt keeps the values it is given until
		// the transaction ends.
		payload := make([]byte, n)
		if _, err := io.ReadFull(r, payload); err != nil {
			return false, nil
		}
		if recordCRC(hdr, payload) != binary.BigEndian.Uint32(hdr[12:]) {
			return false, nil // torn by the crash: never answered
		}
		if err := fn(want, payload); err != nil {
			return false, err
		}
	}
}

// replayJournal applies to the data file the journal's records that it
// does not hold yet (those answered after its last checkpoint), in one
// durable bbolt commit, and returns how many there were. A journal that
// belongs to another file (a restored backup) is moved aside, never
// applied.
func replayJournal(bdb *bolt.DB, path string, log *slog.Logger, now time.Time) (int, error) {
	var id []byte
	var last uint64
	if err := bdb.View(func(tx *bolt.Tx) error {
		if meta := tx.Bucket(bMeta); meta != nil {
			id = append(id, meta.Get(kJournalID)...)
			if v := meta.Get(kJournalLSN); len(v) == 8 {
				last = binary.BigEndian.Uint64(v)
			}
		}
		return nil
	}); err != nil {
		return 0, err
	}
	jp := journalPath(path)
	if len(id) == 0 {
		// A file that never had a journal, or a restored backup (its id is
		// removed when it is staged): whatever journal lies beside it
		// belongs to the data it replaced.
		return 0, setJournalAside(jp, log, now, "the data file has no journal id")
	}
	var applied int
	var foreign bool
	err := bdb.Update(func(tx *bolt.Tx) error {
		var err error
		foreign, err = readJournal(jp, id, last, func(lsn uint64, payload []byte) error {
			if err := applyOps(tx, payload); err != nil {
				return fmt.Errorf("journal record %d: %w", lsn, err)
			}
			applied++
			last = lsn
			return nil
		})
		if err != nil || applied == 0 {
			return err
		}
		return tx.Bucket(bMeta).Put(kJournalLSN, u64(last))
	})
	if err != nil {
		return 0, fmt.Errorf("apply the journal %s to the data file: %w", jp, err)
	}
	if foreign {
		return 0, setJournalAside(jp, log, now, "the journal belongs to another data file")
	}
	if applied > 0 {
		log.Warn("the station stopped without a checkpoint: commands it had answered were applied from the journal",
			"component", "store", "records", applied, "journal_lsn", last)
	}
	return applied, nil
}

// setJournalAside renames a journal that must not be applied, keeping it
// for whoever investigates, unless it is empty of records.
func setJournalAside(jp string, log *slog.Logger, now time.Time, why string) error {
	st, err := os.Stat(jp)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if st.Size() <= journalHeader {
		return os.Remove(jp)
	}
	aside := fmt.Sprintf("%s.unused-%s", jp, now.UTC().Format("20060102T150405Z"))
	log.Warn("a journal was found that does not belong to this data file; it was not applied and is kept aside",
		"component", "store", "why", why, "kept_as", aside)
	return os.Rename(jp, aside)
}
