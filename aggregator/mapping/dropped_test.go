package mapping

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// leaf is one JSON string, number or boolean, by kind and text.
type leaf struct {
	kind fhirjson.Kind
	text string
}

// leaves adds every leaf value of v to set. A resource's resourceType is
// structure, not data (R4 renames some types), and is left out.
func leaves(v *fhirjson.Value, set map[leaf]bool) {
	switch v.Kind {
	case fhirjson.String, fhirjson.Number:
		set[leaf{v.Kind, v.Text}] = true
	case fhirjson.Bool:
		set[leaf{v.Kind, map[bool]string{true: "true", false: "false"}[v.Bool]}] = true
	case fhirjson.Array:
		for _, it := range v.Items {
			leaves(it, set)
		}
	case fhirjson.Object:
		for _, m := range v.Members {
			if m.Name != "resourceType" || m.Value.Kind != fhirjson.String {
				leaves(m.Value, set)
			}
		}
	}
}

// asElement are codes R4 expresses by the element that holds the value:
// Observation.related.type has-member → Observation.hasMember.
var asElement = map[string]string{"has-member": "hasMember", "derived-from": "derivedFrom"}

// dropped returns the leaves of in found nowhere in out, a code system URL
// counting as found when its R4 URL is, and a code of asElement when out
// has its element (anywhere: DiagnosticReport contains Observations).
func dropped(in, out *fhirjson.Value) []leaf {
	inSet, outSet := map[leaf]bool{}, map[leaf]bool{}
	leaves(in, inSet)
	leaves(out, outSet)
	var missing []leaf
	for l := range inSet {
		if outSet[l] || l.kind == fhirjson.String && (outSet[leaf{l.kind, R4System(l.text)}] || hasMember(out, asElement[l.text])) {
			continue
		}
		missing = append(missing, l)
	}
	return missing
}

// TestNothingSilentlyDropped checks, over every official STU3 example that
// maps, that each leaf value of the input is somewhere in the output: kept
// in place, moved, or inside an extension.
func TestNothingSilentlyDropped(t *testing.T) {
	m := New()
	n := 0
	for _, ex := range stu3Examples(t) {
		out, err := m.STU3ToR4(ex.res)
		if err != nil {
			continue // a type R4 lacks; TestConformanceAllTypes checks which
		}
		n++
		if miss := dropped(ex.res, out); len(miss) > 0 {
			t.Errorf("%s: %d values dropped, e.g. %q", ex.file, len(miss), miss[0].text)
		}
	}
	if n < 4000 {
		t.Fatalf("only %d examples mapped", n)
	}
}

func TestDroppedSeesALoss(t *testing.T) {
	in, _ := fhirjson.Parse([]byte(`{"resourceType":"Patient","gender":"male","active":true}`))
	out, _ := fhirjson.Parse([]byte(`{"resourceType":"Patient","active":true}`))
	if miss := dropped(in, out); len(miss) != 1 || miss[0].text != "male" {
		t.Fatalf("dropped = %v, want the gender", miss)
	}
}

// hasMember reports whether any object in v has a member called name.
func hasMember(v *fhirjson.Value, name string) bool {
	if name == "" {
		return false
	}
	for _, it := range v.Items {
		if hasMember(it, name) {
			return true
		}
	}
	for _, m := range v.Members {
		if m.Name == name || hasMember(m.Value, name) {
			return true
		}
	}
	return false
}
