package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/fhirfleet/fhirfleet/test/loadgen"
)

// The workloads of issue 13's table, each against a real fhirserver process.

const (
	// searchPatients are the Patients the read and search workloads run
	// over, in searchFamilies family names: Fam000 … Fam199, all the same
	// length so that the prefix match of family= finds exactly one name's
	// 100 Patients (more than the first page of 20).
	searchPatients = 20_000
	searchFamilies = 200
	// observationsPerTransaction Observations and their Patient make up
	// each transaction.
	observationsPerTransaction = 10
)

// benchPatient is a registration-sized Patient (about 450 bytes).
func benchPatient(mrn int, family string) string {
	return fmt.Sprintf(`{"resourceType":"Patient","identifier":[{"system":"http://hospital.example/mrn","value":"MRN-%d"}],"active":true,`+
		`"name":[{"use":"official","family":%q,"given":["Ann","Marie"]}],"telecom":[{"system":"phone","value":"(03) 5555 6473","use":"home"}],`+
		`"gender":"female","birthDate":"1980-04-12","address":[{"line":["534 Erewhon St"],"city":"PleasantVille","postalCode":"3999"}]}`, mrn, family)
}

func benchObservation(subject string) string {
	return strings.Replace(observation, `"reference":"Patient/example"`, fmt.Sprintf(`"reference":%q`, subject), 1)
}

// patientTransaction is a transaction of one Patient and n Observations
// whose subject is that Patient's urn:uuid: the server resolves the
// reference to the id it assigns. The urn:uuids are local to the Bundle, so
// every client can send the same bytes.
func patientTransaction(n int) []byte {
	const pat = "urn:uuid:6f0c3b52-0000-4000-8000-000000000000"
	var b bytes.Buffer
	b.WriteString(`{"resourceType":"Bundle","type":"transaction","entry":[`)
	fmt.Fprintf(&b, `{"fullUrl":%q,"resource":%s,"request":{"method":"POST","url":"Patient"}}`, pat, benchPatient(1, "Bench"))
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `,{"fullUrl":"urn:uuid:6f0c3b52-0000-4000-8000-%012d","resource":%s,"request":{"method":"POST","url":"Observation"}}`,
			i, benchObservation(pat))
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// seedBundle is a transaction of the Patients first … first+n-1 of the
// search set, family Fam<i mod searchFamilies>.
func seedBundle(first, n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"resourceType":"Bundle","type":"transaction","entry":[`)
	for i := first; i < first+n; i++ {
		if i > first {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"resource":%s,"request":{"method":"POST","url":"Patient"}}`, benchPatient(i, familyName(i)))
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

func familyName(i int) string { return fmt.Sprintf("Fam%03d", i%searchFamilies) }

// locationIDs are the ids in a transaction-response's locations
// ("Patient/<id>/_history/1").
func locationIDs(body []byte) ([]string, error) {
	var b struct {
		Entry []struct {
			Response struct{ Location string }
		}
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(b.Entry))
	for _, e := range b.Entry {
		parts := strings.Split(e.Response.Location, "/")
		if len(parts) < 2 || parts[1] == "" {
			return nil, fmt.Errorf("entry location %q", e.Response.Location)
		}
		ids = append(ids, parts[1])
	}
	return ids, nil
}

// seed writes searchPatients Patients in transactions of 100, four at a
// time, and returns their ids.
func seed(p *proc, tok string) ([]string, error) {
	const per, workers = 100, 4
	var mu sync.Mutex
	var ids []string
	var firstErr error
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for first := range next {
				got, err := postBundle(p, tok, seedBundle(first, per))
				mu.Lock()
				ids = append(ids, got...)
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	for first := 0; first < searchPatients; first += per {
		next <- first
	}
	close(next)
	wg.Wait()
	if firstErr == nil && len(ids) != searchPatients {
		firstErr = fmt.Errorf("seeded %d Patients, want %d", len(ids), searchPatients)
	}
	return ids, firstErr
}

func postBundle(p *proc, tok string, body []byte) ([]string, error) {
	req, _ := http.NewRequest("POST", p.base+"/fhir", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/fhir+json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("seed transaction: %d %.300s", resp.StatusCode, b)
	}
	return locationIDs(b)
}

// workload is one row of the table: how to load the server and what it
// must reach.
type workload struct {
	name    string // file name of its profiles
	title   string // as the table says it
	clients int
	unit    string
	// perRequest is the units one request carries (resources per bundle).
	perRequest float64
	want       int // HTTP status of every answer
	target     target
	// writes: against a fresh server each repetition (its store starts
	// empty); otherwise against the server holding the search set.
	writes bool
	// build makes the requests, given the server and a token.
	build func(base, tok string, ids []string) loadgen.RequestFunc
}

func workloads() []workload {
	tx := patientTransaction(observationsPerTransaction)
	created := benchPatient(0, "Bench")
	authed := func(ctx context.Context, method, url, tok string, body []byte) (*http.Request, error) {
		var r io.Reader
		if body != nil {
			r = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, url, r)
		if err == nil {
			req.Header.Set("Authorization", "Bearer "+tok)
			if body != nil {
				req.Header.Set("Content-Type", "application/fhir+json")
			}
		}
		return req, err
	}
	return []workload{{
		name: "create", title: "POST Patient (`Prefer: return=minimal`)", clients: 64, unit: "requests", perRequest: 1,
		want: http.StatusCreated, target: target{share: 20, p99: 20 * time.Millisecond}, writes: true,
		build: func(base, tok string, _ []string) loadgen.RequestFunc {
			return func(ctx context.Context, _, _ int) (*http.Request, error) {
				req, err := authed(ctx, "POST", base+"/fhir/Patient", tok, []byte(created))
				if err == nil {
					req.Header.Set("Prefer", "return=minimal")
				}
				return req, err
			}
		},
	}, {
		name: "transaction", title: fmt.Sprintf("transaction: 1 Patient + %d Observations (urn:uuid references)", observationsPerTransaction),
		clients: 16, unit: "resources", perRequest: 1 + observationsPerTransaction,
		want: http.StatusOK, target: target{share: 25, p99: 50 * time.Millisecond}, writes: true,
		build: func(base, tok string, _ []string) loadgen.RequestFunc {
			return func(ctx context.Context, _, _ int) (*http.Request, error) {
				return authed(ctx, "POST", base+"/fhir", tok, tx)
			}
		},
	}, {
		name: "read", title: fmt.Sprintf("GET Patient/{id} over %s Patients", thousands(searchPatients)), clients: 64, unit: "requests", perRequest: 1,
		want: http.StatusOK, target: target{share: 75, p99: 5 * time.Millisecond},
		build: func(base, tok string, ids []string) loadgen.RequestFunc {
			return func(ctx context.Context, c, i int) (*http.Request, error) {
				return authed(ctx, "GET", base+"/fhir/Patient/"+ids[(c*7919+i)%len(ids)], tok, nil)
			}
		},
	}, {
		name: "search", title: fmt.Sprintf("`Patient?family=` over %s Patients (%d matches, first page of 20)", thousands(searchPatients), searchPatients/searchFamilies),
		clients: 16, unit: "requests", perRequest: 1,
		want: http.StatusOK, target: target{share: 20},
		build: func(base, tok string, _ []string) loadgen.RequestFunc {
			return func(ctx context.Context, c, i int) (*http.Request, error) {
				return authed(ctx, "GET", base+"/fhir/Patient?family="+familyName(c*7919+i), tok, nil)
			}
		},
	}}
}
