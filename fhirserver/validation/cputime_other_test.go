//go:build !unix

package validation

// processCPU is unavailable here; benchmarks then report wall time only.
func processCPU() (int64, bool) { return 0, false }
