package bolt

import (
	"archive/tar"
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A backup is a tar stream: station.db (a consistent copy of the database),
// then each photo as photos/AB/SHA256, then backup.json, whose counts let a
// restore tell a complete backup from one cut short at an entry boundary.
// A plain database file (what backups were before photos joined them) is
// still restored.
const (
	backupDBName       = "station.db"
	backupManifestName = "backup.json"
	photosDir          = "photos"
	// maxBackupPhoto bounds one photo in a backup (uploads are far smaller).
	maxBackupPhoto = 64 << 20
)

// BackupManifest is the last entry of a backup.
type BackupManifest struct {
	Format    int       `json:"format"`
	StationID string    `json:"station_id"`
	Epoch     string    `json:"epoch"`
	LastSeq   uint64    `json:"last_seq"`
	TakenAt   time.Time `json:"taken_at"`
	DBBytes   int64     `json:"db_bytes"`
	Photos    int       `json:"photos"`
}

// Snapshot is a consistent copy of the database, made to local disk, plus
// the photos directory it goes with, ready to be written as a backup.
type Snapshot struct {
	db       *DB
	path     string
	manifest BackupManifest
}

// BackupStream is Snapshot as the web layer takes it (the hot backup route).
func (d *DB) BackupStream() (interface {
	io.WriterTo
	io.Closer
}, error) {
	s, err := d.Snapshot()
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Snapshot copies the database in one read transaction to a file beside it
// (fast, local), so no transaction stays open while a slow network takes the
// backup. Close removes the copy.
func (d *DB) Snapshot() (*Snapshot, error) {
	path := filepath.Join(filepath.Dir(d.path), fmt.Sprintf("%s%d.db", backupPrefix, d.now().UnixNano()))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create backup copy: %w", err)
	}
	s := &Snapshot{db: d, path: path, manifest: BackupManifest{Format: 1, StationID: d.stationID, Epoch: d.epoch, TakenAt: d.now().UTC()}}
	err = d.view(func(tx *bolt.Tx) error {
		if k, _ := tx.Bucket(bEvents).Cursor().Last(); k != nil {
			s.manifest.LastSeq = binary.BigEndian.Uint64(k)
		}
		s.manifest.DBBytes, err = tx.WriteTo(f)
		return err
	})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("copy the database for a backup: %w", err)
	}
	return s, nil
}

// Manifest describes the snapshot (photos are counted by WriteTo).
func (s *Snapshot) Manifest() BackupManifest { return s.manifest }

// Close removes the snapshot's copy of the database.
func (s *Snapshot) Close() error { return os.Remove(s.path) }

// WriteTo writes the backup as a tar stream: the database copy, every photo
// on disk, and the manifest last.
func (s *Snapshot) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: w}
	tw := tar.NewWriter(cw)
	if err := addFile(tw, s.path, backupDBName); err != nil {
		return cw.n, err
	}
	photos, err := s.db.photoFiles()
	if err != nil {
		return cw.n, err
	}
	for _, sha := range photos {
		err := addFile(tw, s.db.photoPath(sha), photosDir+"/"+sha[:2]+"/"+sha)
		if errors.Is(err, os.ErrNotExist) {
			continue // removed by a supervisor since the listing
		}
		if err != nil {
			return cw.n, err
		}
		s.manifest.Photos++
	}
	raw, _ := json.MarshalIndent(s.manifest, "", "  ")
	if err := tw.WriteHeader(&tar.Header{Name: backupManifestName, Mode: 0o600, Size: int64(len(raw)), ModTime: s.manifest.TakenAt, Format: tar.FormatPAX}); err != nil {
		return cw.n, err
	}
	if _, err := tw.Write(raw); err != nil {
		return cw.n, err
	}
	err = tw.Close()
	return cw.n, err
}

