package bolt

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"returns-station/station"
)

// SchemaVersion is the version of the stored encoding this code writes.
// Open migrates older files forward, one step at a time.
const SchemaVersion = 3

// Bucket names.
var (
	bMeta        = []byte("meta")
	bRMAs        = []byte("rmas")
	bRMATracking = []byte("idx_rma_tracking")
	bRMAOrder    = []byte("idx_rma_order")
	bParcels     = []byte("parcels")
	bParcelKey   = []byte("idx_parcel_key")
	bParcelRMA   = []byte("idx_parcel_rma")
	bUnits       = []byte("units")
	bUnitParcel  = []byte("idx_unit_parcel")
	bUnitSerial  = []byte("idx_unit_serial")
	bExceptions  = []byte("exceptions")
	bExcParcel   = []byte("idx_exc_parcel")
	bExcOpen     = []byte("idx_exc_open")
	bShipments   = []byte("shipments")
	bEvents      = []byte("events")
	bIdem        = []byte("idempotency")
	bTokens      = []byte("tokens")
	bSync        = []byte("sync")
	bPrinters    = []byte("printers")
	bPrintJobs   = []byte("print_jobs")
	bUsers       = []byte("users")
	bBadges      = []byte("idx_user_badge")
	bSessions    = []byte("sessions")
	bTrackSeen   = []byte("tracking_seen")
	bParked      = []byte("parked_events")
	bJobQueue    = []byte("idx_job_queue")
	bTotes       = []byte("totes")
	bUnitLoc     = []byte("idx_unit_location")
	bParcelOpen  = []byte("idx_parcel_open")
	bRMAPhone    = []byte("idx_rma_phone")
	bStats       = []byte("stats") // running aggregates: key → 8-byte big-endian int64
	allBuckets   = [][]byte{bMeta, bRMAs, bRMATracking, bRMAOrder, bParcels, bParcelKey, bParcelRMA, bUnits, bUnitParcel,
		bUnitSerial, bExceptions, bExcParcel, bExcOpen, bShipments, bEvents, bIdem, bTokens, bSync, bPrinters, bPrintJobs,
		bUsers, bBadges, bSessions, bTrackSeen, bParked, bJobQueue, bTotes, bUnitLoc, bParcelOpen, bRMAPhone, bStats}
)

// ErrLocked is returned by Open when another process holds the data file.
var ErrLocked = errors.New("the data file is in use by another station process")

// Options tune Open.
type Options struct {
	// LockTimeout bounds the wait for the file lock. A serving station holds
	// it; a CLI command must fail fast instead of hanging.
	LockTimeout time.Duration
	// StationID is the id the settings ask for. A new file takes it (empty
	// generates one); a generated id gives way to it while no event has
	// left the station; otherwise a different id is ErrStationID.
	StationID string
	Logger    *slog.Logger
	// Now and NewID are the station's one clock and id source
	// (station.Clock), shared with the web server and the workers. Nil:
	// the wall clock, and an IDSource of the store's own over Now.
	Now   func() time.Time
	NewID func() string
	// MaxSize caps the data file in bytes (0: no cap), so a runaway backlog
	// fills the cap rather than the disk the operating system needs.
	MaxSize int
	// ResumeFromFeed says that central has no push link to this station
	// (no central URL): after a restore, the feed is then the only way to
	// learn central's position, from the cursor it held before the
	// restore (FeedReaderHolds).
	ResumeFromFeed bool
	// NoTallies keeps no running aggregates: commands skip every tally and
	// the counters are neither kept nor rebuilt at open. Only for a
	// benchmark's baseline (what receiving costs without them) on a scratch
	// file: the dashboard's figures of such a file miss what it recorded.
	NoTallies bool
}

