package defs

import "github.com/fhirfleet/fhirfleet/fhirserver/defs/defsfile"

func (v *Version) fillCompartments(fcs []defsfile.Compartment) {
	v.compartments = make(map[string]*Compartment, len(fcs))
	v.compartmentList = make([]*Compartment, len(fcs))
	for i, fc := range fcs {
		c := &Compartment{Code: fc.Code, Resources: fc.Resources}
		v.compartments[c.Code] = c
		v.compartmentList[i] = c // the file is sorted by code
	}
}

// Compartment returns the compartment with this code ("Patient",
// "Encounter", "RelatedPerson", "Practitioner", "Device"), or nil.
func (v *Version) Compartment(code string) *Compartment {
	v.load()
	return v.compartments[code]
}

// Compartments returns every compartment, sorted by code. The slice is
// shared: do not modify it.
func (v *Version) Compartments() []*Compartment {
	v.load()
	return v.compartmentList
}

// Params returns the search parameter codes that put a resource of this type
// into the compartment; nil when the type is not in it.
func (c *Compartment) Params(resourceType string) []string {
	return c.Resources[resourceType]
}
