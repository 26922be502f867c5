package auth

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// ParseTrustedProxies reads the --trusted-proxies list: comma-separated
// CIDRs (or single addresses) of the proxies whose X-Forwarded-For the
// token endpoint believes. Empty means none.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: want a CIDR such as 10.0.0.0/8 or an address", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// trustedProxies are the networks whose X-Forwarded-For is believed.
type trustedProxies []netip.Prefix

func (p trustedProxies) contains(a netip.Addr) bool {
	for _, n := range p {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// sourceAddr is the address a token request is throttled by: the TCP peer,
// unless the peer is a trusted proxy. Then it is the right-most
// X-Forwarded-For address that is not itself a trusted proxy: everything
// to its right was appended by trusted proxies, everything to its left was
// written by the client and may be forged. A malformed entry ends the walk
// at the last trusted hop, so garbage cannot pick someone else's address.
func (p trustedProxies) sourceAddr(r *http.Request) netip.Addr {
	peer := parseHost(r.RemoteAddr)
	if !peer.IsValid() || !p.contains(peer) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	src := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a := parseHost(strings.TrimSpace(hops[i]))
		if !a.IsValid() {
			return src
		}
		src = a
		if !p.contains(a) {
			return a
		}
	}
	return src
}

// parseHost reads an address with or without a port, with IPv4-mapped IPv6
// addresses as IPv4 and no zone; the zero Addr when it is not one.
func parseHost(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone("")
	}
	if a, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return a.Unmap().WithZone("")
	}
	return netip.Addr{}
}
