// Command benchserver measures a real fhirserver process from the outside
// for BENCHMARKS.md: time from start to ready, idle memory, durable creates
// with 64 concurrent clients, and reads by id, all over HTTP on loopback with
// fhirfleet's own bounded load generator (test/loadgen), next to the disk's
// raw fsync rate so the create figure can be judged against it.
package main
