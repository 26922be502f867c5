package rest

import (
	"net/http"
	"slices"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/repository"
)

// TestRouteTableAllow: the Allow header of every kind of path comes from
// the table, with and without its write rows.
func TestRouteTableAllow(t *testing.T) {
	tests := []struct {
		kind           routeKind
		full, readOnly string
	}{
		{routeBase, "GET, HEAD, POST", "GET, HEAD"},
		{routeMetadata, "GET, HEAD", "GET, HEAD"},
		{routeSystemSrch, "GET, HEAD, POST", "GET, HEAD, POST"},
		{routeSystemHist, "GET, HEAD", "GET, HEAD"},
		{routeChanges, "GET, HEAD", "GET, HEAD"},
		{routeType, "GET, HEAD, POST, PUT, PATCH, DELETE", "GET, HEAD"},
		{routeTypeSearch, "GET, HEAD, POST", "GET, HEAD, POST"},
		{routeTypeHist, "GET, HEAD", "GET, HEAD"},
		{routeInstance, "GET, HEAD, PUT, PATCH, DELETE", "GET, HEAD"},
		{routeInstHist, "GET, HEAD", "GET, HEAD"},
		{routeVersion, "GET, HEAD", "GET, HEAD"},
		{routeCompartment, "GET, HEAD, POST", "GET, HEAD, POST"},
		{routeAggOutcomes, "GET, HEAD, POST", "GET, HEAD"},
		{routeInstAggOutcome, "GET, HEAD", "GET, HEAD"},
	}
	full, ro := newRouteTable(false, false), newRouteTable(true, false)
	for _, tt := range tests {
		if got := full.allow[tt.kind]; got != tt.full {
			t.Errorf("kind %d: Allow %q, want %q", tt.kind, got, tt.full)
		}
		if got := ro.allow[tt.kind]; got != tt.readOnly {
			t.Errorf("kind %d read-only: Allow %q, want %q", tt.kind, got, tt.readOnly)
		}
		if full.lookup(tt.kind, http.MethodHead) == nil {
			t.Errorf("kind %d: HEAD is not answered", tt.kind)
		}
	}
	if len(tests) != int(routeInstAggOutcome) {
		t.Errorf("the test covers %d kinds of path, there are %d", len(tests), routeInstAggOutcome)
	}
}

// TestReadOnly: a read-only handler refuses every write route with a 405
// OperationOutcome and an Allow without write methods, serves every read,
// and its CapabilityStatement lists no write interaction. What a Go caller
// writes through the repository (as a follower does) is readable.
func TestReadOnly(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.Name, func(t *testing.T) {
			e := newEnv(t, ver, func(c *Config) { c.ReadOnly = true })
			res, err := e.h.repo.ParseResource([]byte(`{"resourceType":"Patient","name":[{"family":"Ro"}]}`), "Patient")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.h.repo.Commit(t.Context(), &repository.Write{Action: repository.ActionUpdate, Type: "Patient", ID: "a", Resource: res}); err != nil {
				t.Fatal(err)
			}
			refused := []struct{ method, path, body, allow string }{
				{"POST", "/fhir/Patient", `{"resourceType":"Patient"}`, "GET, HEAD"},
				{"PUT", "/fhir/Patient/a", `{"resourceType":"Patient","id":"a"}`, "GET, HEAD"},
				{"PUT", "/fhir/Patient?name=Ro", `{"resourceType":"Patient"}`, "GET, HEAD"},
				{"PATCH", "/fhir/Patient/a", `[]`, "GET, HEAD"},
				{"DELETE", "/fhir/Patient/a", "", "GET, HEAD"},
				{"DELETE", "/fhir/Patient?name=Ro", "", "GET, HEAD"},
				{"POST", "/fhir", `{"resourceType":"Bundle","type":"transaction"}`, "GET, HEAD"},
			}
			for _, tt := range refused {
				r := e.do(tt.method, tt.path, tt.body)
				if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != tt.allow {
					t.Errorf("%s %s: %d, Allow %q; want 405, Allow %q", tt.method, tt.path, r.Status, r.Header.Get("Allow"), tt.allow)
					continue
				}
				if code := issueCode(t, r); code != "not-supported" {
					t.Errorf("%s %s: issue code %q", tt.method, tt.path, code)
				}
			}
			for _, path := range []string{"/fhir/Patient/a", "/fhir/Patient/a/_history/1", "/fhir/Patient/a/_history", "/fhir/Patient?name=Ro", "/fhir/_history", "/fhir/metadata"} {
				if r := e.do("GET", path, ""); r.Status != http.StatusOK {
					t.Errorf("GET %s: %d %s", path, r.Status, r.Body)
				}
			}
			if r := e.do("POST", "/fhir/Patient/_search", ""); r.Status != http.StatusOK {
				t.Errorf("POST _search: %d %s", r.Status, r.Body)
			}

			cs := e.do("GET", "/fhir/metadata", "").json(t)
			rest := cs.Get("rest").Items[0]
			codes := map[string]bool{}
			for _, in := range rest.Get("interaction").Items {
				codes[in.Str("code")] = true
			}
			for _, res := range rest.Get("resource").Items {
				for _, in := range res.Get("interaction").Items {
					codes[in.Str("code")] = true
				}
				if res.Get("conditionalCreate") != nil || res.Get("updateCreate") != nil {
					t.Errorf("%s advertises conditional or create-on-update writes", res.Str("type"))
				}
			}
			for _, w := range []string{"create", "update", "patch", "delete", "transaction", "batch"} {
				if codes[w] {
					t.Errorf("the CapabilityStatement lists %s", w)
				}
			}
			for _, r := range []string{"read", "vread", "search-type", "history-instance", "history-type", "search-system", "history-system"} {
				if !codes[r] {
					t.Errorf("the CapabilityStatement lacks %s", r)
				}
			}
			if cs.Get("patchFormat") != nil {
				t.Error("a read-only CapabilityStatement lists patch formats")
			}
		})
	}
}

// TestNoFeedOperations: without the feed operations, $changes and
// $aggregation-outcome are unknown paths (404) and the CapabilityStatement
// lists neither; with them (the default) it lists both.
func TestNoFeedOperations(t *testing.T) {
	opNames := func(e *env) []string {
		var out []string
		for _, op := range e.do("GET", "/fhir/metadata", "").json(t).Get("rest").Items[0].Get("operation").Items {
			out = append(out, op.Str("name"))
		}
		return out
	}
	e := newEnv(t, defs.R4, func(c *Config) { c.ReadOnly, c.NoFeedOperations = true, true })
	for _, path := range []string{"/fhir/$changes", "/fhir/$aggregation-outcome?outcome=excluded", "/fhir/Patient/a/$aggregation-outcome"} {
		if r := e.do("GET", path, ""); r.Status != http.StatusNotFound {
			t.Errorf("GET %s: %d %s", path, r.Status, r.Body)
		}
	}
	if got := opNames(e); slices.Contains(got, "changes") || slices.Contains(got, "aggregation-outcome") || !slices.Contains(got, "everything") {
		t.Errorf("operations %v", got)
	}
	if got := opNames(newEnv(t, defs.R4)); !slices.Contains(got, "changes") || !slices.Contains(got, "aggregation-outcome") {
		t.Errorf("default operations %v", got)
	}
}
