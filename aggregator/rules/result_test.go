package rules

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

func TestResultIssues(t *testing.T) {
	r, _ := check(t, obs(`{"reference":"#p"}`))
	is := r.Issues()
	if len(is) != 1 {
		t.Fatalf("issues %+v, want one", is)
	}
	if is[0].Code != outcome.CodeNotSupported || is[0].Severity != outcome.SeverityErr ||
		len(is[0].Expression) != 1 || is[0].Expression[0] != "Observation.subject" {
		t.Fatalf("issue %+v", is[0])
	}
}
