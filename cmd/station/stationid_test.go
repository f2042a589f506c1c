package main_test

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"returns-station/station"
	"returns-station/sync/fakecentral"
)

// sources returns the distinct sources in a stopped station's log.
func sources(t *testing.T, data string) []string {
	t.Helper()
	seen := map[string]bool{}
	var out []string
	for _, e := range stationLog(t, data) {
		if !seen[e.Source] {
			seen[e.Source] = true
			out = append(out, e.Source)
		}
	}
	return out
}

// The first command on a new data directory no longer fixes a random id
// that the following serve --station-id then refuses.
func TestStationIDAfterTokenCreate(t *testing.T) {
	data := t.TempDir()
	token := newToken(t, data, "sup", "supervisor") // no id given: one is generated
	p := startStation(t, data, "--station-id", "WH-SH-01")
	if st, err := call(http.DefaultClient, p.url, token, "POST", "/api/v1/parcels/receive", map[string]any{"code": "SF1000000000001"}, nil); err != nil || st != 201 {
		t.Fatalf("receive: %d %v", st, err)
	}
	p.kill(t)
	if !strings.Contains(p.logs.String(), "returns station WH-SH-01 listening") {
		t.Fatalf("serve --station-id after token create: %s", p.logs)
	}
	if got := sources(t, data); len(got) != 1 || got[0] != station.Source("WH-SH-01") {
		t.Fatalf("events in the log carry sources %v; want only the explicit id's (the token's event rewritten too)", got)
	}
	// Now the id is explicit: another one is refused with the way out.
	_, errOut, err := runCLI(t, "check", "--data", data, "--station-id", "WH-SH-02")
	if err == nil || !strings.Contains(errOut, "belongs to station WH-SH-01") || !strings.Contains(errOut, "--station-id WH-SH-01") {
		t.Fatalf("check with another id: %v %q", err, errOut)
	}
}

// Every maintenance command honours STATION_ID from the environment.
func TestStationIDFromEnvironmentInEveryCommand(t *testing.T) {
	data := t.TempDir()
	env := append(os.Environ(), "STATION_ID=WH-BJ-07")
	run := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command(stationBin, args...)
		cmd.Env = env
		cmd.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("%v: %v: %s", args, err, errb.String())
		}
		return out.String()
	}
	run("1234\n", "user", "add", "--data", data, "--name", "boss", "--role", "admin")
	if out := run("", "check", "--data", data); !strings.Contains(out, "station WH-BJ-07") {
		t.Fatalf("check: %q", out)
	}
	backup := data + "/copy.db"
	if out := run("", "backup", "--data", data, backup); !strings.Contains(out, "station WH-BJ-07") {
		t.Fatalf("backup: %q", out)
	}
	// A restore under another explicit id is refused before anything changes.
	_, errOut, err := runCLI(t, "restore", "--data", t.TempDir(), "--station-id", "WH-GZ-01", backup)
	if err == nil || !strings.Contains(errOut, "nothing restored") || !strings.Contains(errOut, "WH-BJ-07") {
		t.Fatalf("restore under another id: %v %q", err, errOut)
	}
}

// Once events have reached central under a generated id, the id is fixed:
// serve with another one stops with a message that says what to do.
func TestStationIDFixedOnceEventsLeft(t *testing.T) {
	fc, url := newCentral(t, fakecentral.Knobs{})
	data := t.TempDir()
	token := newToken(t, data, "sup", "supervisor")
	p := startStation(t, data, syncFlags(url)...)
	receiveN(t, p, token, 3, 1)
	eventually(t, 10*time.Second, "events reach central", func() bool { return linkState(t, p, token).Backlog == 0 })
	p.kill(t)
	id := strings.TrimPrefix(fc.Events()[0].Source, "urn:returns-station:")
	_, errOut, err := runCLI(t, "serve", "--data", data, "--addr", freeAddr(t), "--station-id", "WH-NEW")
	if err == nil || !strings.Contains(errOut, "already sent to central") || !strings.Contains(errOut, "--station-id "+id) {
		t.Fatalf("serve with a new id after pushing: %v %q", err, errOut)
	}
	if got := sources(t, data); len(got) != 1 || got[0] != station.Source(id) {
		t.Fatalf("the refused id changed the log: %v", got)
	}
}
