package bolt

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BackupTo writes a consistent copy of the database to a new file at path.
// The copy is made in one read transaction to local disk (fast), so the
// caller can ship the file afterwards without holding the transaction while
// the network is slow.
func (d *DB) BackupTo(path string) (int64, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, fmt.Errorf("create backup file: %w", err)
	}
	var n int64
	err = d.bolt.View(func(tx *bolt.Tx) error {
		n, err = tx.WriteTo(f)
		return err
	})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return 0, fmt.Errorf("write backup: %w", err)
	}
	return n, nil
}

// Restore replaces the database file at dataPath with the backup at from.
// The station must be stopped. The backup is checked first; the file it
// replaces is kept beside it; the restored copy gets a new epoch so feed
// cursors issued after the backup was taken are refused (410) and central
// knows to resynchronise.
func Restore(dataPath, from string, now time.Time) (kept string, err error) {
	tmp := dataPath + ".restoring"
	if err := copyFile(from, tmp); err != nil {
		return "", err
	}
	defer os.Remove(tmp)
	check, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return "", fmt.Errorf("the backup does not open as a station database: %w", err)
	}
	err = check.View(func(tx *bolt.Tx) error {
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
		err = check.Update(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put([]byte("epoch"), []byte(randomHex(8))) })
	}
	if cerr := check.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("the backup is damaged: %w", err)
	}
	if _, err := os.Stat(dataPath); err == nil {
		lock, err := bolt.Open(dataPath, 0o600, &bolt.Options{Timeout: 300 * time.Millisecond})
		if err != nil {
			return "", fmt.Errorf("open %s: %w; stop the station before restoring", dataPath, ErrLocked)
		}
		lock.Close()
	}
	kept = fmt.Sprintf("%s.before-restore-%s", dataPath, now.Format("20060102-150405"))
	if err := os.Rename(dataPath, kept); err != nil && !os.IsNotExist(err) {
		return "", err
	}
	if err := os.Rename(tmp, dataPath); err != nil {
		return "", err
	}
	return kept, syncDir(filepath.Dir(dataPath))
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("open backup: %w", err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// backupPrefix starts the name of a hot backup's temporary copy.
const backupPrefix = ".backup-"

// BackupFile writes a backup next to the database and returns its path; the
// caller ships it and removes it.
func (d *DB) BackupFile() (string, error) {
	path := filepath.Join(filepath.Dir(d.path), fmt.Sprintf("%s%d.db", backupPrefix, d.now().UnixNano()))
	_, err := d.BackupTo(path)
	return path, err
}

// removeBackupLeftovers deletes the temporary copies of hot backups that a
// killed station left beside the data file. Open calls it with the file
// lock held, so no backup of this file is being made.
func (d *DB) removeBackupLeftovers() {
	list, _ := filepath.Glob(filepath.Join(filepath.Dir(d.path), backupPrefix+"*"))
	for _, p := range list {
		if err := os.Remove(p); err != nil {
			d.log.Warn("could not remove a hot backup's leftover copy; delete it by hand", "component", "store", "file", p, "err", err)
			continue
		}
		d.log.Info("removed a hot backup's copy left by an interrupted backup", "component", "store", "file", p)
	}
}
