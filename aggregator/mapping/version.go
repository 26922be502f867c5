package mapping

import (
	"fmt"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// SourceVersion is the FHIR version of a source server, read from the
// CapabilityStatement its /metadata returns (fhirVersion, e.g. "3.0.2"):
// defs.STU3 means its resources go through STU3ToR4, defs.R4 that they
// are stored as they come. Any other answer is an error naming what the
// server said, since the aggregator can store neither.
func SourceVersion(capability *fhirjson.Value) (*defs.Version, error) {
	if capability == nil || capability.Kind != fhirjson.Object || capability.Str("resourceType") != "CapabilityStatement" {
		return nil, &Error{Path: "CapabilityStatement", Reason: "the server's /metadata is not a CapabilityStatement"}
	}
	fv := capability.Str("fhirVersion")
	v := defs.ByName(fv)
	if v == nil {
		// Servers report their patch release (HAPI's STU3 says "3.0.1");
		// every 3.0.x is STU3 and every 4.0.x R4.
		if major, rest, ok := strings.Cut(fv, "."); ok {
			if minor, _, ok := strings.Cut(rest, "."); ok {
				v = defs.ByName(major + "." + minor)
			}
		}
	}
	if v == nil {
		return nil, &Error{Path: "CapabilityStatement.fhirVersion", Reason: fmt.Sprintf("FHIR version %q is neither STU3 nor R4", fv)}
	}
	return v, nil
}
