package storage

import "syscall"

// rusageThread is Linux's RUSAGE_THREAD, which package syscall does not name.
const rusageThread = 1

// processCPU returns the CPU time (user + system) the process has used, in
// nanoseconds: on a shared machine it says more about the code than wall time.
func processCPU() int64 { return rusageCPU(syscall.RUSAGE_SELF) }

// threadCPU returns the CPU time of the calling OS thread, in nanoseconds.
// A read runs entirely on the goroutine that calls it, so with the goroutine
// locked to its thread (runtime.LockOSThread) this is the read's own CPU:
// it leaves out Pebble's background flushes and compactions of the store a
// benchmark just built, which process CPU counts.
func threadCPU() int64 { return rusageCPU(rusageThread) }

func rusageCPU(who int) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
