package pipeline

import "testing"

// TestJoinSplitRewritesReferrers: when a new contributor joins two groups,
// the referrers of the group whose id disappears point at the survivor;
// when it goes, they point at their own group again.
func TestJoinSplitRewritesReferrers(t *testing.T) {
	a, b := spec("acme-gp", "acme"), spec("bravo-gp", "bravo")
	e := newEnv(t)
	e.apply(a, false, put(1, patient("p1", "9000000009", "Smith")), put(1, observation("o1", "Patient/p1")))
	e.apply(b, false,
		put(1, `{"resourceType":"Patient","id":"q1","identifier":[{"system":"https://bravo.example/mrn","value":"7"}]}`),
		put(1, observation("o2", "Patient/q1")))
	subject := func(src, id string) string {
		return e.get(e.outcome(src, "Observation", id).Downstream).Get("subject").Str("reference")
	}
	before1, before2 := subject(a.Name, "o1"), subject(b.Name, "o2")
	if before1 == before2 {
		t.Fatalf("two groups share %s", before1)
	}
	e.apply(b, false, put(1, `{"resourceType":"Patient","id":"q2","identifier":[{"system":"https://bravo.example/mrn","value":"7"},{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9000000009"}]}`))
	e.checkInvariants()
	if j1, j2 := subject(a.Name, "o1"), subject(b.Name, "o2"); j1 != j2 || (j1 != before1 && j1 != before2) {
		t.Fatalf("after the join: %s and %s (before %s, %s)", j1, j2, before1, before2)
	}
	e.apply(b, false, del(2, "Patient", "q2"))
	e.checkInvariants()
	if s1, s2 := subject(a.Name, "o1"), subject(b.Name, "o2"); s1 != before1 || s2 != before2 {
		t.Fatalf("after the split: %s and %s, want %s and %s", s1, s2, before1, before2)
	}
}
