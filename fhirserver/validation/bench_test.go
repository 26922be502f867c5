package validation

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/internal/cputime"
)

// transactionBundle builds a transaction Bundle of at least size bytes from
// the official R4 examples (every resource type but Bundle, in file order),
// each entry a POST, as a client's bulk upload would look.
func transactionBundle(tb testing.TB, size int) []byte {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(packagesDir(tb), "r4", "package", "*.json"))
	if err != nil {
		tb.Fatal(err)
	}
	sort.Strings(files)
	var entries []*fhirjson.Value
	total := 0
	for _, f := range files {
		base := filepath.Base(f)
		if strings.HasPrefix(base, "Bundle-") || strings.HasPrefix(base, "StructureDefinition-") ||
			strings.HasPrefix(base, "CodeSystem-") || strings.HasPrefix(base, "ValueSet-") {
			continue // definitions, and nested bundles: keep it an upload of clinical data
		}
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		if len(data) > 64<<10 {
			continue
		}
		res, err := fhirjson.Parse(data)
		if err != nil {
			tb.Fatal(err)
		}
		rt := res.Str("resourceType")
		if rt == "" {
			continue
		}
		if oe := ValidateValue(defs.R4, res); oe != nil {
			continue // the few known-invalid files
		}
		req := fhirjson.NewObject()
		req.Set("method", fhirjson.NewString("POST"))
		req.Set("url", fhirjson.NewString(rt))
		e := fhirjson.NewObject()
		e.Set("resource", res)
		e.Set("request", req)
		entries = append(entries, e)
		total += len(fhirjson.Marshal(res))
		if total >= size {
			break
		}
	}
	b := fhirjson.NewObject()
	b.Set("resourceType", fhirjson.NewString("Bundle"))
	b.Set("type", fhirjson.NewString("transaction"))
	b.Set("entry", fhirjson.NewArray(entries...))
	return fhirjson.Marshal(b)
}

func readExample(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(packagesDir(tb), "r4", "package", name))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func TestBenchmarkInputsAreValid(t *testing.T) {
	for name, data := range map[string][]byte{
		"observation": readExample(t, "Observation-example.json"),
		"bundle":      transactionBundle(t, 1<<20),
	} {
		if _, oe := Validate(defs.R4, data); oe != nil {
			t.Errorf("%s: %v", name, oe)
		}
		if len(data) < 2000 {
			t.Errorf("%s: only %d bytes", name, len(data))
		}
	}
}

// BenchmarkValidateObservation is the write hot path for a ~2 KB
// Observation: parse and validate.
func BenchmarkValidateObservation(b *testing.B) {
	benchValidate(b, readExample(b, "Observation-example.json"))
}

// BenchmarkValidateObservationOwned is the same with the body handed over
// (ValidateOwned), as the REST layer can do with a fresh request body.
func BenchmarkValidateObservationOwned(b *testing.B) {
	val, err := For(defs.R4)
	if err != nil {
		b.Fatal(err)
	}
	data := readExample(b, "Observation-example.json")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	start := cputime.Process()
	for b.Loop() {
		if _, oe := val.ValidateOwned(data); oe != nil {
			b.Fatal(oe)
		}
	}
	reportCPU(b, start)
}

// BenchmarkValidateObservationArena is the same with one reused
// fhirjson.Arena (ValidateIn, then Reset), as a handler with a pool of
// arenas does it: nearly nothing is allocated, so the garbage collector,
// which otherwise re-marks the definitions' live heap every few hundred
// bodies, stays out of the figure.
func BenchmarkValidateObservationArena(b *testing.B) {
	val, err := For(defs.R4)
	if err != nil {
		b.Fatal(err)
	}
	data := readExample(b, "Observation-example.json")
	var a fhirjson.Arena
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	start := cputime.Process()
	for b.Loop() {
		if _, oe := val.ValidateIn(&a, data); oe != nil {
			b.Fatal(oe)
		}
		a.Reset()
	}
	reportCPU(b, start)
}

// BenchmarkValidateTransactionBundle is a ~1 MB transaction Bundle.
func BenchmarkValidateTransactionBundle(b *testing.B) {
	benchValidate(b, transactionBundle(b, 1<<20))
}

func benchValidate(b *testing.B, data []byte) {
	val, err := For(defs.R4)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	start := cputime.Process()
	for b.Loop() {
		if _, oe := val.Validate(data); oe != nil {
			b.Fatal(oe)
		}
	}
	reportCPU(b, start)
}

// reportCPU adds cpu-ns/op: the process's CPU time (including the garbage
// collector's) per operation. Run with -cpu 1 so it is the cost on one core.
func reportCPU(b *testing.B, start time.Duration) {
	if cputime.Supported && b.N > 0 {
		b.ReportMetric(float64(cputime.Process()-start)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkValidateValueObservation is validation alone, without parsing.
func BenchmarkValidateValueObservation(b *testing.B) {
	val, err := For(defs.R4)
	if err != nil {
		b.Fatal(err)
	}
	res, err := fhirjson.Parse(readExample(b, "Observation-example.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	start := cputime.Process()
	for b.Loop() {
		if oe := val.ValidateValue(res); oe != nil {
			b.Fatal(oe)
		}
	}
	reportCPU(b, start)
}

func TestTransactionBundleShape(t *testing.T) {
	data := transactionBundle(t, 1<<20)
	b, err := fhirjson.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]bool{}
	for _, e := range b.Get("entry").Items {
		types[e.Get("resource").Str("resourceType")] = true
		if e.Get("request").Str("method") != "POST" {
			t.Fatal("entry without POST request")
		}
	}
	if len(data) < 1<<20 || len(data) > 2<<20 || len(types) < 20 {
		t.Errorf("bundle of %d bytes, %d entries, %d resource types", len(data), len(b.Get("entry").Items), len(types))
	}
	t.Logf("transaction bundle: %d bytes, %d entries, %d resource types", len(data), len(b.Get("entry").Items), len(types))
}
