package pipeline

import (
	"fmt"
	"testing"

	"github.com/fhirfleet/fhirfleet/aggregator/merge"
)

// TestReferrersOf: the reverse references a batch sees are the committed
// ones with its own links and unlinks on top.
func TestReferrersOf(t *testing.T) {
	a := spec("acme-gp", "acme")
	e := newEnv(t)
	e.apply(a, false, put(1, observation("o1", "Patient/p1")), put(1, encounter("e1", "Patient/p1")))
	p1 := merge.Member{Source: a.Name, Type: "Patient", ID: "p1"}
	b := e.p.newBatch()
	got, err := b.referrersOf(p1)
	if err != nil || fmt.Sprint(got) != "[{acme-gp Encounter e1} {acme-gp Observation o1}]" {
		t.Fatalf("committed referrers %v, %v", got, err)
	}
	o1 := merge.Member{Source: a.Name, Type: "Observation", ID: "o1"}
	r, _ := b.rec(o1)
	b.linkRefs(o1, r, false)
	o2 := merge.Member{Source: a.Name, Type: "Observation", ID: "o2"}
	b.linkRefs(o2, &stateRecord{Refs: []ref{{Type: "Patient", ID: "p1"}}}, true)
	b.linkRefs(o2, &stateRecord{Violation: &violation{Rule: "x"}, Refs: []ref{{Type: "Patient", ID: "p2"}}}, true)
	got, err = b.referrersOf(p1)
	if err != nil || fmt.Sprint(got) != "[{acme-gp Encounter e1} {acme-gp Observation o2}]" {
		t.Fatalf("referrers with staged links %v, %v", got, err)
	}
	if got, _ := b.referrersOf(merge.Member{Source: a.Name, Type: "Patient", ID: "p2"}); len(got) != 0 {
		t.Fatalf("an excluded resource's references are linked: %v", got)
	}
}
