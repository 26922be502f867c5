// Package profiling serves Go's runtime profiles (net/http/pprof) on a
// private listener when a binary is asked to with --pprof, so a CPU
// profile of a fhirserver or the aggregator can be taken under real load
// (the aggregator's lag benchmark does, with AGG_BENCH_PROFILE).
package profiling
