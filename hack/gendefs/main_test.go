package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/fhirfleet/fhirfleet/test/testenv"
)

// packagesDir is the folder of the official FHIR packages (see testenv.FHIRPackages).
func packagesDir(t *testing.T) string { return testenv.FHIRPackages(t) }

// TestGeneratedIsUpToDate regenerates into a temp folder and compares with
// the committed files byte for byte: it fails when someone edits the
// generated files by hand, or changes gendefs without running
// `make generate-fhir`.
func TestGeneratedIsUpToDate(t *testing.T) {
	tmp := t.TempDir()
	if err := run(packagesDir(t), tmp); err != nil {
		t.Fatal(err)
	}
	for _, spec := range versions {
		got, err := os.ReadFile(filepath.Join(tmp, spec.Out))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join("..", "..", "fhirserver", "defs", "generated", spec.Out))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from a fresh generation (%d vs %d bytes): run make generate-fhir", spec.Out, len(want), len(got))
		}
	}
}

func TestRunFailsOnWrongFolder(t *testing.T) {
	if err := run(t.TempDir(), t.TempDir()); err == nil {
		t.Error("run succeeded without packages")
	}
}
