package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	aggfollow "github.com/fhirfleet/fhirfleet/aggregator/follow"
)

// aggOutcome is one outcome the aggregator reports.
type aggOutcome struct {
	Reference, VersionID, Status                      string
	Downstream, Rule, Expression, Message, WaitingFor string
}

// reportOutcomes posts outcomes to POST /fhir/$aggregation-outcome as c's
// client, in the body the aggregator's reporter sends (follow.ReportBody),
// and returns the answer.
func reportOutcomes(ctx context.Context, c *fhirClient, outcomes ...aggOutcome) (response, error) {
	var outs []aggfollow.Outcome
	for _, o := range outcomes {
		typ, id, _ := strings.Cut(o.Reference, "/")
		v, err := strconv.ParseInt(o.VersionID, 10, 64)
		if err != nil {
			return response{}, err
		}
		outs = append(outs, aggfollow.Outcome{Type: typ, ID: id, VersionID: v, Status: o.Status, Downstream: o.Downstream,
			Rule: o.Rule, Expression: o.Expression, Message: o.Message, WaitingFor: o.WaitingFor})
	}
	body, err := aggfollow.ReportBody(outs)
	if err != nil {
		return response{}, err
	}
	return c.do(ctx, "POST", "/$aggregation-outcome", body, nil)
}

// TestContractAggregationOutcomes: issue 9's outcomes, read by the customer
// from its own endpoint with its own token, reported by the aggregator
// client alone, in no search and no change feed, kept across a restart.
func TestContractAggregationOutcomes(t *testing.T) {
	cs := startContract(t, "R4")
	ctx := t.Context()
	var ids []string
	for i := range 5 {
		ids = append(ids, cs.create(t, "Patient", fmt.Sprintf(`{"resourceType":"Patient","name":[{"family":"F%d"}]}`, i)))
	}
	report := []aggOutcome{
		{Reference: "Patient/" + ids[0], VersionID: "1", Status: "accepted", Downstream: "Patient/down-0"},
		{Reference: "Patient/" + ids[1], VersionID: "1", Status: "excluded", Rule: "no-birthdate",
			Expression: "Patient.birthDate", Message: "birthDate is required"},
		{Reference: "Patient/" + ids[2], VersionID: "1", Status: "pending", WaitingFor: "Organization/o1"},
		{Reference: "Patient/" + ids[3], VersionID: "1", Status: "pending", WaitingFor: "Organization/o2"},
		{Reference: "Patient/" + ids[4], VersionID: "1", Status: "pending", WaitingFor: "Organization/o3"},
	}

	// The customer may not report, whatever its scopes.
	r, err := reportOutcomes(ctx, cs.c, report...)
	if err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, r, http.StatusForbidden, "forbidden")
	agg := newClient(cs.srv.Base, cs.srv.token(true))
	if r, err := reportOutcomes(ctx, agg, report...); err != nil || r.Status != http.StatusOK {
		t.Fatalf("the aggregator's report: %v %d %s", err, r.Status, r.Body)
	}

	check := func(t *testing.T) {
		t.Helper()
		for i, want := range []struct{ severity, expression, details string }{
			{"information", "", "Patient/down-0"},
			{"error", "Patient.birthDate", "no-birthdate"},
			{"warning", "", "Organization/o1"},
		} {
			r := cs.call(t, "GET", "/Patient/"+ids[i]+"/$aggregation-outcome", "", nil)
			if r.Status != http.StatusOK {
				t.Fatalf("outcome of %s: %d %s", ids[i], r.Status, r.Body)
			}
			issue := jsonOf(t, r)["issue"].([]any)[0].(map[string]any)
			var expr, details string
			if x, ok := issue["expression"].([]any); ok {
				expr = x[0].(string)
			}
			if d, ok := issue["details"].(map[string]any); ok {
				details, _ = d["text"].(string)
			}
			if issue["severity"] != want.severity || expr != want.expression || details != want.details {
				t.Errorf("outcome of %s: %s", ids[i], r.Body)
			}
		}
		// The pending list, two a page: three resources, two pages.
		var seen []string
		path := "/$aggregation-outcome?outcome=pending&_count=2"
		for pages := 0; path != ""; pages++ {
			if pages == 3 {
				t.Fatal("the pending list does not end")
			}
			b := jsonOf(t, cs.call(t, "GET", path, "", nil))
			entries, _ := b["entry"].([]any)
			for _, e := range entries {
				seen = append(seen, e.(map[string]any)["fullUrl"].(string))
			}
			path = strings.TrimPrefix(bundleLink(b, "next"), cs.srv.Base+"/fhir")
		}
		if len(seen) != 3 {
			t.Errorf("pending list: %v", seen)
		}
		wantOutcome(t, cs.call(t, "GET", "/$aggregation-outcome?outcome=lost", "", nil), http.StatusBadRequest, "")
	}
	t.Run("customer reads", check)

	// A new version is not yet processed.
	if r := cs.call(t, "PUT", "/Patient/"+ids[0], `{"resourceType":"Patient","id":"`+ids[0]+`","active":true}`, nil); r.Status != http.StatusOK {
		t.Fatal(r.Status, string(r.Body))
	}
	r = cs.call(t, "GET", "/Patient/"+ids[0]+"/$aggregation-outcome", "", nil)
	if !strings.Contains(string(r.Body), "not yet processed") || !strings.Contains(string(r.Body), `"warning"`) {
		t.Errorf("a newer version: %s", r.Body)
	}
	if r, err := reportOutcomes(ctx, agg, aggOutcome{Reference: "Patient/" + ids[0], VersionID: "2", Status: "accepted", Downstream: "Patient/down-0"}); err != nil || r.Status != http.StatusOK {
		t.Fatalf("report of version 2: %v %d %s", err, r.Status, r.Body)
	}

	// Outcomes are not resources: no change feed, no search, no history.
	for _, p := range []string{"/$changes?_count=1000", "/Patient", "/?_type=Patient,OperationOutcome,Parameters", "/_history"} {
		r := cs.call(t, "GET", p, "", nil)
		if r.Status != http.StatusOK || strings.Contains(string(r.Body), "down-0") || strings.Contains(string(r.Body), "no-birthdate") {
			t.Errorf("%s shows an outcome: %d %s", p, r.Status, r.Body)
		}
	}

	// Advertised: the CapabilityStatement names the operation and its
	// definition resolves.
	meta := cs.call(t, "GET", "/metadata", "", nil)
	if !strings.Contains(string(meta.Body), cs.srv.Base+"/fhir/OperationDefinition/aggregation-outcome") {
		t.Errorf("the CapabilityStatement does not list $aggregation-outcome")
	}
	if r := cs.call(t, "GET", "/OperationDefinition/aggregation-outcome", "", nil); r.Status != http.StatusOK ||
		jsonOf(t, r)["code"] != "aggregation-outcome" {
		t.Errorf("OperationDefinition: %d %s", r.Status, r.Body)
	}

	// Kept across an orderly restart.
	if code := cs.srv.stop(); code != 0 {
		t.Fatalf("SIGTERM: exit code %d", code)
	}
	again := startServer(t, "R4", cs.srv.DataDir)
	cs = &contractServer{srv: again, c: newClient(again.Base, again.token(false))}
	t.Run("after a restart", check)
}
