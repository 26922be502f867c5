// Package aggregator holds the parts of the aggregator binary, one package
// each: source (which feeds to follow; static) and kubesource (FhirEndpoints
// in a cluster), follow (one loop per feed), pipeline (a page of changes into
// the aggregated store in one batch) with mapping (STU3 → R4), rules (the
// business rules) and merge (merged types, ids, provenance), and the
// aggregated endpoint: access (who sees what), endpoint (read-only R4 and its
// tokens) and registration (mass registration operations).
package aggregator
