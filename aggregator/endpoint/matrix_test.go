package endpoint

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/aggregator/access"
	"github.com/fhirfleet/fhirfleet/aggregator/rules"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

var worldTypes = []string{"Patient", "Condition", "AllergyIntolerance", "Appointment", "Practitioner", "Organization", "Medication"}

// TestAccessMatrix: three customers and six patients, each with a real
// token from the endpoint's token endpoint, against every channel of the
// threat model (docs/aggregator.md, "Who may read what"): read, vread,
// instance/type/system history, type and system search with _total and
// _summary=count, cursor paging, chains (subject:Patient.identifier=…,
// patient:…, actor:…), _include, _revinclude, _has, compartment search
// and $everything. Every in-scope resource is readable and found; every
// out-of-scope read is a 404 byte-for-byte like a missing resource; no
// answer names a hidden resource anywhere in its body.
func TestAccessMatrix(t *testing.T) {
	e := newEnv(t)
	w := e.w
	denied, allowed := 0, 0
	for _, r := range w.readers() {
		t.Run(r.name, func(t *testing.T) {
			e.t = t
			tok := e.tokenFor(r)
			// check looks for hidden ids in an answer, but for the ids the
			// request itself named (a 404 or a self link echoes them).
			check := func(what string, got resp, asked ...string) resp {
				t.Helper()
				body := string(got.body)
				for _, a := range asked {
					body = strings.ReplaceAll(body, a, "ASKED")
				}
				if leaks := w.leaks(r, []byte(body)); len(leaks) > 0 {
					t.Errorf("%s leaks hidden resources %v", what, leaks)
				}
				return got
			}
			bundle := func(path string, asked ...string) map[string][]string {
				t.Helper()
				got := check(path, e.get(tok, path), asked...)
				if got.status != http.StatusOK {
					t.Fatalf("%s: %d %s", path, got.status, got.body)
				}
				return entryKeys(t, got.json(t))
			}
			same := func(what string, got, want []string) {
				t.Helper()
				got, want = slices.Clone(got), slices.Clone(want)
				slices.Sort(got)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("%s:\n got %v\nwant %v", what, got, want)
				}
			}

			// read, vread, instance history.
			for _, res := range w.res {
				missing := strings.Repeat("Z", len(res.id))
				for _, form := range []string{"/fhir/%s/%s", "/fhir/%s/%s/_history/1", "/fhir/%s/%s/_history"} {
					got := e.get(tok, fmt.Sprintf(form, res.typ, res.id))
					// A 404 names the id that was asked for, nothing else.
					check("read", got, res.id)
					if w.visible(r, res.key()) {
						allowed++
						if got.status != http.StatusOK || !strings.Contains(string(got.body), res.id) {
							t.Errorf(form+": %d, want 200: %s", res.typ, res.id, got.status, got.body)
						}
						continue
					}
					denied++
					none := e.get(tok, fmt.Sprintf(form, res.typ, missing))
					if got.status != http.StatusNotFound || strings.ReplaceAll(string(got.body), res.id, missing) != string(none.body) {
						t.Errorf(form+": %d %s, want the 404 of a missing resource: %s", res.typ, res.id, got.status, got.body, none.body)
					}
				}
			}

			// Type search, _total, _summary=count.
			for _, typ := range worldTypes {
				want := w.visibleOf(r, typ, nil)
				got := check(typ, e.get(tok, "/fhir/"+typ+"?_total=accurate&_count=500"))
				b := got.json(t)
				same(typ+" search", entryKeys(t, b)["match"], want)
				if total(b) != fmt.Sprint(len(want)) {
					t.Errorf("%s _total %v, want %d", typ, b.Get("total"), len(want))
				}
				cnt := check(typ+" count", e.get(tok, "/fhir/"+typ+"?_summary=count")).json(t)
				if total(cnt) != fmt.Sprint(len(want)) {
					t.Errorf("%s _summary=count %v, want %d", typ, cnt.Get("total"), len(want))
				}
			}

			// Cursor paging: pages are full until the last, nothing twice.
			paged := func(path string, size int) []string {
				t.Helper()
				var all []string
				for path != "" {
					b := check("page", e.get(tok, path)).json(t)
					page := entryKeys(t, b)["match"]
					all = append(all, page...)
					if path = e.nextLink(b); path != "" && len(page) != size {
						t.Errorf("%s: a page of %d before the last", path, len(page))
					}
				}
				return all
			}
			same("Condition paged", paged("/fhir/Condition?_count=4", 4), w.visibleOf(r, "Condition", nil))

			// Chains, per patient, as customers write them.
			for i, nhs := range w.nhs {
				patientSeen := w.visible(r, "Patient/"+w.patients[i])
				for _, ch := range []struct{ typ, param string }{
					{"Condition", "subject:Patient.identifier"},
					{"AllergyIntolerance", "patient:Patient.identifier"},
					{"Appointment", "actor:Patient.identifier"},
				} {
					var want []string
					if patientSeen {
						want = w.visibleOf(r, ch.typ, func(x wres) bool { return x.patient == i })
					}
					q := url.Values{ch.param: {rules.NHSNumberSystem + "|" + nhs}, "_total": {"accurate"}}
					same(fmt.Sprintf("%s?%s (patient %d)", ch.typ, ch.param, i), bundle("/fhir/" + ch.typ + "?" + q.Encode())["match"], want)
				}
				// Compartment search and $everything.
				same(fmt.Sprintf("Patient/%d/Condition", i), bundle("/fhir/Patient/"+w.patients[i]+"/Condition", w.patients[i])["match"],
					w.visibleOf(r, "Condition", func(x wres) bool { return x.patient == i }))
				ev := check("$everything", e.get(tok, "/fhir/Patient/"+w.patients[i]+"/$everything?_count=500"), w.patients[i])
				if !patientSeen {
					if ev.status != http.StatusNotFound {
						t.Errorf("$everything of hidden patient %d: %d", i, ev.status)
					}
					continue
				}
				same(fmt.Sprintf("$everything %d", i), entryKeys(t, ev.json(t))["match"], w.visibleOf(r, "", func(x wres) bool { return x.patient == i }))
			}

			// _include and _revinclude.
			conds := w.visibleOf(r, "Condition", nil)
			var incl []string
			for _, k := range conds {
				p := "Patient/" + w.patients[w.byKey[k].patient]
				if w.visible(r, p) && !slices.Contains(incl, p) {
					incl = append(incl, p)
				}
			}
			if len(conds) > 0 && w.visible(r, "Practitioner/"+w.res[0].id) {
				incl = append(incl, "Practitioner/"+w.res[0].id)
			}
			got := bundle("/fhir/Condition?_include=Condition:subject&_include=Condition:asserter&_count=500")
			same("Condition _include match", got["match"], conds)
			same("Condition _include include", got["include"], incl)
			var rev []string
			for _, k := range conds {
				if w.visible(r, "Patient/"+w.patients[w.byKey[k].patient]) {
					rev = append(rev, k)
				}
			}
			got = bundle("/fhir/Patient?_revinclude=Condition:subject&_count=500")
			same("Patient _revinclude match", got["match"], w.visibleOf(r, "Patient", nil))
			same("Patient _revinclude include", got["include"], rev)

			// _has: patients with a visible MENTAL_HEALTH condition.
			var has []string
			for _, k := range conds {
				x := w.byKey[k]
				p := "Patient/" + w.patients[x.patient]
				if slices.Contains(x.labels, "MENTAL_HEALTH") && w.visible(r, p) && !slices.Contains(has, p) {
					has = append(has, p)
				}
			}
			q := url.Values{"_has:Condition:subject:_security": {access.PrivacyLabelSystem + "|MENTAL_HEALTH"}}
			same("Patient?_has", bundle("/fhir/Patient?" + q.Encode())["match"], has)

			// System search and every history.
			same("system search", bundle("/fhir?_type=Condition,Patient&_count=500")["match"],
				append(w.visibleOf(r, "Condition", nil), w.visibleOf(r, "Patient", nil)...))
			same("system history", bundle("/fhir/_history?_count=500")["match"], w.visibleOf(r, "", nil))
			same("Condition history paged", paged("/fhir/Condition/_history?_count=7", 7), w.visibleOf(r, "Condition", nil))
		})
	}
	e.t = t
	t.Logf("reads, vreads and histories: %d in scope allowed, %d out of scope denied", allowed, denied)
	if denied == 0 || allowed == 0 {
		t.Fatal("the matrix denied or allowed nothing")
	}
}

// total is a Bundle's total as written ("" when absent).
func total(b *fhirjson.Value) string {
	if v := b.Get("total"); v != nil {
		return v.Text
	}
	return ""
}
