// Command benchserver measures a real fhirserver process from the outside
// for BENCHMARKS.md: time from start to ready, idle memory, durable creates
// with 64 concurrent clients, and reads by id, all over HTTP on loopback with
// fhirfleet's own bounded load generator (test/loadgen), next to the disk's
// raw fsync rate so the create figure can be judged against it. With -memory it
// measures instead the peak memory (VmHWM) under issue 15's large bodies: 32
// concurrent 10.5 MB transactions from one token, and one 2 MB Patient with
// 500,000 given names. With -idle it shows where an idle server's memory
// goes: RSS 2 s after ready (median of three starts), the binary's mapped
// pages against those it still uses, and the Go runtime's heap and stacks.
package main
