package registration

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"
)

// BenchmarkStatusQuery5000: one $status-query of 5,000 identifiers, half
// of acme's patients (a tenth of them registered), a quarter beta's, a
// quarter unknown (BENCHMARKS.md; target ≤ 200 ms).
func BenchmarkStatusQuery5000(b *testing.B) {
	w := newWorld(b)
	ids := make([]string, 5000)
	for i := range ids {
		nhs := fmt.Sprintf("90%08d", i)
		ids[i] = nhs
		switch i % 4 {
		case 0, 1:
			w.patient(fmt.Sprintf("a%d", i), "acme", nhs, `"birthDate":"1980-02-03"`)
			if i%10 == 0 {
				if err := w.svc.Register(context.Background(), nhs, fmt.Sprintf("a%d", i)); err != nil {
					b.Fatal(err)
				}
			}
		case 2:
			w.patient(fmt.Sprintf("b%d", i), "beta", nhs, `"birthDate":"1980-02-03"`)
		}
	}
	in := idParams("patientIdentifier", nhsSystem, ids...)
	ctx := as("acme")
	// The machine is shared: besides the wall time, the process's CPU time
	// per query says what the query costs when it has a core to itself.
	cpu0 := cpuTime()
	n := 0
	for b.Loop() {
		out, err := w.svc.statusQuery(ctx, in)
		if err != nil || len(out.Get("parameter").Items) != 5000 {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(n), "cpu-ms/op")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
