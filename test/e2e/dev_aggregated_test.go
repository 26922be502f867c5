package e2e

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// The aggregated endpoint of a make dev fleet: the sample FhirAggregator
// (config/dev/) at http://aggregated.localhost:<port>/fhir, in
// fhirfleet-system, its patients' ID tokens signed by hack/devissuer.
const (
	aggNamespace = "fhirfleet-system"
	aggName      = "aggregator"
	aggSub       = "aggregated"
)

// gatewayPost posts a form (or, with contentType set, body as it is)
// through the gateway to sub; user and pass, when set, are Basic auth.
func (f *devFleet) gatewayPost(sub, path, contentType, body, bearer, user, pass string) (int, string) {
	req, _ := http.NewRequest("POST", "http://127.0.0.1:"+f.gatewayPort+path, strings.NewReader(body))
	if contentType == "" {
		contentType = "application/x-www-form-urlencoded"
	}
	req.Header.Set("Content-Type", contentType)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	return f.gatewayDo(sub, req)
}

// secretValue reads one key of a Secret with kubectl, decoded.
func (f *devFleet) secretValue(ns, name, key string) string {
	f.t.Helper()
	b, err := base64.StdEncoding.DecodeString(f.mustKubectl("", "-n", ns, "get", "secret", name, "-o", "jsonpath={.data."+key+"}"))
	if err != nil || len(b) == 0 {
		f.t.Fatalf("Secret %s/%s key %s: %q %v", ns, name, key, b, err)
	}
	return string(b)
}

// accessToken reads access_token of a token endpoint's answer; "" if none.
func accessToken(body string) string {
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.Unmarshal([]byte(body), &tok)
	return tok.AccessToken
}

// aggregatedClientToken is a client-credentials token of customer's client
// at the aggregated endpoint (Secret <aggregator>-client-<customer>). A
// refused secret fails at once: retrying it would only get this address
// throttled.
func (f *devFleet) aggregatedClientToken(customer string) string {
	f.t.Helper()
	secret := aggName + "-client-" + customer
	code, body := f.gatewayPost(aggSub, "/oauth2/token", "", "grant_type=client_credentials", "",
		f.secretValue(aggNamespace, secret, "client_id"), f.secretValue(aggNamespace, secret, "client_secret"))
	tok := accessToken(body)
	if code != http.StatusOK || tok == "" {
		f.t.Fatalf("aggregated token of %s: %d %s\n%s", customer, code, body, f.logs())
	}
	return tok
}

