// Package profiling serves Go's runtime profiles (net/http/pprof) on a
// loopback listener of their own, for a developer measuring a fhirserver or
// the aggregator under load (--pprof-listen; hack/benchserver -profile and
// BenchmarkAggregatorLag's AGG_BENCH_PROFILE take their CPU profiles there).
package profiling
