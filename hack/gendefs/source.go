package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// versionSpec says where one FHIR version's definitions are in its package.
// R4 ships the core definitions as bundles (the examples package also holds
// profiles, extensions and example SearchParameters as single files, which
// the bundles leave out); STU3 ships single files only.
type versionSpec struct {
	Name        string
	FHIRVersion string
	Package     string
	Dir         string   // folder under -packages
	Bundles     []string // bundles holding the core definitions
	Globs       []string // single resource files holding them
	Out         string   // file name under -out
}

var versions = []versionSpec{
	{
		Name: "R4", FHIRVersion: "4.0.1", Package: "hl7.fhir.r4.examples@4.0.1", Dir: "r4",
		Bundles: []string{"Bundle-types.json", "Bundle-resources.json", "Bundle-searchParams.json"},
		Out:     "r4.defs",
	},
	{
		Name: "STU3", FHIRVersion: "3.0.2", Package: "hl7.fhir.r3.examples@3.0.2", Dir: "stu3",
		Globs: []string{"StructureDefinition-*.json", "SearchParameter-*.json", "CompartmentDefinition-*.json"},
		Out:   "stu3.defs",
	},
}

// source is the raw definitions of one version, in a deterministic order.
type source struct {
	structures   []structureDefinition
	searchParams []searchParameter
	compartments []compartmentDefinition
}

// readSource reads the definitions named by spec from dir (…/<version>/package).
func readSource(dir string, spec versionSpec) (*source, error) {
	if err := checkPackageVersion(dir, spec.FHIRVersion); err != nil {
		return nil, err
	}
	var raws []json.RawMessage
	for _, name := range spec.Bundles {
		path := filepath.Join(dir, name)
		var b struct {
			Entry []struct {
				Resource json.RawMessage `json:"resource"`
			} `json:"entry"`
		}
		if err := readJSON(path, &b); err != nil {
			return nil, err
		}
		for _, e := range b.Entry {
			raws = append(raws, e.Resource)
		}
	}
	for _, pattern := range spec.Globs {
		paths, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			return nil, fmt.Errorf("glob %s: %w", pattern, err)
		}
		if len(paths) == 0 {
			return nil, fmt.Errorf("no files match %s in %s", pattern, dir)
		}
		sort.Strings(paths)
		for _, path := range paths {
			var raw json.RawMessage
			if err := readJSON(path, &raw); err != nil {
				return nil, err
			}
			raws = append(raws, raw)
		}
	}
	src := &source{}
	for _, raw := range raws {
		if err := src.add(raw); err != nil {
			return nil, err
		}
	}
	return src, nil
}

// add sorts one resource into its list; other resource types are ignored.
func (s *source) add(raw json.RawMessage) error {
	var head struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return fmt.Errorf("read resource: %w", err)
	}
	var err error
	switch head.ResourceType {
	case "StructureDefinition":
		var sd structureDefinition
		if err = json.Unmarshal(raw, &sd); err == nil {
			s.structures = append(s.structures, sd)
		}
	case "SearchParameter":
		var sp searchParameter
		if err = json.Unmarshal(raw, &sp); err == nil {
			s.searchParams = append(s.searchParams, sp)
		}
	case "CompartmentDefinition":
		var cd compartmentDefinition
		if err = json.Unmarshal(raw, &cd); err == nil {
			s.compartments = append(s.compartments, cd)
		}
	}
	if err != nil {
		return fmt.Errorf("read %s/%s: %w", head.ResourceType, head.ID, err)
	}
	return nil
}

// checkPackageVersion makes sure the folder holds the release we say we
// generate, so a wrong -packages folder fails loudly instead of silently
// producing other definitions.
func checkPackageVersion(dir, want string) error {
	var pkg struct {
		Version string `json:"version"`
	}
	if err := readJSON(filepath.Join(dir, "package.json"), &pkg); err != nil {
		return err
	}
	if pkg.Version != want {
		return fmt.Errorf("%s holds version %q, want %q", dir, pkg.Version, want)
	}
	return nil
}

// readJSON decodes a file, tolerating the UTF-8 byte-order mark some STU3
// files start with.
func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return nil
}
