package merge

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/validation"
	"github.com/fhirfleet/fhirfleet/test/testenv"
)

func validator(t testing.TB) *validation.Validator {
	t.Helper()
	val, err := validation.For(defs.R4)
	if err != nil {
		t.Fatal(err)
	}
	return val
}

// officialContributors are the official R4 examples of typ that pass the
// R4 validator, as contributors of made-up sources with recency ties.
func officialContributors(t testing.TB, val *validation.Validator, typ string) []Contributor {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(testenv.FHIRPackages(t), "r4", "package", typ+"-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []Contributor
	for i, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		v, oe := val.Validate(data)
		if oe != nil || v.Str("resourceType") != typ {
			continue
		}
		out = append(out, Contributor{
			Source: "src" + string(rune('a'+i%3)), Customer: "cust" + string(rune('a'+i%2)),
			Base: "https://src.example/fhir", Type: typ, ID: v.Str("id"), VersionID: "1",
			LastUpdated: time.Date(2026, 1, 1, 0, i%4, 0, 0, time.UTC), // ties on purpose
			Resource:    v,
		})
	}
	return out
}

// TestMergePermutations merges all official examples of each merged type
// into one resource (whatever their identifiers: Merge trusts its caller's
// grouping): the result is the same for any order of contributors, and it
// passes the R4 validator.
func TestMergePermutations(t *testing.T) {
	val := validator(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for typ := range mergedTypes {
		t.Run(typ, func(t *testing.T) {
			cs := officialContributors(t, val, typ)
			if len(cs) < 2 {
				t.Fatalf("only %d valid official examples of %s", len(cs), typ)
			}
			want := Merge(typ, cs)
			if oe := val.ValidateValue(want); oe != nil {
				t.Fatalf("merged %s is invalid: %v\n%s", typ, oe, fhirjson.MarshalIndent(want))
			}
			for range 20 {
				rng.Shuffle(len(cs), func(i, j int) { cs[i], cs[j] = cs[j], cs[i] })
				if got := Merge(typ, cs); !got.Equal(want) {
					t.Fatalf("another order merges differently:\n%s\nvs\n%s", fhirjson.Marshal(got), fhirjson.Marshal(want))
				}
			}
		})
	}
}

// FuzzMerge merges an arbitrary Patient with two fixed ones at a tie in
// recency: nothing panics, every order of contributors gives the same
// result, and when the arbitrary Patient is valid R4 so is the merge.
func FuzzMerge(f *testing.F) {
	for _, seed := range []string{
		patient("9000000009"),
		`{"resourceType":"Patient","identifier":[{"system":"urn:x","value":"1"}],"name":[{"given":["A"],"_given":[{"id":"g"}]}],"gender":"other"}`,
		`{"resourceType":"Patient","extension":[{"url":"urn:a","valueString":"f"}],"deceasedDateTime":"2020","_gender":{"id":"x"}}`,
		`{"resourceType":"Patient","meta":{"security":[{"code":"R"}]},"telecom":[null,{"value":"1"}],"link":"nope"}`,
	} {
		f.Add([]byte(seed))
	}
	val := validator(f)
	fixed := []Contributor{
		contributor(f, "gp", "1", 3, `{"resourceType":"Patient","identifier":[{"system":"urn:x","value":"1"}],"extension":[{"url":"urn:a","valueString":"gp"}],
			"name":[{"family":"Gp"}],"gender":"male","birthDate":"1970"}`),
		contributor(f, "lab", "1", 3, `{"resourceType":"Patient","identifier":[{"system":"urn:y","value":"2"}],"name":[{"given":["A"]}],"deceasedBoolean":false}`),
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := fhirjson.Parse(data, fhirjson.WithMaxDepth(32))
		if err != nil || v.Kind != fhirjson.Object {
			return
		}
		v.Set("resourceType", fhirjson.NewString("Patient"))
		valid := val.ValidateValue(v) == nil
		fz := Contributor{Source: "fz", Customer: "c", Base: "https://fz.example", Type: "Patient", ID: "1",
			LastUpdated: fixed[0].LastUpdated, Resource: v}
		cs := []Contributor{fz, fixed[0], fixed[1]}
		want := Merge("Patient", cs)
		for _, p := range permutations(len(cs)) {
			got := Merge("Patient", []Contributor{cs[p[0]], cs[p[1]], cs[p[2]]})
			if !got.Equal(want) {
				t.Fatalf("order %v merges differently:\n%s\nvs\n%s", p, fhirjson.Marshal(got), fhirjson.Marshal(want))
			}
		}
		if valid {
			if oe := val.ValidateValue(want); oe != nil {
				t.Fatalf("valid contributors merge to an invalid Patient: %v\n%s", oe, fhirjson.MarshalIndent(want))
			}
		}
	})
}