// DB is the station's storage. It is safe for concurrent use.
type DB struct {
	bolt      *bolt.DB
	path      string
	stationID string
	epoch     string
	cursorKey []byte
	log       *slog.Logger
	now       func() time.Time

	reqs     chan *request
	stop     chan struct{}
	closing  sync.RWMutex // held for reading while a command is queued; Close takes it to refuse new ones
	closed   bool
	closeMu  sync.Mutex // makes Close idempotent
	bolted   bool       // the bbolt file is closed
	closeErr error
	wg       sync.WaitGroup
	lastSeq  atomic.Uint64
	// feedRead is set once the feed has handed out an event.
	feedRead atomic.Bool
	// holding is set after a restore until central's position is known;
	// events above holdFloor then stay on the station (resume.go).
	holding        atomic.Bool
	holdFloor      atomic.Uint64
	resumeFromFeed bool
	noTallies      bool

	// The committer's own state: only its goroutine touches these.
	jr         *journal
	journalID  []byte
	tx         *bolt.Tx // the open transaction: groups answered since the last checkpoint, or nil
	txAt       time.Time
	tick       *time.Timer   // the next checkpoint of an open transaction
	every      time.Duration // checkpointEvery, but for tests
	pending    []*batch      // the journal records of the open transaction
	spare      [][]byte      // buffers of checkpointed batches, for the next groups
	spareBytes int           // their capacity
	batchHint  int           // the capacity to give the next group's batch
	lsn        uint64        // the last journal record written

	// The last journal record answered (acked) and the last one in the data
	// file (visible); settle makes a reader wait for the one, flushReq asks
	// the committer for a checkpoint, quit closes when it stops.
	acked, visible atomic.Uint64
	ackedIn        [64]atomic.Uint64 // by bucketBit: the last journal record answered that wrote the bucket
	flushReq       chan struct{}
	quit           chan struct{}
	checkpoints    atomic.Uint64
	journaled      atomic.Uint64 // bytes of journal records written

	mu        sync.Mutex
	visibleCh chan struct{} // closed at each checkpoint, failed or not
	ckptErr   error         // why the last checkpoint failed (nil: it did not)
	committed chan struct{}
	commits   atomic.Uint64 // number of bbolt commits, for metrics and benchmarks
	evictions atomic.Uint64 // group transactions rolled back to evict a command that failed after writing
	busy      atomic.Int64  // nanoseconds the committer spent in write transactions, commit included
	rules     atomic.Pointer[station.RuleSet]
	newID     func() string

	// tokens caches live API tokens by hash (TokenBySecret); tokGen counts
	// the times it was emptied, so a look-up racing a revoke stores nothing.
	tokMu  sync.RWMutex
	tokens map[string]station.Token
	tokGen uint64

	warnings   []string     // survivable findings of the structure check at Open
	maxSize    int64        // --max-db-mb in bytes: the data file and the photos together (0: no cap)
	photoBytes atomic.Int64 // bytes of the photos on disk
}

// Open opens or creates the station database at path.
func Open(path string, opts Options) (*DB, error) {
	if opts.LockTimeout == 0 {
		opts.LockTimeout = 2 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.NewID == nil {
		opts.NewID = station.NewIDSource(opts.Now, rand.Reader).New
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	// Check the file's structure with plain reads before bbolt maps it: a
	// damaged or truncated file is refused with a message, where bbolt would
	// panic on a bad page or die of SIGBUS past the end of a short file.
	// A restore killed between its renames is finished before anything
	// opens the directory's data, so it never starts empty or half-restored.
	unlock, err := lockDir(filepath.Dir(path), opts.LockTimeout)
	if err != nil {
		return nil, err
	}
	_, err = finishRestore(path, opts.Logger)
	unlock()
	if err != nil {
		return nil, fmt.Errorf("finish the interrupted restore in %s: %w", filepath.Dir(path), err)
	}
	// The check runs under bbolt's own file lock, so it never reads a file
	// another station process is writing.
	var warnings []string
	if lock, err := lockFile(path, opts.LockTimeout); err == nil {
		warnings, err = VerifyFile(path)
		lock.Close()
		if err != nil {
			return nil, err
		}
		for _, w := range warnings {
			opts.Logger.Warn("data file: "+w, "component", "store", "path", path)
		}
	} else if errors.Is(err, ErrLocked) {
		return nil, fmt.Errorf("open %s: %w; stop the running station first, or do this through its API", path, ErrLocked)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	d := &DB{path: path, maxSize: int64(opts.MaxSize), log: opts.Logger, now: opts.Now, resumeFromFeed: opts.ResumeFromFeed, noTallies: opts.NoTallies, reqs: make(chan *request, 1024),
		stop: make(chan struct{}), committed: make(chan struct{}), newID: opts.NewID,
		flushReq: make(chan struct{}, 1), quit: make(chan struct{}), visibleCh: make(chan struct{}), tick: time.NewTimer(time.Hour), every: checkpointEvery}
	d.tick.Stop()
	d.warnings = warnings
	if err := d.open(opts); err != nil {
		return nil, err
	}
	d.removeBackupLeftovers()
	if err := d.countPhotos(); err != nil {
		d.bolt.Close()
		return nil, err
	}
	if d.jr, err = openJournal(journalPath(path), d.journalID); err != nil {
		d.bolt.Close()
		return nil, err
	}
	d.wg.Add(1)
	go d.committer()
	return d, nil
}

// open opens the bbolt file and prepares it. Damage the structure check
// cannot see (inside a record, say) may still make bbolt panic or fault on
// the mapped file; that becomes a *DamagedError instead of a crash.
func (d *DB) open(opts Options) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			if d.bolt != nil {
				d.bolt.Close()
			}
			err = &DamagedError{Path: d.path, Problems: []string{fmt.Sprintf("bbolt failed reading it: %v", p)}}
		}
	}()
	// Not NoFreelistSync: it saved ~10% at 64 clients, but bbolt then
	// rebuilds the freelist at open by walking the mapped file, which at
	// 300,000 parcels (1 GB) took 1.5–2.3 s instead of 0.4–1.4 s and left
	// 916 MB of the file resident instead of 161 MB.
	bdb, err := bolt.Open(d.path, 0o600, &bolt.Options{
		Timeout:         opts.LockTimeout,
		FreelistType:    bolt.FreelistMapType,
		InitialMmapSize: 1 << 30, // readers never block a writer's remap below 1 GiB
		MaxSize:         opts.MaxSize,
	})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return fmt.Errorf("open %s: %w; stop the running station first, or do this through its API", d.path, ErrLocked)
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", d.path, err)
	}
	d.bolt = bdb
	// What the station answered before a crash is in the journal, not yet
	// in the data file: it goes in before anything reads the file.
	if _, err := replayJournal(bdb, d.path, d.log, d.now()); err != nil {
		bdb.Close()
		return err
	}
	if err := d.init(opts.StationID); err != nil {
		bdb.Close()
		return err
	}
	if !d.noTallies {
		if err := d.retally(); err != nil {
			bdb.Close()
			return err
		}
	}
	return nil
}

