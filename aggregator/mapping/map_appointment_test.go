package mapping

import "testing"

// A snippet of Appointment-example.json.
func TestAppointment(t *testing.T) {
	runRuleCases(t, []ruleCase{{
		name: "indication, reason, incomingReferral, serviceCategory",
		in:   `{"resourceType":"Appointment","id":"example","status":"booked","serviceCategory":{"coding":[{"system":"http://example.org/service-category","code":"gp","display":"General Practice"}]},"reason":[{"text":"check-up"}],"indication":[{"reference":"Condition/example","display":"Severe burn of left ear"}],"incomingReferral":[{"reference":"ReferralRequest/example"}],"participant":[{"actor":{"reference":"Patient/example"},"status":"accepted"}]}`,
		want: `{"resourceType":"Appointment","id":"example","status":"booked","serviceCategory":[{"coding":[{"system":"http://example.org/service-category","code":"gp","display":"General Practice"}]}],"reasonCode":[{"text":"check-up"}],"reasonReference":[{"reference":"Condition/example","display":"Severe burn of left ear"}],"basedOn":[{"reference":"ReferralRequest/example"}],"participant":[{"actor":{"reference":"Patient/example"},"status":"accepted"}]}`,
	}})
}
