// Package follow runs the aggregator's followers: for every source a
// Discoverer finds, one loop long-polls the source's change feed from the
// cursor the pipeline stored and hands each page to the pipeline, and one
// reporter posts the outcomes the pipeline decided back to the source
// ($aggregation-outcome). Sources are independent: one that is down, slow,
// refuses the credentials or rejects the cursor backs off on its own
// (with jitter, honouring Retry-After) and never holds up another; the
// work of catching up is bounded (MaxConcurrent sources at once), waiting
// at the head of a feed is not. Each source's progress is kept as a
// source.State, published to a source.StatusSink and to Prometheus.
package follow
