package access

import (
	"slices"

	"github.com/fhirfleet/fhirfleet/aggregator/merge"
	"github.com/fhirfleet/fhirfleet/aggregator/rules"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// PrivacyLabelSystem is the code system of the platform's privacy labels
// (GENERAL_HEALTH, MENTAL_HEALTH, SEXUAL_HEALTH, SOCIAL_CARE) in
// meta.security.
const PrivacyLabelSystem = "http://fhir.patientsknowbest.com/codesystem/privacy-label"

// decide is the rule, over one version of a resource: owners are the
// Patients whose compartment holds it (search.Engine.CompartmentOwners),
// linked reports whether a Patient is linked to the customer.
//
//   - A patient sees their compartment, every label included, and nothing
//     else.
//   - A customer sees what carries its own source-organization label (it
//     contributed it), whatever its other labels; otherwise only what
//     carries no privacy label it is not granted — a code of that system it
//     does not know counts as not granted — and, of that, what lies in no
//     patient's compartment or in the compartment of a patient linked to it.
func decide(who Subject, res *fhirjson.Value, owners []string, linked func(patientID string) (bool, error)) (bool, error) {
	if who.Patient != "" {
		return slices.Contains(owners, who.Patient), nil
	}
	if who.Customer == "" {
		return false, nil
	}
	var labels []string
	for _, c := range securityCodings(res) {
		switch c.Str("system") {
		case rules.SourceOrganizationSystem:
			if c.Str("code") == who.Customer {
				return true, nil
			}
		case PrivacyLabelSystem:
			labels = append(labels, c.Str("code"))
		}
	}
	for _, l := range labels {
		if !slices.Contains(who.Labels, l) {
			return false, nil
		}
	}
	if len(owners) == 0 {
		return true, nil
	}
	for _, p := range owners {
		ok, err := linked(p)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// linkedTo reports whether a merged Patient has a contributor of customer:
// a contributor extension naming it, or (the same fact, written by merge)
// its source-organization label.
func linkedTo(patient *fhirjson.Value, customer string) bool {
	meta := patient.Get("meta")
	if meta == nil {
		return false
	}
	if ext := meta.Get("extension"); ext != nil && ext.Kind == fhirjson.Array {
		for _, e := range ext.Items {
			if e.Str("url") != merge.ContributorExtensionURL {
				continue
			}
			if sub := e.Get("extension"); sub != nil && sub.Kind == fhirjson.Array {
				for _, s := range sub.Items {
					if s.Str("url") == "customer" && s.Str("valueString") == customer {
						return true
					}
				}
			}
		}
	}
	for _, c := range securityCodings(patient) {
		if c.Str("system") == rules.SourceOrganizationSystem && c.Str("code") == customer {
			return true
		}
	}
	return false
}

// securityCodings are the codings of meta.security.
func securityCodings(res *fhirjson.Value) []*fhirjson.Value {
	meta := res.Get("meta")
	if meta == nil || meta.Kind != fhirjson.Object {
		return nil
	}
	sec := meta.Get("security")
	if sec == nil || sec.Kind != fhirjson.Array {
		return nil
	}
	return sec.Items
}
