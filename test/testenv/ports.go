package testenv

import (
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// FreeAddr returns a loopback address free to listen on, for a server a
// test must name before it listens (its base URL names the port). It is
// taken below the kernel's ephemeral range: a port the kernel gave for
// "127.0.0.1:0" and the test released could be given again, as the source
// port of any outgoing connection, before the server binds it (a server
// then failed to start with "address already in use"). Ports are handed
// out in turn from a start that differs per process, each checked free.
func FreeAddr(t testing.TB) string {
	t.Helper()
	for range portSpan {
		port := portFloor + int(nextPort.Add(1)%int64(portSpan))
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		addr := l.Addr().String()
		_ = l.Close()
		return addr
	}
	t.Fatalf("no free loopback port in %d–%d", portFloor, portFloor+portSpan-1)
	return ""
}

// The ports FreeAddr hands out: from portFloor up to the node agent's
// pod ports (20000 on, hack/nodeagent; test/e2e runs make dev)
// or the kernel's ephemeral range (ip_local_port_range), whichever is
// lower, starting at a point set by the process id.
var (
	portFloor = 10000
	portSpan  = min(ephemeralLow(), 20000) - portFloor
	nextPort  atomic.Int64
)

func init() { nextPort.Store(int64(os.Getpid()) * 7919) }

// ephemeralLow is the lowest port the kernel gives connections and
// ":0" listeners (32768 when it cannot be read or is implausibly low).
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > portFloor+1000 {
				return n
			}
		}
	}
	return 32768
}
