package main_test

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"returns-station/station"
)

// pngPhoto is a tiny picture whose bytes differ by n.
func pngPhoto(n int) []byte {
	return append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"), byte(n))
}

func shaHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func uploadPhoto(t testing.TB, url, token, unit string, data []byte, contentType string) (int, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := make(map[string][]string)
	h["Content-Disposition"] = []string{`form-data; name="photo"; filename="p.png"`}
	h["Content-Type"] = []string{contentType}
	fw, _ := mw.CreatePart(h)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", url+"/api/v1/units/"+unit+"/photos", &buf)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, body
}

// fixture is a data directory written by the real binary, and a hot backup
// of it taken over HTTP part way.
type fixture struct {
	data, backup   string
	admin, op      string
	unit           string
	before, after  int    // parcels at the backup and at the end
	photo1, photo2 []byte // photo1 is in the backup, photo2 came after
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{data: t.TempDir(), photo1: pngPhoto(1), photo2: pngPhoto(2)}
	now := time.Now()
	rma := station.ReturnAuthorization{RMA: "RMA-DMG-1", Version: 1, Status: "approved", OrderID: "SO-D1", Policy: "quality",
		DeliveredAt: &now, RequestedAt: &now, Refund: station.Money{Amount: "10.00", Currency: "CNY"},
		ReturnShipments: []station.ReturnShipment{{Carrier: "SF", Tracking: "SF9999999999999"}},
		Lines:           []station.RMALine{{Line: 1, SKU: "SKU-D", Name: "lamp", Category: "home", Qty: 1, UnitPrice: "10.00"}}}
	raw, _ := json.Marshal([]station.ReturnAuthorization{rma})
	rmaFile := filepath.Join(t.TempDir(), "rma.json")
	os.WriteFile(rmaFile, raw, 0o600)
	if _, errOut, err := runCLI(t, "import", "--data", f.data, rmaFile); err != nil {
		t.Fatalf("import: %v %s", err, errOut)
	}
	f.admin, f.op = newToken(t, f.data, "admin", "admin"), newToken(t, f.data, "desk", "operator")
	p := startStation(t, f.data)
	receive := func(code string) station.ReceiveResult {
		var r station.ReceiveResult
		if st, err := call(http.DefaultClient, p.url, f.op, "POST", "/api/v1/parcels/receive", map[string]any{"code": code}, &r); err != nil || st != 201 {
			t.Fatalf("receive %s: %d %v", code, st, err)
		}
		return r
	}
	// Enough parcels for branch pages in the file.
	for i := 0; i < 120; i++ {
		receive(fmt.Sprintf("SF%013d", i))
	}
	rec := receive("SF9999999999999")
	var ur station.UnitResult
	if st, err := call(http.DefaultClient, p.url, f.op, "POST", "/api/v1/parcels/"+rec.Parcel.ID+"/units", map[string]any{"code": "SKU-D"}, &ur); err != nil || st != 201 {
		t.Fatalf("add unit: %d %v", st, err)
	}
	f.unit = ur.Unit.ID
	if st, body := uploadPhoto(t, p.url, f.op, f.unit, f.photo1, "image/png"); st != 200 {
		t.Fatalf("photo 1: %d %s", st, body)
	}
	f.before = 121
	f.backup = filepath.Join(t.TempDir(), "backup.tar")
	req, _ := http.NewRequest("GET", p.url+"/api/v1/backup", nil)
	req.Header.Set("Authorization", "Bearer "+f.admin)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("backup: %v %v", res, err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	os.WriteFile(f.backup, body, 0o600)
	for i := 0; i < 5; i++ {
		receive(fmt.Sprintf("SF8%012d", i))
	}
	if st, body := uploadPhoto(t, p.url, f.op, f.unit, f.photo2, "image/png"); st != 200 {
		t.Fatalf("photo 2: %d %s", st, body)
	}
	f.after = f.before + 5
	p.kill(t)
	return f
}

// copyData copies the fixture's data directory (database and photos).
func (f *fixture) copyData(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk(f.data, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(f.data, path)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o750)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// exitedWithError says the command ran to an orderly exit with status 1,
// not killed by a signal (SIGBUS, SIGSEGV) or a Go panic (status 2).
func exitedWithError(err error) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee) && ee.Exited() && ee.ExitCode() == 1
}

