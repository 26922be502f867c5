package rest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// benchHandler is a handler over a fresh store with the real search engine,
// called in process so the figures are the REST layer's own cost (the lead's
// load generator measures the whole server over loopback).
func benchHandler(b *testing.B) *Handler {
	b.Helper()
	st, err := storage.Open(b.TempDir(), storage.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	eng, err := search.NewEngine(versions[0], st, search.Options{BaseURL: "http://bench.example/fhir"})
	if err != nil {
		b.Fatal(err)
	}
	h, err := New(Config{Version: versions[0], Store: st, Searcher: eng, BaseURL: "http://bench.example"})
	if err != nil {
		b.Fatal(err)
	}
	return h
}

const benchPatient = `{"resourceType":"Patient","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9000000009"}],` +
	`"name":[{"family":"Chalmers","given":["Peter","James"]}],"gender":"male","birthDate":"1974-12-25",` +
	`"address":[{"line":["534 Erewhon St"],"city":"PleasantVille","postalCode":"3999"}]}`

func BenchmarkRead(b *testing.B) {
	h := benchHandler(b)
	req := httptest.NewRequest("POST", "/fhir/Patient", strings.NewReader(benchPatient))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		b.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	path := strings.TrimPrefix(rec.Header().Get("Location"), "http://bench.example")
	path, _, _ = strings.Cut(path, "/_history")
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
			if rec.Code != http.StatusOK {
				b.Fatalf("read: %d", rec.Code)
			}
		}
	})
}

func BenchmarkCreate(b *testing.B) {
	h := benchHandler(b)
	b.ReportAllocs()
	b.SetParallelism(32) // many concurrent clients share each fsync
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("POST", "/fhir/Patient", strings.NewReader(benchPatient)))
			if rec.Code != http.StatusCreated {
				b.Fatalf("create: %d %s", rec.Code, rec.Body)
			}
		}
	})
}

// BenchmarkSearchPage: the first page (20) of Patient?family= matching 200
// of 2,000 Patients, through the handler: the engine's streamed walk, the
// record loads and the Bundle's encoding.
func BenchmarkSearchPage(b *testing.B) {
	h := benchHandler(b)
	for i := range 2000 {
		body := strings.Replace(benchPatient, `"family":"Chalmers"`, fmt.Sprintf(`"family":"Family%d"`, i%10), 1)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/fhir/Patient", strings.NewReader(body)))
		if rec.Code != http.StatusCreated {
			b.Fatalf("create: %d %s", rec.Code, rec.Body)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", fmt.Sprintf("/fhir/Patient?family=Family%d", i%10), nil))
		if rec.Code != http.StatusOK || strings.Count(rec.Body.String(), `"fullUrl"`) != 20 {
			b.Fatalf("search: %d %.300s", rec.Code, rec.Body)
		}
	}
}
