package access

import "slices"

// PrivacyLabelSystem is the code system of the platform's privacy labels
// (GENERAL_HEALTH, MENTAL_HEALTH, SEXUAL_HEALTH, SOCIAL_CARE) in
// meta.security.
const PrivacyLabelSystem = "http://fhir.patientsknowbest.com/codesystem/privacy-label"

// decide is the rule, over the facts of one version of a resource; linked
// reports whether a Patient is linked to the customer.
//
//   - A patient sees their compartment, every label included, and nothing
//     else.
//   - A customer sees what carries its own source-organization label (it
//     contributed it), whatever its other labels; otherwise only what
//     carries no privacy label it is not granted — a code of that system it
//     does not know counts as not granted — and, of that, what lies in no
//     patient's compartment or in the compartment of a patient linked to it.
func decide(who Subject, f *facts, linked func(patientID string) (bool, error)) (bool, error) {
	if who.Patient != "" {
		return slices.Contains(f.owners, who.Patient), nil
	}
	if who.Customer == "" {
		return false, nil
	}
	if slices.Contains(f.orgs, who.Customer) {
		return true, nil
	}
	for _, l := range f.labels {
		if !slices.Contains(who.Labels, l) {
			return false, nil
		}
	}
	if len(f.owners) == 0 {
		return true, nil
	}
	for _, p := range f.owners {
		ok, err := linked(p)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}
