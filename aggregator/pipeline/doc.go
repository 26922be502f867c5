// Package pipeline is the aggregator's core: it turns one page of a source's
// change feed into the aggregated R4 store in one storage.Write — each change
// mapped (STU3 sources), checked against the business rules, validated,
// merged or copied with its references rewritten to downstream ids, the
// follow cursor, the per-source versions, every piece of pipeline state
// (contributors, pending waits, reverse references, outcomes and their
// outbox) committed together, so a crash anywhere leaves the store exactly
// as if each change had been applied once. docs/aggregator.md ("The
// pipeline") explains the choices; docs/storage.md lists the namespaces.
package pipeline
