// Command benchserver measures a real fhirserver process from the outside
// for BENCHMARKS.md, over HTTP on loopback with fhirfleet's own bounded load
// generator (test/loadgen). By default it runs issue 13's table: a trivial
// net/http handler answering 200 bytes of JSON (the ceiling: this program
// started again with -ceiling-serve, so it is a process on loopback like the
// fhirserver), then POST Patient, a transaction of 1 Patient + 10
// Observations, GET Patient/{id} and Patient?family= over 20,000 Patients,
// -runs times, each run right after a run of the ceiling; each figure is the
// median, and each rate is stated as a share of the ceiling measured just
// before it, with the server's CPU per request; then idle RSS 2 s after
// ready, time to ready and the disk's raw fsync rate. With -profile DIR it
// runs each workload once more while taking a CPU and an allocation profile
// from the fhirserver's --pprof-listen, and prints their top entries (go
// tool pprof -top). -workloads create,read (any of create, transaction,
// read, search) runs only those, beside the ceiling, so two builds can be
// paired on one workload in alternated runs.
//
// With -memory it measures instead the peak memory (VmHWM) under issue 15's
// large bodies: 32 concurrent 10.5 MB transactions from one token, and one
// 2 MB Patient with 500,000 given names. With -idle it shows where an idle
// server's memory goes: RSS 2 s after ready (median of three starts), the
// binary's mapped pages against those it still uses, and the Go runtime's
// heap and stacks.
package main
