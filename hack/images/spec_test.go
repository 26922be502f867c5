package main

import (
	"os"
	"path"
	"slices"
	"strings"
	"testing"
)

// The images must run the commands the deployments give: config/manager
// runs /manager; the operator's server pods run `fhirserver`, found on PATH.
func TestSpecsMatchTheDeployments(t *testing.T) {
	manifest, err := os.ReadFile("../../config/manager/manager.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if want := `command: ["` + specByName(t, "manager").Path + `"]`; !strings.Contains(string(manifest), want) {
		t.Errorf("config/manager/manager.yaml lacks %s", want)
	}
	dirs := strings.Split(strings.TrimPrefix(imagePATH, "PATH="), ":")
	for _, name := range []string{"fhirserver", "aggregator"} {
		s := specByName(t, name)
		if path.Base(s.Path) != name || !slices.Contains(dirs, path.Dir(s.Path)) {
			t.Errorf("%s lies at %s, want <a PATH folder>/%s so the bare command finds it", name, s.Path, name)
		}
	}
}
