package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs/defsfile"
)

func main() {
	packages := flag.String("packages", "", "folder printed by hack/fhir-packages.sh (holds r4/ and stu3/)")
	out := flag.String("out", "fhirserver/defs/generated", "folder to write <version>.defs into")
	flag.Parse()
	if *packages == "" {
		fmt.Fprintln(os.Stderr, "gendefs: -packages is required (try: -packages \"$(hack/fhir-packages.sh)\")")
		os.Exit(2)
	}
	if err := run(*packages, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gendefs:", err)
		os.Exit(1)
	}
}

// run generates every version into outDir.
func run(packagesDir, outDir string) error {
	for _, spec := range versions {
		data, err := generate(packagesDir, spec)
		if err != nil {
			return fmt.Errorf("%s: %w", spec.Name, err)
		}
		path := filepath.Join(outDir, spec.Out)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return nil
}

// generate reads one version's package and returns the encoded file.
func generate(packagesDir string, spec versionSpec) ([]byte, error) {
	src, err := readSource(filepath.Join(packagesDir, spec.Dir, "package"), spec)
	if err != nil {
		return nil, err
	}
	types, err := convertTypes(src.structures)
	if err != nil {
		return nil, err
	}
	params, err := convertSearchParams(src.searchParams)
	if err != nil {
		return nil, err
	}
	comps, err := convertCompartments(src.compartments)
	if err != nil {
		return nil, err
	}
	f := &defsfile.File{
		Generated:    defsfile.GeneratedMarker,
		Name:         spec.Name,
		FHIRVersion:  spec.FHIRVersion,
		Package:      spec.Package,
		Types:        types,
		SearchParams: params,
		Compartments: comps,
	}
	return defsfile.Encode(f)
}
