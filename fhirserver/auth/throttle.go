package auth

import (
	"net/netip"
	"sync"
	"time"
)

// The token endpoint throttles failed client authentications per source
// address, never per client id: client ids are public (every token carries
// one), so counting failures per id would let anyone lock the owner out.
// docs/auth.md ("Throttling") states the rules below for operators.
//
// An address is judged by the most specific entry that exists for it: its
// own, else its network's (IPv4 /24, IPv6 /64), else the one shared overflow
// entry. Failures go to the address's own entry while the address table has
// room, to its network's entry while only the network table has room, and to
// the overflow entry when both are full. No entry that still remembers
// something (failures in the current window, a block, an attempt in flight,
// a recent success) is ever evicted to make room: a flood of fresh addresses
// fills the tables and then shares the overflow entry, but it cannot push a
// blocked guesser out and so cannot reset its block.

// throttlePolicy says how many failed client authentications an entry may
// count in a window before it is blocked, and how large the tables grow.
type throttlePolicy struct {
	maxFailures int
	window      time.Duration
	block       time.Duration
	// remember is how long an address that authenticated keeps its own
	// entry, so that a flood of other addresses does not move a known
	// client into a shared entry.
	remember time.Duration
	maxAddrs int // entries in the per-address table
	maxNets  int // entries in the per-network table
}

// defaultThrottlePolicy allows a client that mistyped its secret a few
// retries, while capping a guesser at ten tries a minute per address: about
// 5·10⁶ tries a year against a 256-bit generated secret. The tables hold at
// most 16384 addresses and 4096 networks (about 2.5 MB at worst); the
// largest number of guesses a minute anyone can make, whatever the number of
// addresses, is then 10 × (16384 + 4096 + 1).
func defaultThrottlePolicy() throttlePolicy {
	return throttlePolicy{maxFailures: 10, window: time.Minute, block: time.Minute,
		remember: time.Hour, maxAddrs: 16384, maxNets: 4096}
}

// pruneEvery bounds how often a full table is scanned for entries with
// nothing left to remember, so a flood cannot make every request a scan.
const pruneEvery = time.Second

// entry is what the throttle remembers of one address, network or the
// overflow. Times are Unix nanoseconds to keep an entry at 32 bytes.
type entry struct {
	failures     int32 // failed authentications in the window ending at windowEnd
	inflight     int32 // attempts being checked right now
	windowEnd    int64
	blockedUntil int64
	goodUntil    int64 // a success from this address was recent
}

// liveUntil is when the entry stops mattering; an entry with attempts in
// flight is live until they settle.
func (e *entry) liveUntil() int64 {
	t := max(e.blockedUntil, e.goodUntil)
	if e.failures > 0 {
		t = max(t, e.windowEnd)
	}
	return t
}

func (e *entry) live(now int64) bool { return e.inflight > 0 || now < e.liveUntil() }

// table is a bounded map of entries that never evicts a live one.
type table[K comparable] struct {
	max       int
	m         map[K]*entry
	nextPrune int64
}

func newTable[K comparable](max int) table[K] {
	return table[K]{max: max, m: make(map[K]*entry)}
}

// add returns the entry for k, new if need be, or nil when the table is
// full of live ones.
func (t *table[K]) add(k K, now int64) *entry {
	if e := t.m[k]; e != nil {
		return e
	}
	if len(t.m) >= t.max && now >= t.nextPrune {
		t.prune(now)
	}
	if len(t.m) >= t.max {
		return nil
	}
	e := &entry{}
	t.m[k] = e
	return e
}

// prune drops entries with nothing left to remember. The next scan waits
// for the earliest moment one of the survivors can lapse, but at least
// pruneEvery and at most a window of the default policy.
func (t *table[K]) prune(now int64) {
	earliest := now + int64(time.Minute)
	for k, e := range t.m {
		if !e.live(now) {
			delete(t.m, k)
		} else if e.inflight == 0 {
			earliest = min(earliest, e.liveUntil())
		}
	}
	t.nextPrune = max(earliest, now+int64(pruneEvery))
}

// throttle counts failed client authentications per source address.
type throttle struct {
	policy   throttlePolicy
	mu       sync.Mutex
	addrs    table[netip.Addr]
	nets     table[netip.Prefix]
	overflow entry
}

