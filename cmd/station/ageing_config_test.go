package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

// TestAgeingFlags: the 24-hour clock takes its targets from flags or the
// environment; an alarm before the target, or a target that is not a
// positive duration, stops the station at start with the flags named.
func TestAgeingFlags(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	c, err := parseServe([]string{"--data", t.TempDir()}, io.Discard, env(nil))
	if err != nil || c.AgeTarget != 24*time.Hour || c.AgeAlarm != 48*time.Hour {
		t.Fatalf("defaults: %v %v, %v; want 24h and 48h", c.AgeTarget, c.AgeAlarm, err)
	}
	c, err = parseServe([]string{"--data", t.TempDir(), "--age-target", "12h"}, io.Discard, env(map[string]string{"STATION_AGE_ALARM": "36h"}))
	if err != nil || c.AgeTarget != 12*time.Hour || c.AgeAlarm != 36*time.Hour {
		t.Fatalf("set: %v %v, %v; want 12h and 36h", c.AgeTarget, c.AgeAlarm, err)
	}
	for _, tc := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"--age-target", "30h", "--age-alarm", "20h"}, nil},
		{[]string{"--age-target", "0s"}, nil},
		{nil, map[string]string{"STATION_AGE_ALARM": "two days"}},
	} {
		_, err := parseServe(append([]string{"--data", t.TempDir()}, tc.args...), io.Discard, env(tc.env))
		if err == nil || !strings.Contains(err.Error(), "--age-alarm") || !strings.Contains(err.Error(), "--age-target") {
			t.Errorf("%v %v: %v; want a usage error naming --age-target and --age-alarm", tc.args, tc.env, err)
		}
	}
}
