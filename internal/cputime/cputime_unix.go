//go:build unix

package cputime

import (
	"syscall"
	"time"
)

// Supported reports whether Process can read the CPU time here.
const Supported = true

// Process returns the user and system CPU time the process has used.
func Process() time.Duration { return rusage(syscall.RUSAGE_SELF) }

func rusage(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
