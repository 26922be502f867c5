// Package server assembles one FHIR server process: it opens the Pebble
// store, starts the authorization server and the REST API for one FHIR
// version, and serves them (with /healthz and /readyz) on one listener and
// /metrics on a second, private one (and, only when asked, Go's profiles on
// a third, on loopback), until it is told to stop; then it
// drains requests and closes the store so that a SIGTERM never loses an
// acknowledged write.
package server
