package search

import (
	"context"
	"net/url"
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
	put := func(js string) error {
		res, err := fhirjson.Parse([]byte(js))
		if err != nil {
			return err
		}
		entries, err := f.e.IndexEntries("Patient", res)
		if err != nil {
			return err
		}
		_, err = f.store.Write(ctx, func(tx *storage.Tx) error {
			_, err := tx.Put(storage.Put{Type: "Patient", ID: "p1", JSON: []byte(js), Index: entries})
			return err
		})
		return err
	}
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
			if err := put(js); err != nil {
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
