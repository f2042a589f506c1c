package bolt

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A restore is staged, committed by a marker file, then finished by renames
// that can be repeated, so a kill at any point leaves either the old data or
// the restored data, never an empty station:
//
//  1. The backup is unpacked into DIR/.restore-staging and checked there (the
//     same structure check as Open, then bbolt's own check). A kill here
//     leaves the data untouched; the next start removes the staging.
//  2. DIR/restore.json is written (fsynced, renamed into place): from now on
//     the restore will be finished.
//  3. The current station.db (and photos, if the backup has them) move aside
//     to NAME.before-restore-TIME; the staged ones move in; the staging and
//     the marker are removed.
//
// Open finishes step 3 whenever it finds the marker, so a kill between the
// renames is completed by the next command or start, which logs it.
const (
	restoreMarker  = "restore.json"
	restoreStaging = ".restore-staging"
)

type restoreState struct {
	From    string    `json:"from"`
	Suffix  string    `json:"suffix"` // appended to what the restore moves aside
	Photos  bool      `json:"photos"` // the backup brings its own photos
	StartAt time.Time `json:"started_at"`
}

// RestoreResult says what a restore did.
type RestoreResult struct {
	Manifest   *BackupManifest // nil for a plain database backup
	KeptDB     string          // where the replaced database now is ("" if there was none)
	KeptPhotos string          // where the replaced photos now are ("" if kept in place)
}

// Restore replaces the station's data in the directory of dataPath with the
// backup at from (a backup tar, or a plain database file from before photos
// were backed up; then the photos on disk stay). The station must be
// stopped. The backup is checked completely before anything changes; the
// data it replaces is kept beside it, damaged or not; the restored copy gets
// a new epoch, so central's feed cursors from after the backup are refused
// (410) and central resynchronises.
//
// stationID is the --station-id setting ("" when not set): a backup of
// another station is refused (see CheckBackupStationID).
func Restore(dataPath, from string, now time.Time, stationID string) (*RestoreResult, error) {
	dir := filepath.Dir(dataPath)
	unlock, err := lockDir(dir, time.Second)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if _, err := finishRestore(dataPath, nil); err != nil {
		return nil, err
	}
	// A station serving the directory holds the database's lock. This lock
	// is taken on the file alone, so a file bbolt cannot open is replaced.
	if f, err := lockFile(dataPath, 300*time.Millisecond); err == nil {
		defer f.Close()
	} else if errors.Is(err, ErrLocked) {
		return nil, fmt.Errorf("%s: %w; stop the station before restoring", dataPath, ErrLocked)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	staging := filepath.Join(dir, restoreStaging)
	if err := os.RemoveAll(staging); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(staging, 0o750); err != nil {
		return nil, err
	}
	res := &RestoreResult{}
	if err := stage(from, staging, res, now); err != nil {
		os.RemoveAll(staging)
		return nil, fmt.Errorf("nothing restored, nothing was changed: %w", err)
	}
	if err := CheckBackupStationID(filepath.Join(staging, backupDBName), stationID); err != nil {
		os.RemoveAll(staging)
		return nil, fmt.Errorf("nothing restored, nothing was changed: %w", err)
	}
	st := restoreState{From: from, Suffix: ".before-restore-" + now.Format("20060102-150405.000"), Photos: res.Manifest != nil, StartAt: now.UTC()}
	if err := writeMarker(dir, st); err != nil {
		os.RemoveAll(staging)
		return nil, fmt.Errorf("nothing restored, nothing was changed: %w", err)
	}
	done, err := finishRestore(dataPath, nil)
	if err != nil {
		return nil, err
	}
	res.KeptDB, res.KeptPhotos = done.KeptDB, done.KeptPhotos
	return res, nil
}

// stage unpacks and checks the backup at from into staging.
func stage(from, staging string, res *RestoreResult, now time.Time) error {
	tarred, err := isTar(from)
	if err != nil {
		return fmt.Errorf("open the backup: %w", err)
	}
	db := filepath.Join(staging, backupDBName)
	if tarred {
		f, err := os.Open(from)
		if err != nil {
			return fmt.Errorf("open the backup: %w", err)
		}
		var size int64
		if st, err := f.Stat(); err == nil {
			size = st.Size()
		}
		res.Manifest, err = extractBackup(f, size, staging)
		f.Close()
		if err != nil {
			return fmt.Errorf("the backup %s is not usable: %w", from, err)
		}
	} else if err := copyFile(from, db); err != nil {
		return err
	}
	if _, err := VerifyFile(db); err != nil {
		var d *DamagedError
		if errors.As(err, &d) {
			return fmt.Errorf("the backup %s is damaged: %s", from, strings.Join(d.Problems, "; "))
		}
		return err
	}
	if err := checkStaged(db, now); err != nil {
		return fmt.Errorf("the backup %s is damaged: %w", from, err)
	}
	// Everything staged reaches the disk before the marker commits to it.
	return syncTree(staging)
}

// checkStaged runs bbolt's check on the staged database, makes sure it is a
// station's, gives it a new epoch and marks it as waiting for central's
// position (resume.go).
func checkStaged(path string, now time.Time) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("bbolt failed reading it: %v", p)
		}
	}()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return err
	}
	err = db.View(func(tx *bolt.Tx) error {
		var errs []error
		for e := range tx.Check() {
			errs = append(errs, e)
		}
		if tx.Bucket(bMeta) == nil || tx.Bucket(bMeta).Get([]byte("station_id")) == nil {
			errs = append(errs, errors.New("no station id: not a station backup"))
		}
		return errors.Join(errs...)
	})
	if err == nil {
		err = db.Update(func(tx *bolt.Tx) error {
			if err := tx.Bucket(bMeta).Put([]byte("epoch"), []byte(randomHex(8))); err != nil {
				return err
			}
			// The backup's journal stayed on the station it came from: the
			// copy starts a journal of its own, and none lying beside it is
			// ever applied to it.
			for _, k := range [][]byte{kJournalID, kJournalLSN} {
				if err := tx.Bucket(bMeta).Delete(k); err != nil {
					return err
				}
			}
			return markRestored(tx, now) // resume.go: read central's position before pushing
		})
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return err
}

