package search

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// TestSearchReadsOneState: a Patient that matches before and after each of
// a run of updates is in every search made while they run. Going from one
// given name to two moves the matching value's entry from the merged run to
// the value run (doc.go), so a search whose runs read different states of
// the store could miss it in both.
func TestSearchReadsOneState(t *testing.T) {
	ctx := context.Background()
	one := `{"resourceType":"Patient","id":"p1","name":[{"family":"Stable","given":["Ann"]}],"birthDate":"1980-01-01"}`
	two := `{"resourceType":"Patient","id":"p1","name":[{"family":"Stable","given":["Ann","Bo"]}],"birthDate":"1980-01-01"}`
	f := smallStore(t, defs.R4, one)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			js := one
			if i%2 == 0 {
				js = two
			}
			if err := f.put(ctx, js); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	defer func() { close(stop); wg.Wait() }()
	for _, q := range []string{"given=ann", "given:exact=Ann", "given=ann&birthdate=1980-01-01", "given=an&_sort=given"} {
		params, _ := url.ParseQuery(q)
		for i := range 300 {
			res, err := f.e.Search(ctx, Request{ResourceType: "Patient", Params: params})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Entries) != 1 {
				t.Fatalf("%s, search %d during updates: %d matches, want p1", q, i, len(res.Entries))
			}
		}
	}
}

// TestSearchFindsARunOnceFilled: searches over Patients with one given name
// each find the value run of given empty, and the store remembers that
// (storage.View); a Patient with two given names then writes to that run,
// and the next search finds it by either name, sorted in or counted.
func TestSearchFindsARunOnceFilled(t *testing.T) {
	ctx := context.Background()
	f := smallStore(t, defs.R4,
		`{"resourceType":"Patient","id":"p1","name":[{"given":["Ann"]}]}`,
		`{"resourceType":"Patient","id":"p2","name":[{"given":["Anna"]}]}`)
	for _, q := range []string{"given=ann", "given=bo", "given:exact=Ann", "given=ann&_sort=-given", "given=ann&_total=accurate"} {
		run(t, f, "Patient", q)
	}
	if err := f.put(ctx, `{"resourceType":"Patient","id":"p3","name":[{"given":["Ann","Bo"]}]}`); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{
		"given=ann":              "Patient/p1 Patient/p3 Patient/p2", // value, then id
		"given=bo":               "Patient/p3",
		"given:exact=Ann":        "Patient/p1 Patient/p3",
		"given=ann&_sort=-given": "Patient/p3 Patient/p2 Patient/p1",
		"given=an&given=b":       "Patient/p3",
	} {
		if got, _ := run(t, f, "Patient", q); strings.Join(got, " ") != want {
			t.Errorf("%s after the write: %s, want %s", q, got, want)
		}
	}
}

// put writes one resource (its JSON with its id) with its index entries,
// as the repository would.
func (f *fixture) put(ctx context.Context, js string) error {
	res, err := fhirjson.Parse([]byte(js))
	if err != nil {
		return err
	}
	typ := res.Str("resourceType")
	entries, err := f.e.IndexEntries(typ, res)
	if err != nil {
		return err
	}
	_, err = f.store.Write(ctx, func(tx *storage.Tx) error {
		_, err := tx.Put(storage.Put{Type: typ, ID: res.Str("id"), JSON: []byte(js), Index: entries})
		return err
	})
	return err
}
