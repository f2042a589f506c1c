package web

import (
	"net/netip"
	"strings"
	"testing"
)

// FuzzForwardedFor feeds arbitrary X-Forwarded-For values behind a trusted
// proxy. The client found is the peer or an address the header names; once
// it is an untrusted address, nothing written to its left (the part a client
// controls) changes it; and an untrusted hop a trusted proxy appends is the
// client.
func FuzzForwardedFor(f *testing.F) {
	for _, seed := range [][2]string{{"", ""}, {"6.6.6.6", "198.51.100.7"}, {"1.1.1.1", "198.51.100.7, 10.9.0.1"}, {"x", "garbage, 10.9.0.1"},
		{"[::1]:80", "2001:db8::1"}, {"", "10.9.0.1, 10.9.0.2"}, {"203.0.113.9", "198.51.100.7:4711"}, {" ", " , ,"}, {"", "::ffff:10.9.0.3"}, {"a", "fe80::1%eth0"}} {
		f.Add(seed[0], seed[1])
	}
	s := &Server{proxies: parseProxies([]string{"127.0.0.1", "10.9.0.0/16", "2001:db8::/32"})}
	peer := netip.MustParseAddr("127.0.0.1")
	client := func(xff string) netip.Addr { return forwardedClient(peer, [][]byte{[]byte(xff)}, s.trusted) }
	f.Fuzz(func(t *testing.T, forged, xff string) {
		got := client(xff)
		if !got.IsValid() {
			t.Fatalf("%q → invalid address", xff)
		}
		named := got == peer
		for _, h := range strings.Split(xff, ",") {
			if a, ok := parseHop(h); ok && a == got {
				named = true
			}
		}
		if !named {
			t.Fatalf("%q → %v, neither the peer nor a hop", xff, got)
		}
		if !s.trusted(got) {
			if again := client(forged + "," + xff); again != got {
				t.Fatalf("%q → %v, but with %q forged to its left → %v", xff, got, forged, again)
			}
		}
		vouched := netip.MustParseAddr("198.51.100.200")
		if again := client(xff + ", " + vouched.String()); again != vouched {
			t.Fatalf("%q plus the untrusted hop %v a trusted proxy added → %v", xff, vouched, again)
		}
	})
}
