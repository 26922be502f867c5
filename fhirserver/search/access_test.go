package search

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// recordPolicy records every access and refuses those naming a type in deny.
type recordPolicy struct {
	seen []Access
	deny map[string]bool
}

func (p *recordPolicy) CheckAccess(_ context.Context, a Access) error {
	p.seen = append(p.seen, a)
	for _, t := range a.Types {
		if p.deny[t] {
			return outcome.New(http.StatusForbidden, outcome.CodeForbidden, a.Param, "no %s", t)
		}
	}
	return nil
}

// accessOf returns the access recorded for param (and include value).
func (p *recordPolicy) accessOf(param, value string) *Access {
	for i := range p.seen {
		if p.seen[i].Param == param && p.seen[i].Value == value {
			return &p.seen[i]
		}
	}
	return nil
}

// TestAccessesListEveryTypeRead: the planner hands the policy every type a
// search reads, keyed by the parameter as written (issue 15: chains and
// _has reached types the token could not search).
func TestAccessesListEveryTypeRead(t *testing.T) {
	f := smallStore(t, defs.R4, chainWorld...)
	cases := []struct {
		typ, query   string
		param, value string
		kind         AccessKind
		want         []string // exactly these types
		has          []string // at least these (large fan-outs)
		narrow       string
	}{
		{typ: "Observation", query: "subject:Patient.family=smith", param: "subject:Patient.family", kind: AccessChain, want: []string{"Patient"}},
		{typ: "Observation", query: "subject.name=smith", param: "subject.name", kind: AccessChain, want: []string{"Location", "Patient"}, narrow: "subject:Location.name"},
		{typ: "Observation", query: "patient.organization.name=acme", param: "patient.organization.name", kind: AccessChain, want: []string{"Organization", "Patient"}},
		{typ: "Observation", query: "subject:Patient.general-practitioner:Practitioner.family=careful", param: "subject:Patient.general-practitioner:Practitioner.family", kind: AccessChain, want: []string{"Patient", "Practitioner"}},
		{typ: "Patient", query: "_has:Observation:patient:code=1-1", param: "_has:Observation:patient:code", kind: AccessHas, want: []string{"Observation"}},
		{typ: "Patient", query: "_has:Observation:patient:_has:Provenance:target:agent=Practitioner/dr1", param: "_has:Observation:patient:_has:Provenance:target:agent", kind: AccessHas, want: []string{"Observation", "Provenance"}},
		{typ: "Patient", query: "_has:Observation:patient:performer:Practitioner.family=careful", param: "_has:Observation:patient:performer:Practitioner.family", kind: AccessHas, want: []string{"Observation", "Practitioner"}},
		{typ: "Observation", query: "_include=Observation:patient", param: "_include", value: "Observation:patient", kind: AccessInclude, want: []string{"Group", "Patient"}, narrow: "Observation:patient:Group"},
		{typ: "Observation", query: "_include=Observation:subject", param: "_include", value: "Observation:subject", kind: AccessInclude, has: []string{"Device", "Group", "Location", "Patient"}, narrow: "Observation:subject:"},
		{typ: "Observation", query: "_include=Observation:subject:Patient", param: "_include", value: "Observation:subject:Patient", kind: AccessInclude, want: []string{"Patient"}},
		{typ: "Observation", query: "_revinclude=Provenance:target", param: "_revinclude", value: "Provenance:target", kind: AccessRevInclude, want: []string{"Provenance"}},
		{typ: "Patient", query: "_include=Patient:organization&_include:iterate=Organization:partof", param: "_include:iterate", value: "Organization:partof", kind: AccessInclude, want: []string{"Organization"}},
		{typ: "Patient", query: "_revinclude=*", param: "_revinclude", value: "*", kind: AccessRevInclude, has: []string{"Observation", "Provenance", "Encounter"}},
		{typ: "Organization", query: "_include=*", param: "_include", value: "*", kind: AccessInclude, has: []string{"Organization", "Endpoint"}},
		// :iterate of * follows what the first round added: Patient brings
		// Practitioner (general-practitioner), whose own references follow.
		{typ: "Observation", query: "_include:iterate=*", param: "_include:iterate", value: "*", kind: AccessInclude, has: []string{"Patient", "Organization", "Practitioner"}},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			pol := &recordPolicy{}
			ctx := WithPolicy(context.Background(), pol)
			q, _ := url.ParseQuery(c.query)
			if _, err := f.e.Search(ctx, Request{ResourceType: c.typ, Params: q}); err != nil {
				t.Fatal(err)
			}
			if len(pol.seen) == 0 || pol.seen[0].Kind != AccessSearched || !slices.Equal(pol.seen[0].Types, []string{c.typ}) {
				t.Fatalf("first access %+v, want the searched type %s", pol.seen, c.typ)
			}
			a := pol.accessOf(c.param, c.value)
			if a == nil {
				t.Fatalf("no access for %s=%s in %+v", c.param, c.value, pol.seen)
			}
			if a.Kind != c.kind {
				t.Errorf("kind %v, want %v", a.Kind, c.kind)
			}
			if c.want != nil && !slices.Equal(a.Types, c.want) {
				t.Errorf("types %v, want %v", a.Types, c.want)
			}
			for _, h := range c.has {
				if !slices.Contains(a.Types, h) {
					t.Errorf("types %v lack %s", a.Types, h)
				}
			}
			if n := a.NarrowTo(a.Types[0]); !strings.HasPrefix(n, c.narrow) || (c.narrow == "") != (n == "") {
				t.Errorf("narrowed to %s: %q, want prefix %q", a.Types[0], n, c.narrow)
			}
		})
	}
}

