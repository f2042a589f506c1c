package bolt_test

import (
	"path/filepath"
	"testing"

	"returns-station/station/bolt"
)

// A store opened with NoTallies (a benchmark's baseline) runs the same
// commands and keeps no running aggregate; the same script with them does.
func TestNoTalliesKeepsNoCounters(t *testing.T) {
	for _, off := range []bool{false, true} {
		db, err := bolt.Open(filepath.Join(t.TempDir(), "station.db"), bolt.Options{StationID: "st-t", NoTallies: off})
		if err != nil {
			t.Fatal(err)
		}
		scriptDays(t, db, 1, 3)
		got := counters(t, db)
		db.Close()
		if off && len(got) != 0 {
			t.Errorf("with NoTallies the store kept counters: %v", got)
		}
		if !off && len(got) == 0 {
			t.Error("the same script with the tallies kept no counter")
		}
	}
}
