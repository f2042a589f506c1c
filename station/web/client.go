package web

import (
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// parseProxies reads --trusted-proxies entries (IPs or CIDRs); the command
// line has already refused anything else.
func parseProxies(list []string) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range list {
		p = strings.TrimSpace(p)
		if pre, err := netip.ParsePrefix(p); err == nil {
			out = append(out, pre.Masked())
		} else if a, err := netip.ParseAddr(p); err == nil {
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return out
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientIP is the address of whoever sent the request, for lockouts and logs.
// The peer's own address, unless the peer is a trusted proxy: then
// X-Forwarded-For is read from the right, over the hops trusted proxies
// added, and the first address no trusted proxy owns is the client. Anything
// left of it was written by the client and is never believed.
func (s *Server) clientIP(c *fiber.Ctx) string {
	peer, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	return forwardedClient(peer.Unmap(), c.Request().Header.PeekAll(fiber.HeaderXForwardedFor), s.trusted).String()
}

// forwardedClient walks the X-Forwarded-For headers from the right while the
// address in hand is a trusted proxy, and returns the first one that is not
// (or the last good one, when the chain ends or an entry is not an address).
func forwardedClient(peer netip.Addr, headers [][]byte, trusted func(netip.Addr) bool) netip.Addr {
	client := peer
	if !trusted(client) {
		return client
	}
	var hops []string
	for _, v := range headers {
		hops = append(hops, strings.Split(string(v), ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			break // not an address: the proxy that passed it on is the best we know
		}
		client = a
		if !trusted(a) {
			break
		}
	}
	return client
}

// parseHop reads one X-Forwarded-For entry: an IP, or an IP with a port.
func parseHop(h string) (netip.Addr, bool) {
	h = strings.TrimSpace(h)
	if a, err := netip.ParseAddr(h); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(h); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}