// TestPolicyRefusesBeforeReading: a refusal ends the search with the
// policy's error, for searches and conditional matches alike; without a
// refusal the answers are those of a search without policy.
func TestPolicyRefusesBeforeReading(t *testing.T) {
	f := smallStore(t, defs.R4, chainWorld...)
	cases := []struct {
		typ, query, deny, param string
	}{
		{"Observation", "subject:Patient.family=smith", "Patient", "subject:Patient.family"},
		{"Observation", "subject.name=smith", "Location", "subject.name"},
		{"Observation", "patient.organization.name=acme", "Organization", "patient.organization.name"},
		{"Patient", "_has:Observation:patient:code=1-1", "Observation", "_has:Observation:patient:code"},
		{"Observation", "_include=Observation:subject", "Device", "_include"},
		{"Observation", "_revinclude=Provenance:target", "Provenance", "_revinclude"},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			q, _ := url.ParseQuery(c.query)
			want, err := f.e.Search(context.Background(), Request{ResourceType: c.typ, Params: q})
			if err != nil {
				t.Fatal(err)
			}
			allow := WithPolicy(context.Background(), &recordPolicy{deny: map[string]bool{"Basic": true}})
			got, err := f.e.Search(allow, Request{ResourceType: c.typ, Params: q})
			if err != nil || len(got.Entries) != len(want.Entries) || len(want.Entries) == 0 {
				t.Fatalf("allowed: %d entries, %v; without policy %d", len(got.Entries), err, len(want.Entries))
			}
			deny := WithPolicy(context.Background(), &recordPolicy{deny: map[string]bool{c.deny: true}})
			_, err = f.e.Search(deny, Request{ResourceType: c.typ, Params: q})
			var oe *outcome.Error
			if !errors.As(err, &oe) || oe.Status != http.StatusForbidden || !slices.Equal(oe.Issues[0].Expression, []string{c.param}) {
				t.Fatalf("search: %v, want 403 at %s", err, c.param)
			}
			if strings.HasPrefix(c.param, "_") && !strings.HasPrefix(c.param, "_has") {
				return // conditional criteria run no includes
			}
			_, err = f.e.Match(deny, nil, c.typ, q)
			if !errors.As(err, &oe) || oe.Status != http.StatusForbidden {
				t.Fatalf("match: %v, want 403", err)
			}
		})
	}
}

// TestAccessesOfSystemAndCompartmentSearches: the searched types come first,
// named _type for a system search; the filters of every type are walked.
func TestAccessesOfSystemAndCompartmentSearches(t *testing.T) {
	f := smallStore(t, defs.R4, chainWorld...)
	cases := []struct {
		name       string
		req        Request
		typesParam string
		searched   []string
		chain      []string // types of subject:Patient.family
	}{
		{"_type", Request{Types: []string{"Observation", "Condition"}, Params: url.Values{"subject:Patient.family": {"smith"}}}, "_type", []string{"Condition", "Observation"}, []string{"Patient"}},
		{"compartment", Request{ResourceType: "Observation", Compartment: &CompartmentRef{Type: "Patient", ID: "p1"}, Params: url.Values{"subject:Patient.family": {"smith"}}}, "", []string{"Observation"}, []string{"Patient"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pol := &recordPolicy{}
			if _, err := f.e.Search(WithPolicy(context.Background(), pol), c.req); err != nil {
				t.Fatal(err)
			}
			if a := pol.seen[0]; a.Kind != AccessSearched || a.Param != c.typesParam || !slices.Equal(a.Types, c.searched) {
				t.Errorf("searched access %+v, want %s %v", a, c.typesParam, c.searched)
			}
			if a := pol.accessOf("subject:Patient.family", ""); a == nil || !slices.Equal(a.Types, c.chain) {
				t.Errorf("chain access %+v, want %v", a, c.chain)
			}
		})
	}
}

// BenchmarkAuthorize is the planner's extra work per search with a policy:
// a chain, a _has and an include walked and handed over.
func BenchmarkAuthorize(b *testing.B) {
	f := smallStore(b, defs.R4, chainWorld...)
	q := url.Values{"subject:Patient.family": {"smith"}, "_has:Provenance:target:agent": {"Practitioner/dr1"}, "_include": {"Observation:subject"}}
	qs, err := f.e.parseQuery("Observation", q)
	if err != nil {
		b.Fatal(err)
	}
	ctx := WithPolicy(context.Background(), &recordPolicy{})
	b.ReportAllocs()
	for b.Loop() {
		if err := f.e.authorize(ctx, "", []string{"Observation"}, queries{"Observation": qs}, q); err != nil {
			b.Fatal(err)
		}
	}
}