// serveFails runs serve on data and returns its output once it exits (it
// must, within 10 s).
func serveFails(t *testing.T, data string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(stationBin, "serve", "--data", data, "--addr", freeAddr(t))
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.String(), err
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("serve on damaged data kept running:\n%s", out.String())
		return "", nil
	}
}

func (f *fixture) parcels(t *testing.T, data string) int {
	t.Helper()
	p := startStation(t, data)
	defer p.kill(t)
	var list struct {
		Parcels []station.Parcel `json:"parcels"`
	}
	if st, err := call(http.DefaultClient, p.url, f.op, "GET", "/api/v1/parcels?limit=500", nil, &list); err != nil || st != 200 {
		t.Fatalf("list parcels: %d %v", st, err)
	}
	if st := photoStatus(t, p.url, f.op, f.unit, f.photo1); st != 200 {
		t.Errorf("the backup's photo answers %d", st)
	}
	return len(list.Parcels)
}

// photoStatus answers GET for the unit's photo on a running station.
func photoStatus(t *testing.T, url, token, unit string, photo []byte) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/api/v1/units/"+unit+"/photos/"+shaHex(photo), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// pageOf finds a page of typ with bbolt's own reader, before any damage.
func pageOf(t *testing.T, path, typ string) (offset int64, pageSize int) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, PreLoadFreelist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pageSize = db.Info().PageSize
	err = db.View(func(tx *bbolt.Tx) error {
		for i := 2; i < int(tx.Size())/pageSize; i++ {
			if p, err := tx.Page(i); err == nil && p != nil && p.Type == typ {
				offset = int64(i * pageSize)
				return nil
			}
		}
		return fmt.Errorf("no %s page", typ)
	})
	if err != nil {
		t.Fatal(err)
	}
	return offset, pageSize
}

func writeAt(t *testing.T, path string, off int64, b []byte) {
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

// TestDamagedDataFile damages a data file the real binary wrote, the ways
// disks and accidents do, and runs the real check, serve and restore on it:
// each says which file is damaged and what to do, exits in order (no SIGBUS,
// no panic), and restore brings back the backup over the damaged file.
func TestDamagedDataFile(t *testing.T) {
	f := newFixture(t)
	leaf, ps := pageOf(t, dbPath(f.data), "leaf")
	branch, _ := pageOf(t, dbPath(f.data), "branch")
	cases := map[string]func(path string){
		// A corrupt page header made the first read panic and kill the process.
		"leaf page header": func(p string) { writeAt(t, p, leaf+8, []byte{0x40, 0x00, 0xFF, 0xFF}) },
		"branch page id":   func(p string) { writeAt(t, p, branch, []byte{0xEE, 0xEE, 0xEE}) },
		// A truncated file made check, serve and restore die of SIGBUS.
		"truncated": func(p string) { os.Truncate(p, branch+int64(ps)/2) },
		// Both meta pages corrupt: restore refused, calling the file "in use".
		"both meta pages": func(p string) { writeAt(t, p, 16+8, []byte{0x77}); writeAt(t, p, int64(ps)+16+8, []byte{0x77}) },
		// bbolt would silently start a new, empty station in it.
		"empty": func(p string) { os.Truncate(p, 0) },
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			data := f.copyData(t)
			file := dbPath(data)
			damage(file)
			_, errOut, err := runCLI(t, "check", "--data", data)
			if !exitedWithError(err) || !strings.Contains(errOut, file) || !strings.Contains(errOut, "damaged") || !strings.Contains(errOut, "station restore") {
				t.Errorf("check: %v\n%s\nwant exit status 1 naming %s, the damage and the remedy", err, errOut, file)
			}
			out, err := serveFails(t, data)
			if !exitedWithError(err) || !strings.Contains(out, file) || !strings.Contains(out, "damaged") || !strings.Contains(out, "station restore") {
				t.Errorf("serve: %v\n%s\nwant a refusal naming %s and the remedy", err, out, file)
			}
			out, errOut, err = runCLI(t, "restore", "--data", data, f.backup)
			if err != nil {
				t.Fatalf("restore over the damaged file: %v\n%s", err, errOut)
			}
			kept, _ := filepath.Glob(file + ".before-restore-*[0-9]") // its journal beside it ends in .journal
			if len(kept) != 1 || !strings.Contains(out, kept[0]) || !strings.Contains(out, kept[0]+".journal") {
				t.Errorf("restore output %q; kept %v: want the damaged file kept aside and named", out, kept)
			}
			if out, errOut, err := runCLI(t, "check", "--data", data); err != nil || !strings.Contains(out, "OK") {
				t.Errorf("check after restore: %v %s %s", err, out, errOut)
			}
			if n := f.parcels(t, data); n != f.before {
				t.Errorf("restored station has %d parcels, want the backup's %d", n, f.before)
			}
		})
	}
}

