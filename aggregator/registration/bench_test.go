package registration

import (
	"context"
	"fmt"
	"testing"

	"github.com/fhirfleet/fhirfleet/internal/cputime"
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
	cpu0 := cputime.Process()
	n := 0
	for b.Loop() {
		out, err := w.svc.statusQuery(ctx, in)
		if err != nil || len(out.Get("parameter").Items) != 5000 {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64((cputime.Process()-cpu0).Milliseconds())/float64(n), "cpu-ms/op")
}
