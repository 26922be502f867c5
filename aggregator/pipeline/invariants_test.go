package pipeline

import (
	"time"

	"github.com/fhirfleet/fhirfleet/aggregator/rules"
	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/validation"
)

// checkInvariants checks what must hold after every commit: every
// downstream resource passes the R4 validator, and every reference in it
// resolves to a live downstream resource.
func (e *env) checkInvariants() {
	e.t.Helper()
	down := e.downstream()
	for k, js := range down {
		v, err := fhirjson.Parse([]byte(js))
		if err != nil {
			e.t.Fatal(err)
		}
		if oe := validation.ValidateValue(defs.R4, v); oe != nil {
			e.t.Errorf("%s fails the R4 validator: %v", k, oe)
		}
		w := &rules.TypedWalk{}
		w.Visit = func(typeCode string, r *fhirjson.Value) bool {
			if typeCode == "Reference" {
				if ref := r.Str("reference"); ref != "" {
					if _, ok := down[ref]; !ok {
						e.t.Errorf("%s: %s points at %s, which is not downstream", k, string(w.Path), ref)
					}
				}
			}
			return true
		}
		w.Resource(v)
	}
}

// checkCounts compares Counts with the outcomes of the state records.
func (e *env) checkCounts() {
	e.t.Helper()
	recs, err := e.p.state.Scan("", "", 1<<30, time.Time{})
	if err != nil {
		e.t.Fatal(err)
	}
	want := map[string]map[string]int64{}
	for _, r := range recs {
		m, err := parseMemberKey(r.Key)
		if err != nil {
			e.t.Fatal(err)
		}
		rec, err := decodeRecord(r.Data)
		if err != nil {
			e.t.Fatal(err)
		}
		if want[m.Source] == nil {
			want[m.Source] = map[string]int64{}
		}
		want[m.Source][rec.Status]++
	}
	for src, w := range want {
		a, x, p, err := e.p.Counts(src)
		if err != nil {
			e.t.Fatal(err)
		}
		if a != w[StatusAccepted] || x != w[StatusExcluded] || p != w[StatusPending] {
			e.t.Errorf("counts of %s: %d/%d/%d, want %v", src, a, x, p, w)
		}
	}
}
