package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/test/testenv"
)

// What TestAggregatedEndpoint checks besides the reads: writes, token
// refusals, and the third-party clients.

// aggWrites: every write interaction answers 405 with an OperationOutcome,
// to a customer and to a patient, on a resource each may read; the public
// CapabilityStatement offers none, names the aggregated endpoint and says
// patients exchange ID tokens for theirs.
func aggWrites(t *testing.T, agg *aggregator, idp *patientIssuer, w *aggWorld) {
	resp, err := newClient(agg.Base, "").do(context.Background(), "GET", "/metadata", nil, nil)
	if err != nil || resp.Status != http.StatusOK {
		t.Fatalf("metadata: %v %d %s", err, resp.Status, resp.Body)
	}
	cs := jsonOf(t, resp)
	if d := cs["implementation"].(map[string]any)["description"]; !strings.Contains(d.(string), "aggregated endpoint") {
		t.Errorf("the CapabilityStatement describes the endpoint as %q", d)
	}
	security := cs["rest"].([]any)[0].(map[string]any)["security"].(map[string]any)
	if d, _ := security["description"].(string); !strings.Contains(d, "token exchange") {
		t.Errorf("the CapabilityStatement's security does not mention the patients' token exchange: %q", d)
	}
	readOnly := map[string]bool{"read": true, "vread": true, "search-type": true, "history-instance": true, "history-type": true}
	rest := cs["rest"].([]any)[0].(map[string]any)
	for _, r := range rest["resource"].([]any) {
		res := r.(map[string]any)
		for _, i := range res["interaction"].([]any) {
			if code := i.(map[string]any)["code"].(string); !readOnly[code] {
				t.Errorf("the CapabilityStatement offers %s on %v", code, res["type"])
			}
		}
	}
	for _, i := range rest["interaction"].([]any) {
		if code := i.(map[string]any)["code"].(string); code != "search-system" && code != "history-system" {
			t.Errorf("the CapabilityStatement offers %s on the system", code)
		}
	}
	for _, r := range []reader{aggReaders()[0], aggReaders()[len(aggCustomers)]} {
		c := newClient(agg.Base, aggToken(t, agg, idp, w, r))
		own := "Patient/" + w.patients[max(r.patient, 0)]
		patient := `{"resourceType":"Patient","name":[{"family":"Written"}]}`
		for _, wr := range []struct {
			method, path, body, contentType string
		}{
			{"POST", "/Patient", patient, ""},
			{"PUT", "/" + own, `{"resourceType":"Patient","id":"` + strings.TrimPrefix(own, "Patient/") + `"}`, ""},
			{"PUT", "/Patient?identifier=" + url.QueryEscape(nhsSystem+"|"+w.nhs[0]), patient, ""},
			{"DELETE", "/" + own, "", ""},
			{"DELETE", "/Condition?_id=x", "", ""},
			{"PATCH", "/" + own, `[{"op":"add","path":"/active","value":false}]`, "application/json-patch+json"},
			{"POST", "", `{"resourceType":"Bundle","type":"transaction","entry":[{"resource":` + patient + `,"request":{"method":"POST","url":"Patient"}}]}`, ""},
			{"POST", "", `{"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"DELETE","url":"` + own + `"}}]}`, ""},
		} {
			var hdr map[string]string
			if wr.contentType != "" {
				hdr = map[string]string{"Content-Type": wr.contentType}
			}
			var body []byte
			if wr.body != "" {
				body = []byte(wr.body)
			}
			resp, err := c.do(context.Background(), wr.method, wr.path, body, hdr)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != http.StatusMethodNotAllowed || !strings.Contains(string(resp.Body), `"OperationOutcome"`) {
				t.Errorf("%s: %s %s: %d %s, want 405 with an OperationOutcome", r.name, wr.method, wr.path, resp.Status, resp.Body)
			}
		}
		if resp, _ := c.do(context.Background(), "GET", "/"+own, nil, nil); resp.Status != http.StatusOK || strings.Contains(string(resp.Body), "Written") {
			t.Errorf("%s after the writes: %d %s", own, resp.Status, resp.Body)
		}
	}
}