// patientToken mints an ID token with bin/devissuer (as make dev prints)
// and exchanges it at the aggregated endpoint (RFC 8693).
func (f *devFleet) patientToken(nhs string) string {
	f.t.Helper()
	out, err := exec.Command(filepath.Join(f.root, "bin", "devissuer"), "token", "--dir", filepath.Join(f.state, "issuer"), "--nhs-number", nhs).Output()
	if err != nil {
		f.t.Fatalf("devissuer token: %v %s", err, out)
	}
	form := url.Values{
		"grant_type":         {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"subject_token_type": {"urn:ietf:params:oauth:token-type:id_token"},
		"subject_token":      {strings.TrimSpace(string(out))},
	}
	code, body := f.gatewayPost(aggSub, "/oauth2/token", "", form.Encode(), "", "", "")
	tok := accessToken(body)
	if code != http.StatusOK || tok == "" {
		f.t.Fatalf("token exchange for NHS number %s: %d %s", nhs, code, body)
	}
	return tok
}

// entryIDs is the ids of a searchset's entries, or nil when body is none.
func entryIDs(body string) []string {
	var b struct {
		ResourceType string
		Entry        []struct {
			Resource struct{ ID string }
		}
	}
	if json.Unmarshal([]byte(body), &b) != nil || b.ResourceType != "Bundle" {
		return nil
	}
	ids := []string{}
	for _, e := range b.Entry {
		ids = append(ids, e.Resource.ID)
	}
	return ids
}

// outcomeIssue is the first issue of an OperationOutcome.
type outcomeIssue struct {
	Severity, Code, Diagnostics string
	Expression                  []string
	Details                     struct{ Text string }
}

func firstIssue(body string) outcomeIssue {
	var oo struct{ Issue []outcomeIssue }
	if json.Unmarshal([]byte(body), &oo) != nil || len(oo.Issue) == 0 {
		return outcomeIssue{}
	}
	return oo.Issue[0]
}

// NHS numbers of the journey: the customer's patient, an invalid one the
// aggregator excludes, and the one make dev's printed commands give
// another customer's (acme's) Patient.
const (
	journeyNHS = "9434765919"
	invalidNHS = "9000000001"
	acmeNHS    = "9000000009"
)

func nhsPatient(nhs, family string) string {
	return `{"resourceType":"Patient","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"` + nhs + `"}],"name":[{"family":"` + family + `"}]}`
}

// aggregatedJourney is issue 11's steps 3 and 4 and the Lag column of step
// 5, after the customer initech wrote its journey (step 2) at the
// FhirEndpoints journey-r4 (initech-labs) and journey-stu3 (initech-adt);
// patients are their Patient ids there. The platform engineer makes initech
// a customer of the aggregator; initech writes a patient with an NHS
// number, an Observation of theirs and a Patient with an invalid NHS number
// at its STU3 endpoint; then initech's aggregated client and that patient
// read the aggregated endpoint, and initech reads why its invalid Patient
// was excluded.
func (f *devFleet) aggregatedJourney(t *testing.T, patients map[string]string, tokenFor func(name, sub string) string) {
	f.mustKubectl("", "-n", aggNamespace, "patch", "fha", aggName, "--type=json",
		"-p", `[{"op":"add","path":"/spec/customers/-","value":{"name":"initech","privacyLabels":["GENERAL_HEALTH"]}}]`)
	// A new customer restarts the aggregator with its client mounted. Its
	// token is asked for once the new pod serves: a try at the old one
	// would count as a failed authentication.
	f.waitFor(120*time.Second, "an aggregator pod with initech's client to be Ready", func() bool {
		out, _ := f.kubectl("", "-n", aggNamespace, "get", "pod", aggName+"-0", "-o",
			`jsonpath={.spec.volumes[?(@.name=="clients")].projected.sources[*].secret.name} {.status.conditions[?(@.type=="Ready")].status}`)
		return strings.Contains(out, aggName+"-client-initech") && strings.HasSuffix(out, " True")
	})
	f.waitFor(60*time.Second, "the restarted aggregator to answer through the gateway", func() bool {
		code, _ := f.gatewayGet(aggSub, "/fhir/metadata", "")
		return code == http.StatusOK
	})
	customer := f.aggregatedClientToken("initech")

	source := map[string]string{"journey-r4": "initech-labs", "journey-stu3": "initech-adt"}
	tokens := map[string]string{}
	for name, sub := range source {
		tokens[name] = tokenFor(name, sub)
	}
	create := func(body string) string {
		t.Helper()
		code, out := f.gatewayPost("initech-adt", "/fhir/"+strings.SplitN(body[len(`{"resourceType":"`):], `"`, 2)[0], "application/fhir+json", body, tokens["journey-stu3"], "", "")
		var r struct{ ID string }
		if code != http.StatusCreated || json.Unmarshal([]byte(out), &r) != nil || r.ID == "" {
			t.Fatalf("create at initech-adt: %d %s", code, out)
		}
		return r.ID
	}
	patient := create(nhsPatient(journeyNHS, "Aggregated"))
	create(`{"resourceType":"Observation","status":"final","code":{"text":"heart rate"},"subject":{"reference":"Patient/` + patient + `"},"valueQuantity":{"value":61,"unit":"/min"}}`)
	invalid := create(nhsPatient(invalidNHS, "Mistyped"))

	search := func(token, query string) (int, string) { return f.gatewayGet(aggSub, "/fhir/"+query, token) }
	byNHS := func(nhs string) string {
		return "Patient?identifier=" + url.QueryEscape("https://fhir.nhs.uk/Id/nhs-number|"+nhs)
	}

	var aggPatient, aggObservation string
	t.Run("the customer's aggregated client sees its STU3 data mapped to R4", func(t *testing.T) {
		f.waitFor(60*time.Second, "the patient and their Observation at the aggregated endpoint", func() bool {
			code, body := search(customer, byNHS(journeyNHS))
			if ids := entryIDs(body); code != http.StatusOK || len(ids) != 1 {
				return false
			}
			aggPatient = entryIDs(body)[0]
			_, body = search(customer, "Observation?subject=Patient/"+aggPatient)
			if ids := entryIDs(body); len(ids) == 1 {
				aggObservation = ids[0]
			}
			return aggObservation != ""
		})
		// R4: STU3's valueQuantity unit kept, the subject pointing at the
		// merged Patient, the source customer's label on it.
		code, body := search(customer, "Observation/"+aggObservation)
		for _, want := range []string{`"reference":"Patient/` + aggPatient + `"`, `"code":"initech"`, `"source":"` + f.origin("initech-adt") + `/fhir/Observation/`} {
			if code != http.StatusOK || !strings.Contains(body, want) {
				t.Errorf("aggregated Observation lacks %s: %d %s", want, code, body)
			}
		}
		// The journey of step 2, from both endpoints: each source Patient's
		// outcome names its downstream Patient, which the customer reads.
		for name, sub := range source {
			var issue outcomeIssue
			f.waitFor(60*time.Second, "the outcome of "+name+"'s journey Patient", func() bool {
				_, body := f.gatewayGet(sub, "/fhir/Patient/"+patients[name]+"/$aggregation-outcome", tokens[name])
				issue = firstIssue(body)
				return issue.Severity == "information"
			})
			code, body := search(customer, issue.Details.Text)
			if !strings.HasPrefix(issue.Details.Text, "Patient/") || code != http.StatusOK || !strings.Contains(body, `"family":"Journeyed"`) {
				t.Errorf("%s's journey Patient downstream (%+v): %d %s", name, issue, code, body)
			}
		}
	})

	t.Run("nothing of another customer's unlinked patients", func(t *testing.T) {
		// acme's Patient of the printed commands is aggregated, but not
		// linked to initech.
		if code, body := search(f.aggregatedClientToken("acme"), byNHS(acmeNHS)); code != http.StatusOK || len(entryIDs(body)) != 1 {
			t.Fatalf("acme's client does not find acme's patient, so the checks below would prove nothing: %d %s", code, body)
		}
		if code, body := search(customer, byNHS(acmeNHS)); code != http.StatusOK || len(entryIDs(body)) != 0 {
			t.Errorf("initech's client finds acme's patient: %d %s", code, body)
		}
		if code, body := search(customer, "Patient?_count=100"); code != http.StatusOK || strings.Contains(body, `"family":"Smith"`) || !strings.Contains(body, `"family":"Aggregated"`) {
			t.Errorf("initech's client lists: %d %s", code, body)
		}
	})

	t.Run("the patient's own token sees their record and nothing else", func(t *testing.T) {
		token := f.patientToken(journeyNHS)
		for query, want := range map[string][]string{
			"Patient":                {aggPatient},
			"Observation":            {aggObservation},
			byNHS(acmeNHS):           {},
			"Patient?name=Journeyed": {},
		} {
			code, body := search(token, query)
			if ids := entryIDs(body); code != http.StatusOK || !slices.Equal(ids, want) {
				t.Errorf("patient's %s: %d %v, want %v (%s)", query, code, ids, want, body)
			}
		}
	})

	t.Run("the customer reads why the aggregator excluded its resource", func(t *testing.T) {
		var issue outcomeIssue
		f.waitFor(60*time.Second, "the excluded Patient's outcome", func() bool {
			_, body := f.gatewayGet("initech-adt", "/fhir/Patient/"+invalid+"/$aggregation-outcome", tokens["journey-stu3"])
			issue = firstIssue(body)
			return issue.Severity == "error"
		})
		if issue.Code != "business-rule" || !slices.Equal(issue.Expression, []string{"Patient.identifier[0].value"}) ||
			issue.Details.Text != "nhs-number-invalid" || !strings.Contains(issue.Diagnostics, "Patient/"+invalid) {
			t.Errorf("outcome of the excluded Patient: %+v", issue)
		}
		if code, body := search(customer, byNHS(invalidNHS)); code != http.StatusOK || len(entryIDs(body)) != 0 {
			t.Errorf("the excluded Patient is aggregated: %d %s", code, body)
		}
	})

	t.Run("kubectl get fhe shows the aggregation lag", func(t *testing.T) {
		f.waitFor(60*time.Second, "both journey endpoints to report a lag", func() bool {
			out, _ := f.kubectl("", "-n", "journey", "get", "fhe", "-o", "jsonpath={range .items[*]}{.status.aggregation.lagSeconds}{\" \"}{end}")
			return len(strings.Fields(out)) == 2
		})
		table := f.mustKubectl("", "-n", "journey", "get", "fhe")
		lines := strings.Split(strings.TrimSpace(table), "\n")
		col := strings.Index(lines[0], "LAG")
		if col < 0 || len(lines) != 3 {
			t.Fatalf("kubectl get fhe:\n%s", table)
		}
		for _, row := range lines[1:] {
			if len(row) <= col || !regexp.MustCompile(`^\d+\s`).MatchString(row[col:]) {
				t.Errorf("no lag in the LAG column of %q:\n%s", row, table)
			}
		}
	})
}