// TestDamagedBackupIsRefused: restore checks the backup it restores from
// before it changes anything, and says what is wrong with it.
func TestDamagedBackupIsRefused(t *testing.T) {
	f := newFixture(t)
	raw, err := os.ReadFile(f.backup)
	if err != nil {
		t.Fatal(err)
	}
	// Find the entries' offsets in the tar.
	var dbStart, dbSize, photoStart, manifestHeader int64
	cr := &countReader{r: bytes.NewReader(raw)}
	tr := tar.NewReader(cr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case h.Name == "station.db":
			dbStart, dbSize = cr.n, h.Size
		case strings.HasPrefix(h.Name, "photos/"):
			photoStart = cr.n
		case h.Name == "backup.json":
			manifestHeader = cr.n - 512
			for manifestHeader > 0 && raw[manifestHeader+257] != 'u' { // step back over PAX headers
				manifestHeader -= 512
			}
		}
	}
	if dbSize == 0 || photoStart == 0 || manifestHeader == 0 {
		t.Fatalf("backup layout: db at %d (%d bytes), photo at %d, manifest at %d", dbStart, dbSize, photoStart, manifestHeader)
	}
	plain := raw[dbStart : dbStart+dbSize]
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o600)
		return p
	}
	flip := func(b []byte, at int64) []byte {
		c := bytes.Clone(b)
		c[at] ^= 0xFF
		return c
	}
	leaf, _ := pageOf(t, write("plain-probe.db", plain), "leaf")
	cases := map[string]struct {
		file string
		want string
	}{
		"tar cut in the database":       {write("cut-db.tar", raw[:dbStart+dbSize/2]), "cut short"},
		"tar cut before the manifest":   {write("cut-end.tar", raw[:manifestHeader]), "cut short"},
		"page header damaged in tar":    {write("page.tar", flip(raw, dbStart+leaf+8)), "damaged"},
		"photo damaged in tar":          {write("photo.tar", flip(raw, photoStart+3)), "does not match its hash"},
		"plain database truncated":      {write("cut.db", plain[:len(plain)/3]), "damaged"},
		"plain database page damaged":   {write("page.db", flip(plain, leaf+8)), "damaged"},
		"not a backup at all":           {write("notes.txt", []byte("hello, this is not a backup\n")), "damaged"},
		"plain database both metas bad": {write("metas.db", flip(flip(plain, 16+8), 4096+16+8)), "both meta pages"},
	}
	before, _ := os.ReadFile(dbPath(f.data))
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, errOut, err := runCLI(t, "restore", "--data", f.data, c.file)
			if !exitedWithError(err) || !strings.Contains(errOut, c.file) || !strings.Contains(errOut, c.want) || !strings.Contains(errOut, "nothing was changed") {
				t.Errorf("restore from %s: %v\n%s\nwant exit status 1 naming the backup and saying %q", name, err, errOut, c.want)
			}
			now, _ := os.ReadFile(dbPath(f.data))
			if !bytes.Equal(now, before) {
				t.Error("a refused restore changed the data file")
			}
			if left, _ := filepath.Glob(filepath.Join(f.data, "*restore*")); len(left) > 0 {
				t.Errorf("a refused restore left %v", left)
			}
		})
	}
	// An old database-only backup still restores; the photos on disk stay.
	out, errOut, err := runCLI(t, "restore", "--data", f.data, write("old.db", plain))
	if err != nil || !strings.Contains(out, "photos already in") {
		t.Fatalf("restore of a plain database backup: %v %s %s", err, out, errOut)
	}
	if n := f.parcels(t, f.data); n != f.before {
		t.Errorf("%d parcels after restoring the plain backup, want %d", n, f.before)
	}
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// TestRestoreInterruptedAtEachStep leaves the data directory as a kill at
// each point of a restore would, then starts the real binary: it serves
// either the old data or the restored data, complete with its photos, and
// never an empty station.
func TestRestoreInterruptedAtEachStep(t *testing.T) {
	f := newFixture(t)
	steps := []struct {
		name     string
		restored bool                      // the station must serve the backup (else the old data)
		state    func(data, suffix string) // leaves data as the kill did
	}{
		{"killed while unpacking", false, func(data, _ string) { stageBackup(t, f.backup, data, false) }},
		{"killed while writing the commit marker", false, func(data, _ string) {
			stageBackup(t, f.backup, data, false)
			os.WriteFile(filepath.Join(data, "restore.json.tmp"), []byte(`{"from":`), 0o600)
		}},
		{"killed after the commit marker", true, func(data, _ string) { stageBackup(t, f.backup, data, true) }},
		{"killed between the database renames", true, func(data, sfx string) {
			stageBackup(t, f.backup, data, true)
			mustRename(t, dbPath(data), dbPath(data)+sfx)
		}},
		{"killed before the photos moved", true, func(data, sfx string) {
			stageBackup(t, f.backup, data, true)
			mustRename(t, dbPath(data), dbPath(data)+sfx)
			mustRename(t, filepath.Join(data, ".restore-staging", "station.db"), dbPath(data))
		}},
		{"killed between the photo renames", true, func(data, sfx string) {
			stageBackup(t, f.backup, data, true)
			mustRename(t, dbPath(data), dbPath(data)+sfx)
			mustRename(t, filepath.Join(data, ".restore-staging", "station.db"), dbPath(data))
			mustRename(t, filepath.Join(data, "photos"), filepath.Join(data, "photos")+sfx)
		}},
		{"killed before cleaning up", true, func(data, sfx string) {
			stageBackup(t, f.backup, data, true)
			mustRename(t, dbPath(data), dbPath(data)+sfx)
			mustRename(t, filepath.Join(data, ".restore-staging", "station.db"), dbPath(data))
			mustRename(t, filepath.Join(data, "photos"), filepath.Join(data, "photos")+sfx)
			mustRename(t, filepath.Join(data, ".restore-staging", "photos"), filepath.Join(data, "photos"))
		}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			data := f.copyData(t)
			s.state(data, ".before-restore-20260101-000000.000")
			p := startStation(t, data)
			var list struct {
				Parcels []station.Parcel `json:"parcels"`
			}
			call(http.DefaultClient, p.url, f.op, "GET", "/api/v1/parcels?limit=500", nil, &list)
			want, photo2 := f.after, 200
			if s.restored {
				want, photo2 = f.before, 404
			}
			if len(list.Parcels) != want {
				t.Errorf("station serves %d parcels, want %d (restored: %v)\n%s", len(list.Parcels), want, s.restored, p.logs)
			}
			if st := photoStatus(t, p.url, f.op, f.unit, f.photo1); st != 200 {
				t.Errorf("photo in the backup: %d", st)
			}
			if st := photoStatus(t, p.url, f.op, f.unit, f.photo2); st != photo2 {
				t.Errorf("photo taken after the backup: %d, want %d", st, photo2)
			}
			p.kill(t)
			if left, _ := filepath.Glob(filepath.Join(data, "*restore*")); len(left) > 0 && !s.restored {
				t.Errorf("left behind: %v", left)
			}
			for _, gone := range []string{".restore-staging", "restore.json"} {
				if _, err := os.Stat(filepath.Join(data, gone)); err == nil {
					t.Errorf("%s left behind", gone)
				}
			}
			if s.restored && !strings.Contains(p.logs.String(), "finishing a restore") {
				t.Errorf("the start did not say it finished an interrupted restore:\n%s", p.logs)
			}
		})
	}
}

