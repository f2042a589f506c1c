package bolt_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	bbolt "go.etcd.io/bbolt"

	"returns-station/station"
	"returns-station/station/bolt"
)

// TestOlderStationRulesLoad: a data file written by a station before the rule
// document had a schema (today's schema 1 built-in rules, version 4 after
// supervisors' edits) opens, its rules are migrated to schema 2 in force and
// on disk, and its version is kept.
func TestOlderStationRulesLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "station.db")
	db, err := bolt.Open(path, bolt.Options{StationID: "st-old"})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	old, err := os.ReadFile("../testdata/rules_schema1.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(old, &doc); err != nil {
		t.Fatal(err)
	}
	doc["version"] = 4
	old, _ = json.Marshal(doc)
	raw, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := raw.Update(func(tx *bbolt.Tx) error { return tx.Bucket([]byte("meta")).Put([]byte("rules"), old) }); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	for round := 0; round < 2; round++ { // the second open reads what the first stored
		db, err := bolt.Open(path, bolt.Options{})
		if err != nil {
			t.Fatalf("open %d: %v", round, err)
		}
		var rs *station.RuleSet
		db.View(func(tx station.Tx) (err error) { rs, err = tx.Rules(); return })
		if rs.Schema != station.RulesSchema || rs.Version != 4 || rs.Template("手机壳").ID != "accessories" {
			t.Errorf("open %d: schema %d version %d, 手机壳 → %s; want schema %d, version 4, accessories", round, rs.Schema, rs.Version, rs.Template("手机壳").ID, station.RulesSchema)
		}
		if err := rs.Validate(); err != nil {
			t.Errorf("open %d: migrated rules do not validate: %v", round, err)
		}
		db.Close()
	}
	raw, err = bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.View(func(tx *bbolt.Tx) error {
		var head struct{ Schema int }
		json.Unmarshal(tx.Bucket([]byte("meta")).Get([]byte("rules")), &head)
		if head.Schema != station.RulesSchema {
			t.Errorf("stored rules have schema %d, want %d", head.Schema, station.RulesSchema)
		}
		return nil
	})
}
