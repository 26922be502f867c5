//go:build !unix

package cputime

import "time"

// Supported reports whether Process can read the CPU time here.
const Supported = false

// Process reads 0 where the CPU time cannot be read.
func Process() time.Duration { return 0 }
