package main

import (
	"runtime/debug"
	"testing"
)

func TestGCDefaultsGiveWayToTheEnvironment(t *testing.T) {
	pct, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	defer func() { debug.SetGCPercent(pct); debug.SetMemoryLimit(limit) }()
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }

	gcDefaults(env(nil))
	if got := debug.SetGCPercent(100); got != 400 {
		t.Errorf("GOGC unset: GC percent %d, want 400", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 512<<20 {
		t.Errorf("GOMEMLIMIT unset: memory limit %d, want %d", got, 512<<20)
	}
	for _, vars := range []map[string]string{{"GOGC": "100"}, {"GOMEMLIMIT": "1GiB"}} {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(limit)
		gcDefaults(env(vars))
		if got := debug.SetGCPercent(100); got != 100 {
			t.Errorf("%v: GC percent changed to %d", vars, got)
		}
		if got := debug.SetMemoryLimit(-1); got != limit {
			t.Errorf("%v: memory limit changed to %d", vars, got)
		}
	}
}
