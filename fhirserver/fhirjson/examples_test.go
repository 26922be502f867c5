package fhirjson

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// packagesDir returns the folder holding the official FHIR packages, from
// FHIRFLEET_FHIR_PACKAGES (set by make test) or by running the script.
func packagesDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("FHIRFLEET_FHIR_PACKAGES"); d != "" {
		return d
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(filepath.Join(root, "hack", "fhir-packages.sh")).Output()
	if err != nil {
		t.Fatalf("hack/fhir-packages.sh: %v", err)
	}
	return strings.TrimSpace(string(out))
}

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
