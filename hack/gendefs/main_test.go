package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// packagesDir finds the official packages as the rest of the suite does:
// FHIRFLEET_FHIR_PACKAGES (set by make test), else hack/fhir-packages.sh.
// There is no skip: without the packages this test cannot say anything.
func packagesDir(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("FHIRFLEET_FHIR_PACKAGES"); dir != "" {
		return dir
	}
	out, err := exec.Command("../fhir-packages.sh").Output()
	if err != nil {
		t.Fatalf("hack/fhir-packages.sh (set FHIRFLEET_FHIR_PACKAGES to skip fetching): %v", err)
	}
	return strings.TrimSpace(string(out))
}

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
