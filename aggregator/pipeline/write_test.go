package pipeline

import (
	"context"
	"errors"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/changefeed"
	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// failingIndexer fails for merged Patients while fail is set.
type failingIndexer struct {
	*search.Engine
	fail bool
}

func (f *failingIndexer) IndexEntries(typ string, res *fhirjson.Value) ([]storage.IndexEntry, error) {
	if f.fail && typ == "Patient" {
		return nil, errors.New("injected index failure")
	}
	return f.Engine.IndexEntries(typ, res)
}

// TestFailedBatchLeavesNoTrace: a batch that fails after it changed the
// merge groups in memory commits nothing, and the next batch works from
// the store's state, not from the half-done groups.
func TestFailedBatchLeavesNoTrace(t *testing.T) {
	a, b := spec("acme-gp", "acme"), spec("bravo-gp", "bravo")
	e := newEnv(t)
	engine, err := search.NewEngine(defs.R4, e.st, search.Options{})
	if err != nil {
		t.Fatal(err)
	}
	idx := &failingIndexer{Engine: engine}
	if e.p, err = Open(context.Background(), e.st, Config{Indexer: idx}); err != nil {
		t.Fatal(err)
	}
	e.apply(a, false, put(1, patient("p1", "9000000009", "Smith")))
	before := e.downstream()
	cursor, _ := e.p.Cursor(b.Name)

	idx.fail = true
	if _, err := e.p.Apply(context.Background(), b, false, []changefeed.Change{put(1, patient("q1", "9000000009", "Smyth"))}, "x"); err == nil {
		t.Fatal("Apply succeeded with a failing indexer")
	}
	idx.fail = false
	compareSets(t, e.downstream(), before)
	if c, _ := e.p.Cursor(b.Name); c != cursor {
		t.Fatalf("cursor moved to %q by a failed Apply", c)
	}
	// A batch that merges p1's group again must not see q1, which never
	// reached the store.
	e.apply(a, false, put(2, patient("p1", "9000000009", "Smith-Jones")))
	e.checkInvariants()
	fresh := newEnv(t)
	fresh.apply(a, false, put(1, patient("p1", "9000000009", "Smith")))
	fresh.apply(a, false, put(2, patient("p1", "9000000009", "Smith-Jones")))
	compareSets(t, e.downstream(), fresh.downstream())
	// The page again, now working: the same as if it never failed.
	e.apply(b, false, put(1, patient("q1", "9000000009", "Smyth")))
	fresh.apply(b, false, put(1, patient("q1", "9000000009", "Smyth")))
	compareSets(t, e.downstream(), fresh.downstream())
}
