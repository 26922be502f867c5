package rules

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// FuzzCheck feeds arbitrary JSON to Check. Nothing may panic; an error is
// ErrNotResource and leaves the value alone; Excluded holds exactly when
// there are violations; every expression starts at the resource; the value
// changes only where Result.Changes says, and only in the documented ways
// (a reference string shortened to Type/id, meta.security items or an
// emptied meta removed); and a second check rewrites nothing and gives the
// same verdict.
func FuzzCheck(f *testing.F) {
	for _, seed := range []string{
		obs(`{"reference":"Patient/1"}`),
		obs(`{"reference":"https://acme-gp.example/fhir/Patient/1/_history/2"}`),
		obs(`{"identifier":{"value":"x"}}`),
		`{"resourceType":"Patient","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9000000009"},{"system":"https://fhir.nhs.uk/Id/nhs-number"}],
			"_birthDate":{"extension":[{"url":"u","valueReference":{"reference":"#x"}}]},
			"meta":{"security":[{"system":"http://fhir.patientsknowbest.com/codesystem/source-team","code":"t"}]}}`,
		`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Observation","subject":{"reference":"urn:uuid:1"}}}]}`,
		`{"resourceType":"Observation","contained":[{"resourceType":"Patient","meta":{"security":[{"system":"urn:x"}]}}]}`,
		`{"resourceType":"Foo"}`,
		`[1]`,
	} {
		f.Add([]byte(seed))
	}
	c := New(Config{SourceBase: testBase})
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := fhirjson.Parse(data, fhirjson.WithMaxDepth(64))
		if err != nil {
			return
		}
		before := v.Clone()
		r, err := c.Check(v)
		if err != nil {
			if !errors.Is(err, ErrNotResource) {
				t.Fatalf("error %v is not ErrNotResource", err)
			}
			if !v.Equal(before) {
				t.Fatal("a failed check changed the value")
			}
			return
		}
		if r.Excluded != (len(r.Violations) > 0) {
			t.Fatalf("Excluded %v with %d violations", r.Excluded, len(r.Violations))
		}
		rt := v.Str("resourceType")
		for _, vi := range r.Violations {
			if !strings.HasPrefix(vi.Expression, rt) || vi.Rule == "" || vi.Code == "" {
				t.Fatalf("violation %+v", vi)
			}
		}
		for _, ref := range r.References {
			if _, _, ok := splitRelative(ref.Type + "/" + ref.ID); !ok || !strings.HasPrefix(ref.Expression, rt) {
				t.Fatalf("reference %+v", ref)
			}
		}
		if len(r.Changes) == 0 && !v.Equal(before) {
			t.Fatalf("value changed without a change reported:\n%s\n%s", fhirjson.Marshal(before), fhirjson.Marshal(v))
		}
		if !documentedChange(before, v) {
			t.Fatalf("undocumented change:\n%s\n%s", fhirjson.Marshal(before), fhirjson.Marshal(v))
		}
		again, err := c.Check(v)
		if err != nil || len(again.Changes) != 0 || !slices.Equal(violations(again), violations(r)) ||
			len(again.References) != len(r.References) {
			t.Fatalf("second check differs: %v %+v %q", err, again.Changes, violations(again))
		}
	})
}

// documentedChange reports whether after differs from before only in the
// ways Check may change a resource.
func documentedChange(before, after *fhirjson.Value) bool {
	if before.Kind != after.Kind {
		return false
	}
	switch before.Kind {
	case fhirjson.Object:
		j := 0
		for _, m := range after.Members {
			for j < len(before.Members) && before.Members[j].Name != m.Name {
				if n := before.Members[j].Name; n != "meta" && n != "security" {
					return false
				}
				j++
			}
			if j == len(before.Members) {
				return false
			}
			b := before.Members[j].Value
			switch {
			case m.Name == "reference" && b.Kind == fhirjson.String && m.Value.Kind == fhirjson.String:
				if b.Text != m.Value.Text {
					if _, _, ok := splitRelative(m.Value.Text); !ok || strings.Count(m.Value.Text, "/") != 1 {
						return false
					}
				}
			case m.Name == "security" && b.Kind == fhirjson.Array && m.Value.Kind == fhirjson.Array:
				if !subsequence(m.Value.Items, b.Items) {
					return false
				}
			default:
				if !documentedChange(b, m.Value) {
					return false
				}
			}
			j++
		}
		for ; j < len(before.Members); j++ {
			if n := before.Members[j].Name; n != "meta" && n != "security" {
				return false
			}
		}
		return true
	case fhirjson.Array:
		if len(before.Items) != len(after.Items) {
			return false
		}
		for i := range before.Items {
			if !documentedChange(before.Items[i], after.Items[i]) {
				return false
			}
		}
		return true
	}
	return before.Equal(after)
}

func subsequence(sub, all []*fhirjson.Value) bool {
	i := 0
	for _, a := range all {
		if i < len(sub) && sub[i].Equal(a) {
			i++
		}
	}
	return i == len(sub)
}
