package station_test

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"returns-station/station"
)

func TestPINHashAndCheck(t *testing.T) {
	h, err := station.HashPIN("2468", []byte("0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "pbkdf2-sha256$210000$") || strings.Contains(h, "2468") {
		t.Fatalf("hash %q: want the pbkdf2-sha256 form at 210000 iterations, without the PIN", h)
	}
	if !station.CheckPIN(h, "2468") || station.CheckPIN(h, "2469") {
		t.Error("a full-cost hash does not check its own PIN, or lets another in")
	}
	other, err := station.HashPIN("2468", []byte("fedcba9876543210"))
	if err != nil {
		t.Fatal(err)
	}
	if other == h {
		t.Error("one PIN under two salts hashes alike: two people with one PIN would show it")
	}
	cheap := cheapHash(t, "2468")
	parts := strings.Split(cheap, "$")
	for _, tc := range []struct {
		name, hash, pin string
		want            bool
	}{
		{"right PIN", cheap, "2468", true},
		{"wrong PIN", cheap, "2469", false},
		{"PIN with a space", cheap, "2468 ", false},
		{"empty PIN", cheap, "", false},
		{"empty hash", "", "2468", false},
		{"another scheme", "md5$1000$" + parts[2] + "$" + parts[3], "2468", false},
		{"three parts", strings.Join(parts[:3], "$"), "2468", false},
		{"iterations not a number", "pbkdf2-sha256$many$" + parts[2] + "$" + parts[3], "2468", false},
		{"zero iterations", "pbkdf2-sha256$0$" + parts[2] + "$" + parts[3], "2468", false},
		{"other iterations", "pbkdf2-sha256$1001$" + parts[2] + "$" + parts[3], "2468", false},
		{"salt not base64", "pbkdf2-sha256$1000$!!$" + parts[3], "2468", false},
		{"no key", "pbkdf2-sha256$1000$" + parts[2] + "$", "2468", false},
	} {
		if got := station.CheckPIN(tc.hash, tc.pin); got != tc.want {
			t.Errorf("%s: CheckPIN %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestCheckUserPINOfNobody: a name nobody has is refused whatever the
// PIN (that it costs a full check is pin_internal_test.go's).
func TestCheckUserPINOfNobody(t *testing.T) {
	h := cheapHash(t, "2468")
	real := &station.User{Username: "li.wei", PINHash: h}
	if !station.CheckUserPIN(real, "2468") || station.CheckUserPIN(real, "0000") {
		t.Fatal("a real user's PIN is not checked right")
	}
	for _, u := range []*station.User{nil, {Username: "ghost"}} {
		if station.CheckUserPIN(u, "no user has this PIN") {
			t.Errorf("user %+v let in", u)
		}
	}
}

// cheapHash is a hash of HashPIN's form at 1,000 iterations, so that the
// table's checks cost microseconds; CheckPIN reads the count from the hash.
func cheapHash(t *testing.T, pin string) string {
	t.Helper()
	salt := []byte("0123456789abcdef")
	key, err := pbkdf2.Key(sha256.New, pin, salt, 1000, 32)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawStdEncoding
	return "pbkdf2-sha256$1000$" + enc.EncodeToString(salt) + "$" + enc.EncodeToString(key)
}
