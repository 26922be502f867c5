package e2e

import (
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/changefeed"
)

// Contract deviations found by black-box QA, each kept as a permanent check
// once fixed. Every test here failed against the binary before its fix.

// Conditional criteria are strict: a misspelt parameter beside a known one
// (here "identifier" without its second i) used to be dropped, so the
// conditional delete removed every Patient with gender unknown.
// misspelt is "identifier" without its second i; the misspelling is the
// point of the test, so it is built rather than written.
var misspelt = strings.Replace("identifier", "ifi", "if", 1)

func TestFixConditionalCriteriaAreStrict(t *testing.T) {
	cs := startContract(t, "R4")
	cs.create(t, "Patient", `{"resourceType":"Patient","gender":"unknown","identifier":[{"system":"keep","value":"1"}]}`)
	cs.create(t, "Patient", `{"resourceType":"Patient","gender":"unknown","identifier":[{"system":"keep","value":"2"}]}`)
	criteria := "/Patient?gender=unknown&" + misspelt + "=keep|1"
	cases := []struct{ name, method, path, body string }{
		{"delete", "DELETE", criteria, ""},
		{"update", "PUT", criteria, `{"resourceType":"Patient","gender":"male"}`},
		{"patch", "PATCH", criteria, `[{"op":"replace","path":"/gender","value":"male"}]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tc.method == "PATCH" {
				hdr["Content-Type"] = "application/json-patch+json"
			}
			oo := wantOutcome(t, cs.call(t, tc.method, tc.path, tc.body, hdr), 400, "")
			if got := issueExpressions(oo); len(got) != 1 || got[0] != misspelt {
				t.Errorf("expression %v, want [%s]", got, misspelt)
			}
			b := jsonOf(t, cs.call(t, "GET", "/Patient?gender=unknown", "", nil))
			if n := len(bundleIDs(t, b, "match")); n != 2 {
				t.Fatalf("%d of 2 Patients left with gender unknown", n)
			}
		})
	}
	t.Run("If-None-Exist", func(t *testing.T) {
		r := cs.call(t, "POST", "/Patient", `{"resourceType":"Patient"}`, map[string]string{"If-None-Exist": misspelt + "=keep|1"})
		wantOutcome(t, r, 400, "")
	})
}

// Composite parameters with a reference component used to panic (500).
func TestFixCompositeWithReferenceComponent(t *testing.T) {
	cases := []struct{ version, query string }{
		{"R4", "/DocumentReference?relationship=a$b"},
		{"R4", "/DocumentReference?relationship=Patient/1$replaces"},
		{"R4", "/Patient?_has:DocumentReference:subject:relationship=Patient/1$replaces"},
		{"STU3", "/DocumentReference?relationship=a$b"},
		{"STU3", "/Observation?related=a$b"},
	}
	servers := map[string]*contractServer{"R4": startContract(t, "R4"), "STU3": startContract(t, "STU3")}
	for _, tc := range cases {
		t.Run(tc.version+tc.query, func(t *testing.T) {
			cs := servers[tc.version]
			if r := cs.call(t, "GET", tc.query, "", nil); r.Status != 200 {
				t.Fatalf("status %d, want 200: %s", r.Status, r.Body)
			}
		})
	}
}

// The CapabilityStatement listed _content, _text and _query on every type,
// which a strict search then refused: it lists only what the engine runs.
func TestFixCapabilityListsOnlySupportedParams(t *testing.T) {
	cs := startContract(t, "R4")
	capab := getJSON(t, cs.srv.Base+"/fhir/metadata")
	for _, rt := range capab["rest"].([]any)[0].(map[string]any)["resource"].([]any) {
		r := rt.(map[string]any)
		if r["type"] != "Patient" {
			continue
		}
		var listed []string
		for _, sp := range r["searchParam"].([]any) {
			listed = append(listed, sp.(map[string]any)["name"].(string))
		}
		if len(listed) < 10 {
			t.Fatalf("Patient lists only %v", listed)
		}
		for _, p := range listed {
			value := "x"
			switch p {
			case "birthdate", "death-date", "_lastUpdated":
				value = "2020"
			}
			if r := cs.call(t, "GET", "/Patient?"+p+"="+value, "", map[string]string{"Prefer": "handling=strict"}); r.Status != 200 {
				t.Errorf("CapabilityStatement lists Patient %s, but a strict search answers %d: %s", p, r.Status, r.Body)
			}
		}
	}
}

// One store, one FHIR version: an STU3 store used to open under R4 and
// serve STU3 content (Patient.animal) as R4. The server now refuses to
// start, with a non-zero exit and a message naming both versions.
func TestFixStoreRefusesTheOtherVersion(t *testing.T) {
	dir := t.TempDir()
	stu3 := startServer(t, "STU3", dir)
	c := newClient(stu3.Base, stu3.token(false))
	if r, _ := c.do(t.Context(), "POST", "/Patient", []byte(`{"resourceType":"Patient","animal":{"species":{"text":"dog"}}}`), nil); r.Status != 201 {
		t.Fatalf("STU3 create: %d", r.Status)
	}
	if code := stu3.stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	addr := freeAddr(t)
	// Metrics on a free loopback port, as launch does: on the default
	// :9090, taken by another server, it could fail for that instead.
	cmd := exec.Command(filepath.Join(binDir, "fhirserver"), "--fhir-version", "R4", "--data-dir", dir, "--listen", addr,
		"--metrics-listen", freeAddr(t), "--base-url", "http://"+addr)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err == nil {
			t.Fatalf("R4 server on an STU3 store exited 0")
		}
		if msg := out.String(); !strings.Contains(msg, "STU3") || !strings.Contains(msg, "R4") {
			t.Errorf("the refusal does not name both versions:\n%s", msg)
		}
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		t.Fatalf("an R4 server started on an STU3 store:\n%s", out.String())
	}
	// The store is untouched: STU3 still starts on it.
	again := startServer(t, "STU3", dir)
	if code := again.stop(); code != 0 {
		t.Fatalf("STU3 restart exit %d", code)
	}
}

// SIGTERM drains in-flight requests, but a $changes long poll used to be
// held for its whole _wait, so the stop took --shutdown-timeout and then
// failed the poll. A pending poll is now answered at once with its page.
func TestFixLongPollDoesNotDelayShutdown(t *testing.T) {
	cs := startContract(t, "R4", "--shutdown-timeout", "5s")
	feed := cs.srv.feed()
	head, err := feed.Poll(t.Context(), "", 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		page *changefeed.Page
		err  error
	}
	done := make(chan result, 1)
	go func() {
		p, err := feed.Poll(t.Context(), head.Next, 0, 60*time.Second)
		done <- result{p, err}
	}()
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	if code := cs.srv.stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	r := <-done
	if took := time.Since(start); took > 2*time.Second || r.err != nil {
		t.Fatalf("stop took %v; the long poll got %v, want a prompt empty page", took, r.err)
	}
	if len(r.page.Changes) != 0 || r.page.Next != head.Next {
		t.Errorf("the long poll got %d changes and next %q, want none and %q", len(r.page.Changes), r.page.Next, head.Next)
	}
}

// The server SHALL ignore the body's meta.versionId on update (FHIR
// http.html#update); a PUT carrying an older one used to answer 409. Only
// If-Match makes an update version-aware.
func TestFixUpdateIgnoresBodyVersion(t *testing.T) {
	cs := startContract(t, "R4")
	id := cs.create(t, "Patient", `{"resourceType":"Patient"}`)
	cs.call(t, "PUT", "/Patient/"+id, `{"resourceType":"Patient","id":"`+id+`","gender":"male"}`, nil)
	r := cs.call(t, "PUT", "/Patient/"+id, `{"resourceType":"Patient","id":"`+id+`","meta":{"versionId":"1"},"gender":"female"}`, nil)
	if r.Status != 200 || r.Header.Get("ETag") != `W/"3"` {
		t.Fatalf("status %d ETag %s, want 200 W/\"3\" (body meta.versionId ignored): %s", r.Status, r.Header.Get("ETag"), r.Body)
	}
	r = cs.call(t, "PUT", "/Patient/"+id, `{"resourceType":"Patient","id":"`+id+`","gender":"male"}`, map[string]string{"If-Match": `W/"1"`})
	wantOutcome(t, r, 412, "")
}

// Parse errors carry their location as the issue's expression: a duplicate
// key and invalid UTF-8 used to answer without one.
func TestFixParseErrorsHaveExpression(t *testing.T) {
	cs := startContract(t, "R4")
	cases := []struct{ name, path, body, want string }{
		{"duplicate key", "/Patient", `{"resourceType":"Patient","gender":"male","gender":"female"}`, "Patient.gender"},
		{"invalid UTF-8", "/Patient", "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"\xff\"}]}", "Patient.name[0].family"},
		{"bundle to the base", "", `{"resourceType":"Bundle","type":"batch","type":"batch"}`, "Bundle.type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			oo := wantOutcome(t, cs.call(t, "POST", tc.path, tc.body, nil), 400, "")
			if got := issueExpressions(oo); len(got) == 0 || got[0] != tc.want {
				t.Fatalf("expression %v, want %s", got, tc.want)
			}
		})
	}
}

// Create-on-update creates, so it needs the c letter: system/Patient.u
// alone used to create through PUT. Its history entry says PUT Patient/<id>
// (it said POST Patient).
func TestFixCreateOnUpdate(t *testing.T) {
	cs := startContract(t, "R4")
	dir := filepath.Join(cs.srv.DataDir, "credentials")
	id, secret := readCred(t, dir, "client_id"), readCred(t, dir, "client_secret")
	pat := cs.create(t, "Patient", `{"resourceType":"Patient"}`)
	cases := []struct {
		scope, id string
		want      int
	}{
		{"system/Patient.u", pat, 200},
		{"system/Patient.u", "made-by-u", 403},
		{"system/Patient.cu", "made-by-cu", 201},
		{"system/Patient.u", "made-by-cu", 200},
	}
	for _, tc := range cases {
		t.Run(tc.scope+" "+tc.id, func(t *testing.T) {
			a := postToken(t, cs.srv.Base, url.Values{"grant_type": {"client_credentials"}, "scope": {tc.scope}}, id, secret)
			if a.status != 200 {
				t.Fatalf("token for %s: %d %v", tc.scope, a.status, a.body)
			}
			c := newClient(cs.srv.Base, a.body["access_token"].(string))
			r, err := c.do(t.Context(), "PUT", "/Patient/"+tc.id, []byte(`{"resourceType":"Patient","id":"`+tc.id+`"}`), nil)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != tc.want {
				t.Fatalf("PUT Patient/%s with %s: %d, want %d: %s", tc.id, tc.scope, r.Status, tc.want, r.Body)
			}
		})
	}
	b := jsonOf(t, cs.call(t, "GET", "/Patient/made-by-cu/_history", "", nil))
	entries := b["entry"].([]any)
	req := entries[len(entries)-1].(map[string]any)["request"].(map[string]any)
	if req["method"] != "PUT" || req["url"] != "Patient/made-by-cu" {
		t.Errorf("history of a create-on-update: request %v, want PUT Patient/made-by-cu", req)
	}
	b = jsonOf(t, cs.call(t, "GET", "/Patient/"+pat+"/_history", "", nil))
	entries = b["entry"].([]any) // newest first
	req = entries[len(entries)-1].(map[string]any)["request"].(map[string]any)
	if req["method"] != "POST" || req["url"] != "Patient" {
		t.Errorf("history of a create: request %v, want POST Patient", req)
	}
}

// Search diagnostics quote what the client wrote (birthdate=notadate was
// quoted as "tadate"; code:of-type:of-type), and STU3 refuses the
// modifiers R4 added (:of-type, :identifier) instead of running them.
func TestFixSearchDiagnostics(t *testing.T) {
	cases := []struct{ version, query, want, wantNot string }{
		{"R4", "/Patient?birthdate=notadate", `\"notadate\"`, ""},
		{"R4", "/Observation?code:of-type=x", "code:of-type", "of-type:of-type"},
		{"STU3", "/Patient?identifier:of-type=a|b|c", "STU3", ""},
		{"STU3", "/Observation?subject:identifier=a|b", "STU3", ""},
	}
	servers := map[string]*contractServer{"R4": startContract(t, "R4"), "STU3": startContract(t, "STU3")}
	for _, tc := range cases {
		t.Run(tc.version+tc.query, func(t *testing.T) {
			r := servers[tc.version].call(t, "GET", tc.query, "", nil)
			wantOutcome(t, r, 400, "")
			if !strings.Contains(string(r.Body), tc.want) || (tc.wantNot != "" && strings.Contains(string(r.Body), tc.wantNot)) {
				t.Errorf("body %s: want %q in it and not %q", r.Body, tc.want, tc.wantNot)
			}
		})
	}
}

// An Accept that allows no JSON used to get 200 JSON anyway.
func TestFixAcceptWithoutJSONIs406(t *testing.T) {
	cs := startContract(t, "R4")
	id := cs.create(t, "Patient", `{"resourceType":"Patient"}`)
	cases := []struct {
		accept string
		want   int
	}{
		{"text/plain", 406},
		{"application/fhir+json;q=0", 406},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", 200},
		{"application/fhir+json", 200},
	}
	for _, tc := range cases {
		t.Run(tc.accept, func(t *testing.T) {
			r := cs.call(t, "GET", "/Patient/"+id, "", map[string]string{"Accept": tc.accept})
			if tc.want == 406 {
				wantOutcome(t, r, 406, "not-supported")
			} else if r.Status != tc.want {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.want, r.Body)
			}
		})
	}
}

