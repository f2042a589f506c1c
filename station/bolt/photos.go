package bolt

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"

	"returns-station/station"
)

// Photos live beside the database as photos/AB/SHA256 (content-addressed),
// so a unit record names its pictures by hash and the database stays small.

// countPhotos sums the photos on disk, for the size cap.
func (d *DB) countPhotos() error {
	list, err := d.photoFiles()
	if err != nil {
		return fmt.Errorf("list the photos: %w", err)
	}
	var n int64
	for _, sha := range list {
		if st, err := os.Stat(d.photoPath(sha)); err == nil {
			n += st.Size()
		}
	}
	d.photoBytes.Store(n)
	return nil
}

// PhotoBytes returns the bytes the photos take on disk.
func (d *DB) PhotoBytes() int64 { return d.photoBytes.Load() }

// PutPhoto stores a photo's bytes by content hash, flushed to disk before it
// returns, so the unit record that will name it never points at nothing.
// created is false when the same picture was already stored. Photos count
// toward the size cap (Options.MaxSize) with the data file.
func (d *DB) PutPhoto(sha string, data []byte) (created bool, err error) {
	if len(sha) != 64 || !isHex(sha) {
		return false, fmt.Errorf("photo name %q is not a SHA-256", sha)
	}
	final := d.photoPath(sha)
	if _, err := os.Stat(final); err == nil {
		return false, nil
	}
	if d.maxSize > 0 {
		st, err := os.Stat(d.path)
		if err != nil {
			return false, err
		}
		if used := st.Size() + d.photoBytes.Load(); used+int64(len(data)) > d.maxSize {
			return false, &station.Error{Code: station.EUnavailable, Key: "data_full", Message: fmt.Sprintf("the station's storage limit (--max-db-mb %d) is reached: "+
				"the data file and photos take %d MB, so the photo was not saved; raise --max-db-mb, or have a supervisor remove photos no longer needed",
				d.maxSize>>20, used>>20)}
		}
	}
	dir := filepath.Dir(final)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return false, fmt.Errorf("create photo directory: %w", err)
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return false, fmt.Errorf("store photo: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return false, fmt.Errorf("store photo: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return false, fmt.Errorf("store photo: %w", err)
	}
	if err := f.Close(); err != nil {
		return false, fmt.Errorf("store photo: %w", err)
	}
	if err := os.Rename(f.Name(), final); err != nil {
		return false, fmt.Errorf("store photo: %w", err)
	}
	d.photoBytes.Add(int64(len(data)))
	return true, nil
}

// Photo returns a stored photo's bytes.
func (d *DB) Photo(sha string) ([]byte, error) {
	if len(sha) != 64 || !isHex(sha) {
		return nil, station.Errorf(station.ENotFound, "no such photo").Coded("not_found_photo")
	}
	b, err := os.ReadFile(d.photoPath(sha))
	if os.IsNotExist(err) {
		return nil, station.Errorf(station.ENotFound, "no such photo").Coded("not_found_photo")
	}
	return b, err
}

// DropPhoto deletes a photo's file unless a unit or parcel still shows it
// (the same picture can be on two). It is called after the photo was taken off
// a unit, or when the upload that stored it was refused.
func (d *DB) DropPhoto(sha string) error {
	if len(sha) != 64 || !isHex(sha) {
		return nil
	}
	inUse := false
	err := d.view(func(tx *bolt.Tx) error {
		// The hash in a unit's JSON is the only way these 64 hex digits get
		// there, so a byte search finds every unit that shows the photo.
		for _, b := range [][]byte{bUnits, bParcels} {
			err := tx.Bucket(b).ForEach(func(_, v []byte) error {
				if bytes.Contains(v, []byte(sha)) {
					inUse = true
					return errStopScan
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStopScan) {
		return err
	}
	if inUse {
		return nil
	}
	path := d.photoPath(sha)
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil {
		return err
	}
	d.photoBytes.Add(-st.Size())
	return nil
}

var errStopScan = errors.New("stop scan")
