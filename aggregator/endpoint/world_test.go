package endpoint

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/aggregator/access"
	"github.com/fhirfleet/fhirfleet/aggregator/merge"
	"github.com/fhirfleet/fhirfleet/aggregator/rules"
	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/repository"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// The world of the access tests: three customers (one source each), six
// patients contributed by one or two of them, and for every patient and
// contributing source a Condition per privacy label, one with none and one
// with two, an AllergyIntolerance and an Appointment; a Practitioner and an
// Organization (merged, in no compartment), a Medication. The store is
// built the way the pipeline builds it: merge.Copy / merge.Merge /
// merge.RewriteReferences, written through fhirserver/repository.

var labels = []string{"GENERAL_HEALTH", "MENTAL_HEALTH", "SEXUAL_HEALTH", "SOCIAL_CARE"}

// customers and what each is granted.
var customers = []struct {
	name, source string
	grants       []string
}{
	{"acme", "acme-gp", []string{"GENERAL_HEALTH", "MENTAL_HEALTH"}},
	{"beta", "beta-hospital", labels},
	{"gamma", "gamma-care", nil},
}

// patientSources says which customers contributed each patient.
var patientSources = [][]string{{"acme"}, {"beta"}, {"gamma"}, {"acme", "beta"}, {"beta", "gamma"}, {"acme", "gamma"}}

// wres is one resource of the world as the oracle knows it.
type wres struct {
	typ, id string
	// customers contributed it.
	customers []string
	// patient is the index of the patient whose compartment holds it (-1: none).
	patient int
	labels  []string
}

func (r wres) key() string { return r.typ + "/" + r.id }

// world is the built store and its oracle.
type world struct {
	store    *storage.Store
	engine   *search.Engine
	res      []wres
	byKey    map[string]wres
	patients []string // merged Patient id per patient
	nhs      []string
}

