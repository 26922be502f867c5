package cputime

import "time"

// rusageThread is Linux's RUSAGE_THREAD, which package syscall does not name.
const rusageThread = 1

// Thread returns the user and system CPU time of the calling OS thread.
func Thread() time.Duration { return rusage(rusageThread) }
