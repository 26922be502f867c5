package search

import "runtime"

// lockThread pins the benchmark goroutine to its thread for cputime.Thread
// (a search runs entirely on the goroutine that calls it, so the thread's
// CPU is the search's own, without Pebble's background compactions of the
// store the benchmark just built) and returns the unlock.
func lockThread() func() {
	runtime.LockOSThread()
	return runtime.UnlockOSThread
}
