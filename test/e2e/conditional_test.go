package e2e

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
)

// TestConcurrentConditionalCreateMakesOne sends 50 identical conditional
// creates at once over real HTTP; exactly one resource may result (the
// race HAPI, Microsoft's server, LinuxForHealth and Medplum lost).
func TestConcurrentConditionalCreateMakesOne(t *testing.T) {
	for _, version := range []string{"R4", "STU3"} {
		t.Run(version, func(t *testing.T) {
			srv := startServer(t, version, t.TempDir())
			c := newClient(srv.Base, srv.token(false))
			body := []byte(`{"resourceType":"Patient","identifier":[{"system":"urn:mrn","value":"race-1"}]}`)
			hdr := map[string]string{"If-None-Exist": "identifier=urn:mrn|race-1"}
			statuses := make([]int, 50)
			ids := make([]string, 50)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range 50 {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					<-start
					resp, err := c.do(context.Background(), "POST", "/Patient", body, hdr)
					if err != nil {
						t.Error(err)
						return
					}
					statuses[i] = resp.Status
					ids[i] = resp.Header.Get("Location")
				}(i)
			}
			close(start)
			wg.Wait()
			created := 0
			for i, s := range statuses {
				switch s {
				case 201:
					created++
				case 200:
				default:
					t.Fatalf("request %d: status %d", i, s)
				}
			}
			if created != 1 {
				t.Fatalf("50 identical conditional creates made %d resources, want 1", created)
			}
			resp, err := c.do(context.Background(), "GET", "/Patient?identifier=urn:mrn|race-1&_total=accurate", nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			var b struct {
				Total int `json:"total"`
				Entry []any
			}
			_ = json.Unmarshal(resp.Body, &b)
			if len(b.Entry) != 1 {
				t.Fatalf("search finds %d Patients with the identifier, want 1: %s", len(b.Entry), resp.Body)
			}
		})
	}
}
