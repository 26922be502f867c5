// Package server assembles one FHIR server process: it opens the Pebble
// store, starts the authorization server and the REST API for one FHIR
// version, and serves them with /healthz, /readyz and /metrics on a single
// listener until it is told to stop, then drains requests and closes the
// store so that a SIGTERM never loses an acknowledged write.
package server
