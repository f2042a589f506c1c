package station_test

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"returns-station/station"
)

// contractTypes are central.md §3's event types; the others are the station's own.
var contractTypes = map[string]bool{
	station.EventParcelReceived: true, station.EventParcelMatched: true, station.EventParcelException: true,
	station.EventUnitInspected: true, station.EventUnitRegraded: true, station.EventUnitMoved: true,
	station.EventParcelClosed: true, station.EventTrackingUpdated: true,
}

// dataFields lists the JSON fields of a data type in order, an outer field
// replacing an embedded one of the same name as encoding/json does.
func dataFields(t reflect.Type) (names []string, optional, null map[string]bool) {
	optional, null = map[string]bool{}, map[string]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Anonymous && name == "" {
				walk(f.Type)
				continue
			}
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if _, seen := optional[name]; !seen {
				names = append(names, name)
			}
			optional[name] = strings.Contains(opts, "omitempty")
			null[name] = !optional[name] && f.Type.Kind() == reflect.Pointer
		}
	}
	walk(t)
	return names, optional, null
}

// eventTable is the README's event table, generated from the types.
func eventTable() string {
	var b strings.Builder
	b.WriteString("| type | Go type (package station) | data | |\n| --- | --- | --- | --- |\n")
	for _, d := range station.EventDataTypes() {
		t := reflect.TypeOf(d).Elem()
		names, optional, null := dataFields(t)
		var fields []string
		for _, n := range names {
			f := "`" + n + "`"
			if optional[n] {
				f += " (optional)"
			}
			if null[n] {
				f += " (or null)"
			}
			fields = append(fields, f)
		}
		who := "station's own"
		if contractTypes[d.EventType()] {
			who = "central.md §3"
		}
		b.WriteString("| `" + d.EventType() + "` | `" + t.Name() + "` | " + strings.Join(fields, ", ") + " | " + who + " |\n")
	}
	return b.String()
}

// TestEventTypesAreTheREADMETable checks that every event type has one data
// type, and that the README's event table is the one these types generate.
// STATION_UPDATE_README=1 rewrites the README's table.
func TestEventTypesAreTheREADMETable(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range station.EventDataTypes() {
		if seen[d.EventType()] {
			t.Errorf("two data types for %s", d.EventType())
		}
		seen[d.EventType()] = true
	}
	for typ := range contractTypes {
		if !seen[typ] {
			t.Errorf("central's event type %s has no data type", typ)
		}
	}
	// Every event type constant of the package has its data type listed.
	files, _ := filepath.Glob("*.go")
	constant := regexp.MustCompile(`(Event\w+)\s*=\s*"(returns\.[a-z_.]+)"`)
	n := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range constant.FindAllStringSubmatch(string(src), -1) {
			n++
			if !seen[m[2]] {
				t.Errorf("%s (%s, in %s) has no data type in station.EventDataTypes", m[1], m[2], f)
			}
		}
	}
	if n < len(seen) {
		t.Errorf("found %d event type constants for %d data types: the source scan is broken", n, len(seen))
	}
	const begin, end = "<!-- event table: generated from station.EventDataTypes -->\n", "<!-- end of event table -->"
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no event table between %q and %q", begin, end)
	}
	want := eventTable()
	if got := readme[i+len(begin) : j]; got != want {
		if os.Getenv("STATION_UPDATE_README") == "1" {
			if err := os.WriteFile("../README.md", []byte(readme[:i+len(begin)]+want+readme[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("README.md's event table differs from the event data types; run STATION_UPDATE_README=1 go test ./station -run TestEventTypesAreTheREADMETable, or put in:\n%s", want)
	}
}
