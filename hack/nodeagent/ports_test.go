package main

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestPortAllocator(t *testing.T) {
	busy := map[int]bool{20001: true}
	p := &portAllocator{low: 20000, high: 20003, next: 20003, held: map[int]bool{}, listen: func(port int) bool { return !busy[port] }}
	var got []int
	for range 3 {
		port, err := p.take()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, port)
	}
	// Wraps around, skips the busy port, never hands out one twice.
	if got[0] != 20003 || got[1] != 20000 || got[2] != 20002 {
		t.Fatalf("ports %v, want [20003 20000 20002]", got)
	}
	if _, err := p.take(); err == nil {
		t.Fatal("a fourth port out of three free ones")
	}
	p.release(map[string]int{"http": 20000})
	if port, err := p.take(); err != nil || port != 20000 {
		t.Fatalf("after release: %d, %v", port, err)
	}
}

func TestNewPortAllocatorStaysBelowTheEphemeralRange(t *testing.T) {
	p := newPortAllocator()
	ephemeralLow := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		ephemeralLow, _ = strconv.Atoi(strings.Fields(string(b))[0])
	}
	if p.low != 20000 || p.high < p.low || p.high >= ephemeralLow || p.next < p.low || p.next > p.high {
		t.Fatalf("range %d-%d (ephemeral ports from %d), next %d", p.low, p.high, ephemeralLow, p.next)
	}
	port, err := p.take()
	if err != nil || port < p.low || port > p.high {
		t.Fatalf("take = %d, %v", port, err)
	}
}
