// Command fhirserver is one customer feed's FHIR server: every REST
// interaction for every resource type of one FHIR version (R4 or STU3), a
// Pebble store, and its own OAuth 2.0 token endpoint. See docs/rest-api.md.
package main