func mustRename(t *testing.T, from, to string) {
	t.Helper()
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
}

// stageBackup unpacks the backup tar into data/.restore-staging, as restore
// does before it commits, and with marker writes the commit marker.
func stageBackup(t *testing.T, backup, data string, marker bool) {
	t.Helper()
	staging := filepath.Join(data, ".restore-staging")
	raw, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(bytes.NewReader(raw))
	os.MkdirAll(filepath.Join(staging, "photos"), 0o750)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == "backup.json" {
			continue
		}
		p := filepath.Join(staging, filepath.FromSlash(h.Name))
		os.MkdirAll(filepath.Dir(p), 0o750)
		b, _ := io.ReadAll(tr)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if marker {
		m, _ := json.Marshal(map[string]any{"from": backup, "suffix": ".before-restore-20260101-000000.000", "photos": true, "started_at": time.Now()})
		if err := os.WriteFile(filepath.Join(data, "restore.json"), m, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func dbPath(data string) string { return filepath.Join(data, "station.db") }

// TestOneTornMetaPage: one meta page torn (what a crash mid-commit leaves)
// is survivable: check says so and passes, serve serves everything.
func TestOneTornMetaPage(t *testing.T) {
	f := newFixture(t)
	data := f.copyData(t)
	raw, err := os.ReadFile(dbPath(data))
	if err != nil {
		t.Fatal(err)
	}
	_, ps := pageOf(t, dbPath(data), "leaf")
	txid := func(off int) uint64 { return binary.LittleEndian.Uint64(raw[off+16+48:]) }
	older := 0
	if txid(ps) < txid(0) {
		older = ps
	}
	writeAt(t, dbPath(data), int64(older+16+60), []byte{raw[older+16+60] ^ 0xFF}) // its checksum
	out, errOut, err := runCLI(t, "check", "--data", data)
	if err != nil || !strings.Contains(out, "OK") || !strings.Contains(out, "note: meta page") {
		t.Errorf("check: %v %q %q; want OK with a note about the meta page", err, out, errOut)
	}
	if n := f.parcels(t, data); n != f.after {
		t.Errorf("%d parcels, want all %d", n, f.after)
	}
}

// TestRestoreKilled SIGKILLs the real `station restore` at spread-out
// moments and starts the station after each: it serves the old data or the
// restored data, whole, never an empty or mixed station.
func TestRestoreKilled(t *testing.T) {
	f := newFixture(t)
	// How long an uninterrupted restore takes on this machine.
	probe := f.copyData(t)
	start := time.Now()
	if _, errOut, err := runCLI(t, "restore", "--data", probe, f.backup); err != nil {
		t.Fatalf("restore: %v %s", err, errOut)
	}
	full := time.Since(start)
	const runs = 10
	seen := map[int]int{}
	for i := 0; i < runs; i++ {
		data := f.copyData(t)
		cmd := exec.Command(stationBin, "restore", "--data", data, f.backup)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(full * time.Duration(i) / runs)
		cmd.Process.Kill()
		cmd.Wait()
		p := startStation(t, data)
		var list struct {
			Parcels []station.Parcel `json:"parcels"`
		}
		call(http.DefaultClient, p.url, f.op, "GET", "/api/v1/parcels?limit=500", nil, &list)
		n := len(list.Parcels)
		seen[n]++
		photo1 := photoStatus(t, p.url, f.op, f.unit, f.photo1)
		photo2 := photoStatus(t, p.url, f.op, f.unit, f.photo2)
		p.kill(t)
		switch {
		case n == f.after && photo1 == 200 && photo2 == 200: // the old data
		case n == f.before && photo1 == 200 && photo2 == 404: // the restored data
		default:
			t.Errorf("killed after %v: %d parcels, photos %d/%d; want the old (%d) or the restored (%d) station\n%s",
				full*time.Duration(i)/runs, n, photo1, photo2, f.after, f.before, p.logs)
		}
	}
	t.Logf("an uninterrupted restore took %v; after the kills the station served %v (parcels → times)", full, seen)
}
