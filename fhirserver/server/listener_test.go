package server

import (
	"net"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// counterValue sums a counter or every counter of a vector.
func counterValue(t *testing.T, c prometheus.Collector) float64 {
	t.Helper()
	ch := make(chan prometheus.Metric, 16)
	go func() { c.Collect(ch); close(ch) }()
	sum := 0.0
	for m := range ch {
		var d dto.Metric
		if err := m.Write(&d); err != nil {
			t.Fatal(err)
		}
		sum += d.GetCounter().GetValue()
	}
	return sum
}

// TestLimitListener opens connections from one address past each cap: the
// ones over it are closed before anything is read, and a closed one makes
// room again.
func TestLimitListener(t *testing.T) {
	tests := []struct {
		name              string
		total, perAddr    int
		dial, wantRefused int
		reason            string
	}{
		{"per address", 0, 3, 5, 2, "per_address"},
		{"total", 2, 0, 5, 3, "total"},
		{"no caps", 0, 0, 5, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inner, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			reg := prometheus.NewRegistry()
			l := newLimitListener(inner, tt.total, tt.perAddr, reg)
			defer l.Close()
			accepted := make(chan net.Conn, tt.dial)
			go func() {
				for {
					c, err := l.Accept()
					if err != nil {
						return
					}
					accepted <- c
				}
			}()
			for range tt.dial {
				c, err := net.Dial("tcp", inner.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
			}
			// Wait until the listener has decided on every connection.
			refused := func() int { return int(counterValue(t, l.refused)) }
			for deadline := time.Now().Add(10 * time.Second); len(accepted)+refused() < tt.dial; {
				if time.Now().After(deadline) {
					t.Fatalf("%d accepted and %d refused of %d", len(accepted), refused(), tt.dial)
				}
				time.Sleep(time.Millisecond)
			}
			if refused() != tt.wantRefused || len(accepted) != tt.dial-tt.wantRefused {
				t.Fatalf("%d refused, %d accepted; want %d refused", refused(), len(accepted), tt.wantRefused)
			}
			if tt.reason != "" {
				if got := counterValue(t, l.refused.WithLabelValues(tt.reason)); got != float64(tt.wantRefused) {
					t.Fatalf("refused for %s: %v, want %d", tt.reason, got, tt.wantRefused)
				}
				// Closing an accepted connection makes room for one more.
				(<-accepted).Close()
				c, err := net.Dial("tcp", inner.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				select {
				case <-accepted:
				case <-time.After(10 * time.Second):
					t.Fatal("no room after a close")
				}
			}
		})
	}
}
