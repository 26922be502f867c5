// Package cputime reads the CPU time a process, or one of its threads, has
// used, for benchmarks to report per operation: on a machine shared with
// other work, wall time per operation moves with the neighbours' load, CPU
// time with the code. Process time includes background work the operation
// caused (Pebble's flushes and compactions); thread time, with the calling
// goroutine locked to its thread (runtime.LockOSThread), is the operation's
// own CPU only.
package cputime
