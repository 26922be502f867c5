package pipeline

import (
	"fmt"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/changefeed"
)

// TestStatusOrderIndependent: statuses and the downstream set depend on
// the resources, not on the order they arrive in. Every order of five
// changes (a cycle of two patients held back by an organization, an
// observation of one of them, an excluded patient's observation), one
// change per page, gives the outcome of applying them in one page.
func TestStatusOrderIndependent(t *testing.T) {
	a := spec("acme-gp", "acme")
	changes := []changefeed.Change{
		put(1, `{"resourceType":"Patient","id":"p1","identifier":[{"system":"s","value":"1"}],"link":[{"other":{"reference":"Patient/p2"},"type":"seealso"}],"managingOrganization":{"reference":"Organization/x"}}`),
		put(1, `{"resourceType":"Patient","id":"p2","identifier":[{"system":"s","value":"2"}],"link":[{"other":{"reference":"Patient/p1"},"type":"seealso"}]}`),
		put(1, `{"resourceType":"Organization","id":"x","name":"X"}`),
		put(1, observation("o1", "Patient/p2")),
		put(1, observation("o2", "Patient/bad")),
		put(1, patient("bad", "9000000001", "Bad")),
	}
	all := newEnv(t)
	all.apply(a, false, changes...)
	want, wantOutcomes := all.downstream(), outcomesOf(all, a.Name)
	if len(want) != 4 {
		t.Fatalf("in one page: %v", keys(want))
	}
	n := 0
	permute(len(changes), func(order []int) {
		n++
		if n%20 != 0 { // a spread-out 36 of the 720 orders keep the test short
			return
		}
		t.Run(fmt.Sprint(order), func(t *testing.T) {
			e := newEnv(t)
			for _, i := range order {
				e.apply(a, false, changes[i])
				e.checkInvariants()
			}
			compareSets(t, e.downstream(), want)
			if got := outcomesOf(e, a.Name); fmt.Sprint(got) != fmt.Sprint(wantOutcomes) {
				t.Errorf("outcomes\n got %v\nwant %v", got, wantOutcomes)
			}
		})
	})
}

func outcomesOf(e *env, source string) []Outcome {
	all, err := e.p.Reports(source, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	return all
}

// permute calls f with every permutation of 0..n-1 (Heap's algorithm).
func permute(n int, f func([]int)) {
	a := make([]int, n)
	for i := range a {
		a[i] = i
	}
	var gen func(k int)
	gen = func(k int) {
		if k == 1 {
			f(append([]int(nil), a...))
			return
		}
		for i := 0; i < k; i++ {
			gen(k - 1)
			if k%2 == 0 {
				a[i], a[k-1] = a[k-1], a[i]
			} else {
				a[0], a[k-1] = a[k-1], a[0]
			}
		}
	}
	gen(n)
}
