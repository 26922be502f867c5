// Package rest is the FHIR REST API of one fhirserver: an http.Handler for
// everything under /fhir that routes every interaction (read, vread, update,
// patch, delete, create, history, search, capabilities, batch, transaction and
// the $changes feed), negotiates formats and headers, and reports every
// client-caused error as an OperationOutcome. It owns the HTTP semantics
// only: it reads and writes through package repository, and checks the
// caller's scopes (package auth) before it does.
package rest
