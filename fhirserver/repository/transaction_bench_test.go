package repository

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/internal/cputime"
)

// benchBundle is a transaction of one Patient and n Observations of it,
// linked by urn:uuid (issue 13's transaction workload).
func benchBundle(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"resourceType":"Bundle","type":"transaction","entry":[`)
	b.WriteString(`{"fullUrl":"urn:uuid:0a6b1e0c-0000-4000-8000-000000000000","resource":{"resourceType":"Patient",
		"name":[{"family":"Benchmark","given":["Ada"]}],"gender":"female","birthDate":"1970-01-01",
		"identifier":[{"system":"http://example.org/mrn","value":"MRN-1"}]},"request":{"method":"POST","url":"Patient"}}`)
	for i := range n {
		fmt.Fprintf(&b, `,{"fullUrl":"urn:uuid:0a6b1e0c-0000-4000-8000-%012d","resource":{"resourceType":"Observation",
		"status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
		"code":{"coding":[{"system":"http://loinc.org","code":"8867-4","display":"Heart rate"}]},
		"subject":{"reference":"urn:uuid:0a6b1e0c-0000-4000-8000-000000000000"},
		"effectiveDateTime":"2024-01-%02dT10:00:00Z",
		"valueQuantity":{"value":%d,"unit":"beats/minute","system":"http://unitsofmeasure.org","code":"/min"}},
		"request":{"method":"POST","url":"Observation"}}`, i+1, i%28+1, 60+i)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// txItemsOf turns a parsed transaction Bundle of creates into the items
// rest hands to Transaction, the way rest's transaction does.
func txItemsOf(r *Repository, bundle *fhirjson.Value) ([]*TxItem, error) {
	var items []*TxItem
	for i, e := range bundle.Get("entry").Items {
		typ := e.Get("request").Str("url")
		res, err := r.EntryResource(e.Get("resource"), typ)
		if err != nil {
			return nil, err
		}
		items = append(items, &TxItem{Index: i, FullURL: e.Str("fullUrl"), Write: &Write{Action: ActionCreate, Type: typ, Resource: res}})
	}
	return items, nil
}

// BenchmarkTransaction: one transaction of 1 Patient + 10 Observations,
// from the Bundle's bytes to the durable commit ("whole"), and the part of
// it before the store's write (parse, validate, items, ids, references and
// index entries: "prepare"), in process CPU per transaction (cpu-ns/op;
// wall time on a shared machine is noise, and the whole includes Pebble's
// flushes, which makes it vary by ±20 % between runs).
func BenchmarkTransaction(b *testing.B) {
	data := benchBundle(10)
	b.Run("prepare", func(b *testing.B) {
		r, _ := newRepo(b)
		b.ReportAllocs()
		cpu0 := cputime.Process()
		for b.Loop() {
			items := benchTxItems(b, r, data)
			if err := r.preResolve(items); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(cputime.Process()-cpu0)/float64(b.N), "cpu-ns/op")
	})
	b.Run("whole", func(b *testing.B) {
		r, _ := newRepo(b)
		b.ReportAllocs()
		cpu0 := cputime.Process()
		for b.Loop() {
			if err := r.Transaction(b.Context(), benchTxItems(b, r, data)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(cputime.Process()-cpu0)/float64(b.N), "cpu-ns/op")
	})
}

// benchTxItems parses a copy of data (ParseBatch's tree points into it) and
// returns its items.
func benchTxItems(b *testing.B, r *Repository, data []byte) []*TxItem {
	bundle, err := r.ParseBatch(append([]byte(nil), data...))
	if err != nil {
		b.Fatal(err)
	}
	items, err := txItemsOf(r, bundle)
	if err != nil {
		b.Fatal(err)
	}
	return items
}
