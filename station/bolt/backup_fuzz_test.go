package bolt

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzExtractBackup feeds arbitrary bytes to the backup reader that restore
// runs on a file an operator hands it. It must never panic or write outside
// its directory, and what it accepts must be what its manifest says: one
// database of the listed size and photos that hash to their names.
func FuzzExtractBackup(f *testing.F) {
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		root := t.TempDir()
		dir := filepath.Join(root, "staging")
		if err := os.Mkdir(dir, 0o750); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		m, err := extractBackup(bytes.NewReader(data), int64(len(data)), dir)
		if took := time.Since(start); took > 2*time.Second {
			t.Fatalf("reading %d bytes took %v (err %v)", len(data), took, err)
		}
		if others, _ := os.ReadDir(root); len(others) != 1 {
			t.Fatalf("the reader wrote beside its directory: %v", others)
		}
		if err != nil {
			return
		}
		st, serr := os.Stat(filepath.Join(dir, backupDBName))
		if serr != nil || st.Size() != m.DBBytes || m.DBBytes == 0 {
			t.Fatalf("accepted a backup whose database is %v (%v), manifest %d bytes", st, serr, m.DBBytes)
		}
		photos := 0
		filepath.Walk(filepath.Join(dir, photosDir), func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return err
			}
			photos++
			b, _ := os.ReadFile(p)
			sum := sha256.Sum256(b)
			if hex.EncodeToString(sum[:]) != filepath.Base(p) || !strings.HasPrefix(filepath.Base(p), filepath.Base(filepath.Dir(p))) {
				t.Fatalf("accepted photo %s that does not hash to its name", p)
			}
			return nil
		})
		if photos != m.Photos {
			t.Fatalf("accepted %d photos, manifest says %d", photos, m.Photos)
		}
	})
}
