package rest

import (
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// validate parses a resource and checks its syntax against the definitions.
func (h *Handler) validate(data []byte) (*fhirjson.Value, error) {
	v, err := fhirjson.Parse(data, fhirjson.WithMaxDepth(h.maxDepth))
	if err != nil {
		return nil, outcome.BadRequest(outcome.CodeStructure, "", "the body is not valid JSON: %v", err)
	}
	if v.Kind != fhirjson.Object {
		return nil, outcome.BadRequest(outcome.CodeStructure, "", "the body is not a JSON object")
	}
	rt := v.Str("resourceType")
	if rt == "" {
		return nil, outcome.BadRequest(outcome.CodeRequired, "resourceType", "the body has no resourceType")
	}
	if !h.types[rt] {
		return nil, outcome.BadRequest(outcome.CodeNotSupported, "resourceType", "%q is not a resource type of FHIR %s", rt, h.ver.FHIRVersion)
	}
	return v, nil
}
