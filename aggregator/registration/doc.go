// Package registration is the mass registration model of the aggregated
// endpoint (issue 14; docs/mass-registration.md): which patients are
// registered (signed in once with a P9 ID token), the invitations customers
// hand out for the join URL, and the read receipts of DocumentReferences.
//
// Its records are application metadata in the aggregator's Pebble store
// (storage.AppMetaRegistrations, AppMetaInvitations, AppMetaReadReceipts):
// not resources, so no search, history or change feed shows them. Its
// operations ($status-query, $generate-invitation-tokens,
// $read-receipt-query) are rest.Operations the endpoint serves; they answer
// customers only, about the merged Patients and documents visible to them
// (aggregator/access), so a customer never learns of a patient not linked
// to it.
package registration
