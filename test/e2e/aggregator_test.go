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
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/aggregator/merge"
	"github.com/fhirfleet/fhirfleet/controllers"
)

const nhsSystem = "https://fhir.nhs.uk/Id/nhs-number"

// put writes one resource to s as its customer and fails the test unless
// the server took it.
func put(t *testing.T, s *server, ref, body string) {
	t.Helper()
	method := "PUT"
	if body == "" {
		method = "DELETE"
	}
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	r, err := newClient(s.Base, s.token(false)).do(context.Background(), method, "/"+ref, b, nil)
	if err != nil || r.Status >= 300 {
		t.Fatalf("%s %s: %v %d %s", method, ref, err, r.Status, r.Body)
	}
}

// outcomeAt reads the aggregator's outcome for ref from the source's own
// endpoint, with the customer's token: the first issue's severity,
// expression and details.
func outcomeAt(t *testing.T, s *server, ref string) (severity, expression, details string) {
	t.Helper()
	r, err := newClient(s.Base, s.token(false)).do(context.Background(), "GET", "/"+ref+"/$aggregation-outcome", nil, nil)
	if err != nil || r.Status != http.StatusOK {
		t.Fatalf("outcome of %s: %v %d %s", ref, err, r.Status, r.Body)
	}
	issue := jsonOf(t, r)["issue"].([]any)[0].(map[string]any)
	severity, _ = issue["severity"].(string)
	if x, ok := issue["expression"].([]any); ok && len(x) > 0 {
		expression, _ = x[0].(string)
	}
	if d, ok := issue["details"].(map[string]any); ok {
		details, _ = d["text"].(string)
	}
	return severity, expression, details
}

