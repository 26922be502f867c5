package rest

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/auth"
)

// aggReport builds the Parameters the aggregator posts; each outcome is
// "Type/id vid status [name=value...]".
func aggReport(outcomes ...string) string {
	var params []string
	for _, o := range outcomes {
		f := strings.Fields(o)
		parts := []string{
			fmt.Sprintf(`{"name":"reference","valueReference":{"reference":%q}}`, f[0]),
			fmt.Sprintf(`{"name":"versionId","valueId":%q}`, f[1]),
			fmt.Sprintf(`{"name":"status","valueCode":%q}`, f[2]),
		}
		for _, kv := range f[3:] {
			k, v, _ := strings.Cut(kv, "=")
			parts = append(parts, fmt.Sprintf(`{"name":%q,"valueString":%q}`, k, v))
		}
		params = append(params, `{"name":"outcome","part":[`+strings.Join(parts, ",")+`]}`)
	}
	return `{"resourceType":"Parameters","parameter":[` + strings.Join(params, ",") + `]}`
}

// actAsRole is actAs with the aggregator's role: the next requests act as
// the aggregator client (true) or as the customer holding scope (false).
func (e *env) actAsRole() func(aggregator bool, scope string) {
	var principal atomic.Pointer[auth.Principal]
	e.setWrap(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if p := principal.Load(); p != nil {
				r = r.WithContext(auth.WithPrincipal(r.Context(), p))
			}
			next.ServeHTTP(w, r)
		})
	})
	return func(aggregator bool, scope string) {
		p, err := auth.NewPrincipal("client", scope)
		if err != nil {
			e.t.Fatal(err)
		}
		p.Aggregator = aggregator
		principal.Store(p)
	}
}

