package search

import (
	"context"
	"net/url"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// TestEnsureIndexesRebuildsOnce writes resources without index entries (as
// a store from an older release would hold), then checks EnsureIndexes
// makes them searchable and is a no-op the second time.
func TestEnsureIndexesRebuildsOnce(t *testing.T) {
	ctx := context.Background()
	store, err := storage.Open(t.TempDir(), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	e, err := NewEngine(defs.R4, store, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if e.Fingerprint() == "" || e.Fingerprint() == mustEngine(t, defs.STU3, store).Fingerprint() {
		t.Fatalf("fingerprints must differ between versions: %q", e.Fingerprint())
	}
	res, _ := fhirjson.Parse([]byte(`{"resourceType":"Patient","id":"p1","gender":"female"}`))
	if _, err := store.Write(ctx, func(tx *storage.Tx) error {
		_, err := tx.Put(storage.Put{Type: "Patient", ID: "p1", JSON: fhirjson.Marshal(res)})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		r, err := e.Search(ctx, Request{ResourceType: "Patient", Params: url.Values{"gender": {"female"}}})
		if err != nil {
			t.Fatal(err)
		}
		return len(r.Entries)
	}
	if n := count(); n != 0 {
		t.Fatalf("unindexed resource found %d times", n)
	}
	for i, want := range []bool{true, false} {
		rebuilt, err := e.EnsureIndexes(ctx)
		if err != nil || rebuilt != want {
			t.Fatalf("EnsureIndexes #%d = %v, %v; want %v", i+1, rebuilt, err, want)
		}
	}
	if n := count(); n != 1 {
		t.Fatalf("after rebuild found %d, want 1", n)
	}
}

func mustEngine(t *testing.T, v *defs.Version, store *storage.Store) *Engine {
	e, err := NewEngine(v, store, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestFingerprintNamesTheBaseURL: a reference to the server's own base is
// indexed as a local one, so a store indexed under one base URL is
// re-indexed under another; writes derive a superseded version's entries
// again (Reindexer) and must derive what was written.
func TestFingerprintNamesTheBaseURL(t *testing.T) {
	store, err := storage.Open(t.TempDir(), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	fp := func(base string) string {
		e, err := NewEngine(defs.R4, store, Options{BaseURL: base})
		if err != nil {
			t.Fatal(err)
		}
		return e.Fingerprint()
	}
	a, aSlash, b, none := fp("https://a.example/fhir"), fp("https://a.example/fhir/"), fp("https://b.example/fhir"), fp("")
	if a != aSlash {
		t.Errorf("a trailing slash changed the fingerprint: %s, %s", a, aSlash)
	}
	if a == b || a == none || b == none {
		t.Errorf("fingerprints of three base URLs: %s, %s, %s; want three", a, b, none)
	}
}
