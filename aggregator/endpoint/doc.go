// Package endpoint serves the aggregated store: read-only FHIR R4 at
// <base-url>/fhir, its token endpoint at <base-url>/oauth2/token and SMART
// discovery (docs/aggregator.md, "The aggregated endpoint"). It is the
// customer server's REST read path, search engine and token machinery used
// as libraries (fhirserver/rest, fhirserver/search, fhirserver/auth), with
// aggregator/access deciding per resource who may see what: customers get
// tokens by client credentials, one client per customer; patients by
// exchanging an OpenID Connect ID token of the configured issuer.
package endpoint
