package pipeline

import (
	"context"
	"errors"
	"testing"

	"github.com/fhirfleet/fhirfleet/aggregator/source"
	"github.com/fhirfleet/fhirfleet/fhirserver/changefeed"
	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// queue puts a page of src in the queue of the write section, as an Apply
// waiting there would; the next Apply's batch takes it.
func (e *env) queue(src source.Spec, next string, changes ...changefeed.Change) *pendingApply {
	pa := e.p.page(src, false, changes, next)
	e.p.pendingMu.Lock()
	e.p.pending = append(e.p.pending, pa)
	e.p.pendingMu.Unlock()
	return pa
}

func finished(t *testing.T, pa *pendingApply) error {
	t.Helper()
	select {
	case <-pa.done:
		return pa.err
	default:
		t.Fatalf("the page of %s is still waiting", pa.source)
		return nil
	}
}

// TestPagesShareABatch: pages of several sources waiting for the write
// section go in one batch — one commit — with each source's cursor, and
// leave the store as applying them one by one does; each outcome goes to
// exactly one of the pages, its own source's.
func TestPagesShareABatch(t *testing.T) {
	a, b, c := spec("acme-gp", "acme"), spec("bravo-gp", "bravo"), spec("carol-gp", "carol")
	pageA := []changefeed.Change{put(1, patient("p1", "9000000009", "Smith"))}
	pageB := []changefeed.Change{put(1, patient("q1", "9000000009", "Smyth")), put(1, observation("o1", "Patient/q1"))}
	pageC := []changefeed.Change{put(1, observation("o2", "Patient/r1")), put(1, patient("r1", "9434765919", "Jones"))}

	e := newEnv(t)
	pa, pb := e.queue(a, "a1", pageA...), e.queue(b, "b1", pageB...)
	commits := e.st.Metrics().Commits
	applied, err := e.p.Apply(context.Background(), c, false, pageC, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(finished(t, pa), finished(t, pb)); err != nil {
		t.Fatal(err)
	}
	if n := e.st.Metrics().Commits - commits; n != 1 {
		t.Errorf("%d commits for three pages waiting together, want 1", n)
	}
	for src, want := range map[string]string{a.Name: "a1", b.Name: "b1", c.Name: "c1"} {
		if got, _ := e.p.Cursor(src); got != want {
			t.Errorf("cursor of %s = %q, want %q", src, got, want)
		}
	}
	seen := map[string]int{}
	for src, outs := range map[string][]Outcome{a.Name: pa.outcomes, b.Name: pb.outcomes, c.Name: applied.Outcomes} {
		for _, o := range outs {
			if o.Source != src {
				t.Errorf("the page of %s got the outcome of %s's %s/%s", src, o.Source, o.Type, o.ID)
			}
			seen[o.Source+" "+o.Type+"/"+o.ID]++
		}
	}
	for _, src := range []string{a.Name, b.Name, c.Name} {
		for _, o := range outcomesOf(e, src) {
			if k := o.Source + " " + o.Type + "/" + o.ID; seen[k] != 1 {
				t.Errorf("outcome %s handed to %d pages, want 1", k, seen[k])
			}
		}
	}
	if len(seen) != 5 {
		t.Errorf("%d outcomes handed out, want 5: %v", len(seen), seen)
	}
	e.checkInvariants()
	e.checkCounts()

	oneByOne := newEnv(t)
	oneByOne.apply(a, false, pageA...)
	oneByOne.apply(b, false, pageB...)
	oneByOne.apply(c, false, pageC...)
	compareSets(t, e.downstream(), oneByOne.downstream())
}

// typeFailingIndexer fails for every resource of one type.
type typeFailingIndexer struct {
	*search.Engine
	typ string
}

func (f *typeFailingIndexer) IndexEntries(typ string, res *fhirjson.Value) ([]storage.IndexEntry, error) {
	if typ == f.typ {
		return nil, errors.New("injected index failure")
	}
	return f.Engine.IndexEntries(typ, res)
}

// TestSharedBatchFailsOnlyThePageAtFault: when one page makes the shared
// batch fail, the other pages are written alone and succeed; only the
// page at fault fails, and leaves no trace.
func TestSharedBatchFailsOnlyThePageAtFault(t *testing.T) {
	a, b, c := spec("acme-gp", "acme"), spec("bravo-gp", "bravo"), spec("carol-gp", "carol")
	e := newEnv(t)
	engine, err := search.NewEngine(defs.R4, e.st, search.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if e.p, err = Open(context.Background(), e.st, Config{Indexer: &typeFailingIndexer{Engine: engine, typ: "Encounter"}}); err != nil {
		t.Fatal(err)
	}
	pa := e.queue(a, "a1", put(1, patient("p1", "9000000009", "Smith")))
	pb := e.queue(b, "b1", put(1, patient("q1", "9434765919", "Jones")), put(1, encounter("e1", "Patient/q1")))
	if _, err := e.p.Apply(context.Background(), c, false, []changefeed.Change{put(1, patient("r1", "9000000009", "Smyth"))}, "c1"); err != nil {
		t.Fatalf("the page of %s failed with the one at fault: %v", c.Name, err)
	}
	if err := finished(t, pa); err != nil {
		t.Fatalf("the page of %s failed with the one at fault: %v", a.Name, err)
	}
	if err := finished(t, pb); err == nil {
		t.Fatal("the page whose Encounter cannot be indexed succeeded")
	}
	if cur, _ := e.p.Cursor(b.Name); cur != "" {
		t.Errorf("the failed page moved its cursor to %q", cur)
	}
	if outs := outcomesOf(e, b.Name); len(outs) != 0 {
		t.Errorf("the failed page left outcomes %v", outs)
	}
	e.checkInvariants()
	e.checkCounts()

	want := newEnv(t)
	want.apply(a, false, put(1, patient("p1", "9000000009", "Smith")))
	want.apply(c, false, put(1, patient("r1", "9000000009", "Smyth")))
	compareSets(t, e.downstream(), want.downstream())
}
