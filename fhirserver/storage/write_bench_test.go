package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/internal/cputime"
)

// observationEntries are the 57 index entries the search engine writes for
// the small Observation of hack/benchserver, varied per resource the way a
// feed varies them (subject, value, date).
func observationEntries(i int) []IndexEntry {
	var es []IndexEntry
	add := func(param string, values ...string) {
		for _, v := range values {
			es = append(es, IndexEntry{Param: param, Value: []byte(v)})
		}
	}
	qty := fmt.Sprintf("\x03\x80\x02%d\x00", 500+i%400)
	pat := fmt.Sprintf("Patient/p%d\x00\x01", i%1000)
	date := fmt.Sprintf("\x80\x00\x01\xa1%08d", i)
	for _, p := range []string{"value-quantity", "combo-value-quantity"} {
		add(p, "Ukg\x00\x01"+qty, "q"+qty, "uhttp://unitsofmeasure.org\x00\x01kg\x00\x01"+qty, "~"+qty, "\x7f"+qty)
	}
	add("category", "cvital-signs\x00\x01http://terminology.hl7.org/CodeSystem/observation-category\x00\x01",
		"kvital-signs\x00\x01", "shttp://terminology.hl7.org/CodeSystem/observation-category\x00\x01", "~vital-signs\x00\x01", "\x7fvital-signs\x00\x01")
	for _, p := range []string{"patient", "subject"} {
		add(p, "d"+pat[8:], "r"+pat, "~"+pat, "\x7f"+pat)
	}
	for _, p := range []string{"code-value-quantity", "combo-code-value-quantity"} {
		for _, t := range []string{"xc29463-7\x00\xff\x01http://loinc.org\x00\xff\x01\x00\x01", "xk29463-7\x00\xff\x01\x00\x01"} {
			add(p, t+"Ukg\x00\xff\x01"+qty, t+"q"+qty, t+"uhttp://unitsofmeasure.org\x00\xff\x01kg\x00\xff\x01"+qty)
		}
	}
	add("date", "h"+date+date, "l"+date+date, "~"+date, "\x7f"+date)
	add("status", "cfinal\x00\x01\x00\x01", "kfinal\x00\x01", "~final\x00\x01", "\x7ffinal\x00\x01")
	for _, p := range []string{"code", "combo-code"} {
		add(p, "c29463-7\x00\x01http://loinc.org\x00\x01", "k29463-7\x00\x01", "shttp://loinc.org\x00\x01",
			"tbody weight\x00\x01", "tweight\x00\x01", "~29463-7\x00\x01", "\x7f29463-7\x00\x01")
	}
	return es
}

// BenchmarkStageObservation is the serial write section (staging one
// Observation create with its 57 index entries and applying the batch to the
// memtable, no fsync wait): stage-ns/op bounds durable creates per second
// however many clients share an fsync. cpu-ns/op is the whole process's CPU
// per create, flushes and compactions included; run with -cpu 2 and enough
// writes (-benchtime 20000x) for compactions to happen. The sub-benchmarks
// compare the default cache and memtable sizes with the former 8/8 MiB, and
// sequential ids with random ones as the server assigns them, looked up
// inside the section or, as the server does, before it (Unused, Put.Fresh).
func BenchmarkStageObservation(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts Options
		ids  idMode
	}{
		{"default", Options{}, sequentialIDs},
		{"cache=8MiB,memtable=8MiB", Options{CacheBytes: 8 << 20, MemTableBytes: 8 << 20}, sequentialIDs},
		// Random ids, as the server assigns them: each create's existence
		// check looks up a key that is nowhere near the last one.
		{"server-ids", Options{}, serverIDs},
		{"server-ids,fresh", Options{}, freshServerIDs},
	} {
		b.Run(tc.name, func(b *testing.B) { benchStage(b, tc.opts, tc.ids) })
	}
}

// idMode is how benchStage names its creates.
type idMode int

const (
	sequentialIDs  idMode = iota // obs1, obs2, …, looked up inside the section
	serverIDs                    // random, looked up inside the section
	freshServerIDs               // random, looked up before it (Unused) and created Fresh
)

func benchStage(b *testing.B, opts Options, ids idMode) {
	// logData mode applies without a WAL sync request, so the batch can be
	// closed at once; the memtable work is the same.
	opts.syncMode = syncLogData
	s, err := Open(b.TempDir(), opts)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	body := make([]byte, 700)
	b.ReportAllocs()
	i := 0
	cpu0 := cputime.Process()
	var inLock time.Duration
	for b.Loop() {
		i++
		es := observationEntries(i)
		id := fmt.Sprint("obs", i)
		if ids != sequentialIDs {
			id = fmt.Sprintf("%016x", rand.Uint64())
		}
		fresh := ids == freshServerIDs
		if fresh {
			if ok, err := s.Unused("Observation", id); err != nil || !ok {
				b.Fatalf("Unused(%s) = %v, %v", id, ok, err)
			}
		}
		t0 := time.Now()
		bt, _, err := s.stage(context.Background(), func(tx *Tx) error {
			_, err := tx.Put(Put{Type: "Observation", ID: id, Create: true, Fresh: fresh, JSON: body, Index: es})
			return err
		})
		inLock += time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
		_ = bt.Close()
		s.inflight.Done()
	}
	b.ReportMetric(float64(cputime.Process()-cpu0)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(inLock.Nanoseconds())/float64(b.N), "stage-ns/op")
}
