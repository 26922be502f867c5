package registration

import (
	"strconv"

	"github.com/fhirfleet/fhirfleet/fhirserver/rest"
)

// Operations are the mass registration operations for the aggregated
// endpoint's rest.Config.Operations.
func (s *Service) Operations() []rest.Operation {
	return []rest.Operation{
		{
			Type: "Patient", Name: "status-query",
			Description: "The registration status of patients: one patientStatus per patientIdentifier, in order. " +
				"An identifier of no patient linked to the calling customer answers registered=false only. System clients only. See docs/mass-registration.md.",
			Params: []rest.OperationParam{
				{Name: "patientIdentifier", Use: "in", Min: "1", Max: strconv.Itoa(MaxStatusQuery), Type: "Identifier", Documentation: "A patient's identifier (an NHS number: system https://fhir.nhs.uk/Id/nhs-number)."},
				{Name: "patientStatus", Use: "out", Min: "1", Max: "*", Type: "Element", Documentation: "Parts patientIdentifier, deceased (boolean), registered (boolean), dateOfBirth (date) — only patientIdentifier and registered=false when no linked patient has the identifier."},
			},
			Invoke: s.statusQuery,
		},
		{
			Type: "Organization", Name: "generate-invitation-tokens", AffectsState: true,
			Description: "Single-use invitation tokens for the join URL <join base>?t1=<code>&t2=<token>&e=<email>: one patientTokens per patientIdentifier, in order. " +
				"None for a patient who is deceased, not linked to the caller, already registered, has no birth date or is under 16: an outcome part says which. " +
				"All the tokens of a call are stored together or none. System clients only. See docs/mass-registration.md.",
			Params: []rest.OperationParam{
				{Name: "patientIdentifier", Use: "in", Min: "1", Max: strconv.Itoa(MaxInvitations), Type: "Identifier", Documentation: "A patient's identifier."},
				{Name: "patientTokens", Use: "out", Min: "1", Max: "*", Type: "Element", Documentation: "Parts patientIdentifier, token (string, single use), code (string, 8 characters), expiry (dateTime) — or patientIdentifier and outcome (an OperationOutcome whose diagnostics start with unknown, deceased, registered, no-birth-date or under-16)."},
			},
			Invoke: s.generateInvitations,
		},
		{
			Type: "DocumentReference", Name: "read-receipt-query",
			Description: "Whether patients have read documents through the aggregated endpoint with their own token, and when first: one readReceipt per documentIdentifier, in order. " +
				"Only documents the calling customer contributed answer; any other answers read=false only. System clients only. See docs/mass-registration.md.",
			Params: []rest.OperationParam{
				{Name: "documentIdentifier", Use: "in", Min: "1", Max: strconv.Itoa(MaxReadReceiptQuery), Type: "Identifier", Documentation: "A DocumentReference's identifier."},
				{Name: "readReceipt", Use: "out", Min: "1", Max: "*", Type: "Element", Documentation: "Parts documentIdentifier, read (boolean), readAt (dateTime of the first read, when read)."},
			},
			Invoke: s.readReceiptQuery,
		},
		{
			Type: "Patient", Name: "process-message", AffectsState: true,
			Description: "Deprecating, kept for existing integrations: one Patient with an NHS number creates the calling customer's record of the patient or updates its demographics, " +
				"through the customer's platform-owned source and the aggregator's pipeline (rules, merge, outcomes). With an email (telecom system email) and a patient who may be invited, " +
				"an invitation mail is queued and sent through --smtp-url, retried until the server takes it. Not the FHIR $process-message. System clients only. See docs/mass-registration.md.",
			Params: []rest.OperationParam{
				{Name: "resource", Use: "in", Min: "1", Max: "1", Type: "Patient", Documentation: "The Patient, with an identifier of system https://fhir.nhs.uk/Id/nhs-number."},
				{Name: "outcome", Use: "out", Min: "1", Max: "1", Type: "OperationOutcome", Documentation: "What the pipeline decided: accepted with the merged Patient, or pending (an excluded Patient is a 422 naming the rule)."},
				{Name: "patient", Use: "out", Min: "0", Max: "1", Type: "Reference", Documentation: "The merged Patient, when accepted."},
				{Name: "invitation", Use: "out", Min: "0", Max: "1", Type: "string", Documentation: "With an email: queued, or not sent and why."},
			},
			Invoke: s.processMessage,
		},
	}
}