// nhsNumber makes a valid NHS number from nine digits.
func nhsNumber(nine string) string {
	sum := 0
	for i := range 9 {
		sum += int(nine[i]-'0') * (10 - i)
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	if check == 10 {
		return ""
	}
	return nine + fmt.Sprint(check)
}

func customerOf(name string) (source string, grants []string) {
	for _, c := range customers {
		if c.name == name {
			return c.source, c.grants
		}
	}
	panic(name)
}

// buildWorld writes the world into a fresh store under dir.
func buildWorld(t testing.TB, base string) *world {
	t.Helper()
	st, err := storage.Open(t.TempDir(), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	eng, err := search.NewEngine(defs.R4, st, search.Options{BaseURL: base + "/fhir"})
	if err != nil {
		t.Fatal(err)
	}
	repo, err := repository.New(repository.Config{Version: defs.R4, Store: st, Searcher: eng})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{store: st, engine: eng, byKey: map[string]wres{}}
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	contributor := func(cust, typ, id, js string) merge.Contributor {
		src, _ := customerOf(cust)
		res, err := fhirjson.Parse([]byte(js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		res.Set("id", fhirjson.NewString(id))
		return merge.Contributor{Source: src, Customer: cust, Base: "https://" + src + ".example/fhir",
			Type: typ, ID: id, VersionID: "1", LastUpdated: at, Resource: res}
	}
	put := func(r wres, res *fhirjson.Value) {
		t.Helper()
		res.Set("id", fhirjson.NewString(r.id))
		v, err := repo.ParseResource(fhirjson.Marshal(res), r.typ)
		if err != nil {
			t.Fatalf("%s: %v\n%s", r.key(), err, fhirjson.Marshal(res))
		}
		if _, err := repo.Commit(context.Background(), &repository.Write{Action: repository.ActionUpdate, Type: r.typ, ID: r.id, Resource: v}); err != nil {
			t.Fatalf("write %s: %v", r.key(), err)
		}
		w.res = append(w.res, r)
		w.byKey[r.key()] = r
	}
	// Practitioner and Organization: every source has its view of the same
	// one (merged); a Medication from acme only.
	var all []string
	for _, c := range customers {
		all = append(all, c.name)
	}
	for _, m := range []struct{ typ, js string }{
		{"Practitioner", `{"resourceType":"Practitioner","identifier":[{"system":"https://fhir.hl7.org.uk/Id/gmc-number","value":"G123"}],"name":[{"family":"Careful"}]}`},
		{"Organization", `{"resourceType":"Organization","identifier":[{"system":"https://fhir.nhs.uk/Id/ods-organization-code","value":"A1"}],"name":"Shared Practice"}`},
	} {
		var cs []merge.Contributor
		for _, c := range all {
			cs = append(cs, contributor(c, m.typ, "x1", m.js))
		}
		put(wres{typ: m.typ, id: merge.GroupID(cs), customers: all, patient: -1}, merge.Merge(m.typ, cs))
	}
	medC := contributor("acme", "Medication", "m1", `{"resourceType":"Medication","code":{"coding":[{"system":"http://snomed.info/sct","code":"322236009"}]}}`)
	put(wres{typ: "Medication", id: merge.GroupID([]merge.Contributor{medC}), customers: []string{"acme"}, patient: -1}, merge.Merge("Medication", []merge.Contributor{medC}))
	pract := w.res[0].id

	for i, srcs := range patientSources {
		nhs := ""
		for n := i * 10; nhs == ""; n++ {
			nhs = nhsNumber(fmt.Sprintf("90000%04d", n))
		}
		var cs []merge.Contributor
		for _, c := range srcs {
			cs = append(cs, contributor(c, "Patient", fmt.Sprintf("p%d", i),
				`{"resourceType":"Patient","identifier":[{"system":"`+rules.NHSNumberSystem+`","value":"`+nhs+`"}],"name":[{"family":"Person`+fmt.Sprint(i)+`"}]}`))
		}
		pid := merge.GroupID(cs)
		w.patients = append(w.patients, pid)
		w.nhs = append(w.nhs, nhs)
		put(wres{typ: "Patient", id: pid, customers: srcs, patient: i}, merge.Merge("Patient", cs))
		resolve := func(typ, id string) (string, bool) {
			switch {
			case typ == "Patient" && id == fmt.Sprintf("p%d", i):
				return pid, true
			case typ == "Practitioner":
				return pract, true
			}
			return "", false
		}
		for _, cust := range srcs {
			src, _ := customerOf(cust)
			var sets [][]string
			sets = append(sets, nil)
			for _, l := range labels {
				sets = append(sets, []string{l})
			}
			sets = append(sets, []string{"MENTAL_HEALTH", "SEXUAL_HEALTH"})
			copyOf := func(typ, upID, js string, ls []string) {
				c := contributor(cust, typ, upID, js)
				if len(ls) > 0 {
					sec := fhirjson.NewArray()
					for _, l := range ls {
						co := fhirjson.NewObject()
						co.Set("system", fhirjson.NewString(access.PrivacyLabelSystem))
						co.Set("code", fhirjson.NewString(l))
						sec.Items = append(sec.Items, co)
					}
					meta := fhirjson.NewObject()
					meta.Set("security", sec)
					c.Resource.Set("meta", meta)
				}
				res := merge.Copy(c, "")
				if missing := merge.RewriteReferences(res, resolve); len(missing) > 0 {
					t.Fatalf("%s/%s: unresolved %v", typ, upID, missing)
				}
				put(wres{typ: typ, id: merge.CopyID(src, typ, upID), customers: []string{cust}, patient: i, labels: ls}, res)
			}
			for j, ls := range sets {
				copyOf("Condition", fmt.Sprintf("c%d-%d", i, j), `{"resourceType":"Condition","code":{"text":"c`+fmt.Sprint(j)+`"},"subject":{"reference":"Patient/p`+fmt.Sprint(i)+`"},"asserter":{"reference":"Practitioner/x1"}}`, ls)
			}
			copyOf("AllergyIntolerance", fmt.Sprintf("a%d", i), `{"resourceType":"AllergyIntolerance","patient":{"reference":"Patient/p`+fmt.Sprint(i)+`"}}`, nil)
			copyOf("Appointment", fmt.Sprintf("ap%d", i), `{"resourceType":"Appointment","status":"booked","participant":[{"actor":{"reference":"Patient/p`+fmt.Sprint(i)+`"},"status":"accepted"},{"actor":{"reference":"Practitioner/x1"},"status":"accepted"}]}`, []string{"GENERAL_HEALTH"})
		}
	}
	return w
}

// who is one reader of the matrix.
type who struct {
	name    string
	subject access.Subject
	patient int // index for a patient, -1 for a customer
}

func (w *world) readers() []who {
	var out []who
	for _, c := range customers {
		out = append(out, who{name: "customer " + c.name, subject: access.Subject{Customer: c.name, Labels: c.grants}, patient: -1})
	}
	for i, id := range w.patients {
		out = append(out, who{name: fmt.Sprintf("patient %d", i), subject: access.Subject{Patient: id}, patient: i})
	}
	return out
}

// visible is the oracle: the rules of docs/aggregator.md written over what
// the world knows of each resource, not over its meta.
func (w *world) visible(r who, key string) bool {
	res, ok := w.byKey[key]
	if !ok {
		return false
	}
	if r.patient >= 0 {
		return res.patient == r.patient
	}
	c := r.subject.Customer
	if slices.Contains(res.customers, c) {
		return true
	}
	for _, l := range res.labels {
		if !slices.Contains(r.subject.Labels, l) {
			return false
		}
	}
	return res.patient < 0 || slices.Contains(patientSources[res.patient], c)
}

// visibleOf lists the keys of typ r may see (all types when typ is "").
func (w *world) visibleOf(r who, typ string, also func(wres) bool) []string {
	var out []string
	for _, res := range w.res {
		if (typ == "" || res.typ == typ) && w.visible(r, res.key()) && (also == nil || also(res)) {
			out = append(out, res.key())
		}
	}
	slices.Sort(out)
	return out
}

// hiddenIDs are the ids of the compartment resources r may not see: none
// of them may appear anywhere in what r reads.
func (w *world) hiddenIDs(r who) []string {
	var out []string
	for _, res := range w.res {
		if res.patient >= 0 && !w.visible(r, res.key()) {
			out = append(out, res.id)
		}
	}
	return out
}

func (w *world) leaks(r who, body []byte) []string {
	var out []string
	s := string(body)
	for _, id := range w.hiddenIDs(r) {
		if strings.Contains(s, id) {
			out = append(out, id)
		}
	}
	return out
}
