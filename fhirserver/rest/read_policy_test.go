package rest

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/repository"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// denyList is the Config.ReadPolicy of these tests: it records each read
// method REST calls and refuses the ids it names, as a visibility filter
// would.
type denyList struct {
	repository.Reader
	deny  string
	mu    sync.Mutex
	calls []string
}

func (d *denyList) saw(m string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls = append(d.calls, m)
}

func (d *denyList) Read(ctx context.Context, typ, id string) (*storage.Record, error) {
	d.saw("Read")
	if id == d.deny {
		return nil, outcome.NotFound("%s/%s is not known", typ, id)
	}
	return d.Reader.Read(ctx, typ, id)
}

func (d *denyList) VRead(ctx context.Context, typ, id string, vid int64) (*storage.Record, error) {
	d.saw("VRead")
	if id == d.deny {
		return nil, outcome.NotFound("%s/%s is not known", typ, id)
	}
	return d.Reader.VRead(ctx, typ, id, vid)
}

func (d *denyList) History(ctx context.Context, q storage.HistoryQuery) (storage.HistoryPage, error) {
	d.saw("History")
	if q.ID == d.deny {
		return storage.HistoryPage{}, outcome.NotFound("%s/%s is not known", q.Type, q.ID)
	}
	return d.Reader.History(ctx, q)
}

func (d *denyList) Search(ctx context.Context, req search.Request) (*search.Result, error) {
	d.saw("Search")
	res, err := d.Reader.Search(ctx, req)
	if err == nil {
		res.Entries = slices.DeleteFunc(res.Entries, func(e search.Entry) bool { return e.Record.ID == d.deny })
	}
	return res, err
}

// TestReadPolicyWrapsEveryRead: every read interaction goes through the
// configured policy, so a resource it refuses is a 404 to read, vread and
// history and missing from search, also inside a batch.
func TestReadPolicyWrapsEveryRead(t *testing.T) {
	var policy *denyList
	e := newEnv(t, versions[0], func(c *Config) {
		c.ReadPolicy = func(r repository.Reader) repository.Reader {
			policy = &denyList{Reader: r, deny: "secret"}
			return policy
		}
	})
	for _, id := range []string{"secret", "shown"} {
		if r := e.do("PUT", "/fhir/Patient/"+id, `{"resourceType":"Patient","id":"`+id+`","name":[{"family":"Same"}]}`); r.Status != http.StatusCreated {
			t.Fatalf("put %s: %d %s", id, r.Status, r.Body)
		}
	}
	if r := e.do("POST", "/fhir/$aggregation-outcome", aggReport("Patient/secret 1 excluded rule=r1", "Patient/shown 1 excluded rule=r1")); r.Status != http.StatusOK {
		t.Fatalf("report: %d %s", r.Status, r.Body)
	}
	tests := []struct {
		path   string
		status int
		call   string
	}{
		{"/fhir/Patient/secret", http.StatusNotFound, "Read"},
		{"/fhir/Patient/secret/_history/1", http.StatusNotFound, "VRead"},
		{"/fhir/Patient/secret/_history", http.StatusNotFound, "History"},
		{"/fhir/Patient/secret/$aggregation-outcome", http.StatusNotFound, "Read"},
		{"/fhir/Patient/shown", http.StatusOK, "Read"},
		{"/fhir/Patient/_history", http.StatusOK, "History"},
		{"/fhir/Patient?family=Same", http.StatusOK, "Search"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			policy.mu.Lock()
			policy.calls = nil
			policy.mu.Unlock()
			r := e.do("GET", tt.path, "")
			if r.Status != tt.status {
				t.Fatalf("%d %s, want %d", r.Status, r.Body, tt.status)
			}
			policy.mu.Lock()
			defer policy.mu.Unlock()
			if !slices.Contains(policy.calls, tt.call) {
				t.Errorf("the policy saw %v, want %s", policy.calls, tt.call)
			}
		})
	}
	r := e.do("GET", "/fhir/Patient?family=Same", "")
	if n := len(r.json(t).Get("entry").Items); n != 1 {
		t.Errorf("search found %d entries, want only the visible one", n)
	}
	// So does the list of the aggregator's outcomes.
	r = e.do("GET", "/fhir/$aggregation-outcome?outcome=excluded", "")
	if entries := r.json(t).Get("entry"); entries == nil || len(entries.Items) != 1 ||
		!strings.Contains(entries.Items[0].Str("fullUrl"), "/Patient/shown/") {
		t.Errorf("$aggregation-outcome = %s, want only Patient/shown", r.Body)
	}
	// The change feed reads its versions through the policy too.
	r = e.do("GET", "/fhir/$changes", "")
	if r.Status != http.StatusOK {
		t.Fatalf("$changes: %d %s", r.Status, r.Body)
	}
	entries := r.json(t).Get("entry")
	if entries == nil || len(entries.Items) != 1 || !strings.HasSuffix(entries.Items[0].Str("fullUrl"), "/Patient/shown") {
		t.Errorf("$changes = %s, want only Patient/shown", r.Body)
	}
}
