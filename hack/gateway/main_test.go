package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// backendState routes host app.localhost to addr.
func backendState(addr string) state {
	_, port, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(port)
	p := int32(n)
	ready := true
	return state{
		ingresses: func() ([]*networkingv1.Ingress, error) {
			return []*networkingv1.Ingress{ingress("ns", "app.localhost", path("/fhir", networkingv1.PathTypePrefix, "app", networkingv1.ServiceBackendPort{Name: "http"}))}, nil
		},
		service: func(string, string) (*corev1.Service, error) { return &corev1.Service{}, nil },
		slices: func(string, string) ([]*discoveryv1.EndpointSlice, error) {
			return []*discoveryv1.EndpointSlice{{
				Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"dev.localhost"}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}}},
				Ports:     []discoveryv1.EndpointPort{{Name: ptr("http"), Port: &p}},
			}}, nil
		},
	}
}

func TestHandlerProxiesAndStreams(t *testing.T) {
	release := make(chan struct{})
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The server sees its own host name and who asked.
		w.Header().Set("X-Seen", r.Host+" "+r.Header.Get("X-Forwarded-Host")+" "+r.Header.Get("X-Forwarded-Proto"))
		w.WriteHeader(200)
		io.WriteString(w, "first;")
		w.(http.Flusher).Flush()
		<-release // a long poll: the first part must arrive before the rest exists
		io.WriteString(w, "second")
	}))
	defer backend.Close()
	gw := httptest.NewServer(handler(backendState(backend.Listener.Addr().String()), slog.New(slog.DiscardHandler)))
	defer gw.Close()

	req, _ := http.NewRequest("GET", gw.URL+"/fhir/$changes", nil)
	req.Host = "app.localhost:8080"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if got := resp.Header.Get("X-Seen"); got != "app.localhost:8080 app.localhost:8080 http" {
		t.Errorf("backend saw %q", got)
	}
	buf := make([]byte, 6)
	if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != "first;" {
		t.Fatalf("first part %q, %v (buffered by the gateway?)", buf, err)
	}
	close(release)
	rest, _ := io.ReadAll(resp.Body)
	if string(rest) != "second" {
		t.Errorf("rest %q", rest)
	}
}

func TestHandlerErrorsAreOperationOutcomes(t *testing.T) {
	// A backend that is gone: its port is closed.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	gw := httptest.NewServer(handler(backendState(addr), slog.New(slog.DiscardHandler)))
	defer gw.Close()
	client := &http.Client{Timeout: 10 * time.Second}
	for _, tc := range []struct {
		host, path string
		status     int
		diag       string
	}{
		{"nobody.localhost", "/fhir", 404, "no Ingress rule serves host nobody.localhost"},
		{"app.localhost", "/fhir/Patient", 502, "did not answer"},
	} {
		req, _ := http.NewRequest("GET", gw.URL+tc.path, nil)
		req.Host = tc.host
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var oo struct {
			ResourceType string
			Issue        []struct{ Code, Diagnostics string }
		}
		_ = json.NewDecoder(resp.Body).Decode(&oo)
		resp.Body.Close()
		if resp.StatusCode != tc.status || oo.ResourceType != "OperationOutcome" || len(oo.Issue) != 1 || !strings.Contains(oo.Issue[0].Diagnostics, tc.diag) {
			t.Errorf("%s%s: %d %+v", tc.host, tc.path, resp.StatusCode, oo)
		}
	}
}
