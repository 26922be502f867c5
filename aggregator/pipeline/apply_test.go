package pipeline

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/aggregator/merge"
)

const patientNHS = `{"resourceType":"Patient","id":"%s","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9000000009"}],"name":[{"family":"%s"}]}`

func TestApplyFirst(t *testing.T) {
	e := newEnv(t)
	a := spec("acme-gp", "acme")
	b := spec("bravo-gp", "bravo")
	e.apply(a, false,
		put(1, `{"resourceType":"Patient","id":"p1","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9000000009"}],"name":[{"family":"Smith"}]}`),
		put(1, `{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p1"}}`),
	)
	e.apply(b, false,
		put(1, `{"resourceType":"Patient","id":"q9","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9000000009"}],"name":[{"family":"Smyth"}]}`),
	)
	down := e.downstream()
	t.Log(keys(down))
	if len(down) != 2 {
		t.Fatalf("downstream = %v", down)
	}
	o := e.outcome("acme-gp", "Observation", "o1")
	if o.Status != StatusAccepted {
		t.Fatalf("outcome %+v", o)
	}
	obs := e.get(o.Downstream)
	pat := e.outcome("bravo-gp", "Patient", "q9").Downstream
	if got := obs.Get("subject").Str("reference"); got != pat {
		t.Fatalf("subject %s, want %s", got, pat)
	}
	_ = merge.Member{}
}
