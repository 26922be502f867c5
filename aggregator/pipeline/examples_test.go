package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/changefeed"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/test/testenv"
)

// officialChanges returns the official examples of types in a package
// ("r4" or "stu3") as create changes.
func officialChanges(t *testing.T, pkg string, types ...string) []changefeed.Change {
	t.Helper()
	var out []changefeed.Change
	for _, typ := range types {
		files, err := filepath.Glob(filepath.Join(testenv.FHIRPackages(t), pkg, "package", typ+"-*.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			v, err := fhirjson.Parse(data)
			if err != nil || v.Str("resourceType") != typ || v.Str("id") == "" {
				continue
			}
			out = append(out, changefeed.Change{Type: typ, ID: v.Str("id"), VersionID: 1, Op: changefeed.OpCreate,
				LastUpdated: clock, Resource: data})
		}
	}
	if len(out) == 0 {
		t.Fatalf("no %s examples of %v", pkg, types)
	}
	return out
}

// TestOfficialExamples feeds the official examples of the mapped STU3
// types and of the R4 types people, organisations and encounters come in
// (merged ones included) through two sources, in pages of 40: every change
// gets an outcome, the counts add up, every downstream resource passes the
// R4 validator and no reference dangles — real data never breaks a page.
func TestOfficialExamples(t *testing.T) {
	e := newEnv(t)
	feeds := []struct {
		src     string
		stu3    bool
		changes []changefeed.Change
	}{
		{"stu3-examples", true, officialChanges(t, "stu3", mappedTypes...)},
		{"r4-examples", false, officialChanges(t, "r4", "Patient", "Practitioner", "Organization", "Medication", "Encounter", "Condition")},
	}
	for _, f := range feeds {
		src := spec(f.src, "acme")
		for i := 0; i < len(f.changes); i += 40 {
			page := f.changes[i:min(i+40, len(f.changes))]
			if _, err := e.p.Apply(context.Background(), src, f.stu3, page, strconv.Itoa(i)); err != nil {
				t.Fatalf("%s page at %d: %v", f.src, i, err)
			}
		}
		acc, exc, pen, err := e.p.Counts(src.Name)
		if err != nil {
			t.Fatal(err)
		}
		outcomes := outcomesOf(e, src.Name)
		if int(acc+exc+pen) != len(outcomes) || len(outcomes) != len(f.changes) {
			t.Errorf("%s: %d changes, %d outcomes, counts %d/%d/%d", f.src, len(f.changes), len(outcomes), acc, exc, pen)
		}
		if acc == 0 {
			t.Errorf("%s: nothing accepted", f.src)
		}
		t.Logf("%s: %d changes: %d accepted, %d excluded, %d pending", f.src, len(f.changes), acc, exc, pen)
	}
	e.checkInvariants()
	e.checkCounts()
}
