package main_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"returns-station/station"
)

func TestCLIWhileServing(t *testing.T) {
	data := t.TempDir()
	token := newToken(t, data, "admin", "admin")
	if !strings.HasPrefix(token, "rs_") || len(token) < 30 {
		t.Fatalf("token %q does not look like a fresh secret", token)
	}
	p := startStation(t, data)
	// A maintenance command must not hang behind the serving station.
	start := time.Now()
	_, errOut, err := runCLI(t, "token", "create", "--data", data, "--name", "x", "--role", "operator")
	if err == nil || !strings.Contains(errOut, "stop it first") {
		t.Fatalf("token create while serving: err %v, stderr %q; want a fast refusal saying what to do", err, errOut)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("refusal took %v", took)
	}
	st, err := call(http.DefaultClient, p.url, token, "GET", "/api/v1/parcels", nil, nil)
	if err != nil || st != 200 {
		t.Fatalf("the CLI token does not work against the server: %d %v", st, err)
	}
	// A second station on the same data directory refuses at once.
	_, errOut, err = runCLI(t, "serve", "--data", data, "--addr", freeAddr(t))
	if err == nil || !strings.Contains(errOut, "in use by another station") {
		t.Errorf("second serve on the same data: %v %q", err, errOut)
	}
}

func TestImport(t *testing.T) {
	data := t.TempDir()
	now := time.Now()
	var lines []string
	for i, tr := range []string{"SF1111111111111", "SF2222222222222"} {
		r := station.ReturnAuthorization{RMA: "RMA-IMP-" + string(rune('A'+i)), Version: 1, Status: "approved", OrderID: "SO-1", Policy: "quality",
			DeliveredAt: &now, RequestedAt: &now, Refund: station.Money{Amount: "10.00", Currency: "CNY"},
			ReturnShipments: []station.ReturnShipment{{Carrier: "SF", Tracking: tr}},
			Lines:           []station.RMALine{{Line: 1, SKU: "A", Name: "a", Category: "home", Qty: 1, UnitPrice: "10.00"}}}
		b, _ := json.Marshal(r)
		lines = append(lines, string(b))
	}
	file := filepath.Join(t.TempDir(), "rmas.ndjson")
	os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
	out, errOut, err := runCLI(t, "import", "--data", data, file)
	if err != nil || !strings.Contains(out, "imported 2 return authorizations (2 new") {
		t.Fatalf("import: %v %q %q", err, out, errOut)
	}
	out, _, _ = runCLI(t, "import", "--data", data, file)
	if !strings.Contains(out, "2 ignored") {
		t.Errorf("re-import should ignore equal versions: %q", out)
	}
	// One bad record: nothing changes, and the message names it.
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`[`+lines[0]+`,{"rma":"RMA-BAD","version":1,"status":"approved","order_id":"X","policy":"sometimes","lines":[]}]`), 0o600)
	_, errOut, err = runCLI(t, "import", "--data", data, bad)
	if err == nil || !strings.Contains(errOut, "RMA-BAD") || !strings.Contains(errOut, "policy") || !strings.Contains(errOut, "nothing imported") {
		t.Errorf("bad import: %v %q", err, errOut)
	}
	out, _, err = runCLI(t, "check", "--data", data)
	if err != nil || !strings.Contains(out, "OK") {
		t.Errorf("check: %v %q", err, out)
	}
	// Started with no arguments but the data directory, it serves.
	token := newToken(t, data, "op", "operator")
	p := startStation(t, data)
	var r station.ReceiveResult
	if st, err := call(http.DefaultClient, p.url, token, "POST", "/api/v1/parcels/receive", map[string]any{"code": "sf 2222 2222 2222 2"}, &r); err != nil || st != 201 || r.Parcel.RMA != "RMA-IMP-B" {
		t.Errorf("receive after import: %d %v rma %q", st, err, r.Parcel.RMA)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"frobnicate"}, {"serve", "--addr", "nonsense"}, {"serve", "--central-url", "ftp://x"}, {"token"}} {
		_, errOut, err := runCLI(t, args...)
		if err == nil || errOut == "" {
			t.Errorf("station %v: err %v stderr %q; want a usage error", args, err, errOut)
		}
	}
}

// TestDockerfileBuildsTheTestedBinary keeps the image's build flags equal to
// the ones TestMain uses, since no Docker engine runs where the tests do.
func TestDockerfileBuildsTheTestedBinary(t *testing.T) {
	raw, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(raw)
	for _, want := range []string{`CGO_ENABLED=0 go build -trimpath -ldflags="-s -w"`, "./cmd/station", "USER nonroot", `VOLUME ["/data"]`, "HEALTHCHECK", `"healthcheck"`} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}

func TestHealthcheckCommand(t *testing.T) {
	p := startStation(t, t.TempDir())
	addr := strings.TrimPrefix(p.url, "http://")
	if _, errOut, err := runCLI(t, "healthcheck", "--addr", addr); err != nil {
		t.Errorf("healthcheck against a running station: %v %s", err, errOut)
	}
	p.kill(t)
	if _, _, err := runCLI(t, "healthcheck", "--addr", addr); err == nil {
		t.Error("healthcheck passed with no station running")
	}
}

