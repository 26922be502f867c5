// Package exitcode holds the exit codes the fhirserver and the aggregator
// share, so an orchestrator reads them alike: 2 for bad flags, 70 when the
// store was not closed cleanly and must be reopened by a new process.
package exitcode
