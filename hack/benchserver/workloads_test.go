package main

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestPatientTransaction(t *testing.T) {
	var b struct {
		Type  string
		Entry []struct {
			FullURL  string
			Resource struct {
				ResourceType string
				Subject      struct{ Reference string }
			}
			Request struct{ Method, URL string }
		}
	}
	if err := json.Unmarshal(patientTransaction(10), &b); err != nil {
		t.Fatal(err)
	}
	if b.Type != "transaction" || len(b.Entry) != 11 || b.Entry[0].Resource.ResourceType != "Patient" {
		t.Fatalf("want a transaction of 1 Patient + 10 Observations, got %+v", b)
	}
	seen := map[string]bool{}
	for _, e := range b.Entry[1:] {
		if e.Resource.ResourceType != "Observation" || e.Resource.Subject.Reference != b.Entry[0].FullURL || e.Request.Method != "POST" {
			t.Fatalf("Observation entry %+v does not point at the Patient's urn:uuid %s", e, b.Entry[0].FullURL)
		}
		if seen[e.FullURL] || !strings.HasPrefix(e.FullURL, "urn:uuid:") {
			t.Fatalf("fullUrl %q repeated or not a urn:uuid", e.FullURL)
		}
		seen[e.FullURL] = true
	}
}

func TestSeedBundleFamilies(t *testing.T) {
	var b struct {
		Entry []struct {
			Resource struct{ Name []struct{ Family string } }
		}
	}
	if err := json.Unmarshal(seedBundle(195, 10), &b); err != nil {
		t.Fatal(err)
	}
	if len(b.Entry) != 10 || b.Entry[0].Resource.Name[0].Family != "Fam195" || b.Entry[5].Resource.Name[0].Family != "Fam000" {
		t.Fatalf("families wrap at %d: %+v", searchFamilies, b.Entry)
	}
	// family= is a prefix match: no family name may be the prefix of another,
	// or a search would match more than one name's Patients.
	for i := 0; i < searchFamilies; i++ {
		for j := 0; j < searchFamilies; j++ {
			if i != j && strings.HasPrefix(familyName(j), familyName(i)) {
				t.Fatalf("%s is a prefix of %s", familyName(i), familyName(j))
			}
		}
	}
}

func TestLocationIDs(t *testing.T) {
	ids, err := locationIDs([]byte(`{"resourceType":"Bundle","entry":[{"response":{"status":"201 Created","location":"Patient/a1/_history/1"}},{"response":{"location":"Patient/b2/_history/1"}}]}`))
	if err != nil || strings.Join(ids, ",") != "a1,b2" {
		t.Fatalf("%v %v", ids, err)
	}
	if _, err := locationIDs([]byte(`{"entry":[{"response":{"status":"400"}}]}`)); err == nil {
		t.Fatal("an entry without a location must be an error")
	}
}

// TestSelectWorkloads: -workloads keeps the named ones in the table's
// order, all without it, and refuses a name that is not a workload.
func TestSelectWorkloads(t *testing.T) {
	all := workloads()
	for _, tt := range []struct {
		only string
		want []string
	}{
		{"", []string{"create", "transaction", "read", "search"}},
		{"read", []string{"read"}},
		{"search, create", []string{"create", "search"}},
	} {
		ws, err := selectWorkloads(all, tt.only)
		if err != nil {
			t.Fatalf("%q: %v", tt.only, err)
		}
		var got []string
		for _, w := range ws {
			got = append(got, w.name)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("-workloads %q runs %v, want %v", tt.only, got, tt.want)
		}
	}
	if _, err := selectWorkloads(all, "read,get"); err == nil || !strings.Contains(err.Error(), `"get"`) {
		t.Errorf("an unknown workload gives %v, want an error naming it", err)
	}
}

// TestAfterCeiling: every workload runs right after its own run of the
// ceiling and is given that run's rate, not the first one's.
func TestAfterCeiling(t *testing.T) {
	ws := workloads()
	var order []string
	rate := 0.0
	ceiling := func() (float64, error) {
		rate += 1000
		order = append(order, "ceiling")
		return rate, nil
	}
	err := afterCeiling(ws, ceiling, func(i int, w workload, c float64) error {
		order = append(order, w.name)
		if want := float64(1000 * (i + 1)); c != want {
			t.Errorf("%s got the ceiling %v, want %v (the run just before it)", w.name, c, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, w := range ws {
		want = append(want, "ceiling", w.name)
	}
	if !slices.Equal(order, want) {
		t.Errorf("runs %v, want %v", order, want)
	}
	stop := errors.New("ceiling down")
	if err := afterCeiling(ws, func() (float64, error) { return 0, stop }, func(int, workload, float64) error {
		t.Error("a workload ran without its ceiling")
		return nil
	}); !errors.Is(err, stop) {
		t.Errorf("a failed ceiling gives %v, want %v", err, stop)
	}
}
