package main

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
)

// portAllocator hands out loopback ports for pods below the kernel's
// ephemeral range: a port picked there (":0") can be taken, between a
// server's crash and its restart, as the source port of any outgoing
// connection, and the server then never binds again. With hundreds of
// servers and their probes that happens.
type portAllocator struct {
	mu        sync.Mutex
	low, high int // inclusive
	next      int
	held      map[int]bool
	listen    func(port int) bool // whether the port is free now
}

// newPortAllocator covers [20000, start of the ephemeral range), starting at
// a random place so that two agents (a test's fleet beside make dev) rarely
// try the same ports.
func newPortAllocator() *portAllocator {
	low, high := 20000, 32767
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if first, err := strconv.Atoi(f[0]); err == nil && first-1 > low+1000 {
				high = first - 1
			}
		}
	}
	return &portAllocator{low: low, high: high, next: low + rand.IntN(high-low+1), held: map[int]bool{}, listen: portFree}
}

func portFree(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// take returns a port no pod of this agent holds and nothing listens on.
func (p *portAllocator) take() (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for range p.high - p.low + 1 {
		port := p.next
		p.next++
		if p.next > p.high {
			p.next = p.low
		}
		if !p.held[port] && p.listen(port) {
			p.held[port] = true
			return port, nil
		}
	}
	return 0, fmt.Errorf("no free loopback port in %d-%d", p.low, p.high)
}

// release gives ports back once their process is gone.
func (p *portAllocator) release(ports map[string]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, port := range ports {
		delete(p.held, port)
	}
}
