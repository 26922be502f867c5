package search

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
	"github.com/fhirfleet/fhirfleet/internal/cputime"
)

// The benchmarks search a generated store: N Observations (default 20,000;
// SEARCH_BENCH_N=1000000 for the figures in BENCHMARKS.md) over N/10
// patients, half of them with code 8867-4 (heart rate), dates spread over
// ten years. The store is built once per process in a temp dir.

type benchStore struct {
	e     *Engine
	store *storage.Store
	n     int
	dir   string
}

var (
	benchOnce sync.Once
	benchFix  *benchStore
	benchErr  error
)

func benchN() int {
	if s := os.Getenv("SEARCH_BENCH_N"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return 20000
}

func benchObservation(i, patients int) *fhirjson.Value {
	code := "8867-4"
	if i%2 == 1 {
		code = "8310-5"
	}
	day := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i%3650) * 24 * time.Hour)
	res, err := fhirjson.Parse(fmt.Appendf(nil, `{"resourceType":"Observation","id":"o%07d","status":"final",
		"code":{"coding":[{"system":"http://loinc.org","code":"%s"}]},
		"subject":{"reference":"Patient/p%06d"},
		"effectiveDateTime":"%s",
		"valueQuantity":{"value":%d.%d,"system":"http://unitsofmeasure.org","code":"/min"}}`,
		i, code, i%patients, day.Format("2006-01-02T15:04:05Z"), 50+i%80, i%10))
	if err != nil {
		panic(err)
	}
	return res
}

func benchPatient(i int) *fhirjson.Value {
	res, err := fhirjson.Parse(fmt.Appendf(nil, `{"resourceType":"Patient","id":"p%06d","gender":"%s",
		"name":[{"family":"Family%d","given":["Given%d"]}],"birthDate":"19%02d-01-01"}`,
		i, []string{"male", "female"}[i%2], i%1000, i, i%100))
	if err != nil {
		panic(err)
	}
	return res
}

