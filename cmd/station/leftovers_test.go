package main_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
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

// backupLeftovers lists the hot-backup copies in a data directory.
func backupLeftovers(t *testing.T, data string) []string {
	t.Helper()
	list, err := filepath.Glob(filepath.Join(data, ".backup-*"))
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// A station killed while it copies the data for GET /api/v1/backup leaves
// the copy behind; the next start removes it.
func TestKilledBackupLeavesNoCopyBehind(t *testing.T) {
	data := t.TempDir()
	admin := newToken(t, data, "admin", "admin")
	// Pad the file so the copy takes long enough to be caught in the act.
	raw, err := bbolt.Open(filepath.Join(data, "station.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	pad := make([]byte, 64<<10)
	for batch := 0; batch < 8; batch++ {
		err := raw.Update(func(tx *bbolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("test_padding"))
			if err != nil {
				return err
			}
			for i := 0; i < 500; i++ {
				if err := b.Put([]byte(fmt.Sprintf("%02d-%04d", batch, i)), pad); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()

	var caught []string
	for try := 0; try < 5 && len(caught) == 0; try++ {
		p := startStation(t, data)
		go func() {
			req, _ := http.NewRequest("GET", p.url+"/api/v1/backup", nil)
			req.Header.Set("Authorization", "Bearer "+admin)
			if res, err := http.DefaultClient.Do(req); err == nil {
				res.Body.Close()
			}
		}()
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) && len(caught) == 0 {
			caught = backupLeftovers(t, data)
		}
		p.kill(t)
		caught = backupLeftovers(t, data) // the copy may have been finished and removed meanwhile
	}
	if len(caught) == 0 {
		t.Fatal("never caught a backup in progress: the test proves nothing")
	}
	p := startStation(t, data)
	if left := backupLeftovers(t, data); len(left) != 0 {
		t.Errorf("after a restart the interrupted backup's copy is still there: %v", left)
	}
	p.kill(t)
	if !strings.Contains(p.logs.String(), "removed a hot backup's copy") {
		t.Errorf("the removal is not logged:\n%s", p.logs)
	}
}

// importedRMAs counts the return authorizations in a stopped station's log.
func importedRMAs(t *testing.T, data string) int {
	t.Helper()
	n := 0
	for _, e := range stationLog(t, data) {
		if e.Type == "returns.rma.upserted" {
			n++
		}
	}
	return n
}

// station import killed part way leaves nothing imported; run again it
// imports everything.
func TestImportKilledMidwayImportsNothing(t *testing.T) {
	const n = 20000
	now := time.Now()
	var b strings.Builder
	for i := 0; i < n; i++ {
		r := station.ReturnAuthorization{RMA: fmt.Sprintf("RMA-BULK-%06d", i), Version: 1, Status: "approved", OrderID: fmt.Sprintf("SO-%06d", i),
			Policy: "quality", DeliveredAt: &now, RequestedAt: &now, Refund: station.Money{Amount: "10.00", Currency: "CNY"},
			ReturnShipments: []station.ReturnShipment{{Carrier: "SF", Tracking: fmt.Sprintf("SF9%012d", i)}},
			Lines:           []station.RMALine{{Line: 1, SKU: "A", Name: "蓝牙耳机", Category: "electronics", Qty: 1, UnitPrice: "10.00"}}}
		line, _ := json.Marshal(r)
		b.Write(line)
		b.WriteByte('\n')
	}
	file := filepath.Join(t.TempDir(), "bulk.ndjson")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	newToken(t, data, "admin", "admin") // the data file exists before the import

	// Time a whole import on a copy first, to kill the real one half way.
	scratch := t.TempDir()
	start := time.Now()
	if _, errOut, err := runCLI(t, "import", "--data", scratch, file); err != nil {
		t.Fatalf("import: %v %s", err, errOut)
	}
	whole := time.Since(start)
	t.Logf("a whole import of %d RMAs takes %v", n, whole)

	// Kill once soon after the import starts writing, once near the end
	// (in or close to the commit). The import says on stderr when its one
	// transaction starts, so the kill does not depend on machine speed.
	killed := 0
	for _, frac := range []float64{0.05, 0.9} {
		cmd := exec.Command(stationBin, "import", "--data", data, file)
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		writing := make(chan struct{})
		go func() {
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				if strings.Contains(sc.Text(), "one transaction") {
					close(writing)
					break
				}
			}
			io.Copy(io.Discard, stderr)
		}()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-writing:
		case err := <-done:
			t.Fatalf("the import ended before it started writing: %v", err)
		}
		select {
		case err := <-done:
			t.Logf("the import finished before the kill at %.0f%% (%v)", frac*100, err)
		case <-time.After(time.Duration(float64(whole) * frac)):
			cmd.Process.Kill() // SIGKILL
			<-done
			killed++
		}
		got := importedRMAs(t, data)
		if got != 0 && got != n {
			t.Fatalf("after a SIGKILL at %.0f%% of the import the data holds %d of %d RMAs; want all or nothing", frac*100, got, n)
		}
		if got == n {
			break
		}
	}
	if killed == 0 {
		t.Fatal("no import was killed part way: the test proves nothing")
	}
	out, errOut, err := runCLI(t, "import", "--data", data, file)
	if err != nil {
		t.Fatalf("import after the kills: %v %s", err, errOut)
	}
	if got := importedRMAs(t, data); got != n {
		t.Fatalf("after a whole import the data holds %d of %d RMAs (%s)", got, n, out)
	}
	if out, _, err := runCLI(t, "check", "--data", data); err != nil || !strings.Contains(out, "OK") {
		t.Errorf("check after the kills: %v %q", err, out)
	}
}
