package repository

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// newRepo is a repository over a fresh store and the real search engine.
func newRepo(t *testing.T) (*Repository, *storage.Store) {
	t.Helper()
	st, err := storage.Open(t.TempDir(), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	eng, err := search.NewEngine(defs.R4, st, search.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(Config{Store: st, Searcher: eng})
	if err != nil {
		t.Fatal(err)
	}
	return r, st
}

// put writes one version of a resource as the store holds it (id and meta
// stamped), indexed by the engine, and returns its versionId.
func put(t *testing.T, r *Repository, typ, id, body string) int64 {
	t.Helper()
	v, err := fhirjson.Parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	v.Set("id", fhirjson.NewString(id))
	entries, err := r.search.IndexEntries(typ, v)
	if err != nil {
		t.Fatal(err)
	}
	var rec *storage.Record
	_, err = r.store.Write(t.Context(), func(tx *storage.Tx) error {
		rec, err = tx.Put(storage.Put{Type: typ, ID: id, Index: entries, JSON: fhirjson.Marshal(v)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return rec.VersionID
}
