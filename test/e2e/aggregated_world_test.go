package e2e

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// The world of TestAggregatedEndpoint, over real processes: three customers,
// each with its own fhirserver (beta's STU3), six patients contributed by one
// or two of them, and for every patient and contributing customer a
// Condition per privacy label, one with none, one with two and one with an
// unknown code, an
// unlabelled AllergyIntolerance and an Appointment labelled SOCIAL_CARE
// (and, from the second customer of a shared patient only, an Observation
// labelled SOCIAL_CARE);
// every customer also writes the same Practitioner and Organization
// (merged, in no compartment), and acme and beta the same Medication. The
// oracle below is the rule of docs/aggregator.md ("Who may read what")
// written over what the test itself wrote, not over what the aggregator
// stores: it shares no code with aggregator/access.

const privacyLabelSystem = "http://fhir.patientsknowbest.com/codesystem/privacy-label"

var privacyLabels = []string{"GENERAL_HEALTH", "MENTAL_HEALTH", "SEXUAL_HEALTH", "SOCIAL_CARE"}

// aggCustomers are the customers, their server's FHIR version and the
// labels their client at the aggregated endpoint is granted.
var aggCustomers = []struct {
	name, version string
	grants        []string
}{
	{"acme", "R4", []string{"GENERAL_HEALTH", "MENTAL_HEALTH"}},
	{"beta", "STU3", privacyLabels},
	{"gamma", "R4", nil},
}

// aggPatientCustomers says which customers' feeds hold each patient.
var aggPatientCustomers = [][]string{{"acme"}, {"beta"}, {"gamma"}, {"acme", "beta"}, {"beta", "gamma"}, {"acme", "gamma"}}

// conditionLabels are the label sets of the Conditions of each patient and
// contributing customer: none, each label, two, and a code of the system
// that is no label (never granted, so only its contributor and the patient
// see it).
var conditionLabels = [][]string{nil, {"GENERAL_HEALTH"}, {"MENTAL_HEALTH"}, {"SEXUAL_HEALTH"}, {"SOCIAL_CARE"}, {"MENTAL_HEALTH", "SEXUAL_HEALTH"}, {"FINANCES"}}

// upstream is one resource a customer writes to its own server.
type upstream struct {
	customer, typ, id, body string
	patient                 int // index of the patient whose compartment holds it; -1: none
	labels                  []string
}

func (u upstream) ref() string { return u.typ + "/" + u.id }

// downstream is one resource of the aggregated set as the oracle knows it.
type downstream struct {
	typ, id   string
	customers []string // contributed it
	patient   int
	labels    []string
}

func (d *downstream) key() string { return d.typ + "/" + d.id }

// aggWorld is what the customers wrote and what the aggregated set must
// then hold.
type aggWorld struct {
	up    []upstream
	nhs   []string      // NHS number per patient
	down  []*downstream // in a fixed order
	byKey map[string]*downstream
	// patients is the downstream Patient id per patient.
	patients []string
	// downOf is the downstream Type/id of each upstream resource, by
	// "<customer> <Type>/<id>".
	downOf map[string]string
}

// mod11 completes nine digits to an NHS number with a valid modulus-11
// check digit ("" when the check digit would be 10, which is never issued).
func mod11(nine string) string {
	sum := 0
	for i := range 9 {
		sum += int(nine[i]-'0') * (10 - i)
	}
	check := (11 - sum%11) % 11
	if check == 10 {
		return ""
	}
	return nine + fmt.Sprint(check)
}

// nhsNumbers are n valid NHS numbers: the i-th is the first valid one from
// 943476<10i as three digits> up.
func nhsNumbers(n int) []string {
	var out []string
	for i := range n {
		nhs := ""
		for k := i * 10; nhs == ""; k++ {
			nhs = mod11(fmt.Sprintf("943476%03d", k))
		}
		out = append(out, nhs)
	}
	return out
}

