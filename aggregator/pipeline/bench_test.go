package pipeline

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/aggregator/mapping"
	"github.com/fhirfleet/fhirfleet/aggregator/rules"
	"github.com/fhirfleet/fhirfleet/fhirserver/changefeed"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/internal/cputime"
	"github.com/fhirfleet/fhirfleet/test/testenv"
)

// mappedTypes are the types stu3-to-r4.md has rules for (docs/aggregator.md).
var mappedTypes = []string{"Patient", "Observation", "Condition", "AllergyIntolerance", "MedicationStatement",
	"MedicationRequest", "Encounter", "Appointment", "DocumentReference", "Questionnaire",
	"QuestionnaireResponse", "Procedure", "Immunization"}

// stu3Mix returns the official STU3 examples of the mapped types.
func stu3Mix(b *testing.B) [][]byte {
	var out [][]byte
	for _, typ := range mappedTypes {
		files, err := filepath.Glob(filepath.Join(testenv.FHIRPackages(b), "stu3", "package", typ+"-*.json"))
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range files {
			out = append(out, []byte(stu3Example(b, filepath.Join("..", "package", filepath.Base(f)))))
		}
	}
	if len(out) == 0 {
		b.Fatal("no STU3 examples")
	}
	return out
}

// BenchmarkMapAndRules maps official STU3 examples to R4 and checks the
// business rules on one goroutine, so resources/s is the rate of one core
// (issue 9 asks ≥ 10,000/s per core). "prepare" is what Apply does per
// change before its lock: parse, map, rules and R4 validation.
func BenchmarkMapAndRules(b *testing.B) {
	mix := stu3Mix(b)
	parsed := make([]*fhirjson.Value, len(mix))
	for i, data := range mix {
		v, err := fhirjson.Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		parsed[i] = v
	}
	b.Run("map+rules", func(b *testing.B) {
		m := mapping.New()
		c := rules.New(rules.Config{SourceBase: "https://acme.example/fhir"})
		b.ReportAllocs()
		cpu := cpuClock()
		for i := 0; b.Loop(); i++ {
			r4, err := m.STU3ToR4(parsed[i%len(parsed)])
			if err != nil {
				continue // a type R4 dropped: refused, as in Apply
			}
			if _, err := c.Check(r4); err != nil {
				b.Fatal(err)
			}
		}
		reportRates(b, b.N, cpu)
	})
	b.Run("prepare", func(b *testing.B) {
		e := newEnv(b)
		src := spec("acme", "acme")
		c := e.p.checker(src.Base)
		changes := make([]changefeed.Change, len(mix))
		for i, data := range mix {
			v := parsed[i]
			changes[i] = changefeed.Change{Type: v.Str("resourceType"), ID: v.Str("id"), VersionID: 1, Op: changefeed.OpCreate, Resource: data}
		}
		b.ReportAllocs()
		cpu := cpuClock()
		for i := 0; b.Loop(); i++ {
			e.p.prepare(src, c, true, changes[i%len(changes)])
		}
		reportRates(b, b.N, cpu)
	})
}

// BenchmarkApply applies pages of new R4 resources (Patients, each with 9
// Observations pointing at it) through Apply into a real store: everything
// a change costs, from parsing to the fsynced commit. Pages of 100 and of
// 1,000 (the follower's page size) show the cost does not grow with the
// page.
func BenchmarkApply(b *testing.B) {
	for _, perPage := range []int{100, 1000} {
		b.Run("page="+strconv.Itoa(perPage), func(b *testing.B) {
			e := newEnv(b)
			src := spec("acme", "acme")
			pageOf := func(n int) []changefeed.Change {
				out := make([]changefeed.Change, 0, perPage)
				for p := 0; p < perPage/10; p++ {
					pid := fmt.Sprintf("p%d-%d", n, p)
					out = append(out, put(1, fmt.Sprintf(`{"resourceType":"Patient","id":%q,"identifier":[{"system":"https://acme.example/mrn","value":%q}],"name":[{"family":"F%d"}],"birthDate":"1970-01-01"}`, pid, pid, p)))
					for o := 0; o < 9; o++ {
						out = append(out, put(1, observation(fmt.Sprintf("o%d-%d-%d", n, p, o), "Patient/"+pid)))
					}
				}
				return out
			}
			b.ReportAllocs()
			cpu := cpuClock()
			for n := 0; b.Loop(); n++ {
				if _, err := e.p.Apply(context.Background(), src, false, pageOf(n), strconv.Itoa(n)); err != nil {
					b.Fatal(err)
				}
			}
			reportRates(b, b.N*perPage, cpu)
		})
	}
}

// cpuClock returns a function giving the CPU time the process used since.
// On this shared machine the wall-clock rate moves with the neighbours'
// load; resources per CPU-second is the per-core figure that does not.
func cpuClock() func() time.Duration {
	start := cputime.Process()
	return func() time.Duration { return cputime.Process() - start }
}

func reportRates(b *testing.B, n int, cpu func() time.Duration) {
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "resources/s")
	if c := cpu(); c > 0 {
		b.ReportMetric(float64(n)/c.Seconds(), "resources/cpu-s")
	}
}
