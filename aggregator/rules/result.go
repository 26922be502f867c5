package rules

import (
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// Rule names one business rule. The codes are stable: the pipeline stores
// them and customers may branch on them.
type Rule string

// Result is what Check found in one resource.
type Result struct {
	// Excluded is true exactly when Violations is not empty.
	Excluded bool
	// Violations are the broken rules in document order.
	Violations []Violation
	// References are the literal references the resource holds, after the
	// rewrites below, so the pipeline can wait for their targets.
	References []Ref
	// Changes are the rewrites Check made to the resource (same-source
	// absolute references stripped, platform source labels removed).
	Changes []Change
}

// Violation is one broken rule.
type Violation struct {
	Rule Rule
	// Code is the OperationOutcome issue code the violation is reported as.
	Code outcome.Code
	// Expression is the FHIRPath of the offending element, e.g.
	// Observation.subject or Patient.identifier[1].value.
	Expression string
	Message    string
}

// Ref is one literal reference Type/id and where it is.
type Ref struct {
	Type, ID   string
	Expression string
}

// Change is one rewrite Check made.
type Change struct {
	Expression string
	Message    string
}

// Issues returns the violations as OperationOutcome issues, for the
// pipeline to record against the excluded resource.
func (r Result) Issues() []outcome.Issue {
	out := make([]outcome.Issue, 0, len(r.Violations))
	for _, v := range r.Violations {
		out = append(out, outcome.Issue{
			Severity:    outcome.SeverityErr,
			Code:        v.Code,
			Diagnostics: string(v.Rule) + ": " + v.Message,
			Expression:  []string{v.Expression},
		})
	}
	return out
}