func (d *DB) init(stationID string) error {
	return d.bolt.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return fmt.Errorf("create bucket %s: %w", b, err)
			}
		}
		meta := tx.Bucket(bMeta)
		ver := 0
		if v := meta.Get([]byte("schema_version")); v != nil {
			ver = int(binary.BigEndian.Uint64(v))
		}
		if ver > SchemaVersion {
			return fmt.Errorf("the data file has schema version %d, newer than this station binary understands (%d): run the newer binary", ver, SchemaVersion)
		}
		for ver < SchemaVersion {
			if err := migrations[ver](tx); err != nil {
				return fmt.Errorf("migrate schema %d → %d: %w", ver, ver+1, err)
			}
			ver++
		}
		if err := meta.Put([]byte("schema_version"), u64(SchemaVersion)); err != nil {
			return err
		}
		if err := initStationID(tx, stationID); err != nil {
			return err
		}
		if meta.Get([]byte("epoch")) == nil {
			if err := meta.Put([]byte("epoch"), []byte(randomHex(8))); err != nil {
				return err
			}
		}
		if meta.Get(kJournalID) == nil {
			if err := meta.Put(kJournalID, []byte(randomHex(16))); err != nil {
				return err
			}
		}
		d.journalID = append([]byte(nil), meta.Get(kJournalID)...)
		if v := meta.Get(kJournalLSN); len(v) == 8 {
			d.lsn = binary.BigEndian.Uint64(v)
		}
		d.acked.Store(d.lsn)
		d.visible.Store(d.lsn)
		if meta.Get([]byte("cursor_key")) == nil {
			if err := meta.Put([]byte("cursor_key"), []byte(randomHex(32))); err != nil {
				return err
			}
		}
		if meta.Get([]byte("rules")) == nil {
			raw, err := json.Marshal(station.DefaultRules())
			if err != nil {
				return err
			}
			if err := meta.Put([]byte("rules"), raw); err != nil {
				return err
			}
		}
		rs, migrated, err := station.LoadStoredRules(meta.Get([]byte("rules")))
		if err != nil {
			return fmt.Errorf("the stored inspection rules do not load (restore them with PUT /api/v1/rules or from a backup): %w", err)
		}
		if migrated { // an older station's rules, brought to today's schema once
			raw, err := json.Marshal(rs)
			if err != nil {
				return err
			}
			if err := meta.Put([]byte("rules"), raw); err != nil {
				return err
			}
			d.log.Info("inspection rules brought to today's schema (edits kept; new templates, category table and refund texts added): review them with GET /api/v1/rules",
				"component", "store", "rules_version", rs.Version, "schema", rs.Schema)
		}
		d.rules.Store(rs)
		d.stationID = string(meta.Get(kStationID))
		d.feedRead.Store(meta.Get(kFeedRead) != nil)
		if err := d.loadRestored(tx); err != nil {
			return err
		}
		d.epoch = string(meta.Get([]byte("epoch")))
		d.cursorKey = append([]byte(nil), meta.Get([]byte("cursor_key"))...)
		if k, _ := tx.Bucket(bEvents).Cursor().Last(); k != nil {
			d.lastSeq.Store(binary.BigEndian.Uint64(k))
		}
		return nil
	})
}

// migrations[v] moves a file from schema v to v+1. Version 0 is a new file.
var migrations = []func(*bolt.Tx) error{
	func(*bolt.Tx) error { return nil },
	indexPlaces,    // 1 → 2: units by location, open parcels by age, RMAs by phone tail
	ageOpenParcels, // 2 → 3: what the ageing board needs, kept in the open-parcel index
}

