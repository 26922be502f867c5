package rest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
	"github.com/fhirfleet/fhirfleet/internal/cputime"
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

// burstPatient is a full Patient (two identifiers, three names, three
// telecoms, an address, a contact: 55 index entries in index format 13, 71
// in format 6), its identifier and e-mail varied per create; larger than
// hack/benchserver's registration Patient (31 entries).
const burstPatient = `{"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.36.146.595.217.0.1","value":"%[1]d"},` +
	`{"system":"http://hospital.example/mrn","value":"MRN-%[1]d"}],"active":true,"name":[{"use":"official","family":"Chalmers",` +
	`"given":["Peter","James"]},{"use":"usual","given":["Jim"]},{"use":"maiden","family":"Windsor","given":["Peter","James"],` +
	`"period":{"end":"2002"}}],"telecom":[{"system":"phone","value":"(03) 5555 6473","use":"work","rank":1},{"system":"phone",` +
	`"value":"(03) 3410 5613","use":"mobile","rank":2},{"system":"email","value":"p%[1]d@example.org","use":"home"}],` +
	`"gender":"male","birthDate":"1974-12-25","address":[{"use":"home","type":"both","text":"534 Erewhon St PeasantVille, ` +
	`Rainbow, Vic  3999","line":["534 Erewhon St"],"city":"PleasantVille","district":"Rainbow","state":"Vic","postalCode":"3999",` +
	`"period":{"start":"1974-12-25"}}],"contact":[{"relationship":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0131",` +
	`"code":"N"}]}],"name":{"family":"du Marché","given":["Bénédicte"]},"gender":"female"}]}`

// BenchmarkCreateBurst is the shape of hack/benchserver's POST workload in process:
// 64 concurrent creates of burstPatient into a fresh store. cpu-ns/op is the
// whole process's CPU per create, Pebble's flushes and compactions included,
// so run it long enough for them to reach the bottom level
// (-benchtime 30000x): that is the figure storage settings change.
func BenchmarkCreateBurst(b *testing.B) {
	h := benchHandler(b)
	var n atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(32)
	cpu0 := cputime.Process()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := httptest.NewRecorder()
			body := fmt.Sprintf(burstPatient, n.Add(1))
			h.ServeHTTP(rec, httptest.NewRequest("POST", "/fhir/Patient", strings.NewReader(body)))
			if rec.Code != http.StatusCreated {
				b.Fatalf("create: %d %s", rec.Code, rec.Body)
			}
		}
	})
	b.ReportMetric(float64(cputime.Process()-cpu0)/float64(b.N), "cpu-ns/op")
}

// BenchmarkUpdateBurst: 64 concurrent updates (PUT) of burstPatient, each of
// one of 2,000 Patients created first, its identifier and e-mail varied per
// write. An update deletes the index entries of the version it supersedes,
// which the store derives again from that version's JSON inside the serial
// section (docs/storage.md, "Index entries without index lists"). cpu-ns/op
// is the process's CPU per update, Pebble's background work included.
func BenchmarkUpdateBurst(b *testing.B) {
	h := benchHandler(b)
	const n = 2000
	ids := make([]string, n)
	for i := range ids {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/fhir/Patient", strings.NewReader(fmt.Sprintf(burstPatient, i))))
		if rec.Code != http.StatusCreated {
			b.Fatalf("create: %d %s", rec.Code, rec.Body)
		}
		loc := strings.TrimPrefix(rec.Header().Get("Location"), "http://bench.example/fhir/Patient/")
		ids[i], _, _ = strings.Cut(loc, "/")
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(32)
	b.ResetTimer()
	cpu0 := cputime.Process()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1)
			id := ids[i%n]
			body := strings.Replace(fmt.Sprintf(burstPatient, n+i), `{"resourceType":"Patient",`, `{"resourceType":"Patient","id":"`+id+`",`, 1)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("PUT", "/fhir/Patient/"+id, strings.NewReader(body)))
			if rec.Code != http.StatusOK {
				b.Fatalf("update: %d %s", rec.Code, rec.Body)
			}
		}
	})
	b.ReportMetric(float64(cputime.Process()-cpu0)/float64(b.N), "cpu-ns/op")
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
