// Package e2e tests fhirfleet's binaries from the outside: it builds the
// real fhirserver, runs it as a process on loopback, kills it with SIGKILL at
// random moments, restarts it, and drives it with real third-party FHIR
// clients. Nothing here reaches into the server's packages.
package e2e
