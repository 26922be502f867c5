//go:build unix

package validation

import "syscall"

// processCPU returns the CPU time (user + system) the process has used,
// in nanoseconds. Benchmarks report it per operation because on a shared
// machine wall time per op says more about the neighbours than the code.
func processCPU() (int64, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), true
}
