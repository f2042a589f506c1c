package station_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"returns-station/station"
)

func TestSignInKeys(t *testing.T) {
	for _, tc := range []struct {
		name, client, user string
		badge              bool
		want               []string
	}{
		{"name and PIN", "10.0.0.7", "li.wei", false, []string{"ip:10.0.0.7", "user:li.wei"}},
		{"case and spaces share the count", "10.0.0.7", " Li.Wei ", false, []string{"ip:10.0.0.7", "user:li.wei"}},
		{"badge: the client only", "10.0.0.7", "", true, []string{"ip:10.0.0.7"}},
	} {
		if got := station.SignInKeys(tc.client, tc.user, tc.badge); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestLockout plays scripted attempts against the sign-in limit (5 a
// minute) and checks each answer: allowed, or how long to wait.
func TestLockout(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	user := []string{"ip:10.0.0.7", "user:li.wei"}
	other := []string{"ip:10.0.0.8", "user:li.wei"} // the same name from another desk
	type step struct {
		keys    []string
		at      int // seconds after t0
		release bool
		wait    time.Duration // 0: allowed
	}
	five := func(keys []string) []step {
		var out []step
		for i := range 5 {
			out = append(out, step{keys: keys, at: i})
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"sixth within the minute waits for the first to expire",
			append(five(user), step{keys: user, at: 10, wait: 50 * time.Second})},
		{"the name is locked from another client too",
			append(five(user), step{keys: other, at: 10, wait: 50 * time.Second})},
		{"a refused attempt is not counted",
			append(five(user), step{keys: user, at: 10, wait: 50 * time.Second}, step{keys: user, at: 60}, step{keys: user, at: 60, wait: time.Second})},
		{"a minute later it is allowed again",
			append(five(user), step{keys: user, at: 60})},
		{"a success is given back",
			append(five(user)[:4], step{keys: user, at: 4}, step{keys: user, at: 4, release: true}, step{keys: user, at: 5})},
		{"another name and client is not affected",
			append(five(user), step{keys: []string{"ip:10.0.0.9", "user:wang.fang"}, at: 10})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := station.NewLockout(station.SignInAttempts, station.SignInWindow)
			for i, s := range tc.steps {
				if s.release {
					l.Release(s.keys, at(s.at))
					continue
				}
				if got := l.Reserve(s.keys, at(s.at)); got != s.wait {
					t.Fatalf("step %d (%v at +%ds): wait %s, want %s", i, s.keys, s.at, got, s.wait)
				}
			}
		})
	}
}

// TestLockoutForgetsExpiredKeys: attempts under ever new names and
// addresses do not pile up: once a key's minute is over, it is forgotten
// (at the latest when the map has doubled), so the map holds about the
// keys of the last minute.
func TestLockoutForgetsExpiredKeys(t *testing.T) {
	l := station.NewLockout(5, time.Minute)
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	for i := 0; i < 5000; i++ {
		l.Reserve([]string{fmt.Sprintf("user:old-%d", i)}, t0)
	}
	t1 := t0.Add(2 * time.Minute)
	for i := 0; i < 5000; i++ {
		l.Reserve([]string{fmt.Sprintf("user:new-%d", i)}, t1)
	}
	if n := l.Keys(); n != 5000 {
		t.Errorf("the lockout holds %d keys; want the 5000 of the last minute", n)
	}
	// A key still in its minute keeps its count through sweeps.
	for i := 0; i < 5; i++ {
		l.Reserve([]string{"user:u3"}, t1)
	}
	for i := 0; i < 20000; i++ {
		l.Reserve([]string{fmt.Sprintf("user:burst-%d", i)}, t1.Add(30*time.Second))
	}
	if wait := l.Reserve([]string{"user:u3"}, t1.Add(40*time.Second)); wait <= 0 {
		t.Error("a sweep dropped a live lockout")
	}
}