func TestBackupAndRestore(t *testing.T) {
	data := t.TempDir()
	admin := newToken(t, data, "admin", "admin")
	feed := newToken(t, data, "central", "central")
	p := startStation(t, data)
	for _, code := range []string{"SF1000000000001", "SF1000000000002"} {
		call(http.DefaultClient, p.url, admin, "POST", "/api/v1/parcels/receive", map[string]any{"code": code}, nil)
	}
	// A hot backup over HTTP while the station serves.
	req, _ := http.NewRequest("GET", p.url+"/api/v1/backup", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("backup: %v %v", res, err)
	}
	backup := filepath.Join(t.TempDir(), "backup.db")
	f, _ := os.Create(backup)
	io.Copy(f, res.Body)
	f.Close()
	res.Body.Close()
	call(http.DefaultClient, p.url, admin, "POST", "/api/v1/parcels/receive", map[string]any{"code": "SF1000000000003"}, nil)
	var page struct {
		NextCursor string `json:"next_cursor"`
	}
	call(http.DefaultClient, p.url, feed, "GET", "/api/v1/feed?limit=100", nil, &page)
	// Restoring needs the station stopped, and says so.
	if _, errOut, err := runCLI(t, "restore", "--data", data, backup); err == nil || !strings.Contains(errOut, "stop the station") {
		t.Errorf("restore while serving: %v %q", err, errOut)
	}
	p.kill(t)
	out, errOut, err := runCLI(t, "restore", "--data", data, backup)
	if err != nil {
		t.Fatalf("restore: %v %s", err, errOut)
	}
	if !strings.Contains(out, "new epoch") {
		t.Errorf("restore output %q", out)
	}
	p = startStation(t, data)
	var parcels struct {
		Parcels []station.Parcel `json:"parcels"`
	}
	call(http.DefaultClient, p.url, admin, "GET", "/api/v1/parcels", nil, &parcels)
	if len(parcels.Parcels) != 2 {
		t.Errorf("restored station has %d parcels, want the 2 in the backup", len(parcels.Parcels))
	}
	// Central's cursor from after the backup is refused with a clear problem.
	req, _ = http.NewRequest("GET", p.url+"/api/v1/feed?after="+page.NextCursor, nil)
	req.Header.Set("Authorization", "Bearer "+feed)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 410 || !strings.Contains(string(body), "resynchronise") {
		t.Errorf("old cursor after restore: %d %s, want 410 saying to resynchronise", res.StatusCode, body)
	}
	// A damaged backup is refused and changes nothing.
	bad := filepath.Join(t.TempDir(), "bad.db")
	os.WriteFile(bad, []byte("not a database"), 0o600)
	p.kill(t)
	if _, errOut, err := runCLI(t, "restore", "--data", data, bad); err == nil || !strings.Contains(errOut, "backup") {
		t.Errorf("restore of garbage: %v %q", err, errOut)
	}
	if out, _, err := runCLI(t, "check", "--data", data); err != nil || !strings.Contains(out, "OK") {
		t.Errorf("data after refused restore: %v %q", err, out)
	}
}

func TestSecretFromFile(t *testing.T) {
	data := t.TempDir()
	secret := filepath.Join(t.TempDir(), "token")
	os.WriteFile(secret, []byte("s3cret\n"), 0o600)
	cmd := exec.Command(stationBin, "serve", "--data", data, "--addr", freeAddr(t), "--central-url", "http://127.0.0.1:1")
	cmd.Env = append(os.Environ(), "STATION_CENTRAL_TOKEN_FILE="+filepath.Join(t.TempDir(), "missing"))
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "STATION_CENTRAL_TOKEN_FILE") {
		t.Errorf("missing secret file: %v %s", err, out)
	}
	// A readable file counts as the token: the URL-without-token error does not appear.
	cmd = exec.Command(stationBin, "serve", "--data", data, "--addr", "nonsense", "--central-url", "http://127.0.0.1:1")
	cmd.Env = append(os.Environ(), "STATION_CENTRAL_TOKEN_FILE="+secret)
	out, _ = cmd.CombinedOutput()
	if strings.Contains(string(out), "central-token") || !strings.Contains(string(out), "--addr") {
		t.Errorf("token from file not used: %s", out)
	}
}

// A station still started with the retired --tz (as the README once said)
// comes up, and says at start that the flag changes nothing and where the
// warehouse's zone is set now, instead of refusing to start after an upgrade.
func TestRetiredTZFlagStartsAndWarns(t *testing.T) {
	p := startStation(t, t.TempDir(), "--tz", "Europe/Berlin")
	p.kill(t)
	logs := p.logs.String()
	for _, want := range []string{"--tz (STATION_TZ) is no longer used", `tz=Europe/Berlin`, "rules_time_zone=Asia/Shanghai"} {
		if !strings.Contains(logs, want) {
			t.Errorf("start-up log lacks %q:\n%s", want, logs)
		}
	}
	q := startStation(t, t.TempDir())
	q.kill(t)
	if strings.Contains(q.logs.String(), "STATION_TZ") {
		t.Errorf("warned about --tz without it:\n%s", q.logs)
	}
}