// aggTokens: a patient proofed below P9, an NHS number no record holds or
// that is no NHS number, an ID token of another issuer or for another
// audience are refused with invalid_grant saying why;
// a customer server's own token is refused by the aggregated endpoint and
// the aggregated endpoint's by the customer server.
func aggTokens(t *testing.T, agg *aggregator, idp *patientIssuer, w *aggWorld, acme *server) {
	other := *idp
	other.iss = "https://impostor.example"
	elsewhere := *idp
	elsewhere.aud = "another-app"
	unknown := nhsNumbers(len(w.nhs) + 1)[len(w.nhs)]
	for _, c := range []struct {
		name, idToken, says string
	}{
		{"proofed at P5", idp.idToken(t, w.nhs[0], "P5"), "P9"},
		{"unknown NHS number", idp.idToken(t, unknown, "P9"), "no record"},
		{"another issuer", other.idToken(t, w.nhs[0], "P9"), "issuer"},
		{"another audience", elsewhere.idToken(t, w.nhs[0], "P9"), "audience"},
		{"NHS number with a wrong check digit", idp.idToken(t, "9434765911", "P9"), "NHS number"},
	} {
		a := idp.exchange(t, agg.Base, c.idToken)
		desc, _ := a.body["error_description"].(string)
		if a.status != http.StatusBadRequest || a.body["error"] != "invalid_grant" || !strings.Contains(desc, c.says) || a.body["access_token"] != nil {
			t.Errorf("%s: %d %v, want 400 invalid_grant saying %q", c.name, a.status, a.body, c.says)
		}
	}
	if a := postToken(t, agg.Base, url.Values{"grant_type": {"client_credentials"}}, "acme-client", "wrong"); a.status != http.StatusUnauthorized || a.body["error"] != "invalid_client" {
		t.Errorf("a wrong customer secret: %d %v, want 401 invalid_client", a.status, a.body)
	}
	if resp, _ := newClient(agg.Base, acme.token(false)).do(context.Background(), "GET", "/Patient", nil, nil); resp.Status != http.StatusUnauthorized {
		t.Errorf("acme's own server's token at the aggregated endpoint: %d %s, want 401", resp.Status, resp.Body)
	}
	aggTok := aggToken(t, agg, idp, w, aggReaders()[0])
	if resp, _ := newClient(acme.Base, aggTok).do(context.Background(), "GET", "/Patient", nil, nil); resp.Status != http.StatusUnauthorized {
		t.Errorf("the aggregated endpoint's token at acme's server: %d %s, want 401", resp.Status, resp.Body)
	}
	if resp, _ := newClient(agg.Base, "").do(context.Background(), "GET", "/Patient", nil, nil); resp.Status != http.StatusUnauthorized {
		t.Errorf("no token: %d %s, want 401", resp.Status, resp.Body)
	}
}

// node runs a script of the pinned client project and decodes the JSON
// line it prints into out.
func node(t *testing.T, out any, args ...string) {
	t.Helper()
	dir := testenv.NPMInstall(t, "aggregated-clients-medplum-5.2.13-fhirkit-2.0.3", filepath.Join("clients", "aggregated"))
	cmd := exec.Command("node", args...)
	cmd.Dir = dir
	stdout, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("node %s: %v\n%s", args[len(args)-1], err, ee.Stderr)
		}
		t.Fatalf("node %v: %v", args, err)
	}
	if err := json.Unmarshal(stdout, out); err != nil {
		t.Fatalf("node %v printed %q: %v", args, stdout, err)
	}
}

// aggMedplum: acme's app on @medplum/core logs in with client credentials
// at the aggregator's token URL and sees exactly what the oracle grants
// acme, through search, a chain on a shared patient's NHS number and
// reads; the Patient it may not see is not-found, a create is refused.
func aggMedplum(t *testing.T, agg *aggregator, w *aggWorld) {
	acme := aggReaders()[0]
	const shared, hidden = 3, 1 // acme and beta's patient; beta's alone
	var got struct {
		Patients, Chained, Conditions []string
		ConditionTotal                int
		Read, HiddenRead, Write       string
	}
	node(t, &got, "--experimental-websocket", "medplum.mjs", agg.Base, "acme-client", clientSecretOf("acme"),
		w.nhs[shared], w.patients[shared], w.patients[hidden])
	conds := w.visibleOf(acme, "Condition", nil)
	switch {
	case !sameSet(got.Patients, w.visibleOf(acme, "Patient", nil)):
		t.Errorf("medplum: Patient search %v, want %v", got.Patients, w.visibleOf(acme, "Patient", nil))
	case !sameSet(got.Chained, w.visibleOf(acme, "Condition", func(d *downstream) bool { return d.patient == shared })):
		t.Errorf("medplum: chained search %v", got.Chained)
	case got.ConditionTotal != len(conds) || !sameSet(got.Conditions, conds):
		t.Errorf("medplum: Condition search total %d %v, want %d", got.ConditionTotal, got.Conditions, len(conds))
	case got.Read != "Patient/"+w.patients[shared] || got.HiddenRead != "not-found" || got.Write == "written":
		t.Errorf("medplum: read %s, hidden read %s, create %s", got.Read, got.HiddenRead, got.Write)
	}
}

// aggFhirKit: a patient's app on fhir-kit-client, with the token it got by
// exchanging its ID token, reads its Patient, finds its Conditions by its
// NHS number and its whole compartment by $everything, and gets 404 for
// another patient and 405 for a delete.
func aggFhirKit(t *testing.T, agg *aggregator, idp *patientIssuer, w *aggWorld) {
	const me, other = 4, 5
	r := aggReaders()[len(aggCustomers)+me]
	var got struct {
		Me                  string
		Chained, Everything []string
		ChainedTotal        int
		OtherRead, Deleted  int
	}
	node(t, &got, "fhirkit.mjs", agg.Base+"/fhir", aggToken(t, agg, idp, w, r), w.nhs[me], w.patients[me], w.patients[other])
	chained := w.visibleOf(r, "Condition", func(d *downstream) bool { return d.patient == me })
	if got.Me != "Patient/"+w.patients[me] || !sameSet(got.Chained, chained) || got.ChainedTotal != len(chained) ||
		!sameSet(got.Everything, w.visibleOf(r, "", nil)) || got.OtherRead != http.StatusNotFound || got.Deleted != http.StatusMethodNotAllowed {
		t.Errorf("fhir-kit-client as patient %d: %+v\nwant %d Conditions %v, $everything %v", me, got, len(chained), chained, w.visibleOf(r, "", nil))
	}
}
