package server

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestBodyDeadline: a handler reading a body that never comes gets an
// error once the deadline passes, instead of waiting for ever; a request
// whose body arrives is unaffected.
func TestBodyDeadline(t *testing.T) {
	srv := httptest.NewServer(bodyDeadline(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			w.WriteHeader(http.StatusRequestTimeout)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}), 50*time.Millisecond))
	defer srv.Close()
	tests := []struct {
		name string
		req  string
		want int
	}{
		{"body withheld", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc", http.StatusRequestTimeout},
		{"body sent", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", http.StatusNoContent},
		{"no body", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", http.StatusNoContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(10 * time.Second)) // bounds a broken server
			if _, err := io.WriteString(conn, tt.req); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}
