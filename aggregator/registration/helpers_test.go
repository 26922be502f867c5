package registration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/aggregator/access"
	"github.com/fhirfleet/fhirfleet/aggregator/rules"
	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/repository"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// world is an aggregated store with merged Patients and documents labelled
// by their contributing customer, and the service over it.
type world struct {
	t    testing.TB
	repo *repository.Repository
	svc  *Service
	mu   sync.Mutex
	now  time.Time
}

const nhsSystem = rules.NHSNumberSystem

func newWorld(t testing.TB, mods ...func(*Config)) *world {
	t.Helper()
	st, err := storage.Open(t.TempDir(), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	eng, err := search.NewEngine(defs.R4, st, search.Options{BaseURL: "http://127.0.0.1/fhir"})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, now: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	if w.repo, err = repository.New(repository.Config{Version: defs.R4, Store: st, Searcher: eng}); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Store: st, BaseURL: "http://127.0.0.1:1", PatientIssuer: "http://issuer.test",
		PatientAudience: "agg", Clock: w.clock}
	for _, m := range mods {
		m(&cfg)
	}
	if w.svc, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

func (w *world) advance(d time.Duration) {
	w.mu.Lock()
	w.now = w.now.Add(d)
	w.mu.Unlock()
}

func label(customer string) string {
	return `"meta":{"security":[{"system":"http://fhir.patientsknowbest.com/codesystem/source-organization","code":"` + customer + `"}]}`
}

// patient stores a merged Patient of customer; extra are more JSON members.
func (w *world) patient(id, customer, nhs string, extra ...string) {
	js := `{"resourceType":"Patient",` + label(customer) + `,"identifier":[{"system":"` + nhsSystem + `","value":"` + nhs + `"}]`
	for _, e := range extra {
		js += "," + e
	}
	w.put("Patient", id, js+"}")
}

// document stores a merged DocumentReference of customer for patient.
func (w *world) document(id, customer, patient, ident string) {
	w.put("DocumentReference", id, `{"resourceType":"DocumentReference",`+label(customer)+
		`,"status":"current","identifier":[{"system":"urn:doc","value":"`+ident+`"}],"subject":{"reference":"Patient/`+patient+`"},"content":[{"attachment":{"contentType":"text/plain","data":"aGk="}}]}`)
}

func (w *world) put(typ, id, js string) {
	w.t.Helper()
	v, err := w.repo.ParseResource([]byte(js), typ)
	if err != nil {
		w.t.Fatal(err)
	}
	v.Set("id", fhirjson.NewString(id))
	if _, err := w.repo.Commit(context.Background(), &repository.Write{Action: repository.ActionUpdate, Type: typ, ID: id, Resource: v}); err != nil {
		w.t.Fatal(err)
	}
}

// as is a context for the customer (or "patient:<id>").
func as(who string) context.Context {
	if id, ok := strings.CutPrefix(who, "patient:"); ok {
		return access.WithSubject(context.Background(), access.Subject{Patient: id})
	}
	return access.WithSubject(context.Background(), access.Subject{Customer: who})
}

// idParams is a Parameters of identifiers called name.
func idParams(name, system string, values ...string) *fhirjson.Value {
	var b strings.Builder
	b.WriteString(`{"resourceType":"Parameters","parameter":[`)
	for i, v := range values {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"name":%q,"valueIdentifier":{"system":%q,"value":%q}}`, name, system, v)
	}
	b.WriteString("]}")
	p, err := fhirjson.Parse([]byte(b.String()))
	if err != nil {
		panic(err)
	}
	return p
}

// parts reads the output groups as maps of part name → JSON of its value.
func parts(t testing.TB, out *fhirjson.Value) []map[string]string {
	t.Helper()
	var res []map[string]string
	for _, p := range out.Get("parameter").Items {
		m := map[string]string{"name": p.Str("name")}
		for _, pp := range p.Get("part").Items {
			for _, k := range []string{"valueIdentifier", "valueBoolean", "valueDate", "valueString", "valueDateTime", "resource"} {
				if v := pp.Get(k); v != nil {
					m[pp.Str("name")] = string(fhirjson.Marshal(v))
				}
			}
		}
		res = append(res, m)
	}
	return res
}

// statusOf is the outcome status of err, 0 when it is none.
func statusOf(err error) int {
	var oe *outcome.Error
	if errors.As(err, &oe) {
		return oe.Status
	}
	return 0
}

func searchReq(typ, param, value string) search.Request {
	return search.Request{ResourceType: typ, Params: url.Values{param: {value}}}
}

func jsonUnmarshal(b []byte, v any) bool { return json.Unmarshal(b, v) == nil }
