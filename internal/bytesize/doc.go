// Package bytesize reads byte counts from flags ("64MiB"), for the cache
// sizes of the fhirserver and aggregator binaries.
package bytesize
