package bolt

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"time"

	bolt "go.etcd.io/bbolt"

	"returns-station/station"
)

// ErrStationID is returned by Open when the station id asked for cannot be
// the one of the data file.
var ErrStationID = errors.New("the station id does not match the data directory")

var (
	kStationID       = []byte("station_id")
	kStationIDSource = []byte("station_id_source") // "generated" or "explicit"
	kFeedRead        = []byte("feed_read")         // set when the feed first hands out an event
)

// generatedID is the shape of an id this package makes up. A file written
// before the id's source was recorded counts as generated if its id has it.
var generatedID = regexp.MustCompile(`^st-[0-9a-f]{12}$`)

// initStationID settles the station id of the file. A new file takes want,
// or a generated id when want is empty. An existing file keeps its id,
// except that a generated id gives way to the first explicit one as long as
// nothing has left the station: then the events already in the log are
// rewritten with the new source. Once central may have seen an event, the
// id is fixed and a different want is an error that says what to do.
func initStationID(tx *bolt.Tx, want string) error {
	meta := tx.Bucket(bMeta)
	cur := string(meta.Get(kStationID))
	if cur == "" {
		src := "explicit"
		if want == "" {
			want, src = "st-"+randomHex(6), "generated"
		}
		if err := meta.Put(kStationID, []byte(want)); err != nil {
			return err
		}
		return meta.Put(kStationIDSource, []byte(src))
	}
	if rename, err := stationIDChange(tx, want); err != nil || !rename {
		return err
	}
	if err := renameSource(tx.Bucket(bEvents), station.Source(cur), station.Source(want)); err != nil {
		return fmt.Errorf("give the station its id %s: %w", want, err)
	}
	if err := meta.Put(kStationID, []byte(want)); err != nil {
		return err
	}
	return meta.Put(kStationIDSource, []byte("explicit"))
}

// stationIDChange says whether a file with an id may take the id want:
// rename is true when its generated id gives way; an error when the id is
// fixed and differs.
func stationIDChange(tx *bolt.Tx, want string) (rename bool, err error) {
	meta := tx.Bucket(bMeta)
	cur := string(meta.Get(kStationID))
	if want == "" || want == cur {
		return false, nil
	}
	src := string(meta.Get(kStationIDSource))
	if src == "" && generatedID.MatchString(cur) {
		src = "generated"
	}
	if src != "generated" {
		return false, fmt.Errorf("%w: this data belongs to station %s, but the setting (--station-id or STATION_ID) says %s; "+
			"use --station-id %s (or unset STATION_ID), or give station %s its own data directory", ErrStationID, cur, want, cur, want)
	}
	if why := leftTheStation(tx); why != "" {
		return false, fmt.Errorf("%w: this data uses the generated station id %s and %s, so central knows the station by it; "+
			"it cannot become %s now. Use --station-id %s (or unset STATION_ID), or start station %s with a new, empty data directory",
			ErrStationID, cur, why, want, cur, want)
	}
	return true, nil
}

// CheckBackupStationID reports whether the backup at path can serve as
// station want (see Options.StationID) without changing the file. A file
// that does not open as a station database is not judged here: restoring
// it reports that.
func CheckBackupStationID(path, want string) error {
	if want == "" {
		return nil
	}
	if !wholeFile(path) {
		return nil
	}
	db, err := bolt.Open(path, 0o400, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return nil
	}
	defer db.Close()
	return db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bMeta) == nil || tx.Bucket(bSync) == nil || tx.Bucket(bParked) == nil || tx.Bucket(bMeta).Get(kStationID) == nil {
			return nil
		}
		_, err := stationIDChange(tx, want)
		return err
	})
}

// leftTheStation says how events may have reached central, or "" if none
// can have: no push was ever tried and the feed never handed one out.
func leftTheStation(tx *bolt.Tx) string {
	if v := tx.Bucket(bSync).Get(kPushState); v != nil {
		var st station.PushState
		if json.Unmarshal(v, &st) != nil || st.AckedSeq > 0 || st.Attempts > 0 || !st.LastSuccessAt.IsZero() ||
			!st.LastErrorAt.IsZero() || st.Halted() {
			return "events were already sent to central"
		}
	}
	if tx.Bucket(bParked).Stats().KeyN > 0 {
		return "central already answered events from it"
	}
	if tx.Bucket(bMeta).Get(kFeedRead) != nil {
		return "central already read events from its feed"
	}
	return ""
}

// renameSource rewrites the source of every event from one station id to
// another. Only called while no event has left the station.
func renameSource(b *bolt.Bucket, from, to string) error {
	type kv struct{ k, v []byte }
	var changed []kv
	err := b.ForEach(func(k, v []byte) error {
		var e station.Event
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("decode event: %w", err)
		}
		if e.Source != from {
			return nil
		}
		e.Source = to
		raw, err := json.Marshal(&e)
		if err != nil {
			return err
		}
		changed = append(changed, kv{append([]byte(nil), k...), raw})
		return nil
	})
	if err != nil {
		return err
	}
	for _, c := range changed {
		if err := b.Put(c.k, c.v); err != nil {
			return err
		}
	}
	return nil
}

// wholeFile reports whether the bbolt file at path is at least as long as
// its newest meta page says, so reading it cannot fault on a page past
// the end of a truncated copy.
func wholeFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	// A meta page: 16-byte page header, then magic, version, page size,
	// flags (4 bytes each), the root bucket (16), the freelist page (8),
	// the high-water page id (8) and the transaction id (8).
	var best, bestTx uint64
	var pageSize uint64
	for i := int64(0); i < 2; i++ {
		off := i * 4096
		if i == 1 && pageSize != 0 {
			off = int64(pageSize)
		}
		b := make([]byte, 72)
		if _, err := f.ReadAt(b, off); err != nil {
			return false
		}
		if binary.LittleEndian.Uint32(b[16:]) != 0xED0CDAED {
			continue
		}
		ps := uint64(binary.LittleEndian.Uint32(b[24:]))
		hw, tx := binary.LittleEndian.Uint64(b[56:]), binary.LittleEndian.Uint64(b[64:])
		if i == 0 {
			pageSize = ps
		}
		if tx >= bestTx && ps != 0 {
			best, bestTx, pageSize = hw*ps, tx, ps
		}
	}
	return best > 0 && uint64(fi.Size()) >= best
}