// OpenWarnings returns what the structure check at Open found and bbolt
// survives (one meta page torn by a crash, lost pages); the log has them too.
func (d *DB) OpenWarnings() []string { return d.warnings }

// StationID returns the station's id, generated once and kept in the file.
func (d *DB) StationID() string { return d.stationID }

// Epoch identifies this copy of the database; a restore from backup gets a new one.
func (d *DB) Epoch() string { return d.epoch }

// Path returns the file path.
func (d *DB) Path() string { return d.path }

// LastSeq returns the seq of the newest committed event.
func (d *DB) LastSeq() uint64 { return d.lastSeq.Load() }

// Checkpoints returns how many times since Open the answered commands were
// committed to the data file (see journal.go).
func (d *DB) Checkpoints() uint64 { return d.checkpoints.Load() }

// Unwritable says why the data file cannot be written (nil: it can): the
// last checkpoint failed, so the station refuses commands and reads until
// one succeeds; what it answered is safe in the journal (/readyz shows it).
func (d *DB) Unwritable() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ckptErr == nil {
		return nil
	}
	return fmt.Errorf("the data file cannot be written (%w); the commands answered since are safe in the journal and are applied at the next start", d.ckptErr)
}

// JournalBytes returns how many bytes of journal records were written since Open.
func (d *DB) JournalBytes() uint64 { return d.journaled.Load() }

// Commits returns how many groups of commands were made durable since Open:
// one journal record, or one commit of the data file, each.
func (d *DB) Commits() uint64 { return d.commits.Load() }

// Evictions returns how many times a group's transaction was rolled back
// since Open to drop a command that failed after writing; the rest of the
// group then ran again together.
func (d *DB) Evictions() uint64 { return d.evictions.Load() }

// Busy returns how long the committer has spent in write transactions
// since Open, running commands and committing them (page writes and fsync
// included; bbolt's Stats().TxStats.GetWriteTime() is that part).
func (d *DB) Busy() time.Duration { return time.Duration(d.busy.Load()) }

// Committed returns a channel closed at the next commit that appends events.
func (d *DB) Committed() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.committed
}

// Stats exposes bbolt's statistics.
func (d *DB) Stats() bolt.Stats { return d.bolt.Stats() }

// Close stops the committer and closes the file. Commands still queued, and
// any submitted during or after Close, fail at once with "shutting down".
// Calling Close again does nothing and returns the first call's result.
func (d *DB) Close() error {
	d.closeMu.Lock()
	defer d.closeMu.Unlock()
	if d.bolted {
		return d.closeErr
	}
	d.closing.Lock()
	d.closed = true
	d.closing.Unlock()
	close(d.stop)
	d.wg.Wait()
	jerr := d.jr.close()
	d.closeErr = errors.Join(d.bolt.Close(), jerr)
	d.bolted = true
	return d.closeErr
}

// Check runs bbolt's consistency check and returns every problem found. A
// panic or memory fault inside bbolt (it trusts the pages it reads) is one
// more problem, not a crash.
//
// It checks in a write transaction, which it rolls back: bbolt's check of a
// read transaction is not safe while a writer begins or commits (the
// freelist it compares with changes under it, and it then reports pages of
// a commit in progress as damage), and the committer checkpoints on its
// own. Holding the write lock, the check waits for the committer's open
// transaction to be checkpointed, and the committer waits for the check.
func (d *DB) Check() (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			err = &DamagedError{Path: d.path, Problems: []string{fmt.Sprintf("bbolt's check failed reading it: %v", p)}}
		}
	}()
	if err := d.settle(); err != nil {
		return err
	}
	var problems error
	err = d.bolt.Update(func(tx *bolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		problems = errors.Join(errs...)
		return errCheckDone // nothing to commit
	})
	if errors.Is(err, errCheckDone) {
		return problems
	}
	return err
}

var errCheckDone = errors.New("check done")

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// key joins index key parts with a zero byte, which no id or code contains.
func key(parts ...string) []byte {
	return []byte(joinZero(parts))
}

func joinZero(parts []string) string {
	var b bytes.Buffer
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(0)
		}
		b.WriteString(p)
	}
	return b.String()
}

var errReadOnly = errors.New("write in a read-only transaction")

func get[T any](b interface{ Get([]byte) []byte }, k []byte) (*T, error) {
	v := b.Get(k)
	if v == nil {
		return nil, nil
	}
	var out T
	if err := json.Unmarshal(v, &out); err != nil {
		return nil, fmt.Errorf("decode record %q: %w", k, err)
	}
	return &out, nil
}

func put(b interface{ Put(k, v []byte) error }, k []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %q: %w", k, err)
	}
	return b.Put(k, raw)
}
