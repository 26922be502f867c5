package server

import (
	"net"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// limitListener bounds the connections a server holds, in total and per
// remote address: a client opening thousands of connections and sending
// nothing (or headers and no body) would otherwise hold a goroutine, a
// buffer and a file descriptor each until the read deadlines end them, and
// could use up the descriptors every other client needs. A connection over
// a cap is closed as soon as it is accepted, before anything is read from
// it. A cap of 0 means none.
type limitListener struct {
	net.Listener
	maxTotal, maxPerAddr int
	refused              *prometheus.CounterVec

	mu     sync.Mutex
	open   int
	byAddr map[string]int
}

func newLimitListener(l net.Listener, maxTotal, maxPerAddr int, reg prometheus.Registerer) *limitListener {
	ll := &limitListener{Listener: l, maxTotal: maxTotal, maxPerAddr: maxPerAddr, byAddr: map[string]int{},
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fhir_connections_refused_total",
			Help: "Connections closed as soon as accepted because a cap was reached (reason: total or per_address).",
		}, []string{"reason"}),
	}
	if reg != nil {
		reg.MustRegister(ll.refused, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "fhir_connections_open",
			Help: "Connections currently open to the server's listener.",
		}, func() float64 { ll.mu.Lock(); defer ll.mu.Unlock(); return float64(ll.open) }))
	}
	return ll
}

// Accept returns the next connection within the caps; those over a cap are
// closed here and never reach the HTTP server.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := remoteHost(c)
		if reason := l.enter(addr); reason != "" {
			_ = c.Close()
			l.refused.WithLabelValues(reason).Inc()
			continue
		}
		return &limitedConn{Conn: c, l: l, addr: addr}, nil
	}
}

// enter counts a new connection from addr, or says which cap it is over.
func (l *limitListener) enter(addr string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.maxTotal > 0 && l.open >= l.maxTotal {
		return "total"
	}
	if l.maxPerAddr > 0 && l.byAddr[addr] >= l.maxPerAddr {
		return "per_address"
	}
	l.open++
	l.byAddr[addr]++
	return ""
}

func (l *limitListener) leave(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if l.byAddr[addr]--; l.byAddr[addr] <= 0 {
		delete(l.byAddr, addr) // the map holds only addresses with connections
	}
}

// remoteHost is the address a connection counts against: the IP without
// the port, since one client opens many ports.
func remoteHost(c net.Conn) string {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return a.IP.String()
	}
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return c.RemoteAddr().String()
	}
	return host
}

// limitedConn gives its place back when closed (once, however often
// net/http closes it).
type limitedConn struct {
	net.Conn
	l    *limitListener
	addr string
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.leave(c.addr) })
	return err
}

// CloseWrite keeps net/http's graceful close: when it ends a connection
// whose request body it did not read (a 401, a 408), it first shuts the
// sending side and waits briefly, so the client reads the answer instead
// of a reset.
func (c *limitedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
