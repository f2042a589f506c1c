package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"returns-station/station"
	"returns-station/station/bolt"
)

func tokenCreate(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs, getenv)
	stationID := stationIDFlag(fs, getenv)
	name := fs.String("name", "", "token name, e.g. desk-3 or central")
	role := fs.String("role", "", "operator, supervisor, admin or central")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *name == "" || *role == "" {
		return usageError{"usage: station token create --name NAME --role ROLE"}
	}
	db, err := openForCLI(*data, *stationID)
	if err != nil {
		return err
	}
	defer db.Close()
	secret, _, err := db.CreateToken(*name, *role)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, secret)
	fmt.Fprintf(stderr, "token %q (%s) created; it is shown only now, keep it safe\n", *name, *role)
	return nil
}

// readReturns parses a JSON array or NDJSON of ReturnAuthorizations.
func readReturns(r io.Reader) ([]station.ReturnAuthorization, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		var list []station.ReturnAuthorization
		if err := json.Unmarshal(data, &list); err != nil {
			return nil, fmt.Errorf("the file is not a JSON array of return authorizations: %w", err)
		}
		return list, nil
	}
	var list []station.ReturnAuthorization
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var r station.ReturnAuthorization
		if err := json.Unmarshal(line, &r); err != nil {
			return nil, fmt.Errorf("line %d: not a JSON return authorization: %w", n, err)
		}
		list = append(list, r)
	}
	return list, sc.Err()
}

func importCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs, getenv)
	stationID := stationIDFlag(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() != 1 {
		return usageError{"usage: station import [--data DIR] FILE"}
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	list, err := readReturns(f)
	f.Close()
	if err != nil {
		return err
	}
	// Check everything first: a file with one bad record changes nothing.
	var bad []string
	for i := range list {
		if err := list[i].Validate(); err != nil {
			var fields []string
			for _, fe := range station.Fields(err) {
				fields = append(fields, fe.Field+": "+fe.Detail)
			}
			bad = append(bad, fmt.Sprintf("record %d (%s): %s", i+1, list[i].RMA, strings.Join(fields, "; ")))
		}
	}
	if len(bad) > 0 {
		return errors.New("nothing imported; fix these records first:\n  " + strings.Join(bad, "\n  "))
	}
	db, err := openForCLI(*data, *stationID)
	if err != nil {
		return err
	}
	defer db.Close()
	env := db.Clock().Env(db.StationID(), "system:import", station.RoleAdmin)
	// One transaction: a kill, a full disk or a failing record part way
	// leaves the data exactly as it was, never half imported.
	fmt.Fprintf(stderr, "all %d records are valid; writing them in one transaction (an interruption imports none of them)\n", len(list))
	applied, ignored, matched := 0, 0, 0
	_, err = db.Update(ctx, nil, func(tx station.Tx) (any, error) {
		applied, ignored, matched = 0, 0, 0 // a group that failed runs again alone
		for i := range list {
			res, err := station.PutReturn(tx, env, &list[i], "later_pull")
			if err != nil {
				return nil, fmt.Errorf("record %d (%s): %w", i+1, list[i].RMA, err)
			}
			if res.Applied {
				applied++
			} else {
				ignored++
			}
			matched += len(res.Matched)
		}
		return nil, nil
	})
	if err != nil {
		return fmt.Errorf("nothing imported: %w", err)
	}
	fmt.Fprintf(stdout, "imported %d return authorizations (%d new or newer, %d ignored as an equal or older version, %d waiting parcels matched)\n", len(list), applied, ignored, matched)
	return nil
}

func check(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs, getenv)
	stationID := stationIDFlag(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	db, err := openForCLI(*data, *stationID)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Check(); err != nil {
		return explainDamage(&bolt.DamagedError{Path: dbPath(*data), Problems: []string{err.Error()}}, *data)
	}
	fmt.Fprintf(stdout, "%s: OK (station %s, last event seq %d)\n", dbPath(*data), db.StationID(), db.LastSeq())
	for _, w := range db.OpenWarnings() {
		fmt.Fprintf(stdout, "note: %s\n", w)
	}
	if r, err := db.Restored(context.Background()); err == nil && r != nil && r.Waiting {
		fmt.Fprintf(stdout, "restored from a backup ending at event seq %d: the events after it wait for central's position before they are sent\n", r.BackupLastSeq)
	}
	return nil
}

// healthcheck asks a local station for /healthz; containers without curl use it.
func healthcheck(args []string, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", envOr(getenv, "STATION_ADDR", ":8080"), "the station's listen address (env STATION_ADDR)")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	host, port, err := net.SplitHostPort(*addr)
	if err != nil {
		return usageError{fmt.Sprintf("--addr %q: want HOST:PORT or :PORT", *addr)}
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	client := &http.Client{Timeout: 2 * time.Second}
	res, err := client.Get("http://" + net.JoinHostPort(host, port) + "/healthz")
	if err != nil {
		return fmt.Errorf("station not answering on %s: %w", *addr, err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("station on %s answered %s", *addr, res.Status)
	}
	return nil
}

// userAdd creates a person's account. The PIN comes from standard input, so
// it never shows in the process list or the shell history.
func userAdd(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs, getenv)
	stationID := stationIDFlag(fs, getenv)
	name := fs.String("name", "", "user name, e.g. li.wei")
	role := fs.String("role", "", "operator, supervisor or admin")
	display := fs.String("display", "", "name shown in the UI, e.g. 李伟")
	badge := fs.String("badge", "", "badge barcode for scan sign-in (optional)")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *name == "" || *role == "" {
		return usageError{"usage: station user add --name NAME --role ROLE [--display NAME] [--badge CODE]"}
	}
	// Open (and lock) the data first: while a station serves it, say so
	// before asking for a PIN that could not be used.
	db, err := openForCLI(*data, *stationID)
	if err != nil {
		return fmt.Errorf("%w\nwhile the station runs, an admin adds people on its Admin page; with no account yet, the station's log holds a setup code for the first admin", err)
	}
	defer db.Close()
	fmt.Fprint(stderr, "PIN (4-12 digits): ")
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && line == "" {
		return errors.New("no PIN given on standard input")
	}
	u, err := db.AddUser(station.User{Username: *name, DisplayName: *display, Role: *role}, strings.TrimSpace(line), *badge)
	if err != nil {
		var fields []string
		for _, f := range station.Fields(err) {
			fields = append(fields, f.Field+": "+f.Detail)
		}
		if len(fields) > 0 {
			return fmt.Errorf("%s (%s)", station.ErrorMessage(err), strings.Join(fields, "; "))
		}
		return err
	}
	fmt.Fprintf(stdout, "user %s (%s) added; they can sign in at the station's web page\n", u.Username, u.Role)
	return nil
}

func backupCmd(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs, getenv)
	stationID := stationIDFlag(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() != 1 {
		return usageError{"usage: station backup [--data DIR] FILE   (while serving: GET /api/v1/backup with an admin token)"}
	}
	db, err := openForCLI(*data, *stationID)
	if err != nil {
		return fmt.Errorf("%w\nwhile the station runs, take a hot backup over HTTP: curl -H \"Authorization: Bearer $ADMIN_TOKEN\" -o backup.tar http://HOST:PORT/api/v1/backup", err)
	}
	defer db.Close()
	m, err := db.BackupTo(fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup of station %s written to %s (database %d bytes, %d photos, last event seq %d)\n", db.StationID(), fs.Arg(0), m.DBBytes, m.Photos, m.LastSeq)
	return nil
}

func restoreCmd(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs, getenv)
	stationID := stationIDFlag(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() != 1 {
		return usageError{"usage: station restore [--data DIR] FILE"}
	}
	if err := os.MkdirAll(*data, 0o750); err != nil {
		return err
	}
	res, err := bolt.Restore(dbPath(*data), fs.Arg(0), time.Now(), *stationID)
	if err != nil {
		return err
	}
	if res.Manifest != nil {
		fmt.Fprintf(stdout, "restored %s into %s: station %s as of %s (last event seq %d), %d photos\n", fs.Arg(0), *data,
			res.Manifest.StationID, res.Manifest.TakenAt.Format(time.RFC3339), res.Manifest.LastSeq, res.Manifest.Photos)
	} else {
		fmt.Fprintf(stdout, "restored %s into %s (a database-only backup: the photos already in %s stay)\n", fs.Arg(0), *data, *data)
	}
	if res.KeptDB != "" {
		fmt.Fprintf(stdout, "the replaced data file is kept as %s\n", res.KeptDB)
		if _, err := os.Stat(res.KeptDB + ".journal"); err == nil {
			fmt.Fprintf(stdout, "its journal is kept beside it as %s.journal: keep the two together\n", res.KeptDB)
		}
	}
	if res.KeptPhotos != "" {
		fmt.Fprintf(stdout, "the replaced photos are kept in %s\n", res.KeptPhotos)
	}
	fmt.Fprintln(stdout, "the restored data has a new epoch: central's feed cursors are refused (410) so it resynchronises")
	fmt.Fprintln(stdout, "before its first push the station asks central how far it holds this station's events; until then new events stay on the station, and GET /api/v1/sync then names the events that exist only on central")
	return nil
}
