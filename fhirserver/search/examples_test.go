package search

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/test/testenv"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// The conformance suite loads the official examples of a version into a
// real store in t.TempDir and runs queries with expected ids written out.

const testBase = "http://example.org/fhir"

// packagesDir is the folder of the official FHIR packages (see testenv.FHIRPackages).
func packagesDir(t testing.TB) string { return testenv.FHIRPackages(t) }

// skippedExampleTypes are definitional resources: large, and not what the
// suite queries.
var skippedExampleTypes = map[string]bool{
	"StructureDefinition": true, "CodeSystem": true, "ValueSet": true, "SearchParameter": true,
	"OperationDefinition": true, "CompartmentDefinition": true, "ImplementationGuide": true,
	"CapabilityStatement": true, "ConceptMap": true, "NamingSystem": true, "Bundle": true,
	"StructureMap": true, "GraphDefinition": true, "MessageDefinition": true, "TerminologyCapabilities": true,
}

type fixture struct {
	e     *Engine
	store *storage.Store
	n     int
	dir   string // removed by TestMain ("" when t.TempDir owns it)
}

var (
	fixtureMu sync.Mutex
	fixtures  = map[string]*fixture{}
)

// loadExamples builds (once per test binary and version) a store with the
// version's examples, indexed by the engine.
func loadExamples(t *testing.T, v *defs.Version) *fixture {
	t.Helper()
	fixtureMu.Lock()
	defer fixtureMu.Unlock()
	if f := fixtures[v.Name]; f != nil {
		return f
	}
	dir := filepath.Join(packagesDir(t), map[string]string{"R4": "r4", "STU3": "stu3"}[v.Name], "package")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples under %s: %v", dir, err)
	}
	tmp, err := os.MkdirTemp("", "search-examples-")
	if err != nil {
		t.Fatal(err)
	}
	store, err := storage.Open(tmp, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(v, store, Options{BaseURL: testBase, Now: func() time.Time { return time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{e: e, store: store, dir: tmp}
	var puts []storage.Put
	seen := map[string]bool{}
	var resources []*fhirjson.Value
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil || len(b) > 1<<20 {
			continue
		}
		res, err := fhirjson.Parse(b)
		if err != nil || res.Kind != fhirjson.Object {
			continue
		}
		resources = append(resources, res)
		// The STU3 package ships most patients only inside Bundles.
		if v == defs.STU3 && res.Str("resourceType") == "Bundle" {
			if entries := res.Get("entry"); entries != nil {
				for _, en := range entries.Items {
					if r := en.Get("resource"); r != nil {
						resources = append(resources, r)
					}
				}
			}
		}
	}
	for _, res := range resources {
		typ, id := res.Str("resourceType"), res.Str("id")
		if typ == "" || id == "" || skippedExampleTypes[typ] || v.Resource(typ) == nil || len(id) > 64 || seen[typ+"/"+id] {
			continue
		}
		seen[typ+"/"+id] = true
		puts = append(puts, storage.Put{Type: typ, ID: id, Stamp: func(sv storage.Version) ([]byte, []storage.IndexEntry, error) {
			meta := res.Get("meta")
			if meta == nil {
				meta = fhirjson.NewObject()
				res.Set("meta", meta)
			}
			meta.Set("versionId", fhirjson.NewString("1"))
			meta.Set("lastUpdated", fhirjson.NewString(sv.LastUpdated.Format(time.RFC3339Nano)))
			entries, err := e.IndexEntries(typ, res)
			return fhirjson.Marshal(res), entries, err
		}})
	}
	ctx := context.Background()
	for len(puts) > 0 {
		n := min(len(puts), 200)
		_, err := store.Write(ctx, func(tx *storage.Tx) error {
			for _, p := range puts[:n] {
				if _, err := tx.Put(p); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		f.n += n
		puts = puts[n:]
	}
	fixtures[v.Name] = f
	return f
}

// TestMain closes and removes the stores shared by several tests and
// benchmarks.
func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range fixtures {
		_ = f.store.Close()
		_ = os.RemoveAll(f.dir)
	}
	for _, b := range []*benchStore{benchFix, thinStore} {
		if b != nil {
			_ = b.store.Close()
			_ = os.RemoveAll(b.dir)
		}
	}
	os.Exit(code)
}

// run executes a type-level search and returns the "Type/id" of every
// entry (matches first, then includes marked with a leading +).
func run(t *testing.T, f *fixture, typ, query string) ([]string, *Result) {
	t.Helper()
	params, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.e.Search(context.Background(), Request{ResourceType: typ, Params: params})
	if err != nil {
		t.Fatalf("%s?%s: %v", typ, query, err)
	}
	return names(res), res
}

func names(res *Result) []string {
	var out []string
	for _, en := range res.Entries {
		n := en.Record.Type + "/" + en.Record.ID
		if en.Mode == "include" {
			n = "+" + n
		}
		out = append(out, n)
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
