package bolt_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"returns-station/station"
	"returns-station/station/bolt"
)

// sampleFile writes a real station file with enough parcels for branch pages
// and returns its path, closed.
func sampleFile(t testing.TB, parcels int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "station.db")
	db, err := bolt.Open(path, bolt.Options{StationID: "st-v"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Update(context.Background(), nil, func(tx station.Tx) (any, error) {
		for i := 0; i < parcels; i++ {
			if _, err := receive(fmt.Sprintf("SF%013d", i))(tx); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// pageOfType finds a page of typ ("leaf", "branch", "freelist") with bbolt's
// own reader, before any damage.
func pageOfType(t testing.TB, path, typ string) (id int, pageSize int) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, PreLoadFreelist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pageSize = db.Info().PageSize
	err = db.View(func(tx *bbolt.Tx) error {
		for i := 2; i < int(tx.Size())/pageSize; i++ {
			p, err := tx.Page(i)
			if err != nil {
				return err
			}
			if p != nil && p.Type == typ {
				id = i
				return nil
			}
		}
		return fmt.Errorf("no %s page", typ)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id, pageSize
}

func patch(t testing.TB, path string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyFile(t *testing.T) {
	clean := sampleFile(t, 1500)
	if warn, err := bolt.VerifyFile(clean); err != nil || len(warn) > 0 {
		t.Fatalf("a sound file: warnings %v, err %v", warn, err)
	}
	raw, err := os.ReadFile(clean)
	if err != nil {
		t.Fatal(err)
	}
	leaf, ps := pageOfType(t, clean, "leaf")
	branch, _ := pageOfType(t, clean, "branch")
	u16 := func(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
	cases := []struct {
		name    string
		damage  func(path string)
		want    string // in the error; "" for a sound file
		warning string
	}{
		{"truncated", func(p string) { os.Truncate(p, int64(branch*ps+ps/2)) }, "truncated", ""},
		{"empty", func(p string) { os.Truncate(p, 0) }, "empty", ""},
		{"leaf page type", func(p string) { patch(t, p, int64(leaf*ps+8), u16(0x40)) }, "should be a branch or leaf page", ""},
		{"leaf page count", func(p string) { patch(t, p, int64(leaf*ps+10), u16(0xFFF0)) }, "more than fit", ""},
		{"branch page id", func(p string) { patch(t, p, int64(branch*ps), []byte{0xEE, 0xEE}) }, "has the header of page", ""},
		{"both metas", func(p string) { patch(t, p, 16+20, []byte{1}); patch(t, p, int64(ps)+16+20, []byte{1}) }, "both meta pages are invalid", ""},
		{"one meta", func(p string) { patch(t, p, int64(ps)+16+60, []byte{0x5A}) }, "", "meta page 1 is invalid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "station.db")
			if err := os.WriteFile(path, raw, 0o600); err != nil {
				t.Fatal(err)
			}
			c.damage(path)
			warn, err := bolt.VerifyFile(path)
			var d *bolt.DamagedError
			if c.want == "" {
				if err != nil {
					t.Fatalf("err %v, want a usable file", err)
				}
			} else if !errors.As(err, &d) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("err %v, want a DamagedError naming the file and saying %q", err, c.want)
			}
			if c.warning != "" && (len(warn) != 1 || !strings.Contains(warn[0], c.warning)) {
				t.Errorf("warnings %q, want %q", warn, c.warning)
			}
			// Open refuses the same way instead of panicking or crashing.
			db, err := bolt.Open(path, bolt.Options{})
			if c.want == "" {
				if err != nil {
					t.Fatalf("open: %v", err)
				}
				db.Close()
				return
			}
			if err == nil {
				db.Close()
				t.Fatal("open of a damaged file succeeded")
			}
			if !errors.As(err, &d) {
				t.Errorf("open: %v, want the DamagedError", err)
			}
		})
	}
}

// BenchmarkVerifyFile measures the structure check every start runs, on a
// file of 20,000 parcels, beside bbolt's own full check of the same file
// (what `station check` adds) measured in the same run, and reports the ratio.
func BenchmarkVerifyFile(b *testing.B) {
	path := sampleFile(b, 20000)
	st, _ := os.Stat(path)
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	const rounds = 3
	for range rounds {
		err := bdb.View(func(tx *bbolt.Tx) error {
			for err := range tx.Check() {
				return err
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	baseline := time.Since(start) / rounds
	bdb.Close()
	b.ResetTimer()
	for b.Loop() {
		if _, err := bolt.VerifyFile(path); err != nil {
			b.Fatal(err)
		}
	}
	per := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(st.Size())/(1<<20), "file-MB")
	b.ReportMetric(float64(baseline.Microseconds())/1000, "bbolt-check-ms")
	b.ReportMetric(float64(per)/float64(baseline), "ratio-to-bbolt-check")
}
