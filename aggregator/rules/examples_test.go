package rules

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/test/testenv"
)

// r4Examples lists the official R4 package's JSON files.
func r4Examples(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(testenv.FHIRPackages(t), "r4", "package", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if base := filepath.Base(f); base != "package.json" && !strings.HasPrefix(base, ".") {
			out = append(out, f)
		}
	}
	if len(out) < 1000 {
		t.Fatalf("only %d files in the R4 package", len(out))
	}
	return out
}

// TestOfficialExamples checks every official R4 example: Check never
// errors, checking twice gives the same verdict with no second rewrite,
// and the counts per rule say the rules fire where the examples really
// break them (the examples are written for the spec, not for the platform,
// so many are excluded, e.g. for display-only assigners).
func TestOfficialExamples(t *testing.T) {
	c := New(Config{SourceBase: "http://hl7.org/fhir"})
	counts := map[Rule]int{}
	excluded, total := 0, 0
	verdicts := map[string][]string{}
	for _, f := range r4Examples(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		v, err := fhirjson.Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if defs.R4.Resource(v.Str("resourceType")) == nil {
			continue // the package's index files
		}
		total++
		r, err := c.Check(v)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if r.Excluded != (len(r.Violations) > 0) {
			t.Fatalf("%s: Excluded %v with %d violations", f, r.Excluded, len(r.Violations))
		}
		again, err := c.Check(v)
		if err != nil || len(again.Changes) != 0 || !slices.Equal(violations(again), violations(r)) {
			t.Fatalf("%s: second check differs: %v %+v %q", f, err, again.Changes, violations(again))
		}
		if r.Excluded {
			excluded++
		}
		for _, vi := range r.Violations {
			counts[vi.Rule]++
			if !strings.HasPrefix(vi.Expression, v.Str("resourceType")) {
				t.Fatalf("%s: expression %q does not start at the resource", f, vi.Expression)
			}
		}
		verdicts[filepath.Base(f)] = violations(r)
	}
	rules := make([]string, 0, len(counts))
	for r := range counts {
		rules = append(rules, string(r))
	}
	sort.Strings(rules)
	for _, r := range rules {
		t.Logf("%-30s %d", r, counts[Rule(r)])
	}
	t.Logf("%d of %d resources excluded", excluded, total)

	// Rules the examples are known to break, and examples known to pass.
	for _, r := range []Rule{RuleReferenceNotLiteral, RuleReferenceContained, RuleReferenceMalformed,
		RuleReferenceCrossServer, RuleIdentifierIncomplete, RuleIdentifierMissing} {
		if counts[r] == 0 {
			t.Errorf("no official example breaks %s", r)
		}
	}
	if excluded == 0 || excluded == total {
		t.Errorf("%d of %d excluded: the rules either never or always fire", excluded, total)
	}
	for file, want := range map[string][]string{
		"Patient-example.json":  {"reference-not-literal@Patient.identifier[0].assigner"},
		"Observation-f001.json": nil,
		// Its second identifier has a system and no value.
		"Patient-f001.json": {"identifier-incomplete@Patient.identifier[1].value",
			"identifier-duplicate-system@Patient.identifier[1].system"},
	} {
		got, ok := verdicts[file]
		if !ok {
			t.Errorf("%s not in the package", file)
			continue
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: violations %q, want %q", file, got, want)
		}
	}
}
