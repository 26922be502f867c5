package search

import (
	"runtime"
	"syscall"
)

// rusageThread is Linux's RUSAGE_THREAD, which package syscall does not name.
const rusageThread = 1

// threadCPU returns the CPU time (user + system) of the calling OS thread in
// nanoseconds. A search runs entirely on the goroutine that calls it, so with
// the goroutine locked to its thread this is the search's own CPU: unlike
// wall time it does not move with the load other work puts on a shared
// machine, and unlike process time it leaves out Pebble's background
// compactions of the store the benchmark just built.
func threadCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// lockThread pins the benchmark goroutine to its thread for threadCPU and
// returns the unlock.
func lockThread() func() {
	runtime.LockOSThread()
	return runtime.UnlockOSThread
}
