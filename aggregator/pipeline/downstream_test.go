package pipeline

import (
	"context"
	"net/url"
	"testing"

	"github.com/fhirfleet/fhirfleet/aggregator/merge"
	"github.com/fhirfleet/fhirfleet/aggregator/rules"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
)

// TestDownstreamIsSearchable: downstream resources carry their index
// entries (the stamp's _lastUpdated included, computed once per batch), so
// the R4 search engine over the same store finds them.
func TestDownstreamIsSearchable(t *testing.T) {
	e := newEnv(t)
	a := spec("acme-gp", "acme")
	e.apply(a, false, put(1, patient("p1", "9000000009", "Smith")), put(1, observation("o1", "Patient/p1")))
	pat := e.outcome(a.Name, "Patient", "p1").Downstream
	engine := e.p.index.(*search.Engine)
	for _, q := range []string{"subject=" + pat, "_lastUpdated=gt2000-01-01", "code:text=pulse"} {
		query, _ := url.ParseQuery(q)
		res, err := engine.Search(context.Background(), search.Request{ResourceType: "Observation", Params: query, Strict: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Entries) != 1 {
			t.Errorf("Observation?%s found %d", q, len(res.Entries))
		}
	}
	// Both copies were written in one batch, so share one lastUpdated
	// and one set of _lastUpdated entries: each type finds its own.
	lu := e.get(pat).Get("meta").Str("lastUpdated")
	for _, typ := range []string{"Patient", "Observation"} {
		res, err := engine.Search(context.Background(), search.Request{ResourceType: typ,
			Params: url.Values{"_lastUpdated": {lu}}, Strict: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Entries) != 1 {
			t.Errorf("%s?_lastUpdated=%s found %d", typ, lu, len(res.Entries))
		}
	}
}

// TestProvenance: a copy names its upstream version in meta.source, a
// merged resource has one contributor extension per source, and both
// carry the customers' source-organization labels.
func TestProvenance(t *testing.T) {
	a, b := spec("acme-gp", "acme"), spec("bravo-gp", "bravo")
	e := newEnv(t)
	e.apply(a, false, put(1, patient("p1", "9000000009", "Smith")), put(1, observation("o1", "Patient/p1")))
	e.apply(b, false, put(1, patient("q1", "9000000009", "Smyth")))
	obs := e.get(e.outcome(a.Name, "Observation", "o1").Downstream)
	if got, want := obs.Get("meta").Str("source"), a.Base+"/Observation/o1/_history/1"; got != want {
		t.Errorf("meta.source = %q, want %q", got, want)
	}
	if obs.Get("meta").Str("versionId") != "1" || obs.Get("meta").Str("lastUpdated") == "" {
		t.Errorf("the copy is not stamped: %v", obs.Get("meta"))
	}
	pat := e.get(e.outcome(a.Name, "Patient", "p1").Downstream)
	var sources []string
	for _, ext := range pat.Get("meta").Get("extension").Items {
		if ext.Str("url") == merge.ContributorExtensionURL {
			sources = append(sources, ext.Get("extension").Items[0].Str("valueString"))
		}
	}
	if len(sources) != 2 || sources[0] != a.Name || sources[1] != b.Name {
		t.Errorf("contributors %v", sources)
	}
	var labels []string
	for _, s := range pat.Get("meta").Get("security").Items {
		if s.Str("system") == rules.SourceOrganizationSystem {
			labels = append(labels, s.Str("code"))
		}
	}
	if len(labels) != 2 || labels[0] != "acme" || labels[1] != "bravo" {
		t.Errorf("labels %v", labels)
	}
	if names := pat.Get("name").Items; len(names) != 2 {
		t.Errorf("merged names %v", names)
	}
}