func newThrottle(p throttlePolicy) *throttle {
	return &throttle{policy: p, addrs: newTable[netip.Addr](p.maxAddrs), nets: newTable[netip.Prefix](p.maxNets)}
}

// ticket names the entry an attempt was counted in, to settle it later.
type ticket struct {
	addr netip.Addr
	net  netip.Prefix
	lvl  level
}

type level uint8

const (
	levelAddr level = iota
	levelNet
	levelOverflow
)

// networkOf is the network an address is grouped in when the address table
// is full: what one customer site or one cloud host usually holds.
func networkOf(a netip.Addr) netip.Prefix {
	bits := 64
	if a.Is4() {
		bits = 24
	}
	p, _ := a.Prefix(bits)
	return p
}

// find returns the entry that judges addr, creating one where addr's
// failures would be counted if it has none. Callers hold t.mu.
func (t *throttle) find(addr netip.Addr, now int64) (*entry, ticket) {
	tk := ticket{addr: addr, net: networkOf(addr)}
	if e := t.addrs.m[addr]; e != nil {
		return e, tk
	}
	tk.lvl = levelNet
	if e := t.nets.m[tk.net]; e != nil && e.live(now) {
		return e, tk
	}
	tk.lvl = levelOverflow
	if t.overflow.live(now) {
		// Until the overflow's failures and block lapse, an address without
		// an entry of its own stays in it: a guesser counted there gains
		// nothing when the flood that put it there ends.
		return &t.overflow, tk
	}
	if e := t.addrs.add(addr, now); e != nil {
		tk.lvl = levelAddr
		return e, tk
	}
	if e := t.nets.add(tk.net, now); e != nil {
		tk.lvl = levelNet
		return e, tk
	}
	return &t.overflow, tk
}

// entryOf returns the entry a ticket was counted in, or nil if it is gone.
func (t *throttle) entryOf(tk ticket) *entry {
	switch tk.lvl {
	case levelAddr:
		return t.addrs.m[tk.addr]
	case levelNet:
		return t.nets.m[tk.net]
	}
	return &t.overflow
}

// begin starts an authentication attempt from addr. It returns how long
// addr must wait instead (its entry is blocked, or would be if every
// attempt in flight failed); otherwise the attempt is counted in flight
// until settle.
func (t *throttle) begin(addr netip.Addr, now time.Time) (ticket, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := now.UnixNano()
	e, tk := t.find(addr, n)
	if n < e.blockedUntil {
		return tk, time.Duration(e.blockedUntil - n)
	}
	if n >= e.windowEnd {
		e.failures, e.windowEnd = 0, n+int64(t.policy.window)
	}
	if int(e.failures+e.inflight) >= t.policy.maxFailures {
		// Parallel guesses: as many are in flight as may still fail.
		return tk, time.Second
	}
	e.inflight++
	return tk, 0
}

// attemptResult is how an authentication attempt ended.
type attemptResult uint8

const (
	// outcomeNone: no client authentication was decided (a malformed
	// request, a server error); nothing is counted.
	outcomeNone attemptResult = iota
	outcomeFailed
	outcomeSucceeded
)

// settle ends an attempt started by begin.
func (t *throttle) settle(tk ticket, o attemptResult, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := now.UnixNano()
	e := t.entryOf(tk)
	if e == nil {
		return // cannot happen: entries with attempts in flight are kept
	}
	e.inflight--
	switch o {
	case outcomeFailed:
		if n >= e.windowEnd {
			e.failures, e.windowEnd = 0, n+int64(t.policy.window)
		}
		e.failures++
		if int(e.failures) >= t.policy.maxFailures {
			e.blockedUntil = n + int64(t.policy.block)
			e.failures = 0
		}
	case outcomeSucceeded:
		if tk.lvl == levelAddr {
			// A client that got in is not a guesser; behind one shared
			// address this also gives others' guesses a fresh count, which
			// at most once per success is the price of not refusing it.
			e.failures = 0
		} else if own := t.addrs.add(tk.addr, n); own != nil {
			e = own
		} else {
			return
		}
		e.goodUntil = n + int64(t.policy.remember)
	}
}
