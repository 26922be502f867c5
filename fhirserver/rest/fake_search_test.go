package rest

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/repository"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
)

// The tests' fake is a repository.Searcher, as the real engine is.
var _ repository.Searcher = (*fakeSearch)(nil)

// TestFakeMatchesLikeTheEngine keeps the fake honest for the parameters
// the tests use: both answer the same ids for the same conditional query.
func TestFakeMatchesLikeTheEngine(t *testing.T) {
	e := newEnv(t, versions[0], func(c *Config) {
		eng, err := search.NewEngine(c.Version, c.Store, search.Options{})
		if err != nil {
			t.Fatal(err)
		}
		c.Searcher = eng
	})
	a := e.create("Patient", `{"resourceType":"Patient","identifier":[{"system":"urn:s","value":"1"}],"name":[{"family":"Alpha"}]}`)
	e.create("Patient", `{"resourceType":"Patient","identifier":[{"system":"urn:s","value":"2"}],"name":[{"family":"Beta"}]}`)
	fake := &fakeSearch{store: e.store}
	for _, q := range []string{"identifier=urn:s|1", "identifier=1", "family=alp", "_id=" + a, "name=beta", "identifier=urn:x|1"} {
		query, _ := criteria(q, "Patient", "test")
		r1, err1 := e.h.search.Search(t.Context(), search.Request{ResourceType: "Patient", Params: query})
		r2, err2 := fake.Search(t.Context(), search.Request{ResourceType: "Patient", Params: query})
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v / %v", q, err1, err2)
		}
		if len(r1.Entries) != len(r2.Entries) || (len(r1.Entries) == 1 && r1.Entries[0].Record.ID != r2.Entries[0].Record.ID) {
			t.Errorf("%s: engine %d matches, fake %d", q, len(r1.Entries), len(r2.Entries))
		}
	}
}
