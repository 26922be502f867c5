package repository

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// newRepo is an R4 repository over a fresh store and the real search engine.
func newRepo(t testing.TB) (*Repository, *storage.Store) {
	t.Helper()
	return newRepoOf(t, defs.R4)
}

// newRepoOf is newRepo for version ver.
func newRepoOf(t testing.TB, ver *defs.Version) (*Repository, *storage.Store) {
	t.Helper()
	st, err := storage.Open(t.TempDir(), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	eng, err := search.NewEngine(ver, st, search.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(Config{Version: ver, Store: st, Searcher: eng})
	if err != nil {
		t.Fatal(err)
	}
	return r, st
}

// put writes one version of a resource through Commit (an update, which
// creates it the first time) and returns its versionId.
func put(t *testing.T, r *Repository, typ, id, body string) int64 {
	t.Helper()
	res, err := r.Commit(t.Context(), &Write{Action: ActionUpdate, Type: typ, ID: id, Resource: parse(t, r, body)})
	if err != nil {
		t.Fatal(err)
	}
	return res.Rec.VersionID
}

// parse is a validated resource.
func parse(t *testing.T, r *Repository, body string) *fhirjson.Value {
	t.Helper()
	v, err := r.ParseResource([]byte(body), "")
	if err != nil {
		t.Fatalf("parse %s: %v", body, err)
	}
	return v
}