// newAggWorld lists every resource each customer writes, in the shape of
// its server's FHIR version.
func newAggWorld() *aggWorld {
	w := &aggWorld{nhs: nhsNumbers(len(aggPatientCustomers)), byKey: map[string]*downstream{}}
	add := func(cust, typ, id string, patient int, labels []string, body string) {
		if len(labels) > 0 {
			var codings []string
			for _, l := range labels {
				codings = append(codings, fmt.Sprintf(`{"system":%q,"code":%q}`, privacyLabelSystem, l))
			}
			body = `"meta":{"security":[` + strings.Join(codings, ",") + `]},` + body
		}
		w.up = append(w.up, upstream{customer: cust, typ: typ, id: id, patient: patient, labels: labels,
			body: fmt.Sprintf(`{"resourceType":%q,"id":%q,%s}`, typ, id, body)})
	}
	for _, c := range aggCustomers {
		add(c.name, "Practitioner", "dr", -1, nil, `"identifier":[{"system":"https://fhir.hl7.org.uk/Id/gmc-number","value":"G7654321"}],"name":[{"family":"Careful"}]`)
		add(c.name, "Organization", "org", -1, nil, `"identifier":[{"system":"https://fhir.nhs.uk/Id/ods-organization-code","value":"Y00001"}],"name":"Shared Practice"`)
		if c.name != "gamma" {
			add(c.name, "Medication", "med", -1, nil, `"code":{"coding":[{"system":"http://snomed.info/sct","code":"322236009"}]}`)
		}
	}
	for i, custs := range aggPatientCustomers {
		for _, cust := range custs {
			stu3 := cust == "beta"
			p := fmt.Sprintf("p%d", i)
			subject := fmt.Sprintf(`{"reference":"Patient/%s"}`, p)
			add(cust, "Patient", p, i, nil, fmt.Sprintf(`"identifier":[{"system":%q,"value":%q}],"name":[{"family":"Person%d"}]`, nhsSystem, w.nhs[i], i))
			for j, ls := range conditionLabels {
				status := ``
				if stu3 {
					status = `"clinicalStatus":"active","verificationStatus":"confirmed",`
				}
				add(cust, "Condition", fmt.Sprintf("c%d-%d", i, j), i, ls,
					fmt.Sprintf(`%s"code":{"text":"condition %d"},"subject":%s,"asserter":{"reference":"Practitioner/dr"}`, status, j, subject))
			}
			verification := ``
			if stu3 {
				verification = `"verificationStatus":"confirmed",`
			}
			add(cust, "AllergyIntolerance", "a"+p, i, nil, verification+`"code":{"text":"peanut"},"patient":`+subject)
			add(cust, "Appointment", "ap"+p, i, []string{"SOCIAL_CARE"},
				`"status":"booked","participant":[{"actor":`+subject+`,"status":"accepted"},{"actor":{"reference":"Practitioner/dr"},"status":"accepted"}]`)
			if len(custs) == 2 && cust == custs[1] {
				// Only the second customer of a shared patient records this:
				// the first one sees the patient, and sees it only if granted
				// SOCIAL_CARE (which acme is not).
				add(cust, "Observation", "o"+p, i, []string{"SOCIAL_CARE"}, `"status":"final","code":{"text":"housing"},"subject":`+subject)
			}
		}
	}
	return w
}

// write puts every upstream resource to its customer's server, through its
// REST API with the customer's own token.
func (w *aggWorld) write(t *testing.T, servers map[string]*server) {
	t.Helper()
	clients := map[string]*fhirClient{}
	for name, s := range servers {
		clients[name] = newClient(s.Base, s.token(false))
	}
	for _, u := range w.up {
		r, err := clients[u.customer].do(context.Background(), http.MethodPut, "/"+u.ref(), []byte(u.body), nil)
		if err != nil || r.Status >= 300 {
			t.Fatalf("%s writes %s: %v %d %s", u.customer, u.ref(), err, r.Status, r.Body)
		}
	}
}