func openBenchStore(b *testing.B) *benchStore {
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "search-bench-")
		if err != nil {
			benchErr = err
			return
		}
		store, err := storage.Open(dir, storage.Options{})
		if err != nil {
			benchErr = err
			return
		}
		e, err := NewEngine(defs.R4, store, Options{})
		if err != nil {
			benchErr = err
			return
		}
		n := benchN()
		patients := max(n/10, 1)
		ctx := context.Background()
		put := func(from, to int, mk func(int) *fhirjson.Value) error {
			for i := from; i < to; i += 1000 {
				_, err := store.Write(ctx, func(tx *storage.Tx) error {
					for j := i; j < min(i+1000, to); j++ {
						res := mk(j)
						entries, err := e.IndexEntries(res.Str("resourceType"), res)
						if err != nil {
							return err
						}
						if _, err := tx.Put(storage.Put{Type: res.Str("resourceType"), ID: res.Str("id"), JSON: fhirjson.Marshal(res), Index: entries}); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					return err
				}
			}
			return nil
		}
		if benchErr = put(0, patients, benchPatient); benchErr != nil {
			return
		}
		benchErr = put(0, n, func(i int) *fhirjson.Value { return benchObservation(i, patients) })
		benchFix = &benchStore{e: e, store: store, n: n, dir: dir}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchFix
}

func benchSearch(b *testing.B, typ, query string) {
	params, err := url.ParseQuery(query)
	if err != nil {
		b.Fatal(err)
	}
	benchRequest(b, func(*benchStore) Request { return Request{ResourceType: typ, Params: params} })
}

// benchRequest measures the search mk builds (once, over the bench store).
func benchRequest(b *testing.B, mk func(f *benchStore) Request) {
	f := openBenchStore(b)
	req := mk(f)
	ctx := context.Background()
	b.ReportAllocs()
	defer lockThread()()
	b.ResetTimer()
	cpu0 := cputime.Thread()
	var total int
	for i := 0; i < b.N; i++ {
		res, err := f.e.Search(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		total = res.Total + len(res.Entries)
	}
	b.ReportMetric(float64(cputime.Thread()-cpu0)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(f.n), "resources")
	_ = total
}

// BenchmarkFirstPageToken: the first 20 heart-rate observations.
func BenchmarkFirstPageToken(b *testing.B) {
	benchSearch(b, "Observation", "code=http://loinc.org|8867-4")
}

// BenchmarkSummaryCount: counting half of all observations without loading them.
func BenchmarkSummaryCount(b *testing.B) {
	benchSearch(b, "Observation", "code=http://loinc.org|8867-4&_summary=count")
}

// BenchmarkChained: observations of the patients named Family7 (a chain).
func BenchmarkChained(b *testing.B) {
	benchSearch(b, "Observation", "subject:Patient.family=Family7&_count=20")
}

// BenchmarkSortByDate: the 20 most recent observations.
func BenchmarkSortByDate(b *testing.B) {
	benchSearch(b, "Observation", "_sort=-date")
}

// BenchmarkSortByDateFiltered: the 20 most recent heart rates (half of
// the observations; each date entry is checked against the code).
func BenchmarkSortByDateFiltered(b *testing.B) {
	benchSearch(b, "Observation", "code=8867-4&_sort=-date")
}

// BenchmarkSortByDateCommonFilter: the 20 most recent final observations
// (all of them), the shape of category=vital-signs&_sort=-date.
func BenchmarkSortByDateCommonFilter(b *testing.B) {
	benchSearch(b, "Observation", "status=final&_sort=-date")
}

// BenchmarkIndexEntries: the CPU cost of indexing one observation, which
// a write pays on top of storing it.
func BenchmarkIndexEntries(b *testing.B) {
	e, err := NewEngine(defs.R4, nil, Options{})
	if err != nil {
		b.Fatal(err)
	}
	res := benchObservation(1, 100)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.IndexEntries("Observation", res); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWrite compares a durable single-resource write with and without
// its index entries.
func BenchmarkWrite(b *testing.B) {
	for _, indexed := range []bool{false, true} {
		b.Run(fmt.Sprintf("indexed=%v", indexed), func(b *testing.B) {
			store, err := storage.Open(b.TempDir(), storage.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
			e, err := NewEngine(defs.R4, store, Options{})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				res := benchObservation(i, 100)
				var entries []storage.IndexEntry
				if indexed {
					if entries, err = e.IndexEntries("Observation", res); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := store.Write(ctx, func(tx *storage.Tx) error {
					_, err := tx.Put(storage.Put{Type: "Observation", ID: res.Str("id"), JSON: fhirjson.Marshal(res), Index: entries})
					return err
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The "thin" store holds SEARCH_COUNT_N (default 200,000) Observations
// with tiny bodies and only their code and _id entries, so building a
// million takes a minute, not the much longer a fully indexed store needs;
// it measures the search machinery itself at that size.
var (
	thinOnce  sync.Once
	thinStore *benchStore
	thinErr   error
)

func openThinStore(b *testing.B) *benchStore {
	thinOnce.Do(func() {
		n := 200000
		if s := os.Getenv("SEARCH_COUNT_N"); s != "" {
			if v, err := strconv.Atoi(s); err == nil && v > 0 {
				n = v
			}
		}
		dir, err := os.MkdirTemp("", "search-thin-")
		if err != nil {
			thinErr = err
			return
		}
		store, err := storage.Open(dir, storage.Options{})
		if err != nil {
			thinErr = err
			return
		}
		e, err := NewEngine(defs.R4, store, Options{})
		if err != nil {
			thinErr = err
			return
		}
		ctx := context.Background()
		key := appendStr([]byte{'k'}, "8867-4")
		for i := 0; i < n; i += 5000 {
			if _, err := store.Write(ctx, func(tx *storage.Tx) error {
				for j := i; j < min(i+5000, n); j++ {
					id := fmt.Sprintf("o%07d", j)
					entries := []storage.IndexEntry{{Param: "code", Value: key}, {Param: "_id", Value: appendStr([]byte{tagSortOne}, id)}}
					body := fmt.Appendf(nil, `{"resourceType":"Observation","id":"%s","status":"final"}`, id)
					if _, err := tx.Put(storage.Put{Type: "Observation", ID: id, JSON: body, Index: entries}); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				thinErr = err
				return
			}
		}
		thinStore = &benchStore{e: e, store: store, n: n, dir: dir}
	})
	if thinErr != nil {
		b.Fatal(thinErr)
	}
	return thinStore
}

// BenchmarkSummaryCountOnly: _summary=count over every resource of the thin store.
func BenchmarkSummaryCountOnly(b *testing.B) {
	f := openThinStore(b)
	ctx := context.Background()
	params := url.Values{"code": {"8867-4"}, "_summary": {"count"}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := f.e.Search(ctx, Request{ResourceType: "Observation", Params: params})
		if err != nil || res.Total != f.n {
			b.Fatalf("total %d, %v; want %d", res.Total, err, f.n)
		}
	}
	b.ReportMetric(float64(f.n), "matches")
}

// BenchmarkFirstPageOnly: the first page of 20 of a token matching every
// resource of the thin store, from a cursor in the middle of it.
func BenchmarkFirstPageOnly(b *testing.B) {
	f := openThinStore(b)
	ctx := context.Background()
	params := url.Values{"code": {"8867-4"}}
	cur := cursor{Type: "Observation", ID: fmt.Sprintf("o%07d", f.n/2)}.encode()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := ""
		if i%2 == 1 {
			c = cur
		}
		res, err := f.e.Search(ctx, Request{ResourceType: "Observation", Params: params, Cursor: c})
		if err != nil || len(res.Entries) != 20 {
			b.Fatalf("%d entries, %v", len(res.Entries), err)
		}
	}
	b.ReportMetric(float64(f.n), "matches")
}

// BenchmarkStringFewMatches: the first page of a family prefix matching 22
// patients (Family99, Family990–999).
func BenchmarkStringFewMatches(b *testing.B) {
	benchSearch(b, "Patient", "family=Family99")
}

// BenchmarkStringManyMatches: the first page of a family prefix matching
// 222 patients (Family1, Family10–19, Family100–199); a streamed page costs
// about what BenchmarkStringFewMatches costs.
func BenchmarkStringManyMatches(b *testing.B) {
	benchSearch(b, "Patient", "family=Family1")
}

// BenchmarkStringPreviousPage: the previous page of family=Family1 from
// its third page (a previous-page cursor).
func BenchmarkStringPreviousPage(b *testing.B) {
	benchPreviousPage(b, "Patient", url.Values{"family": {"Family1"}})
}

// BenchmarkSortPreviousPage: the previous page of code=8867-4&_sort=-date
// (50,000 matches) from its third page.
func BenchmarkSortPreviousPage(b *testing.B) {
	benchPreviousPage(b, "Observation", url.Values{"code": {"8867-4"}, "_sort": {"-date"}})
}

// benchPreviousPage measures the previous page of typ?params from its
// third page.
func benchPreviousPage(b *testing.B, typ string, params url.Values) {
	benchRequest(b, func(f *benchStore) Request {
		req := Request{ResourceType: typ, Params: params}
		for range 2 {
			res, err := f.e.Search(context.Background(), req)
			if err != nil || res.Next == "" {
				b.Fatalf("no next page: %v", err)
			}
			req.Cursor = res.Next
		}
		res, err := f.e.Search(context.Background(), req)
		if err != nil || res.Prev == "" {
			b.Fatalf("no previous page: %v", err)
		}
		req.Cursor = res.Prev
		return req
	})
}

// BenchmarkDateRange: the first page of the observations dated 2016 or
// later (nine tenths of them).
func BenchmarkDateRange(b *testing.B) {
	benchSearch(b, "Observation", "date=ge2016-01-01")
}

// BenchmarkDateRangeFiltered: the same range and a token half of them have.
func BenchmarkDateRangeFiltered(b *testing.B) {
	benchSearch(b, "Observation", "code=8867-4&date=ge2016-01-01")
}

// BenchmarkCompartmentToken: one patient's heart rates
// (Patient/p000001/Observation?code=8867-4), a compartment of ten over a
// token half of all observations have.
func BenchmarkCompartmentToken(b *testing.B) {
	benchRequest(b, func(*benchStore) Request {
		return Request{ResourceType: "Observation", Compartment: &CompartmentRef{Type: "Patient", ID: "p000002"}, Params: url.Values{"code": {"8867-4"}}}
	})
}

// BenchmarkSortByDateWithRange: the 20 most recent observations dated 2016
// or later (nine tenths of them), each date entry checked on its resource.
func BenchmarkSortByDateWithRange(b *testing.B) {
	benchSearch(b, "Observation", "date=ge2016-01-01&_sort=-date")
}
