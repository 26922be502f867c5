package cputime

import (
	"runtime"
	"testing"
	"time"
)

// spin burns about d of CPU on the calling thread.
func spin(d time.Duration) {
	for start := time.Now(); time.Since(start) < d; {
	}
}

func TestProcessAndThreadCountCPU(t *testing.T) {
	if !Supported {
		t.Fatal("CPU time cannot be read on this platform")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	p0, t0 := Process(), Thread()
	spin(50 * time.Millisecond)
	p1, t1 := Process(), Thread()
	if p1-p0 < 20*time.Millisecond {
		t.Errorf("process CPU grew by %v over 50 ms of spinning", p1-p0)
	}
	if runtime.GOOS == "linux" && t1-t0 < 20*time.Millisecond {
		t.Errorf("thread CPU grew by %v over 50 ms of spinning on it", t1-t0)
	}
	// Another thread's spinning is the process's, not this thread's.
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		spin(50 * time.Millisecond)
		close(done)
	}()
	t2 := Thread()
	<-done
	if runtime.GOOS == "linux" {
		if got := Thread() - t2; got > 20*time.Millisecond {
			t.Errorf("this thread's CPU grew by %v while another thread spun", got)
		}
	}
	if Process()-p1 < 20*time.Millisecond {
		t.Errorf("process CPU did not count the other thread's spinning")
	}
}
