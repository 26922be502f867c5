package fhirjson

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/fhirfleet/fhirfleet/test/testenv"
)

// packagesDir is the folder of the official FHIR packages (see testenv.FHIRPackages).
func packagesDir(t testing.TB) string { return testenv.FHIRPackages(t) }

// TestRoundTripOfficialFiles reads every JSON file of both official packages
// and checks that writing it out (compact and indented) and reading it back
// gives the same tree, with every number literal unchanged.
func TestRoundTripOfficialFiles(t *testing.T) {
	dir := packagesDir(t)
	total := 0
	for _, pkg := range []string{"r4", "stu3"} {
		files, err := filepath.Glob(filepath.Join(dir, pkg, "package", "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) < 5000 {
			t.Fatalf("%s: only %d files in %s", pkg, len(files), dir)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			v, err := Parse(data)
			if err != nil {
				t.Errorf("%s: %v", f, err)
				continue
			}
			outs := [][]byte{Marshal(v)}
			if len(data) < 1<<20 {
				// The indented writer shares everything but the
				// whitespace; the big bundles add time, not coverage.
				outs = append(outs, MarshalIndent(v))
			}
			for _, out := range outs {
				back, err := Parse(out)
				if err != nil {
					t.Errorf("%s: written form does not parse: %v", f, err)
					continue
				}
				if !back.Equal(v) {
					t.Errorf("%s: written form reads back different", f)
				}
			}
			if !bytes.Equal(Marshal(v), AppendJSON(nil, v)) {
				t.Errorf("%s: Marshal and AppendJSON differ", f)
			}
			total++
		}
	}
	t.Logf("%d files round-tripped", total)
}
