package testenv

import (
	"net"
	"strconv"
	"testing"
)

// TestFreeAddr: the addresses are on loopback, below the node agent's pod
// ports and the ephemeral range, free to listen on, and not handed out
// twice in a row.
func TestFreeAddr(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		addr := FreeAddr(t)
		host, port, err := net.SplitHostPort(addr)
		if err != nil || host != "127.0.0.1" {
			t.Fatalf("FreeAddr = %q: %v", addr, err)
		}
		if n, _ := strconv.Atoi(port); n < 10000 || n >= 20000 {
			t.Fatalf("FreeAddr = %q, want a port in 10000–19999", addr)
		}
		if seen[addr] {
			t.Fatalf("FreeAddr gave %s twice", addr)
		}
		seen[addr] = true
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("listen on %s: %v", addr, err)
		}
		_ = l.Close()
	}
}