func addFile(tw *tar.Writer, path, name string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: st.Size(), ModTime: st.ModTime(), Format: tar.FormatPAX}); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// BackupTo writes a backup to a new file at path, flushed to disk.
func (d *DB) BackupTo(path string) (BackupManifest, error) {
	snap, err := d.Snapshot()
	if err != nil {
		return BackupManifest{}, err
	}
	defer snap.Close()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return BackupManifest{}, fmt.Errorf("create backup file: %w", err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	_, err = snap.WriteTo(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return BackupManifest{}, fmt.Errorf("write backup %s: %w", path, err)
	}
	return snap.Manifest(), nil
}

// isTar says whether the file starts with a tar header (a backup with
// photos) rather than a bbolt meta page (a plain database backup).
func isTar(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	var blk [512]byte
	if _, err := io.ReadFull(f, blk[:]); err != nil {
		return false, nil // too short for a tar: judged as a database file
	}
	return string(blk[257:262]) == "ustar", nil
}

// extractBackup reads a backup tar of size bytes from r into dir
// (dir/station.db, dir/photos/AB/SHA), checking every name, every photo's
// hash and the manifest's counts. It returns the manifest. No entry may be
// larger than the archive itself: a sparse entry, which tar expands, would
// otherwise fill the disk from a small file.
func extractBackup(r io.Reader, size int64, dir string) (*BackupManifest, error) {
	tr := tar.NewReader(r)
	var manifest *BackupManifest
	var dbBytes int64
	photos := map[string]bool{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("the backup is cut short or not a backup (%v)", err)
		}
		if manifest != nil {
			return nil, fmt.Errorf("entry %q after %s: not a station backup", h.Name, backupManifestName)
		}
		if h.Size < 0 || h.Size > size {
			return nil, fmt.Errorf("entry %q claims %d bytes but the whole file has %d: the backup is cut short, or not a station backup", h.Name, h.Size, size)
		}
		if h.Typeflag != tar.TypeReg {
			if h.Typeflag == tar.TypeDir && (h.Name == photosDir+"/" || isPhotoDir(h.Name)) {
				continue
			}
			return nil, fmt.Errorf("entry %q is not a plain file: not a station backup", h.Name)
		}
		switch {
		case h.Name == backupDBName:
			if dbBytes > 0 {
				return nil, fmt.Errorf("two %s entries: not a station backup", backupDBName)
			}
			if dbBytes, err = writeEntry(tr, filepath.Join(dir, backupDBName), h.Size, nil); err != nil {
				return nil, err
			}
		case h.Name == backupManifestName:
			if h.Size > 1<<16 {
				return nil, fmt.Errorf("%s is %d bytes: not a station backup", backupManifestName, h.Size)
			}
			raw, err := io.ReadAll(tr)
			if err != nil {
				return nil, fmt.Errorf("the backup is cut short (%v)", err)
			}
			manifest = &BackupManifest{}
			if err := json.Unmarshal(raw, manifest); err != nil {
				return nil, fmt.Errorf("%s does not decode: %v", backupManifestName, err)
			}
		default:
			sha, ok := photoEntry(h.Name)
			if !ok {
				return nil, fmt.Errorf("unexpected entry %q: not a station backup", h.Name)
			}
			if photos[sha] {
				return nil, fmt.Errorf("photo %s is in the backup twice", sha)
			}
			if h.Size > maxBackupPhoto {
				return nil, fmt.Errorf("photo %s is %d bytes, more than a photo can be", sha, h.Size)
			}
			photos[sha] = true
			pdir := filepath.Join(dir, photosDir, sha[:2])
			if err := os.MkdirAll(pdir, 0o750); err != nil {
				return nil, err
			}
			if _, err := writeEntry(tr, filepath.Join(pdir, sha), h.Size, &sha); err != nil {
				return nil, err
			}
		}
	}
	switch {
	case manifest == nil:
		return nil, fmt.Errorf("the backup has no %s at its end: it was cut short", backupManifestName)
	case dbBytes == 0:
		return nil, fmt.Errorf("the backup holds no %s", backupDBName)
	case manifest.DBBytes != dbBytes || manifest.Photos != len(photos):
		return nil, fmt.Errorf("the backup holds a %d-byte database and %d photos, but its manifest lists %d bytes and %d photos", dbBytes, len(photos), manifest.DBBytes, manifest.Photos)
	}
	if err := os.MkdirAll(filepath.Join(dir, photosDir), 0o750); err != nil {
		return nil, err
	}
	return manifest, nil
}

// writeEntry copies size bytes from r to a new file at path. With sha set,
// the content must hash to it. The caller flushes the files (syncTree) once
// the whole backup is in, before it relies on them.
func writeEntry(r io.Reader, path string, size int64, sha *string) (int64, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err == nil && n != size {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		f.Close()
		return n, fmt.Errorf("the backup is cut short in %s (%v)", filepath.Base(path), err)
	}
	if err := f.Close(); err != nil {
		return n, err
	}
	if sha != nil && hex.EncodeToString(h.Sum(nil)) != *sha {
		return n, fmt.Errorf("photo %s in the backup does not match its hash: the backup is damaged", *sha)
	}
	return n, nil
}

func isHex(s string) bool {
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func isPhotoDir(name string) bool {
	d, ok := strings.CutPrefix(name, photosDir+"/")
	return ok && len(d) == 3 && d[2] == '/' && isHex(d[:2])
}

// photoEntry parses photos/AB/SHA256 (lower-case hex, AB its first two).
func photoEntry(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, photosDir+"/")
	if !ok || len(rest) != 3+64 || rest[2] != '/' {
		return "", false
	}
	sha := rest[3:]
	if !isHex(sha) || rest[:2] != sha[:2] {
		return "", false
	}
	return sha, true
}

// photoFiles lists the hashes of the photos on disk, sorted.
func (d *DB) photoFiles() ([]string, error) {
	root := filepath.Join(filepath.Dir(d.path), photosDir)
	var out []string
	dirs, err := os.ReadDir(root)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	for _, sub := range dirs {
		if !sub.IsDir() {
			continue
		}
		files, err := os.ReadDir(filepath.Join(root, sub.Name()))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if sha, ok := photoEntry(photosDir + "/" + sub.Name() + "/" + f.Name()); ok && f.Type().IsRegular() {
				out = append(out, sha)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

func (d *DB) photoPath(sha string) string {
	return filepath.Join(filepath.Dir(d.path), photosDir, sha[:2], sha)
}

// syncTree flushes every file and directory under root to disk.
func syncTree(root string) error {
	return filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		err = f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	})
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
