package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// aggPipeline is issue 9's end-to-end bullet seen through the aggregated
// endpoint instead of the stopped store (TestAggregatorEndToEnd): a Patient
// in the feeds of two customers (one STU3) is one merged Patient naming
// both; a STU3 Condition is mapped, its references rewritten to the merged
// Patient and Practitioner, its provenance in meta.source; an excluded
// Patient never appears; a pending Observation is served once its target
// arrives; an upstream delete is a 410 to those who could read it, the 404
// of a missing id to the others, and leaves every count.
func aggPipeline(t *testing.T, agg *aggregator, idp *patientIssuer, w *aggWorld, servers map[string]*server) {
	readers := aggReaders()
	acme, beta, gamma := readers[0], readers[1], readers[2]
	asBeta := newClient(agg.Base, aggToken(t, agg, idp, w, beta))
	read := func(c *fhirClient, key string) response {
		t.Helper()
		resp, err := c.do(context.Background(), http.MethodGet, "/"+key, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}

	const shared = 3 // acme's and beta's
	patient := jsonOf(t, read(asBeta, "Patient/"+w.patients[shared]))
	if _, customers := contributors(patient); !slices.Equal(customers, []string{"acme", "beta"}) {
		t.Errorf("the merged Patient of acme and beta names customers %v", customers)
	}
	cond := jsonOf(t, read(asBeta, w.downOf["beta Condition/c3-0"]))
	clinical, _ := cond["clinicalStatus"].(map[string]any)
	meta, _ := cond["meta"].(map[string]any)
	switch {
	case refOf(cond, "subject") != "Patient/"+w.patients[shared]:
		t.Errorf("beta's STU3 Condition's subject %q, want the merged Patient/%s", refOf(cond, "subject"), w.patients[shared])
	case refOf(cond, "asserter") != w.downOf["beta Practitioner/dr"] || w.downOf["beta Practitioner/dr"] != w.downOf["acme Practitioner/dr"]:
		t.Errorf("beta's STU3 Condition's asserter %q, want the merged %s", refOf(cond, "asserter"), w.downOf["acme Practitioner/dr"])
	case !strings.Contains(fmt.Sprint(clinical["coding"]), "http://terminology.hl7.org/CodeSystem/condition-clinical"):
		t.Errorf("the STU3 clinicalStatus is not mapped to R4's CodeableConcept: %v", cond["clinicalStatus"])
	case meta["source"] != servers["beta"].Base+"/fhir/Condition/c3-0/_history/1":
		t.Errorf("the copy's meta.source %v", meta["source"])
	}

	// gamma writes a Patient that breaks a rule and an Observation waiting
	// for a Patient that comes later.
	g := servers["gamma"]
	const invalid = "9434765911" // wrong check digit
	put(t, g, "Patient/bad", `{"resourceType":"Patient","id":"bad","identifier":[{"system":"`+nhsSystem+`","value":"`+invalid+`"}]}`)
	put(t, g, "Observation/waits", `{"resourceType":"Observation","id":"waits","status":"final","code":{"text":"late"},"subject":{"reference":"Patient/late"}}`)
	waitOutcome(t, g, "Patient/bad", "error", "nhs-number-invalid")
	waitOutcome(t, g, "Observation/waits", "warning", "Patient/late")
	put(t, g, "Patient/late", `{"resourceType":"Patient","id":"late","identifier":[{"system":"https://gamma.example/mrn","value":"late"}]}`)
	_, obs := waitOutcome(t, g, "Observation/waits", "information", "Observation/")
	_, late := waitOutcome(t, g, "Patient/late", "information", "Patient/")
	asGamma := newClient(agg.Base, aggToken(t, agg, idp, w, gamma))
	if got := jsonOf(t, read(asGamma, obs)); refOf(got, "subject") != late {
		t.Errorf("the resolved Observation %s: subject %q, want %s", obs, refOf(got, "subject"), late)
	}
	resp, err := asGamma.do(context.Background(), http.MethodGet, "/Patient?"+url.Values{"identifier": {nhsSystem + "|" + invalid}}.Encode(), nil, nil)
	if err != nil || resp.Status != http.StatusOK || len(bundleIDs(t, jsonOf(t, resp), "")) != 0 {
		t.Errorf("the excluded Patient is served to the customer who wrote it: %v %d %s", err, resp.Status, resp.Body)
	}

	// beta deletes a Condition of its own patient 1: beta and patient 1, who
	// read it, get 410; acme, who never could, the 404 of a missing id.
	gone := w.downOf["beta Condition/c1-0"]
	before := total(t, asBeta, "/Condition?_total=accurate")
	put(t, servers["beta"], "Condition/c1-0", "")
	deadline := time.Now().Add(30 * time.Second)
	for read(asBeta, gone).Status != http.StatusGone {
		if time.Now().After(deadline) {
			t.Fatalf("the deleted Condition %s is still served to beta 30 s after the delete", gone)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if after := total(t, asBeta, "/Condition?_total=accurate"); after != before-1 {
		t.Errorf("beta's Condition total %d after the delete, %d before", after, before)
	}
	asPatient := newClient(agg.Base, aggToken(t, agg, idp, w, readers[len(aggCustomers)+1]))
	if got := read(asPatient, gone); got.Status != http.StatusGone {
		t.Errorf("patient 1 reads the deleted Condition: %d %s, want 410", got.Status, got.Body)
	}
	asAcme := newClient(agg.Base, aggToken(t, agg, idp, w, acme))
	_, id, _ := strings.Cut(gone, "/")
	missing := strings.Repeat("0", len(id))
	got, none := read(asAcme, gone), read(asAcme, "Condition/"+missing)
	if got.Status != http.StatusNotFound || strings.ReplaceAll(string(got.Body), id, missing) != string(none.Body) {
		t.Errorf("acme reads the deleted Condition it never could: %d %s, want the 404 of a missing id: %s", got.Status, got.Body, none.Body)
	}
}

// total is a search's Bundle.total.
func total(t *testing.T, c *fhirClient, path string) int {
	t.Helper()
	resp, err := c.do(context.Background(), http.MethodGet, path, nil, nil)
	if err != nil || resp.Status != http.StatusOK {
		t.Fatalf("GET %s: %v %d %s", path, err, resp.Status, resp.Body)
	}
	n, _ := jsonOf(t, resp)["total"].(float64)
	return int(n)
}

// aggLinking: a customer's link to a patient follows its feed. gamma writes
// patient 0 (until now acme's alone) and from then on sees acme's data of
// that patient that it is granted (gamma: unlabelled only); beta deletes its
// patient 3 and from then on sees nothing of it: acme's data is the 404 of
// a missing id, its own (taken out with the Patient it points at) a 410.
func aggLinking(t *testing.T, agg *aggregator, idp *patientIssuer, w *aggWorld, servers map[string]*server) {
	readers := aggReaders()
	beta, gamma := readers[1], readers[2]
	chain := func(c *fhirClient, nhs string) []string {
		t.Helper()
		resp, err := c.do(context.Background(), http.MethodGet, "/Condition?"+url.Values{"subject:Patient.identifier": {nhsSystem + "|" + nhs}}.Encode(), nil, nil)
		if err != nil || resp.Status != http.StatusOK {
			t.Fatalf("chain on %s: %v %d %s", nhs, err, resp.Status, resp.Body)
		}
		return bundleIDs(t, jsonOf(t, resp), "match")
	}
	waitStatus := func(c *fhirClient, key string, status int) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			resp, err := c.do(context.Background(), http.MethodGet, "/"+key, nil, nil)
			if err == nil && resp.Status == status {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %v %d %s, want %d within 30 s", key, err, resp.Status, resp.Body, status)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	asGamma := newClient(agg.Base, aggToken(t, agg, idp, w, gamma))
	if got := chain(asGamma, w.nhs[0]); len(got) != 0 {
		t.Fatalf("gamma sees Conditions of acme's patient 0 before it holds the patient: %v", got)
	}
	put(t, servers["gamma"], "Patient/joins", `{"resourceType":"Patient","id":"joins","identifier":[{"system":"`+nhsSystem+`","value":"`+w.nhs[0]+`"}]}`)
	if _, down := waitOutcome(t, servers["gamma"], "Patient/joins", "information", "Patient/"); down != "Patient/"+w.patients[0] {
		t.Fatalf("gamma's Patient with patient 0's NHS number is %s, want the merged Patient/%s", down, w.patients[0])
	}
	waitStatus(asGamma, "Patient/"+w.patients[0], http.StatusOK)
	if got, want := chain(asGamma, w.nhs[0]), []string{w.downOf["acme Condition/c0-0"]}; !sameSet(got, want) {
		t.Errorf("gamma, now linked to patient 0, finds %v, want acme's unlabelled Condition %v", got, want)
	}

	asBeta := newClient(agg.Base, aggToken(t, agg, idp, w, beta))
	put(t, servers["beta"], "Patient/p3", "")
	waitStatus(asBeta, "Patient/"+w.patients[3], http.StatusNotFound)
	if got := chain(asBeta, w.nhs[3]); len(got) != 0 {
		t.Errorf("beta, no longer holding patient 3, finds %v by its NHS number", got)
	}
	asAcme := newClient(agg.Base, aggToken(t, agg, idp, w, readers[0]))
	if got, want := chain(asAcme, w.nhs[3]), w.visibleOf(readers[0], "Condition", func(d *downstream) bool {
		return d.patient == 3 && slices.Contains(d.customers, "acme")
	}); !sameSet(got, want) {
		t.Errorf("acme, now patient 3's only source, finds %v, want its own %v", got, want)
	}
	for _, d := range w.down {
		if d.typ == "Patient" || d.patient != 3 {
			continue
		}
		// What beta wrote of patient 3 now points at nothing upstream: it
		// is taken out (pending) and gone to beta, who read it; acme's
		// stays, and beta gets the 404 of a missing id for it.
		want := http.StatusNotFound
		if slices.Contains(d.customers, "beta") {
			want = http.StatusGone
		}
		if resp, err := asBeta.do(context.Background(), http.MethodGet, "/"+d.key(), nil, nil); err != nil || resp.Status != want {
			t.Errorf("beta reads %s (by %v) of its former patient 3: %v %d, want %d", d.key(), d.customers, err, resp.Status, want)
		}
	}
}

// aggRelabel: what a customer may see of a resource follows its versions.
// acme labels a Condition of patient 5 (acme's and gamma's) GENERAL_HEALTH,
// drops the label, then labels it again: gamma, linked and granted nothing,
// reads only the unlabelled version — the labelled ones stay out of its
// vreads and history, and once the current version is labelled again the
// resource is the 404 of a missing id. gamma forges acme's
// source-organization code on a SOCIAL_CARE Condition of patient 5: the
// aggregator drops the forged code and acme does not see it.
func aggRelabel(t *testing.T, agg *aggregator, idp *patientIssuer, w *aggWorld, servers map[string]*server) {
	readers := aggReaders()
	asAcme := newClient(agg.Base, aggToken(t, agg, idp, w, readers[0]))
	asGamma := newClient(agg.Base, aggToken(t, agg, idp, w, readers[2]))
	get := func(c *fhirClient, path string) response {
		t.Helper()
		resp, err := c.do(context.Background(), http.MethodGet, path, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	condition := func(id, security string) string {
		return `{"resourceType":"Condition","id":"` + id + `",` + security + `"code":{"text":"` + id + `"},"subject":{"reference":"Patient/p5"}}`
	}
	labelled := func(codings ...string) string {
		return `"meta":{"security":[` + strings.Join(codings, ",") + `]},`
	}
	privacy := func(code string) string {
		return `{"system":"` + privacyLabelSystem + `","code":"` + code + `"}`
	}
	acme := servers["acme"]
	var key string
	for v, security := range []string{labelled(privacy("GENERAL_HEALTH")), "", labelled(privacy("GENERAL_HEALTH"))} {
		put(t, acme, "Condition/relabel", condition("relabel", security))
		_, key = waitOutcome(t, acme, "Condition/relabel", "information", "Condition/")
		// The contributor sees every version: the aggregator applied this one.
		deadline := time.Now().Add(30 * time.Second)
		for len(bundleIDs(t, jsonOf(t, get(asAcme, "/"+key+"/_history")), "")) != v+1 {
			if time.Now().After(deadline) {
				t.Fatalf("version %d of %s never reached the aggregated endpoint", v+1, key)
			}
			time.Sleep(50 * time.Millisecond)
		}
		history := get(asGamma, "/"+key+"/_history")
		switch v {
		case 0, 2:
			if r := get(asGamma, "/"+key); r.Status != http.StatusNotFound || history.Status != http.StatusNotFound {
				t.Errorf("version %d labelled: gamma reads %d, its history %d, want 404", v+1, r.Status, history.Status)
			}
			for old := 1; old <= v+1; old++ {
				if r := get(asGamma, fmt.Sprintf("/%s/_history/%d", key, old)); r.Status != http.StatusNotFound {
					t.Errorf("version %d labelled: gamma vreads version %d: %d, want 404", v+1, old, r.Status)
				}
			}
		case 1:
			if r := get(asGamma, "/"+key); r.Status != http.StatusOK {
				t.Errorf("version 2 unlabelled: gamma reads %d, want 200", r.Status)
			}
			if r := get(asGamma, "/"+key+"/_history/1"); r.Status != http.StatusNotFound {
				t.Errorf("gamma vreads the labelled version 1: %d %s, want 404", r.Status, r.Body)
			}
			if r := get(asGamma, "/"+key+"/_history/2"); r.Status != http.StatusOK {
				t.Errorf("gamma vreads the unlabelled version 2: %d, want 200", r.Status)
			}
			var versions []any
			for _, e := range jsonOf(t, history)["entry"].([]any) {
				versions = append(versions, e.(map[string]any)["resource"].(map[string]any)["meta"].(map[string]any)["versionId"])
			}
			if len(versions) != 1 || versions[0] != "2" {
				t.Errorf("gamma's history of %s holds versions %v, want only 2", key, versions)
			}
			sys := string(get(asGamma, "/Condition/_history?_count=1000").Body)
			if strings.Count(sys, `"id":"`+strings.TrimPrefix(key, "Condition/")+`"`) != 1 {
				t.Errorf("gamma's Condition history holds the labelled version 1 of %s", key)
			}
		}
	}

	gamma := servers["gamma"]
	forged := labelled(privacy("SOCIAL_CARE"), `{"system":"http://fhir.patientsknowbest.com/codesystem/source-organization","code":"acme"}`)
	put(t, gamma, "Condition/forged", condition("forged", forged))
	_, key = waitOutcome(t, gamma, "Condition/forged", "information", "Condition/")
	deadline := time.Now().Add(30 * time.Second)
	for get(asGamma, "/"+key).Status != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatalf("%s never reached the aggregated endpoint", key)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if r := get(asAcme, "/"+key); r.Status != http.StatusNotFound {
		t.Errorf("acme reads gamma's SOCIAL_CARE Condition that forged acme's source-organization: %d %s", r.Status, r.Body)
	}
	if body := string(get(asGamma, "/"+key).Body); strings.Contains(body, `"code":"acme"`) {
		t.Errorf("the forged source-organization code is served: %s", body)
	}
}
