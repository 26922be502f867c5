package pipeline

import (
	"context"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/changefeed"
)

// TestResetCaughtUp simulates a source whose store was wiped and filled
// again: after Reset the replay brings part of the old data (renumbered
// from version 1, one with new content) and the first CaughtUp removes
// what it did not bring; the result equals a fresh store fed only the new
// data.
func TestResetCaughtUp(t *testing.T) {
	a, b := spec("acme-gp", "acme"), spec("bravo-gp", "bravo")
	before := []changefeed.Change{
		put(1, patient("p1", "9000000009", "Smith")),
		put(2, patient("p1", "9000000009", "Smith-Jones")),
		put(1, observation("o1", "Patient/p1")),
		put(1, encounter("e1", "Patient/p1")),
		put(1, patient("p2", "9000000017", "Gone")),
		put(1, observation("o2", "Patient/p2")),
	}
	after := []changefeed.Change{
		put(1, patient("p1", "9000000009", "Smith")), // version 1 again, other content than our v2
		put(1, observation("o1", "Patient/p1")),      // the very same version: a no-op
	}
	other := []changefeed.Change{put(1, patient("q1", "9000000009", "Smyth"))}

	e := newEnv(t)
	e.apply(b, false, other...)
	e.apply(a, false, before...)
	if err := e.p.CaughtUp(context.Background(), a.Name); err != nil { // no Reset yet: nothing happens
		t.Fatal(err)
	}
	if n := len(e.downstream()); n != 5 {
		t.Fatalf("before the reset downstream has %d resources, want 5", n)
	}
	if err := e.p.Reset(context.Background(), a.Name); err != nil {
		t.Fatal(err)
	}
	if cur, _ := e.p.Cursor(a.Name); cur != "" {
		t.Fatalf("cursor after Reset = %q", cur)
	}
	e.reopen() // the reset survives a restart
	e.apply(a, false, after...)
	e.checkInvariants()
	if err := e.p.CaughtUp(context.Background(), a.Name); err != nil {
		t.Fatal(err)
	}
	e.checkInvariants()
	e.checkCounts()

	fresh := newEnv(t)
	fresh.apply(b, false, other...)
	fresh.apply(a, false, after...)
	compareSets(t, e.downstream(), fresh.downstream())

	// A second CaughtUp changes nothing; a replay of the old feed after it
	// is a replay again.
	if err := e.p.CaughtUp(context.Background(), a.Name); err != nil {
		t.Fatal(err)
	}
	e.apply(a, false, before[:1]...)
	compareSets(t, e.downstream(), fresh.downstream())
	if o := e.outcome(a.Name, "Patient", "p1"); o.VersionID != 1 || o.Status != StatusAccepted {
		t.Fatalf("p1's outcome %+v", o)
	}
}

// TestForget removes one source: its copies go, the merged patient is
// recomputed from the other source alone.
func TestForget(t *testing.T) {
	a, b := spec("acme-gp", "acme"), spec("bravo-gp", "bravo")
	e := newEnv(t)
	e.apply(a, false, put(1, patient("p1", "9000000009", "Smith")), put(1, observation("o1", "Patient/p1")))
	e.apply(b, false, put(1, patient("q1", "9000000009", "Smyth")))
	if err := e.p.Forget(context.Background(), a.Name); err != nil {
		t.Fatal(err)
	}
	fresh := newEnv(t)
	fresh.apply(b, false, put(1, patient("q1", "9000000009", "Smyth")))
	compareSets(t, e.downstream(), fresh.downstream())
	if cur, _ := e.p.Cursor(a.Name); cur != "" {
		t.Fatalf("cursor after Forget = %q", cur)
	}
	if acc, exc, pen, _ := e.p.Counts(a.Name); acc+exc+pen != 0 {
		t.Fatalf("counts after Forget: %d %d %d", acc, exc, pen)
	}
	if r, _ := e.p.Reports(a.Name, 10); len(r) != 0 {
		t.Fatalf("reports after Forget: %v", r)
	}
	// Applying the source again from the start works as for a new source.
	e.apply(a, false, put(1, patient("p1", "9000000009", "Smith")), put(1, observation("o1", "Patient/p1")))
	if o := e.outcome(a.Name, "Observation", "o1"); o.Status != StatusAccepted {
		t.Fatalf("o1 after re-adding: %+v", o)
	}
}
