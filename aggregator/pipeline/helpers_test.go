package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/aggregator/source"
	"github.com/fhirfleet/fhirfleet/fhirserver/changefeed"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// openStore opens a Pebble store for R4 in dir.
func openStore(t testing.TB, dir string) *storage.Store {
	t.Helper()
	st, err := openStoreErr(dir)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func openStoreErr(dir string) (*storage.Store, error) {
	st, err := storage.Open(dir, storage.Options{})
	if err != nil {
		return nil, err
	}
	if err := st.ClaimFHIRVersion("R4"); err != nil {
		_ = st.Close()
		return nil, err
	}
	return st, nil
}

// env is a pipeline over a real store in a temporary directory.
type env struct {
	t   testing.TB
	dir string
	st  *storage.Store
	p   *Pipeline
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir()}
	e.open()
	t.Cleanup(func() { e.close() })
	return e
}

func (e *env) open() {
	e.t.Helper()
	e.st = openStore(e.t, e.dir)
	p, err := Open(context.Background(), e.st, Config{})
	if err != nil {
		e.t.Fatal(err)
	}
	e.p = p
}

func (e *env) close() {
	if e.st != nil {
		_ = e.st.Close()
		e.st = nil
	}
}

// reopen closes and opens the store and the pipeline again, as a restart.
func (e *env) reopen() {
	e.t.Helper()
	e.close()
	e.open()
}

func (e *env) apply(src source.Spec, stu3 bool, changes ...changefeed.Change) Applied {
	e.t.Helper()
	cur, err := e.p.Cursor(src.Name)
	if err != nil {
		e.t.Fatal(err)
	}
	a, err := e.p.Apply(context.Background(), src, stu3, changes, cur+"+")
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// downstream returns the live downstream resources, "Type/id" → JSON with
// meta.versionId and meta.lastUpdated removed (the store's own stamps).
func (e *env) downstream() map[string]string {
	e.t.Helper()
	out := map[string]string{}
	counts, err := e.st.Counts(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	for typ := range counts {
		for rec, err := range e.st.ScanType(context.Background(), typ, "") {
			if err != nil {
				e.t.Fatal(err)
			}
			v, err := fhirjson.Parse(rec.JSON)
			if err != nil {
				e.t.Fatal(err)
			}
			if meta := v.Get("meta"); meta != nil {
				meta.Delete("versionId")
				meta.Delete("lastUpdated")
			}
			out[typ+"/"+rec.ID] = string(fhirjson.Marshal(v))
		}
	}
	return out
}

// get returns one downstream resource, parsed; nil when absent.
func (e *env) get(ref string) *fhirjson.Value {
	e.t.Helper()
	typ, id, _ := strings.Cut(ref, "/")
	rec, err := e.st.Get(context.Background(), typ, id)
	if err != nil || rec.Deleted {
		return nil
	}
	v, err := fhirjson.Parse(rec.JSON)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

func (e *env) outcome(src, typ, id string) Outcome {
	e.t.Helper()
	all, err := e.p.Reports(src, 100000)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, o := range all {
		if o.Type == typ && o.ID == id {
			return o
		}
	}
	e.t.Fatalf("no outcome for %s/%s of %s", typ, id, src)
	return Outcome{}
}

func spec(name, customer string) source.Spec {
	return source.Spec{Name: name, Customer: customer, Base: "https://" + name + ".example/fhir"}
}

var clock = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

// put is a create/update change of version v of the resource in js (its
// resourceType and id name it).
func put(v int64, js string) changefeed.Change {
	var head struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
	}
	if err := json.Unmarshal([]byte(js), &head); err != nil {
		panic(fmt.Sprintf("bad test resource %s: %v", js, err))
	}
	op := changefeed.OpUpdate
	if v == 1 {
		op = changefeed.OpCreate
	}
	return changefeed.Change{Type: head.ResourceType, ID: head.ID, VersionID: v, Op: op,
		LastUpdated: clock.Add(time.Duration(v) * time.Minute), Resource: json.RawMessage(js)}
}

func del(v int64, typ, id string) changefeed.Change {
	return changefeed.Change{Type: typ, ID: id, VersionID: v, Op: changefeed.OpDelete,
		LastUpdated: clock.Add(time.Duration(v) * time.Minute)}
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
