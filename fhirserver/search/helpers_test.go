package search

import (
	"context"
	"net/url"
	"slices"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// smallStore indexes the given resources (JSON) into a fresh store.
func smallStore(t testing.TB, v *defs.Version, resources ...string) *fixture {
	t.Helper()
	store, err := storage.Open(t.TempDir(), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	e, err := NewEngine(v, store, Options{BaseURL: testBase})
	if err != nil {
		t.Fatal(err)
	}
	_, err = store.Write(context.Background(), func(tx *storage.Tx) error {
		for _, js := range resources {
			res, err := fhirjson.Parse([]byte(js))
			if err != nil {
				t.Fatalf("%s: %v", js, err)
			}
			entries, err := e.IndexEntries(res.Str("resourceType"), res)
			if err != nil {
				return err
			}
			if _, err := tx.Put(storage.Put{Type: res.Str("resourceType"), ID: res.Str("id"), JSON: []byte(js), Index: entries}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{e: e, store: store, n: len(resources)}
}

// expect runs typ?query and compares the sorted entry names.
func expect(t *testing.T, f *fixture, typ, query string, want ...string) {
	t.Helper()
	got, _ := run(t, f, typ, query)
	if !slices.Equal(sorted(got), sorted(want)) {
		t.Errorf("%s?%s = %v, want %v", typ, query, sorted(got), sorted(want))
	}
}

func searchReq(t *testing.T, f *fixture, req Request) *Result {
	t.Helper()
	if req.Params == nil {
		req.Params = url.Values{}
	}
	res, err := f.e.Search(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

var chainWorld = []string{
	`{"resourceType":"Organization","id":"org1","name":"Acme Hospital"}`,
	`{"resourceType":"Organization","id":"org2","name":"Other Clinic"}`,
	`{"resourceType":"Patient","id":"p1","name":[{"family":"Smith"}],"managingOrganization":{"reference":"Organization/org1"},"generalPractitioner":[{"reference":"Practitioner/dr1"}]}`,
	`{"resourceType":"Patient","id":"p2","name":[{"family":"Jones"}],"managingOrganization":{"reference":"Organization/org2"}}`,
	`{"resourceType":"Practitioner","id":"dr1","name":[{"family":"Careful"}]}`,
	`{"resourceType":"Observation","id":"o1","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"1-1"}]},"subject":{"reference":"Patient/p1"},"effectiveDateTime":"2020-01-01"}`,
	`{"resourceType":"Observation","id":"o2","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"2-2"}]},"subject":{"reference":"Patient/p2"},"effectiveDateTime":"2021-01-01","hasMember":[{"reference":"Observation/o1"}]}`,
	`{"resourceType":"Observation","id":"o3","status":"preliminary","code":{"coding":[{"system":"http://loinc.org","code":"1-1"}]},"subject":{"reference":"Group/g1"}}`,
	`{"resourceType":"Provenance","id":"prov1","target":[{"reference":"Observation/o1"}],"recorded":"2020-01-02T00:00:00Z","agent":[{"who":{"reference":"Practitioner/dr1"}}]}`,
}

// entriesOf returns the index entries the engine writes for one resource
// (JSON).
func entriesOf(t *testing.T, e *Engine, js string) []storage.IndexEntry {
	t.Helper()
	res, err := fhirjson.Parse([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := e.IndexEntries(res.Str("resourceType"), res)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}
