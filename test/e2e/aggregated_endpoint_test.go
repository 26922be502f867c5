package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// TestAggregatedEndpoint is issue 10's access matrix over real processes:
// three fhirservers (one STU3), each written by its customer through its
// REST API with its own token, followed by bin/aggregator (static
// --source), which serves <base-url>/fhir from the same process with its
// own clients (--clients-dir, different grants per customer) and a patient
// OpenID issuer the test builds (--patient-jwks, RS256). Every customer
// token and every patient token then reads every resource by id (and the
// instance history of every Patient and Condition, the vread of every
// Condition), searches every type with _total, the three chains customers
// write on every NHS number, _include, _revinclude, _has, the type and
// system history and $everything of every patient, against the oracle of
// aggregated_world_test.go: every in-scope read is allowed, every
// out-of-scope read is the 404 of a missing id, no answer names a hidden
// resource, no Bundle holds an entry the reader may not see and every
// total is the visible count. Writes are 405, a token below P9 and an
// unknown NHS number are refused with invalid_grant, a customer server's
// token is refused, and @medplum/core and fhir-kit-client read through the
// endpoint. Last, issue 9's end-to-end bullet is checked through the
// endpoint (aggPipeline), a customer's link to a patient is seen to follow
// its feed both ways (aggLinking), and what a customer sees of a resource
// to follow its versions' labels, a forged source code never counting
// (aggRelabel).
func TestAggregatedEndpoint(t *testing.T) {
	w := newAggWorld()
	servers := map[string]*server{}
	var sources []aggSource
	for _, c := range aggCustomers {
		s := startServer(t, c.version, t.TempDir())
		servers[c.name] = s
		sources = append(sources, aggSource{c.name + "-" + strings.ToLower(c.version), c.name, s})
	}
	w.write(t, servers)
	idp := newPatientIssuer(t)
	agg := startAggregator(t, t.TempDir(), sources, append([]string{"--clients-dir", writeAggClients(t)}, idp.flags()...)...)
	agg.waitCaughtUp(t, sources)
	w.learnDownstream(t, servers)

	var allowed, denied, requests atomic.Int64
	t.Run("matrix", func(t *testing.T) {
		for _, r := range aggReaders() {
			t.Run(r.name, func(t *testing.T) {
				t.Parallel()
				s := &aggSession{t: t, w: w, r: r, c: newClient(agg.Base, aggToken(t, agg, idp, w, r)),
					missing: map[string]string{}, requests: &requests}
				s.reads(&allowed, &denied)
				s.searches()
				s.histories()
				s.probes()
			})
		}
	})
	t.Logf("%d requests; reads, vreads and instance histories: %d in scope allowed, %d out of scope denied (%d resources, %d readers)",
		requests.Load(), allowed.Load(), denied.Load(), len(w.down), len(aggReaders()))
	if allowed.Load() == 0 || denied.Load() == 0 {
		t.Fatal("the matrix allowed or denied nothing")
	}

	t.Run("writes", func(t *testing.T) { aggWrites(t, agg, idp, w) })
	t.Run("tokens", func(t *testing.T) { aggTokens(t, agg, idp, w, servers["acme"]) })
	t.Run("medplum", func(t *testing.T) { aggMedplum(t, agg, w) })
	t.Run("fhir-kit-client", func(t *testing.T) { aggFhirKit(t, agg, idp, w) })
	t.Run("issue 9 through the endpoint", func(t *testing.T) { aggPipeline(t, agg, idp, w, servers) })
	t.Run("linking", func(t *testing.T) { aggLinking(t, agg, idp, w, servers) })
	t.Run("relabelling", func(t *testing.T) { aggRelabel(t, agg, idp, w, servers) })
}

// clientSecretOf is customer c's secret at the aggregated endpoint.
func clientSecretOf(c string) string { return c + "-aggregated-secret-0123456789" }

