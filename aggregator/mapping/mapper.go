package mapping

import (
	"fmt"
	"sync"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// Error is a resource this package cannot map; Path names the STU3 element
// (as a FHIRPath location, e.g. "Observation.component[1].code") at fault.
type Error struct {
	Path   string
	Reason string
}

func (e *Error) Error() string { return "map STU3 to R4 at " + e.Path + ": " + e.Reason }

// Mapper maps STU3 resources to R4. It is read-only after New and safe for
// concurrent use.
type Mapper struct {
	stu3, r4 *defs.Version
	// extValue is, per type name, the property an R4 Extension holds a
	// value of that type in ("valueCodeableConcept"); types absent from it
	// (BackboneElement, Narrative, ...) become complex extensions.
	extValue map[string]string
	// element is the R4 Element node, the children of a primitive's "_x".
	element *defs.Node
	// rules are the rules of stu3-to-r4.md by STU3 node path.
	rules map[string]rule
}

// New builds a Mapper from the STU3 and R4 definitions.
func New() *Mapper {
	m := &Mapper{stu3: defs.STU3, r4: defs.R4, extValue: map[string]string{}, rules: rulesByPath()}
	for name, p := range defs.R4.Type("Extension").Root.Props() {
		if p.Element.Choice && p.Element.Name == "value" {
			m.extValue[p.TypeCode] = name
		}
	}
	m.element = defs.R4.Type("Element").Root
	return m
}

var shared = sync.OnceValue(New)

// STU3ToR4 maps one STU3 resource with the shared Mapper; see Mapper.STU3ToR4.
func STU3ToR4(res *fhirjson.Value) (*fhirjson.Value, error) { return shared().STU3ToR4(res) }

// STU3ToR4 returns the R4 form of a STU3 resource. The input is not
// changed. An error is an *Error naming the STU3 element that could not be
// mapped (an unknown resource type or element: the input was not STU3).
func (m *Mapper) STU3ToR4(res *fhirjson.Value) (*fhirjson.Value, error) {
	if res == nil || res.Kind != fhirjson.Object {
		return nil, &Error{Path: "$this", Reason: "a resource is a JSON object"}
	}
	out := res.Clone()
	if err := m.resource(out, ""); err != nil {
		return nil, err
	}
	return out, nil
}

// resource maps a resource in place; loc is where it sits in the outer
// resource ("" at the top), for error paths.
func (m *Mapper) resource(res *fhirjson.Value, loc string) error {
	rt := res.Str("resourceType")
	where := rt
	if loc != "" {
		where = loc
	}
	s3 := m.stu3.Resource(rt)
	if s3 == nil {
		return &Error{Path: where, Reason: fmt.Sprintf("resourceType %q is not a STU3 resource", rt)}
	}
	if to := renamedType(rt); to != "" {
		rt = to
		res.Set("resourceType", fhirjson.NewString(rt))
	}
	r4 := m.r4.Resource(rt)
	if r4 == nil {
		return &Error{Path: where, Reason: fmt.Sprintf("STU3 resource %s has no R4 counterpart", rt)}
	}
	if loc == "" {
		loc = rt
	}
	return m.node(res, r4.Root, s3.Root, loc)
}

// renamedType is the R4 type of a STU3 resource type R4 merged into another
// (ReferralRequest and ProcedureRequest → ServiceRequest, as HAPI's
// converters do); their elements then go through the generic step.
func renamedType(rt string) string {
	switch rt {
	case "ReferralRequest", "ProcedureRequest":
		return "ServiceRequest"
	}
	return ""
}
