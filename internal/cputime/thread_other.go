//go:build !linux

package cputime

import "time"

// Thread is Linux's alone; elsewhere it reads 0.
func Thread() time.Duration { return 0 }