// writeAggClients writes --clients-dir: one folder per customer with its
// client and its granted labels.
func writeAggClients(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, c := range aggCustomers {
		d := filepath.Join(dir, c.name)
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		for name, v := range map[string]string{"client_id": c.name + "-client", "client_secret": clientSecretOf(c.name),
			"privacy_labels": strings.Join(c.grants, ",")} {
			if err := os.WriteFile(filepath.Join(d, name), []byte(v+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

// aggToken gets r's access token from the aggregator: client credentials
// for a customer, a token exchange of a P9 ID token for a patient.
func aggToken(t *testing.T, agg *aggregator, idp *patientIssuer, w *aggWorld, r reader) string {
	t.Helper()
	var a tokenAnswer
	if r.patient >= 0 {
		a = idp.exchange(t, agg.Base, idp.idToken(t, w.nhs[r.patient], "P9"))
		if a.status == http.StatusOK && a.body["patient"] != w.patients[r.patient] {
			t.Errorf("%s's token is for Patient %v, want %s", r.name, a.body["patient"], w.patients[r.patient])
		}
	} else {
		a = postToken(t, agg.Base, url.Values{"grant_type": {"client_credentials"}}, r.customer+"-client", clientSecretOf(r.customer))
	}
	if a.status != http.StatusOK {
		t.Fatalf("token for %s: %d %v", r.name, a.status, a.body)
	}
	return a.body["access_token"].(string)
}

// aggSession is one reader's requests, each checked for leaks.
type aggSession struct {
	t        *testing.T
	w        *aggWorld
	r        reader
	c        *fhirClient
	missing  map[string]string // the 404 body of a missing id, by request form
	requests *atomic.Int64
}

// get sends a GET under /fhir and checks what any answer must hold: no
// hidden compartment resource's id anywhere in the body (but for the ids
// the request itself names, which a 404 or a self link echoes), and, in a
// Bundle, no entry the reader may not see.
func (s *aggSession) get(path string, asked ...string) response {
	s.t.Helper()
	got, err := s.c.do(context.Background(), http.MethodGet, path, nil, nil)
	if err != nil {
		s.t.Fatalf("GET %s: %v", path, err)
	}
	s.requests.Add(1)
	body := string(got.Body)
	for _, a := range asked {
		body = strings.ReplaceAll(body, a, "ASKED")
	}
	if leaks := s.w.leaks(s.r, body); len(leaks) > 0 {
		s.t.Errorf("GET %s (%d) names hidden resources %v", path, got.Status, leaks)
	}
	if got.Status == http.StatusOK && strings.Contains(body, `"resourceType":"Bundle"`) {
		for _, k := range bundleIDs(s.t, jsonOf(s.t, got), "") {
			if !strings.HasPrefix(k, "OperationOutcome/") && !s.w.visible(s.r, k) {
				s.t.Errorf("GET %s returns %s, which %s may not see", path, k, s.r.name)
			}
		}
	}
	return got
}

// bundle GETs a search or history that must answer 200 and returns its
// entries' keys by search mode ("match" for history entries) and total.
func (s *aggSession) bundle(path string, asked ...string) (map[string][]string, string) {
	s.t.Helper()
	got := s.get(path, asked...)
	if got.Status != http.StatusOK {
		s.t.Fatalf("GET %s: %d %s", path, got.Status, got.Body)
	}
	b := jsonOf(s.t, got)
	out := map[string][]string{"match": bundleIDs(s.t, b, "match"), "include": bundleIDs(s.t, b, "include")}
	if b["type"] == "history" {
		out["match"] = distinct(bundleIDs(s.t, b, ""))
	}
	total := ""
	if n, ok := b["total"]; ok {
		total = fmt.Sprint(n)
	}
	return out, total
}

func distinct(keys []string) []string {
	keys = slices.Clone(keys)
	slices.Sort(keys)
	return slices.Compact(keys)
}

func (s *aggSession) same(what string, got, want []string) {
	s.t.Helper()
	if !sameSet(got, want) {
		slices.Sort(got)
		s.t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

// reads: every resource by id, the instance history of every Patient and
// Condition and the vread of every Condition (copies are version 1).
// In scope: 200 with the resource. Out of scope: 404 with the very body a
// missing id of that type gets.
func (s *aggSession) reads(allowed, denied *atomic.Int64) {
	for _, d := range s.w.down {
		forms := []string{"/%s/%s"}
		switch d.typ {
		case "Patient":
			forms = append(forms, "/%s/%s/_history")
		case "Condition":
			forms = append(forms, "/%s/%s/_history", "/%s/%s/_history/1")
		}
		for _, form := range forms {
			got := s.get(fmt.Sprintf(form, d.typ, d.id), d.id)
			if s.w.visible(s.r, d.key()) {
				allowed.Add(1)
				if got.Status != http.StatusOK || !strings.Contains(string(got.Body), `"id":"`+d.id+`"`) {
					s.t.Errorf("GET "+form+": %d, want 200 with it: %s", d.typ, d.id, got.Status, got.Body)
				}
				continue
			}
			denied.Add(1)
			missing := strings.Repeat("0", len(d.id))
			none, ok := s.missing[form+d.typ+missing]
			if !ok {
				none = string(s.get(fmt.Sprintf(form, d.typ, missing), missing).Body)
				s.missing[form+d.typ+missing] = none
			}
			if got.Status != http.StatusNotFound || strings.ReplaceAll(string(got.Body), d.id, missing) != none {
				s.t.Errorf("GET "+form+": %d %s, want the 404 of a missing id: %s", d.typ, d.id, got.Status, got.Body, none)
			}
		}
	}
}

// searches: every type with _total and _summary=count, a system search
// with _type and _sort, cursor paging, per NHS number the three chains, the
// Patient by identifier, its compartment search and $everything; then
// _include, _revinclude and _has.
func (s *aggSession) searches() {
	w, r := s.w, s.r
	for _, typ := range []string{"Patient", "Condition", "AllergyIntolerance", "Appointment", "Observation", "Practitioner", "Organization", "Medication"} {
		got, total := s.bundle("/" + typ + "?_total=accurate&_count=500")
		want := w.visibleOf(r, typ, nil)
		s.same(typ+" search", got["match"], want)
		if total != fmt.Sprint(len(want)) {
			s.t.Errorf("%s _total %s, want %d", typ, total, len(want))
		}
		if _, total := s.bundle("/" + typ + "?_summary=count"); total != fmt.Sprint(len(want)) {
			s.t.Errorf("%s _summary=count %s, want %d", typ, total, len(want))
		}
	}
	got, _ := s.bundle("/?_type=Condition,Patient&_sort=-_lastUpdated,_id&_count=500")
	s.same("_type=Condition,Patient", got["match"], append(w.visibleOf(r, "Condition", nil), w.visibleOf(r, "Patient", nil)...))
	s.same("Condition paged by 4", s.paged("/Condition?_count=4", 4), w.visibleOf(r, "Condition", nil))

	for i, nhs := range w.nhs {
		seen := w.visible(r, "Patient/"+w.patients[i])
		for _, ch := range []struct{ typ, param string }{
			{"Condition", "subject:Patient.identifier"},
			{"AllergyIntolerance", "patient:Patient.identifier"},
			{"Appointment", "actor:Patient.identifier"},
		} {
			var want []string
			if seen {
				want = w.visibleOf(r, ch.typ, func(d *downstream) bool { return d.patient == i })
			}
			q := url.Values{ch.param: {nhsSystem + "|" + nhs}, "_total": {"accurate"}}
			got, total := s.bundle("/" + ch.typ + "?" + q.Encode())
			s.same(fmt.Sprintf("%s?%s (patient %d)", ch.typ, ch.param, i), got["match"], want)
			if total != fmt.Sprint(len(want)) {
				s.t.Errorf("%s?%s (patient %d) _total %s, want %d", ch.typ, ch.param, i, total, len(want))
			}
		}
		pid := w.patients[i]
		var want []string
		if seen {
			want = []string{"Patient/" + pid}
		}
		got, _ := s.bundle("/Patient?" + url.Values{"identifier": {nhsSystem + "|" + nhs}}.Encode())
		s.same(fmt.Sprintf("Patient?identifier (patient %d)", i), got["match"], want)
		got, _ = s.bundle("/Patient/"+pid+"/Condition?_count=500", pid)
		s.same(fmt.Sprintf("Patient/<patient %d>/Condition", i), got["match"], w.visibleOf(r, "Condition", func(d *downstream) bool { return d.patient == i }))
		ev := s.get("/Patient/"+pid+"/$everything?_count=500", pid)
		if !seen {
			none := s.get("/Patient/"+strings.Repeat("0", len(pid))+"/$everything?_count=500", strings.Repeat("0", len(pid)))
			if ev.Status != http.StatusNotFound || strings.ReplaceAll(string(ev.Body), pid, strings.Repeat("0", len(pid))) != string(none.Body) {
				s.t.Errorf("$everything of hidden patient %d: %d %s, want the 404 of a missing one: %s", i, ev.Status, ev.Body, none.Body)
			}
			continue
		}
		if ev.Status != http.StatusOK {
			s.t.Fatalf("$everything of patient %d: %d %s", i, ev.Status, ev.Body)
		}
		s.same(fmt.Sprintf("$everything of patient %d", i), bundleIDs(s.t, jsonOf(s.t, ev), "match"),
			w.visibleOf(r, "", func(d *downstream) bool { return d.patient == i }))
	}

	// _include: the visible Conditions, with their Patient and
	// Practitioner where the reader may see those.
	conds := w.visibleOf(r, "Condition", nil)
	var incl, rev, has []string
	for _, k := range conds {
		d := w.byKey[k]
		p := "Patient/" + w.patients[d.patient]
		if !w.visible(r, p) {
			continue
		}
		incl = append(incl, p)
		rev = append(rev, k)
		if slices.Contains(d.labels, "MENTAL_HEALTH") {
			has = append(has, p)
		}
	}
	for _, k := range w.visibleOf(r, "Practitioner", nil) {
		if len(conds) > 0 {
			incl = append(incl, k)
		}
	}
	got, _ = s.bundle("/Condition?_include=Condition:subject&_include=Condition:asserter&_count=500")
	s.same("Condition?_include match", got["match"], conds)
	s.same("Condition?_include include", got["include"], distinct(incl))
	got, _ = s.bundle("/Patient?_revinclude=Condition:subject&_count=500")
	s.same("Patient?_revinclude match", got["match"], w.visibleOf(r, "Patient", nil))
	s.same("Patient?_revinclude include", got["include"], rev)
	q := url.Values{"_has:Condition:subject:_security": {privacyLabelSystem + "|MENTAL_HEALTH"}, "_total": {"accurate"}}
	got, total := s.bundle("/Patient?" + q.Encode())
	s.same("Patient?_has:Condition:subject:_security=MENTAL_HEALTH", got["match"], distinct(has))
	if total != fmt.Sprint(len(distinct(has))) {
		s.t.Errorf("Patient?_has _total %s, want %d", total, len(distinct(has)))
	}
	// _has through a resource only one customer of a shared patient wrote:
	// a hidden Observation makes no Patient match.
	has = nil
	for _, k := range w.visibleOf(r, "Observation", nil) {
		if p := "Patient/" + w.patients[w.byKey[k].patient]; w.visible(r, p) {
			has = append(has, p)
		}
	}
	q = url.Values{"_has:Observation:subject:_security": {privacyLabelSystem + "|SOCIAL_CARE"}, "_total": {"accurate"}}
	got, total = s.bundle("/Patient?" + q.Encode())
	s.same("Patient?_has:Observation:subject:_security=SOCIAL_CARE", got["match"], has)
	if total != fmt.Sprint(len(has)) {
		s.t.Errorf("Patient?_has:Observation _total %s, want %d", total, len(has))
	}
	// A Practitioner the reader sees revincludes only the Conditions it
	// sees; one it does not see anchors nothing.
	rev = nil
	if len(w.visibleOf(r, "Practitioner", nil)) > 0 {
		rev = conds
	}
	got, _ = s.bundle("/Practitioner?_revinclude=Condition:asserter&_count=500")
	s.same("Practitioner?_revinclude match", got["match"], w.visibleOf(r, "Practitioner", nil))
	s.same("Practitioner?_revinclude include", got["include"], rev)
}

// paged follows a search's next links and returns every match; every page
// before the last is full.
func (s *aggSession) paged(path string, size int) []string {
	s.t.Helper()
	var all []string
	for path != "" {
		got := s.get(path)
		if got.Status != http.StatusOK {
			s.t.Fatalf("GET %s: %d %s", path, got.Status, got.Body)
		}
		b := jsonOf(s.t, got)
		page := bundleIDs(s.t, b, "match")
		all = append(all, page...)
		next := bundleLink(b, "next")
		if next != "" && len(page) != size {
			s.t.Errorf("%s: a page of %d before the last", path, len(page))
		}
		path = strings.TrimPrefix(next, s.c.base)
		if path == next && next != "" {
			s.t.Fatalf("next link %s is not under %s", next, s.c.base)
		}
	}
	return all
}

// probes are further queries of every channel — iterate, wildcards, nested
// _has, compartments, a page of $everything, searches naming ids — whose
// answers get get's checks only: no hidden id, no entry the reader may not
// see.
func (s *aggSession) probes() {
	w := s.w
	for _, pid := range w.patients {
		seen := w.visible(s.r, "Patient/"+pid)
		for _, q := range []string{"/Condition?subject=Patient/" + pid, "/Patient?_id=" + pid + "&_revinclude=*",
			"/Patient/" + pid + "/Appointment", "/AllergyIntolerance?patient=" + pid + "&_include=AllergyIntolerance:patient",
			"/Patient/" + pid + "/$everything?_count=3", "/Patient/" + pid + "/_history"} {
			got := s.get(q, pid)
			instance := strings.HasSuffix(q, "/_history") || strings.Contains(q, "$everything")
			if got.Status != http.StatusOK && (seen || !instance || got.Status != http.StatusNotFound) {
				s.t.Errorf("GET %s: %d %s", q, got.Status, got.Body)
			}
		}
	}
	for _, q := range []string{
		"/Patient?_revinclude=*&_count=500",
		"/Condition?_include=*&_count=500",
		"/Appointment?_include=Appointment:actor&_include:iterate=Patient:general-practitioner&_count=500",
		"/Practitioner?_revinclude=Appointment:actor&_revinclude:iterate=Condition:subject&_count=500",
		"/Patient?_has:Condition:subject:_has:Provenance:target:agent=x",
		"/Practitioner?_has:Condition:asserter:_security=" + url.QueryEscape(privacyLabelSystem+"|SEXUAL_HEALTH"),
		"/Patient?_has:Appointment:actor:status=booked&_total=accurate",
		"/Condition?_security:not=" + url.QueryEscape(privacyLabelSystem+"|MENTAL_HEALTH") + "&_total=accurate&_count=500",
		"/Condition?_security:missing=true&_total=accurate&_count=500",
		"/Observation?subject:missing=false&_sort=-_lastUpdated&_elements=subject",
		"/Condition?_summary=true&_count=500",
		"/?_type=Observation,Appointment,AllergyIntolerance&_count=500",
		"/Observation/_history",
		"/Patient/_history?_count=2",
	} {
		if got := s.get(q); got.Status != http.StatusOK {
			s.t.Errorf("GET %s: %d %s", q, got.Status, got.Body)
		}
	}
}

// histories: system and type history hold every version of what the
// reader may see and nothing else.
func (s *aggSession) histories() {
	got, _ := s.bundle("/_history?_count=1000")
	s.same("system history", got["match"], s.w.visibleOf(s.r, "", nil))
	got, _ = s.bundle("/Condition/_history?_count=1000")
	s.same("Condition history", got["match"], s.w.visibleOf(s.r, "Condition", nil))
}