// learnDownstream asks each customer's server for the aggregator's outcome
// of every resource it wrote until all are accepted, and builds the
// aggregated set the oracle expects from the downstream references they
// name: a merged resource is one downstream resource with every
// contributor's customer.
func (w *aggWorld) learnDownstream(t *testing.T, servers map[string]*server) {
	t.Helper()
	clients := map[string]*fhirClient{}
	for name, s := range servers {
		clients[name] = newClient(s.Base, s.token(false))
	}
	downOf := map[int]string{}
	deadline := time.Now().Add(60 * time.Second)
	for len(downOf) < len(w.up) {
		for i, u := range w.up {
			if _, ok := downOf[i]; ok {
				continue
			}
			r, err := clients[u.customer].do(context.Background(), http.MethodGet, "/"+u.ref()+"/$aggregation-outcome", nil, nil)
			if err != nil || r.Status != http.StatusOK {
				t.Fatalf("outcome of %s's %s: %v %d %s", u.customer, u.ref(), err, r.Status, r.Body)
			}
			issue := jsonOf(t, r)["issue"].([]any)[0].(map[string]any)
			if issue["severity"] == "information" {
				downOf[i] = issue["details"].(map[string]any)["text"].(string)
				continue
			}
			if issue["severity"] == "error" || time.Now().After(deadline) {
				t.Fatalf("%s's %s is not accepted: %s", u.customer, u.ref(), r.Body)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	w.patients = make([]string, len(w.nhs))
	w.downOf = map[string]string{}
	for i, u := range w.up {
		key := downOf[i]
		w.downOf[u.customer+" "+u.ref()] = key
		typ, id, _ := strings.Cut(key, "/")
		if typ != u.typ {
			t.Fatalf("%s's %s accepted as %s", u.customer, u.ref(), key)
		}
		d := w.byKey[key]
		if d == nil {
			d = &downstream{typ: typ, id: id, patient: u.patient, labels: u.labels}
			w.byKey[key] = d
			w.down = append(w.down, d)
		} else if d.patient != u.patient || !slices.Equal(d.labels, u.labels) || !mergedTypes[typ] {
			t.Fatalf("%s's %s and another resource are both %s", u.customer, u.ref(), key)
		}
		if !slices.Contains(d.customers, u.customer) {
			d.customers = append(d.customers, u.customer)
		}
		if typ == "Patient" {
			if w.patients[u.patient] != "" && w.patients[u.patient] != id {
				t.Fatalf("patient %d is two Patients downstream: %s and %s", u.patient, w.patients[u.patient], id)
			}
			w.patients[u.patient] = id
		}
	}
	// Three merged non-compartment resources, one Patient per patient, and
	// per patient and customer of it the Conditions, an AllergyIntolerance
	// and an Appointment; an Observation per shared patient.
	if want := 3 + len(aggPatientCustomers) + 9*(len(conditionLabels)+2) + 3; len(w.down) != want {
		t.Fatalf("the aggregated set has %d resources, want %d", len(w.down), want)
	}
}

// mergedTypes are the types of which one downstream resource stands for
// every contributor sharing an identifier (or a Medication code).
var mergedTypes = map[string]bool{"Patient": true, "Practitioner": true, "Organization": true, "Medication": true}

// reader is a customer or a patient reading the aggregated endpoint.
type reader struct {
	name     string
	customer string // "" for a patient
	grants   []string
	patient  int // -1 for a customer
}

func aggReaders() []reader {
	var out []reader
	for _, c := range aggCustomers {
		out = append(out, reader{name: "customer " + c.name, customer: c.name, grants: c.grants, patient: -1})
	}
	for i := range aggPatientCustomers {
		out = append(out, reader{name: fmt.Sprintf("patient %d", i), patient: i})
	}
	return out
}

// visible is the oracle. A patient sees their compartment, every label
// included, and nothing else. A customer sees what it contributed; of the
// rest, only what carries no label it is not granted, and that only in no
// compartment or in the compartment of a patient its feeds hold.
func (w *aggWorld) visible(r reader, key string) bool {
	d, ok := w.byKey[key]
	if !ok {
		return false
	}
	if r.patient >= 0 {
		return d.patient == r.patient
	}
	if slices.Contains(d.customers, r.customer) {
		return true
	}
	for _, l := range d.labels {
		if !slices.Contains(r.grants, l) {
			return false
		}
	}
	return d.patient < 0 || slices.Contains(aggPatientCustomers[d.patient], r.customer)
}

// visibleOf lists the keys of typ (every type when "") r may see, of those
// also accepts, sorted.
func (w *aggWorld) visibleOf(r reader, typ string, also func(*downstream) bool) []string {
	var out []string
	for _, d := range w.down {
		if (typ == "" || d.typ == typ) && w.visible(r, d.key()) && (also == nil || also(d)) {
			out = append(out, d.key())
		}
	}
	slices.Sort(out)
	return out
}

// leaks are the ids of compartment resources hidden from r that body names
// anywhere (references of visible resources to Practitioners and the like
// are no leak: a reader sees a visible resource as it is).
func (w *aggWorld) leaks(r reader, body string) []string {
	var out []string
	for _, d := range w.down {
		if d.patient >= 0 && !w.visible(r, d.key()) && strings.Contains(body, d.id) {
			out = append(out, d.key())
		}
	}
	return out
}