func TestAggregationOutcome(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.Name, func(t *testing.T) {
			e := newEnv(t, ver)
			as := e.actAsRole()
			customer := func() { as(false, "system/*.cruds") }
			aggregator := func() { as(true, "system/*.rs") }
			customer()
			for _, id := range []string{"a", "b", "c", "d", "e", "f"} {
				if r := e.do("PUT", "/fhir/Patient/"+id, `{"resourceType":"Patient","id":"`+id+`"}`); r.Status != http.StatusCreated {
					t.Fatal(r.Status, string(r.Body))
				}
			}
			report := aggReport(
				"Patient/a 1 accepted downstream=Patient/up-a",
				"Patient/b 1 excluded rule=no-birthdate expression=Patient.birthDate message=birthDate_is_required",
				"Patient/c 1 pending waitingFor=Organization/o1",
				"Patient/f 1 pending waitingFor=Organization/o2",
				"Patient/e 1 accepted downstream=Patient/up-e",
			)

			// Only the aggregator reports, whatever the customer's scopes.
			if r := e.do("POST", "/fhir/$aggregation-outcome", report); r.Status != http.StatusForbidden || issueCode(t, r) != "forbidden" {
				t.Fatalf("customer report: %d %s", r.Status, r.Body)
			}
			aggregator()
			if r := e.do("POST", "/fhir/$aggregation-outcome", report); r.Status != http.StatusOK {
				t.Fatalf("aggregator report: %d %s", r.Status, r.Body)
			}
			// A late report for an older version does not replace a newer one.
			if r := e.do("POST", "/fhir/$aggregation-outcome", aggReport("Patient/f 2 accepted downstream=Patient/up-f")); r.Status != http.StatusOK {
				t.Fatal(r.Status, string(r.Body))
			}
			if r := e.do("POST", "/fhir/$aggregation-outcome", aggReport("Patient/f 1 excluded rule=late")); r.Status != http.StatusOK {
				t.Fatal(r.Status, string(r.Body))
			}

			customer()
			if r := e.do("PUT", "/fhir/Patient/e", `{"resourceType":"Patient","id":"e","active":true}`); r.Status != http.StatusOK {
				t.Fatal(r.Status, string(r.Body))
			}
			for _, tc := range []struct {
				id, severity, details, expression, diag string
			}{
				{"a", "information", "Patient/up-a", "", "accepted"},
				{"b", "error", "no-birthdate", "Patient.birthDate", "birthDate_is_required"},
				{"c", "warning", "Organization/o1", "", "pending"},
				{"d", "warning", "", "", "not yet processed"},
				{"e", "warning", "", "", "not yet processed"}, // version 2 is newer than the outcome
			} {
				r := e.do("GET", "/fhir/Patient/"+tc.id+"/$aggregation-outcome", "")
				if r.Status != http.StatusOK {
					t.Fatalf("%s: %d %s", tc.id, r.Status, r.Body)
				}
				issue := r.json(t).Get("issue").Items[0]
				var expr string
				if x := issue.Get("expression"); x != nil {
					expr = x.Items[0].Text
				}
				var details string
				if d := issue.Get("details"); d != nil {
					details = d.Str("text")
				}
				if issue.Str("severity") != tc.severity || details != tc.details || expr != tc.expression ||
					!strings.Contains(issue.Str("diagnostics"), tc.diag) {
					t.Errorf("%s: %s", tc.id, r.Body)
				}
			}
			if r := e.do("GET", "/fhir/Patient/zz/$aggregation-outcome", ""); r.Status != http.StatusNotFound {
				t.Errorf("absent resource: %d %s", r.Status, r.Body)
			}

			// The list, a page at a time.
			r := e.do("GET", "/fhir/$aggregation-outcome?outcome=excluded", "")
			if b := r.json(t); r.Status != http.StatusOK || len(b.Get("entry").Items) != 1 ||
				!strings.HasSuffix(b.Get("entry").Items[0].Str("fullUrl"), "/Patient/b/$aggregation-outcome") {
				t.Fatalf("excluded: %d %s", r.Status, r.Body)
			}
			var seen []string
			path := "/fhir/$aggregation-outcome?outcome=accepted&_count=1"
			for pages := 0; path != "" && pages < 10; pages++ {
				r := e.do("GET", path, "")
				b := r.json(t)
				if r.Status != http.StatusOK || b.Str("type") != "searchset" {
					t.Fatalf("page: %d %s", r.Status, r.Body)
				}
				for _, en := range b.Get("entry").Items {
					seen = append(seen, en.Str("fullUrl")[len(e.srv.URL+"/fhir/"):])
				}
				path = ""
				for _, l := range b.Get("link").Items {
					if l.Str("relation") == "next" {
						path = strings.TrimPrefix(l.Str("url"), e.srv.URL)
					}
				}
			}
			want := "Patient/a/$aggregation-outcome Patient/e/$aggregation-outcome Patient/f/$aggregation-outcome"
			if got := strings.Join(seen, " "); got != want {
				t.Errorf("accepted pages: %s, want %s", got, want)
			}
			if r := e.do("GET", "/fhir/$aggregation-outcome?outcome=pending", ""); len(r.json(t).Get("entry").Items) != 1 {
				t.Errorf("pending (f moved to accepted): %s", r.Body)
			}
			if r := e.do("GET", "/fhir/$aggregation-outcome?outcome=maybe", ""); r.Status != http.StatusBadRequest ||
				!strings.Contains(string(r.Body), "parameter outcome") {
				t.Errorf("bad outcome: %d %s", r.Status, r.Body)
			}

			// Outcomes are no resources: not in the change feed, not in search.
			for _, p := range []string{"/fhir/$changes?_count=1000", "/fhir/Patient", "/fhir?_type=Patient"} {
				if r := e.do("GET", p, ""); r.Status != http.StatusOK || strings.Contains(string(r.Body), "OperationOutcome") ||
					strings.Contains(string(r.Body), "up-a") {
					t.Errorf("%s shows an outcome: %d %s", p, r.Status, r.Body)
				}
			}

			// The list spans every type: it needs read on the whole system.
			as(false, "system/Patient.rs")
			if r := e.do("GET", "/fhir/$aggregation-outcome?outcome=excluded", ""); r.Status != http.StatusForbidden {
				t.Errorf("list with a type scope: %d %s", r.Status, r.Body)
			}
			if r := e.do("GET", "/fhir/Patient/a/$aggregation-outcome", ""); r.Status != http.StatusOK {
				t.Errorf("read with a type scope: %d %s", r.Status, r.Body)
			}
			as(false, "system/Observation.rs")
			if r := e.do("GET", "/fhir/Patient/a/$aggregation-outcome", ""); r.Status != http.StatusForbidden {
				t.Errorf("read without the type's scope: %d %s", r.Status, r.Body)
			}
		})
	}
}

// A report the server cannot take is refused whole, naming where it is wrong.
func TestAggregationOutcomeBadReports(t *testing.T) {
	e := newEnv(t, versions[0])
	for _, tc := range []struct{ body, expr string }{
		{`{"resourceType":"Parameters"}`, "Parameters.parameter"},
		{aggReport("Nope/a 1 accepted downstream=x"), "Parameters.parameter[0]"},
		{aggReport("Patient/a 0 accepted downstream=x"), "Parameters.parameter[0]"},
		{aggReport("Patient/a 1 accepted downstream=x", "Patient/b 1 maybe"), "Parameters.parameter[1]"},
		{aggReport("Patient/a 1 accepted"), "Parameters.parameter[0]"},
		{aggReport("Patient/a 1 excluded"), "Parameters.parameter[0]"},
		{aggReport("Patient/a 1 pending colour=blue"), "Parameters.parameter[0].part[3].name"},
	} {
		r := e.do("POST", "/fhir/$aggregation-outcome", tc.body)
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"`+tc.expr+`"`) {
			t.Errorf("%s: %d %s", tc.body, r.Status, r.Body)
		}
	}
	if r := e.do("GET", "/fhir/$aggregation-outcome?outcome=excluded", ""); r.Status != http.StatusOK || r.json(t).Get("entry") != nil {
		t.Errorf("a refused report left outcomes: %s", r.Body)
	}
}
