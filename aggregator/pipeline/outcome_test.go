package pipeline

import (
	"context"
	"testing"
)

// TestReportsAck: the outbox holds the latest outcome per resource until
// acknowledged; an Ack of an outcome that a newer one replaced since keeps
// the newer one.
func TestReportsAck(t *testing.T) {
	a := spec("acme-gp", "acme")
	e := newEnv(t)
	applied := e.apply(a, false, put(1, observation("o1", "Patient/p1")), put(1, patient("p2", "9000000001", "Bad")))
	if len(applied.Outcomes) != 2 {
		t.Fatalf("outcomes %+v", applied.Outcomes)
	}
	reported, err := e.p.Reports(a.Name, 10)
	if err != nil || len(reported) != 2 {
		t.Fatalf("reports %+v, %v", reported, err)
	}
	if o := e.outcome(a.Name, "Patient", "p2"); o.Status != StatusExcluded || o.Rule != "nhs-number-invalid" || o.Expression != "Patient.identifier[0].value" || o.Message == "" {
		t.Fatalf("p2 %+v", o)
	}
	if acc, exc, pen, _ := e.p.Counts(a.Name); acc != 0 || exc != 1 || pen != 1 {
		t.Fatalf("counts %d %d %d", acc, exc, pen)
	}
	// The target arrives: o1 is accepted, a new outcome for the same version.
	applied = e.apply(a, false, put(1, patient("p1", "9000000009", "Smith")))
	if len(applied.Outcomes) != 2 {
		t.Fatalf("outcomes %+v", applied.Outcomes)
	}
	if err := e.p.Ack(context.Background(), a.Name, reported); err != nil {
		t.Fatal(err)
	}
	left, _ := e.p.Reports(a.Name, 10)
	if len(left) != 2 { // o1 (replaced since) and p1 stay; p2 is gone
		t.Fatalf("left after Ack: %+v", left)
	}
	for _, o := range left {
		if o.Status != StatusAccepted || o.Downstream == "" {
			t.Fatalf("left %+v", o)
		}
	}
	if err := e.p.Ack(context.Background(), a.Name, left); err != nil {
		t.Fatal(err)
	}
	if left, _ := e.p.Reports(a.Name, 10); len(left) != 0 {
		t.Fatalf("left after second Ack: %+v", left)
	}
	if acc, exc, pen, _ := e.p.Counts(a.Name); acc != 2 || exc != 1 || pen != 0 {
		t.Fatalf("counts %d %d %d", acc, exc, pen)
	}
	if err := e.p.Ack(context.Background(), "other", left[:0]); err != nil {
		t.Fatal(err)
	}
	if err := e.p.Ack(context.Background(), "other", reported); err == nil {
		t.Fatal("Ack of another source's outcomes succeeded")
	}
}
