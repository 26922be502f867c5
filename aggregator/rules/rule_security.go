package rules

import (
	"strconv"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// Source labels: meta.security codings that say which organisation,
// patient, practitioner or team a resource came from. The platform sets
// them when it aggregates; a customer must not, since they decide who sees
// the data. The platform's documentation names the systems source-
// organization, source-patient, source-practitioner and source-team
// without a full URL; we put them under the same namespace as its
// privacy labels (http://fhir.patientsknowbest.com/codesystem/).
const (
	SourceOrganizationSystem = "http://fhir.patientsknowbest.com/codesystem/source-organization"
	SourcePatientSystem      = "http://fhir.patientsknowbest.com/codesystem/source-patient"
	SourcePractitionerSystem = "http://fhir.patientsknowbest.com/codesystem/source-practitioner"
	SourceTeamSystem         = "http://fhir.patientsknowbest.com/codesystem/source-team"
)

func isSourceSystem(s string) bool {
	switch s {
	case SourceOrganizationSystem, SourcePatientSystem, SourcePractitionerSystem, SourceTeamSystem:
		return true
	}
	return false
}

// stripSourceLabels removes customer-supplied source labels from the
// meta.security of the resource at the current path. This excludes
// nothing: the labels are the platform's to set, so a customer's are
// dropped, not held against the resource. An emptied security (and then
// an emptied meta) is removed too, since FHIR JSON has no empty elements.
func (w *walker) stripSourceLabels(o *fhirjson.Value) {
	meta := o.Get("meta")
	if meta == nil || meta.Kind != fhirjson.Object {
		return
	}
	sec := meta.Get("security")
	if sec == nil || sec.Kind != fhirjson.Array {
		return
	}
	firstRemoved := -1 // keep is built only once something is removed
	var keep []*fhirjson.Value
	for i, c := range sec.Items {
		if !isSourceSystem(c.Str("system")) {
			if firstRemoved >= 0 {
				keep = append(keep, c)
			}
			continue
		}
		if firstRemoved < 0 {
			firstRemoved = i
			keep = append(make([]*fhirjson.Value, 0, len(sec.Items)), sec.Items[:i]...)
		}
		w.res.Changes = append(w.res.Changes, Change{
			Expression: w.here("meta.security[" + strconv.Itoa(i) + "]"),
			Message:    "removed the source label " + c.Str("system") + "|" + c.Str("code") + ": the platform sets source labels",
		})
	}
	if firstRemoved < 0 {
		return
	}
	if len(keep) > 0 {
		meta.Set("security", fhirjson.NewArray(keep...))
		return
	}
	meta.Delete("security")
	if len(meta.Members) == 0 {
		o.Delete("meta")
	}
}