// FHIR batch entries are processed independently: one entry whose resource
// is invalid used to fail the whole batch with 400 instead of that entry.
func TestFixBatchInvalidEntryFailsAlone(t *testing.T) {
	cs := startContract(t, "R4")
	batch := `{"resourceType":"Bundle","type":"batch","entry":[
		{"request":{"method":"POST","url":"Patient"},"resource":{"resourceType":"Patient"}},
		{"request":{"method":"POST","url":"Patient"},"resource":{"resourceType":"Patient","gender":7}}]}`
	r := cs.call(t, "POST", "", batch, nil)
	if r.Status != 200 {
		t.Fatalf("status %d, want 200 with a 400 entry: %s", r.Status, r.Body)
	}
	var statuses []string
	for _, en := range jsonOf(t, r)["entry"].([]any) {
		statuses = append(statuses, en.(map[string]any)["response"].(map[string]any)["status"].(string))
	}
	if len(statuses) != 2 || !strings.HasPrefix(statuses[0], "201") || !strings.HasPrefix(statuses[1], "400") {
		t.Fatalf("entry statuses %v, want 201 and 400", statuses)
	}
	transaction := strings.Replace(batch, `"batch"`, `"transaction"`, 1)
	wantOutcome(t, cs.call(t, "POST", "", transaction, nil), 400, "")
}
