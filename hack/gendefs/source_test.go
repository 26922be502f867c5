package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadJSONToleratesBOM(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.json", "\xef\xbb\xbf{\"version\":\"3.0.2\"}")
	var v struct{ Version string }
	if err := readJSON(filepath.Join(dir, "a.json"), &v); err != nil || v.Version != "3.0.2" {
		t.Errorf("got %+v, %v", v, err)
	}
}

func TestCheckPackageVersion(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "package.json", `{"name":"hl7.fhir.r4.examples","version":"4.0.1"}`)
	if err := checkPackageVersion(dir, "4.0.1"); err != nil {
		t.Error(err)
	}
	if err := checkPackageVersion(dir, "3.0.2"); err == nil || !strings.Contains(err.Error(), "want \"3.0.2\"") {
		t.Errorf("err = %v", err)
	}
}

func TestReadSourceSortsResources(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "package.json", `{"version":"3.0.2"}`)
	writeFile(t, dir, "SearchParameter-b.json", "\xef\xbb\xbf"+`{"resourceType":"SearchParameter","id":"b","url":"u:b","code":"b","base":["X"],"type":"token"}`)
	writeFile(t, dir, "SearchParameter-a.json", `{"resourceType":"SearchParameter","id":"a","url":"u:a","code":"a","base":["X"],"type":"token"}`)
	writeFile(t, dir, "CompartmentDefinition-x.json", `{"resourceType":"CompartmentDefinition","id":"x","code":"X"}`)
	writeFile(t, dir, "Bundle-b.json", `{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"ValueSet","id":"v"}},`+
		`{"resource":{"resourceType":"StructureDefinition","id":"X","type":"X","kind":"resource"}}]}`)
	spec := versionSpec{FHIRVersion: "3.0.2", Bundles: []string{"Bundle-b.json"}, Globs: []string{"SearchParameter-*.json", "CompartmentDefinition-*.json"}}
	src, err := readSource(dir, spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(src.structures) != 1 || len(src.searchParams) != 2 || len(src.compartments) != 1 {
		t.Fatalf("got %d structures, %d params, %d compartments", len(src.structures), len(src.searchParams), len(src.compartments))
	}
	if src.searchParams[0].ID != "a" || src.searchParams[1].ID != "b" {
		t.Errorf("files not read in name order: %s, %s", src.searchParams[0].ID, src.searchParams[1].ID)
	}
	spec.Globs = append(spec.Globs, "OperationDefinition-*.json")
	if _, err := readSource(dir, spec); err == nil {
		t.Error("a glob matching nothing was accepted")
	}
}
