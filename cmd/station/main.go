// Command station runs the returns station and its maintenance commands.
//
//	station [serve] [--data DIR] [--addr HOST:PORT]
//	station token create --data DIR --name NAME --role ROLE
//	station import --data DIR FILE
//	station check --data DIR
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
)

func main() {
	gcDefaults(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	if err != nil {
		var u usageError
		if errors.As(err, &u) {
			fmt.Fprintln(os.Stderr, "station:", err)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "station:", err)
		os.Exit(1)
	}
}

// gcDefaults lets the heap grow to five times what is live (GOGC=400)
// under a soft cap of 512 MiB (GOMEMLIMIT), unless either is set in the
// environment, which then decides alone. The station's live heap is a few
// MB; collecting at twice that cost 17% of the CPU of a busy receive
// (user+system time, 64 receives per commit, measured against GOGC=100).
func gcDefaults(getenv func(string) string) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(512 << 20)
}

// secretKeys are the settings that hold secrets. Each may instead be given
// as a file, KEY_FILE (a Docker or systemd secret), so it stays out of the
// process environment listing and shell history.
var secretKeys = []string{"STATION_CENTRAL_TOKEN", "STATION_CARRIER_KUAIDI100_SECRET", "STATION_CARRIER_TRACK17_SECRET",
	"STATION_CARRIER_AFTERSHIP_SECRET", "STATION_CARRIER_EASYPOST_SECRET", "STATION_CARRIER_WEBHOOK_SECRET",
	"STATION_POLL_KUAIDI100_KEY", "STATION_POLL_TRACK17_TOKEN"}

// withSecretFiles returns getenv that also reads KEY_FILE for secret keys.
// A named file that cannot be read is an error at start, not an empty secret.
func withSecretFiles(getenv func(string) string) (func(string) string, error) {
	files := map[string]string{}
	for _, k := range secretKeys {
		path := getenv(k + "_FILE")
		if path == "" {
			continue
		}
		if getenv(k) != "" {
			return nil, usageError{fmt.Sprintf("%s and %s_FILE are both set; keep one", k, k)}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("%s_FILE: %w", k, err)
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			return nil, fmt.Errorf("%s_FILE: %s is empty", k, path)
		}
		files[k] = v
	}
	return func(k string) string {
		if v, ok := files[k]; ok {
			return v
		}
		return getenv(k)
	}, nil
}

// usageError marks mistakes in the command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

const usage = `usage:
  station [serve] [--data DIR] [--addr HOST:PORT]   run the station (default ./data, :8080)
  station token create --name NAME --role ROLE       print a new API token (operator, supervisor, admin, central)
  station user add --name NAME --role ROLE           add a person (operator, supervisor, admin); PIN from standard input
  station import FILE                                load return authorizations (JSON array or NDJSON)
  station backup FILE                                write a consistent copy of the data (station stopped; else GET /api/v1/backup)
  station restore FILE                               replace the data with a backup (station stopped)
  station check                                      verify the data file's integrity
  station demo [--addr HOST:PORT]                    a station with a fake central and a simulated carrier, to try it out
  station fakecentral [--addr HOST:PORT] [--seed]    the fake central platform alone (for integrators)
  station bench [--duration 5s] [--rounds 3]         measure the speed targets, throughput, latency and scale
  station healthcheck [--addr HOST:PORT]             exit 0 if the local station answers /healthz (for containers)
Every command takes --data DIR (or STATION_DATA). Run "station COMMAND --help" for its flags.`

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	getenv, err := withSecretFiles(getenv)
	if err != nil {
		return err
	}
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, stdout, stderr, getenv)
	case "token":
		if len(args) == 0 || args[0] != "create" {
			return usageError{"usage: station token create --name NAME --role ROLE"}
		}
		return tokenCreate(args[1:], stdout, stderr, getenv)
	case "user":
		if len(args) == 0 || args[0] != "add" {
			return usageError{"usage: station user add --name NAME --role ROLE [--display NAME] [--badge CODE] (PIN read from standard input)"}
		}
		return userAdd(args[1:], os.Stdin, stdout, stderr, getenv)
	case "import":
		return importCmd(ctx, args, stdout, stderr, getenv)
	case "backup":
		return backupCmd(args, stdout, stderr, getenv)
	case "restore":
		return restoreCmd(args, stdout, stderr, getenv)
	case "check":
		return check(args, stdout, stderr, getenv)
	case "demo":
		return demo(ctx, args, stdout, stderr, getenv)
	case "fakecentral":
		return fakeCentral(ctx, args, stdout, stderr)
	case "bench":
		return bench(ctx, args, stdout, stderr)
	case "bench-open":
		return benchOpen(args, stdout)
	case "healthcheck":
		return healthcheck(args, stderr, getenv)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return usageError{fmt.Sprintf("unknown command %q\n%s", cmd, usage)}
}
