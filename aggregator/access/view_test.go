package access

import (
	"context"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/repository"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// small is a store with acme's patient, beta's patient and a Condition of
// each, written through the repository.
type small struct {
	store *storage.Store
	repo  *repository.Repository
	pol   *Policy
}

func newSmall(t *testing.T) *small {
	t.Helper()
	st, err := storage.Open(t.TempDir(), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	eng, err := search.NewEngine(defs.R4, st, search.Options{BaseURL: "http://127.0.0.1/fhir"})
	if err != nil {
		t.Fatal(err)
	}
	repo, err := repository.New(repository.Config{Version: defs.R4, Store: st, Searcher: eng})
	if err != nil {
		t.Fatal(err)
	}
	s := &small{store: st, repo: repo, pol: NewPolicy(st, eng)}
	for _, c := range []string{"acme", "beta"} {
		s.put(t, "Patient", "p-"+c, `{"resourceType":"Patient","meta":{"security":[{"system":"http://fhir.patientsknowbest.com/codesystem/source-organization","code":"`+c+`"}]}}`)
		s.put(t, "Condition", "c-"+c, `{"resourceType":"Condition","subject":{"reference":"Patient/p-`+c+`"}}`)
	}
	return s
}

func (s *small) put(t *testing.T, typ, id, js string) {
	t.Helper()
	v, err := s.repo.ParseResource([]byte(js), typ)
	if err != nil {
		t.Fatal(err)
	}
	v.Set("id", fhirjson.NewString(id))
	if _, err := s.repo.Commit(context.Background(), &repository.Write{Action: repository.ActionUpdate, Type: typ, ID: id, Resource: v}); err != nil {
		t.Fatal(err)
	}
}

// TestViewVisible: a customer sees its patient's data and not the other's;
// a deleted resource is judged by its last live version; a missing one is
// not visible.
func TestViewVisible(t *testing.T) {
	s := newSmall(t)
	ctx := context.Background()
	if _, err := s.repo.Commit(ctx, &repository.Write{Action: repository.ActionDelete, Type: "Condition", ID: "c-acme"}); err != nil {
		t.Fatal(err)
	}
	v := s.pol.View(Subject{Customer: "acme"})
	for key, want := range map[[2]string]bool{
		{"Patient", "p-acme"}: true, {"Condition", "c-acme"}: true,
		{"Patient", "p-beta"}: false, {"Condition", "c-beta"}: false,
		{"Condition", "nothing"}: false,
	} {
		got, err := v.Visible(ctx, key[0], key[1])
		if err != nil || got != want {
			t.Errorf("%s/%s: %v (%v), want %v", key[0], key[1], got, err, want)
		}
	}
}