// waitOutcome polls ref's outcome at s until it has the severity and its
// details contain want.
func waitOutcome(t *testing.T, s *server, ref, severity, want string) (expression, details string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		sev, expr, det := outcomeAt(t, s, ref)
		if sev == severity && strings.Contains(det, want) {
			return expr, det
		}
		if time.Now().After(deadline) {
			t.Fatalf("outcome of %s: %s %q %q, want %s with %q", ref, sev, expr, det, severity, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// identifiers are the "system|value" of a resource's identifiers.
func identifiers(res map[string]any) []string {
	var out []string
	ids, _ := res["identifier"].([]any)
	for _, i := range ids {
		m, _ := i.(map[string]any)
		out = append(out, fmt.Sprint(m["system"], "|", m["value"]))
	}
	return out
}

// refOf is the reference of res's element name ("subject").
func refOf(res map[string]any, name string) string {
	m, _ := res[name].(map[string]any)
	s, _ := m["reference"].(string)
	return s
}

// contributors are the source and customer of each contributor extension
// of a merged resource.
func contributors(res map[string]any) (sources, customers []string) {
	meta, _ := res["meta"].(map[string]any)
	exts, _ := meta["extension"].([]any)
	for _, e := range exts {
		ext, _ := e.(map[string]any)
		if ext["url"] != merge.ContributorExtensionURL {
			continue
		}
		subs, _ := ext["extension"].([]any)
		for _, s := range subs {
			sub, _ := s.(map[string]any)
			switch sub["url"] {
			case "source":
				sources = append(sources, sub["valueString"].(string))
			case "customer":
				if c := sub["valueString"].(string); !slices.Contains(customers, c) {
					customers = append(customers, c)
				}
			}
		}
	}
	slices.Sort(sources)
	slices.Sort(customers)
	return sources, customers
}

// TestAggregatorEndToEnd: three fhirserver processes — two customers, one
// feed STU3, the same NHS number in the feeds of both customers — and
// bin/aggregator following them by --source. The customer sees each
// outcome at its own endpoint: the excluded resource's error with its
// expression, the pending one's warning, then its acceptance once its
// target arrives. The aggregated store then holds one merged Patient with
// contributors of both customers, the STU3 Condition mapped with its
// subject pointing at that Patient, the pending Observation resolved and
// the deleted one gone.
func TestAggregatorEndToEnd(t *testing.T) {
	acmeR4 := startServer(t, "R4", t.TempDir())
	acmeSTU3 := startServer(t, "STU3", t.TempDir())
	betaR4 := startServer(t, "R4", t.TempDir())
	sources := []aggSource{{"acme-r4", "acme", acmeR4}, {"acme-stu3", "acme", acmeSTU3}, {"beta-r4", "beta", betaR4}}

	nhs := func(v string) string { return fmt.Sprintf(`{"system":%q,"value":%q}`, nhsSystem, v) }
	put(t, acmeR4, "Patient/pa", `{"resourceType":"Patient","id":"pa","identifier":[`+nhs("9000000009")+`],"name":[{"family":"Smith","given":["Jane"]}],"birthDate":"1970-01-01"}`)
	put(t, acmeR4, "Observation/oa", `{"resourceType":"Observation","id":"oa","status":"final","code":{"text":"Heart rate"},"subject":{"reference":"Patient/pa"},"valueQuantity":{"value":72,"unit":"/min"}}`)
	put(t, acmeSTU3, "Patient/ps", `{"resourceType":"Patient","id":"ps","identifier":[`+nhs("9000000009")+`],"gender":"female"}`)
	put(t, acmeSTU3, "Condition/cs", `{"resourceType":"Condition","id":"cs","clinicalStatus":"active","verificationStatus":"confirmed","code":{"text":"Asthma"},"subject":{"reference":"Patient/ps"}}`)
	put(t, betaR4, "Patient/pb", `{"resourceType":"Patient","id":"pb","identifier":[`+nhs("9000000009")+`,{"system":"https://beta.example/mrn","value":"42"}],"name":[{"family":"Smith"}]}`)
	put(t, betaR4, "Patient/bad", `{"resourceType":"Patient","id":"bad","identifier":[`+nhs("9000000001")+`]}`)
	put(t, betaR4, "Observation/op", `{"resourceType":"Observation","id":"op","status":"final","code":{"text":"Weight"},"subject":{"reference":"Patient/late"}}`)
	put(t, betaR4, "Observation/od", `{"resourceType":"Observation","id":"od","status":"final","code":{"text":"Height"},"subject":{"reference":"Patient/pb"}}`)

	aggDir := t.TempDir()
	agg := startAggregator(t, aggDir, sources)

	expr, det := waitOutcome(t, betaR4, "Patient/bad", "error", "nhs-number-invalid")
	if expr != "Patient.identifier[0].value" {
		t.Errorf("the excluded Patient's expression %q (details %q)", expr, det)
	}
	waitOutcome(t, betaR4, "Observation/op", "warning", "Patient/late")
	waitOutcome(t, acmeSTU3, "Condition/cs", "information", "Condition/")
	_, merged := waitOutcome(t, acmeR4, "Patient/pa", "information", "Patient/")

	put(t, betaR4, "Patient/late", `{"resourceType":"Patient","id":"late","identifier":[{"system":"https://beta.example/mrn","value":"43"}]}`)
	put(t, betaR4, "Observation/od", "")
	waitOutcome(t, betaR4, "Observation/op", "information", "Observation/")
	agg.waitCaughtUp(t, sources)
	if n, ok := agg.metric("aggregator_outcomes_total", map[string]string{"source": "beta-r4", "status": "excluded", "rule": "nhs-number-invalid"}); !ok || n < 1 {
		t.Errorf("no excluded outcome by rule in /metrics (%v %v)", n, ok)
	}
	for _, s := range sources {
		if lag, ok := agg.metric("aggregator_source_lag_seconds", map[string]string{"source": s.name}); !ok || lag != 0 {
			t.Errorf("lag of %s at its head: %v %v", s.name, lag, ok)
		}
	}
	if code := agg.stop(); code != 0 {
		t.Fatalf("SIGTERM: exit code %d:\n%s", code, agg.logs.String())
	}

	live, gone := aggregated(t, aggDir)
	var patients []string
	for key, res := range live {
		if strings.HasPrefix(key, "Patient/") && slices.Contains(identifiers(res), nhsSystem+"|9000000009") {
			patients = append(patients, key)
		}
		if slices.Contains(identifiers(res), nhsSystem+"|9000000001") {
			t.Errorf("the excluded Patient is in the aggregated set as %s", key)
		}
	}
	if len(patients) != 1 || patients[0] != merged {
		t.Fatalf("Patients with NHS number 9000000009: %v, want one, %s", patients, merged)
	}
	patient := live[merged]
	srcs, customers := contributors(patient)
	if !slices.Equal(srcs, []string{"acme-r4", "acme-stu3", "beta-r4"}) || !slices.Equal(customers, []string{"acme", "beta"}) {
		t.Errorf("merged Patient's contributors: sources %v, customers %v", srcs, customers)
	}
	if !slices.Contains(identifiers(patient), "https://beta.example/mrn|42") || patient["birthDate"] != "1970-01-01" {
		t.Errorf("the merged Patient is not the union of its contributors: %v", patient)
	}

	copyOf := func(src, typ, id string) map[string]any {
		t.Helper()
		key := typ + "/" + merge.CopyID(src, typ, id)
		res, ok := live[key]
		if !ok {
			t.Fatalf("no copy of %s's %s/%s (%s) in the aggregated set", src, typ, id, key)
		}
		return res
	}
	cond := copyOf("acme-stu3", "Condition", "cs")
	if refOf(cond, "subject") != merged {
		t.Errorf("the mapped Condition's subject %q, want the merged %s", refOf(cond, "subject"), merged)
	}
	if cs, _ := cond["clinicalStatus"].(map[string]any); cs == nil || !strings.Contains(fmt.Sprint(cs["coding"]), "active") {
		t.Errorf("the STU3 clinicalStatus is not mapped to a CodeableConcept: %v", cond["clinicalStatus"])
	}
	if meta, _ := cond["meta"].(map[string]any); meta["source"] != acmeSTU3.Base+"/fhir/Condition/cs/_history/1" {
		t.Errorf("the copy's meta.source %v", meta["source"])
	}
	if obs := copyOf("acme-r4", "Observation", "oa"); refOf(obs, "subject") != merged {
		t.Errorf("the Observation's subject %q, want the merged %s", refOf(obs, "subject"), merged)
	}
	_, late := waitOutcome(t, betaR4, "Patient/late", "information", "Patient/")
	if obs := copyOf("beta-r4", "Observation", "op"); refOf(obs, "subject") != late {
		t.Errorf("the resolved Observation's subject %q, want %s", refOf(obs, "subject"), late)
	}
	deleted := "Observation/" + merge.CopyID("beta-r4", "Observation", "od")
	if _, ok := live[deleted]; ok || !gone[deleted] {
		t.Errorf("the deleted Observation's copy: live %v, deleted %v", ok, gone[deleted])
	}
}

// TestAggregatorFollowsRotatedSecret: the source's credentials folder is a
// projected Secret; when the operator rotates it (the aggregator client's
// secret too, with a grace period of a second), the running aggregator
// reads the new secret and goes on following, without a restart.
func TestAggregatorFollowsRotatedSecret(t *testing.T) {
	before, err := controllers.GenerateCredentials()
	if err != nil {
		t.Fatal(err)
	}
	secret := t.TempDir()
	projectSecret(t, secret, before, 1)
	srv := startServer(t, "R4", t.TempDir(), "--credentials-dir", secret, "--secret-grace-period", "1s")
	// The harness reads a server's credentials under its data dir.
	if err := os.Symlink(secret, filepath.Join(srv.DataDir, "credentials")); err != nil {
		t.Fatal(err)
	}
	src := []aggSource{{"rotating", "acme", srv}}
	agg := startAggregator(t, t.TempDir(), src)
	pid := agg.cmd.Process.Pid
	put(t, srv, "Patient/p1", `{"resourceType":"Patient","id":"p1","identifier":[{"system":"https://acme.example/mrn","value":"1"}]}`)
	waitOutcome(t, srv, "Patient/p1", "information", "Patient/")

	after, err := controllers.RotatedCredentials(before, true)
	if err != nil {
		t.Fatal(err)
	}
	projectSecret(t, secret, after, 2)
	// Once the grace period is over only the new aggregator secret works.
	form := url.Values{"grant_type": {"client_credentials"}}
	deadline := time.Now().Add(20 * time.Second)
	for postToken(t, srv.Base, form, string(before["aggregator_client_id"]), string(before["aggregator_client_secret"])).status != 401 {
		if time.Now().After(deadline) {
			t.Fatal("the old aggregator secret still works 20 s after the rotation")
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The aggregator re-reads the folder within seconds and follows with
	// the new secret (a token of the old one works until it expires, so
	// the follower is only seen to change by its log).
	for !strings.Contains(agg.logs.String(), "source changed") {
		if time.Now().After(deadline) {
			t.Fatalf("the aggregator did not see the rotated secret:\n%s", agg.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	put(t, srv, "Patient/p2", `{"resourceType":"Patient","id":"p2","identifier":[{"system":"https://acme.example/mrn","value":"2"}]}`)
	waitOutcome(t, srv, "Patient/p2", "information", "Patient/")
	if agg.cmd.Process.Pid != pid {
		t.Fatal("the aggregator was restarted")
	}
	if n, ok := agg.metric("aggregator_poll_errors_total", map[string]string{"source": "rotating", "kind": "unauthorized"}); ok && n > 0 {
		t.Errorf("%v polls refused: the new secret was not used", n)
	}
}
