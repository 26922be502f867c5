package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs/defsfile"
)

type compartmentDefinition struct {
	ID       string `json:"id"`
	Code     string `json:"code"`
	Resource []struct {
		Code  string   `json:"code"`
		Param []string `json:"param"`
	} `json:"resource"`
}

// convertCompartments keeps the five official compartments, sorted by code.
// The STU3 package also holds an example (id "example", code Device, two
// resources); the official ones are named after their code with the first
// letter lower-cased (patient, relatedPerson), so that is what is kept.
func convertCompartments(cds []compartmentDefinition) ([]defsfile.Compartment, error) {
	var out []defsfile.Compartment
	seen := map[string]bool{}
	for _, cd := range cds {
		if cd.Code == "" || cd.ID != strings.ToLower(cd.Code[:1])+cd.Code[1:] {
			continue
		}
		if seen[cd.Code] {
			return nil, fmt.Errorf("CompartmentDefinition %s: code %s defined twice", cd.ID, cd.Code)
		}
		seen[cd.Code] = true
		c := defsfile.Compartment{Code: cd.Code, Resources: map[string][]string{}}
		for _, r := range cd.Resource {
			if len(r.Param) > 0 {
				c.Resources[r.Code] = r.Param
			}
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out, nil
}
