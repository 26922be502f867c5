// Package access decides who may read what on the aggregated endpoint
// (docs/aggregator.md, "Who may read what"). A Subject — a customer with
// its granted privacy labels, or a patient with the id of their merged
// Patient — travels in the request context; a View answers, per resource,
// whether that subject may learn it exists, and is handed to the search
// engine as its search.Visibility, so the decision is taken inside every
// search's planning; Policy.Wrap applies the same View to read, vread and
// history, so a hidden resource is a 404 exactly like a missing one.
package access