func writeMarker(dir string, st restoreState) error {
	raw, _ := json.MarshalIndent(st, "", "  ")
	tmp := filepath.Join(dir, restoreMarker+".tmp")
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return err
	}
	f, err := os.OpenFile(tmp, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	f.Close()
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, restoreMarker)); err != nil {
		return err
	}
	return syncDir(dir)
}

// finishRestore completes a committed restore (one with a marker) and removes
// the staging of an uncommitted one. Every step checks what is already done,
// so it can run again after a kill at any point. log, if set, hears what it
// did.
func finishRestore(dataPath string, log *slog.Logger) (*RestoreResult, error) {
	dir := filepath.Dir(dataPath)
	staging := filepath.Join(dir, restoreStaging)
	os.Remove(filepath.Join(dir, restoreMarker+".tmp")) // a marker never committed
	raw, err := os.ReadFile(filepath.Join(dir, restoreMarker))
	if errors.Is(err, os.ErrNotExist) {
		if _, err := os.Stat(staging); err == nil {
			if log != nil {
				log.Warn("removing the staging of a restore that was interrupted before it changed anything", "component", "store", "dir", staging)
			}
			return &RestoreResult{}, os.RemoveAll(staging)
		}
		return &RestoreResult{}, nil
	}
	if err != nil {
		return nil, err
	}
	var st restoreState
	if err := json.Unmarshal(raw, &st); err != nil || st.Suffix == "" {
		return nil, fmt.Errorf("%s does not decode (%v): finish the restore by running station restore again", filepath.Join(dir, restoreMarker), err)
	}
	if log != nil {
		log.Warn("finishing a restore that was interrupted after it was committed", "component", "store", "from", st.From, "started_at", st.StartAt)
	}
	res := &RestoreResult{}
	swap := func(name string) (kept string, err error) {
		staged, live := filepath.Join(staging, name), filepath.Join(dir, name)
		if _, err := os.Stat(staged); errors.Is(err, os.ErrNotExist) {
			return "", nil // moved in already
		}
		if name == backupDBName { // its journal stays with it (journal.go)
			if _, err := os.Stat(journalPath(live)); err == nil {
				if err := os.Rename(journalPath(live), journalPath(live+st.Suffix)); err != nil {
					return "", fmt.Errorf("move %s aside: %w", journalPath(live), err)
				}
			}
		}
		if _, err := os.Stat(live); err == nil {
			kept = live + st.Suffix
			if err := os.Rename(live, kept); err != nil {
				return "", fmt.Errorf("move %s aside: %w", live, err)
			}
		}
		if err := os.Rename(staged, live); err != nil {
			return "", fmt.Errorf("move the restored %s into place: %w", name, err)
		}
		return kept, syncDir(dir)
	}
	if res.KeptDB, err = swap(backupDBName); err != nil {
		return nil, err
	}
	if st.Photos {
		if res.KeptPhotos, err = swap(photosDir); err != nil {
			return nil, err
		}
	}
	if err := os.RemoveAll(staging); err != nil {
		return nil, err
	}
	if err := os.Remove(filepath.Join(dir, restoreMarker)); err != nil {
		return nil, err
	}
	return res, syncDir(dir)
}

// lockDir takes a lock on the data directory for the time a restore or its
// recovery moves files, so two commands never do it at once.
func lockDir(dir string, wait time.Duration) (func(), error) {
	f, err := lockFile(dir, wait)
	if errors.Is(err, ErrLocked) {
		return nil, fmt.Errorf("another station command is restoring into %s right now; wait for it", dir)
	}
	if err != nil {
		return nil, err
	}
	return func() { f.Close() }, nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("open the backup: %w", err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := out.ReadFrom(in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
