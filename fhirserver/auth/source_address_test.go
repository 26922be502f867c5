package auth

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"testing"
)

func TestParseTrustedProxies(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{in: "", want: nil},
		{in: "10.0.0.0/8", want: []string{"10.0.0.0/8"}},
		{in: " 10.1.2.3/8 , fd00::/8,192.0.2.7", want: []string{"10.0.0.0/8", "fd00::/8", "192.0.2.7/32"}},
		{in: "::ffff:192.0.2.7", want: []string{"192.0.2.7/32"}},
		{in: "10.0.0.0/33", wantErr: true},
		{in: "ingress.local", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTrustedProxies(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i].String() != tt.want[i] {
					t.Fatalf("%v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestSourceAddr(t *testing.T) {
	proxies := trustedProxies{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	tests := []struct {
		name   string
		remote string
		xff    []string
		want   string
	}{
		{"no proxy", "198.51.100.1:5000", nil, "198.51.100.1"},
		{"spoofed header from an untrusted peer is ignored", "198.51.100.1:5000", []string{"203.0.113.9"}, "198.51.100.1"},
		{"trusted proxy: the client it saw", "10.1.1.1:80", []string{"203.0.113.9"}, "203.0.113.9"},
		{"client-written entries left of it are ignored", "10.1.1.1:80", []string{"1.2.3.4, 203.0.113.9"}, "203.0.113.9"},
		{"a chain of trusted proxies is skipped", "10.1.1.1:80", []string{"1.2.3.4, 203.0.113.9, 10.2.2.2", "10.3.3.3"}, "203.0.113.9"},
		{"IPv6 and a port", "[fd00::1]:443", []string{"[2001:db8::5]:1234"}, "2001:db8::5"},
		{"IPv4-mapped peer", "[::ffff:10.1.1.1]:80", []string{"203.0.113.9"}, "203.0.113.9"},
		{"garbage stops at the last trusted hop", "10.1.1.1:80", []string{"203.0.113.9, not-an-ip"}, "10.1.1.1"},
		{"only trusted hops: the left-most", "10.1.1.1:80", []string{"10.9.9.9"}, "10.9.9.9"},
		{"trusted proxy without the header", "10.1.1.1:80", nil, "10.1.1.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/oauth2/token", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := proxies.sourceAddr(r).String(); got != tt.want {
				t.Fatalf("source %s, want %s", got, tt.want)
			}
		})
	}
}

// Through the endpoint: behind a trusted proxy, a guesser's failures block
// only the guesser's own address, and an untrusted peer cannot escape its
// block by writing X-Forwarded-For.
func TestTokenEndpointThrottlesBehindProxy(t *testing.T) {
	clock := newFakeClock()
	c := newCredSet(t, "acme")
	dir := t.TempDir()
	c.writeFiles(t, dir)
	e := startEndpoint(t, c, dir, clock, func(cfg *Config) {
		cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	})
	cc := url.Values{"grant_type": {"client_credentials"}}
	const ingress = "10.0.0.5:33000"
	for range defaultThrottlePolicy().maxFailures {
		postTokenFrom(t, e, ingress, "203.0.113.66", cc, c.clientID, "guess")
	}
	if w := postTokenFrom(t, e, ingress, "203.0.113.66", cc, c.clientID, c.clientSecret); w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
		t.Fatalf("the guessing address: %d %q, want 429 with Retry-After", w.Code, w.Header().Get("Retry-After"))
	}
	if w := postTokenFrom(t, e, ingress, "198.51.100.20", cc, c.aggID, c.aggSecret); w.Code != http.StatusOK {
		t.Fatalf("the aggregator behind the same ingress: %d %s", w.Code, w.Body)
	}
	// An untrusted peer's header is not believed.
	const direct = "192.0.2.50:4000"
	for range defaultThrottlePolicy().maxFailures {
		postTokenFrom(t, e, direct, "198.51.100.1", cc, c.clientID, "guess")
	}
	if w := postTokenFrom(t, e, direct, "198.51.100.2", cc, c.clientID, c.clientSecret); w.Code != http.StatusTooManyRequests {
		t.Fatalf("a blocked untrusted peer with a forged X-Forwarded-For: %d, want 429", w.Code)
	}
}
