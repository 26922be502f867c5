package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/test/testenv"
)

// devFleet is hack/dev.sh (what make dev runs) started by a test on its own
// state folder and ports.
type devFleet struct {
	t           *testing.T
	root, state string
	gatewayPort string
	cmd         *exec.Cmd
	out, errs   *syncBuffer
	exited      chan struct{}
}

func startDevFleet(t *testing.T) *devFleet {
	root := testenv.RepoRoot(t)
	port := func() string { _, p, _ := net.SplitHostPort(freeAddr(t)); return p }
	f := &devFleet{t: t, root: root, state: filepath.Join(t.TempDir(), "dev"), gatewayPort: port(),
		out: &syncBuffer{}, errs: &syncBuffer{}, exited: make(chan struct{})}
	f.cmd = exec.Command(filepath.Join(root, "hack", "dev.sh"))
	f.cmd.Env = append(os.Environ(), "DEV_STATE_DIR="+f.state, "DEV_GATEWAY_PORT="+f.gatewayPort,
		"DEV_APISERVER_PORT="+port(), "DEV_ETCD_PORT="+port(), "DEV_ETCD_PEER_PORT="+port(), "DEV_MANAGER_PROBE_PORT="+port())
	f.cmd.Stdout, f.cmd.Stderr = f.out, f.errs
	// Its own process group, so that the test can press Ctrl-C on it alone;
	// SIGTERM (make dev's other way out) should the test binary die first.
	f.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := f.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = f.cmd.Wait(); close(f.exited) }()
	t.Cleanup(func() {
		select {
		case <-f.exited:
			return
		default:
		}
		// make dev's processes run in sessions of their own (a Ctrl-C
		// reaches only make dev): let it stop them, then kill what is left.
		_ = syscall.Kill(-f.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-f.exited:
		case <-time.After(90 * time.Second):
			_ = syscall.Kill(-f.cmd.Process.Pid, syscall.SIGKILL)
			<-f.exited
		}
	})
	f.waitFor(6*time.Minute, "make dev to print what to do next", func() bool {
		select {
		case <-f.exited:
			t.Fatalf("hack/dev.sh exited early:\n%s\n%s", f.out.String(), f.errs.String())
		default:
		}
		return strings.Contains(f.out.String(), "Ctrl-C stops everything")
	})
	return f
}

// waitFor polls ok until the deadline; on timeout it shows every log.
func (f *devFleet) waitFor(d time.Duration, what string, ok func() bool) {
	f.t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			f.t.Fatalf("timed out waiting for %s\n%s", what, f.logs())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (f *devFleet) logs() string {
	var b strings.Builder
	fmt.Fprintf(&b, "dev.sh stdout:\n%s\ndev.sh stderr:\n%s\n", f.out.String(), f.errs.String())
	files, _ := filepath.Glob(filepath.Join(f.state, "logs", "*.log"))
	for _, file := range files {
		data, _ := os.ReadFile(file)
		if len(data) > 3000 {
			data = data[len(data)-3000:]
		}
		fmt.Fprintf(&b, "--- %s (tail):\n%s\n", filepath.Base(file), data)
	}
	return b.String()
}

// kubectl runs bin/kubectl on the fleet, stdin from in.
func (f *devFleet) kubectl(in string, args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(f.root, "bin", "kubectl"), append([]string{"--kubeconfig", filepath.Join(f.state, "kubeconfig")}, args...)...)
	cmd.Stdin = strings.NewReader(in)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (f *devFleet) mustKubectl(in string, args ...string) string {
	f.t.Helper()
	out, err := f.kubectl(in, args...)
	if err != nil {
		f.t.Fatalf("kubectl %s: %v\n%s\n%s", strings.Join(args, " "), err, out, f.logs())
	}
	return out
}

// origin is an endpoint's public origin, through the gateway.
func (f *devFleet) origin(sub string) string {
	return "http://" + sub + ".localhost:" + f.gatewayPort
}

// processesOnState lists the processes whose command line names the state
// folder: everything make dev started does.
func processesOnState(state string) []string {
	var found []string
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err == nil && bytes.Contains(b, []byte(state)) {
			found = append(found, strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return found
}

// gatewayGet is a GET through the gateway with the Host header of sub (Go's
// resolver does not know *.localhost either).
func (f *devFleet) gatewayGet(sub, path, token string) (int, string) {
	req, _ := http.NewRequest("GET", "http://127.0.0.1:"+f.gatewayPort+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return f.gatewayDo(sub, req)
}

// gatewayDo sends req through the gateway as a request for sub's host.
func (f *devFleet) gatewayDo(sub string, req *http.Request) (int, string) {
	req.Host = sub + ".localhost:" + f.gatewayPort
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

const journeyEndpoints = `apiVersion: fhir.fhirfleet.io/v1alpha1
kind: FhirEndpoint
metadata: {name: journey-r4, namespace: journey}
spec: {customer: initech, feed: labs, fhirVersion: R4, deletionPolicy: Retain}
---
apiVersion: fhir.fhirfleet.io/v1alpha1
kind: FhirEndpoint
metadata: {name: journey-stu3, namespace: journey}
spec: {customer: initech, feed: adt, fhirVersion: STU3, deletionPolicy: Delete}
`

// TestMakeDevJourney starts the fleet as make dev does and walks a platform
// engineer's and a customer's way through it with the instructions it prints,
// bin/kubectl and real FHIR clients; then Ctrl-C must leave no process behind.
func TestMakeDevJourney(t *testing.T) {
	medplum := testenv.NPMInstall(t, "medplum-core-5.2.13", filepath.Join("clients", "medplum"))
	fhirkit := testenv.NPMInstall(t, "fhir-kit-client-2.0.3", filepath.Join("..", "..", "fhirserver", "rest", "testdata", "fhirkit"))
	f := startDevFleet(t)
	printed := f.out.String()

	t.Run("the printed instructions work as printed", func(t *testing.T) {
		for _, want := range []string{
			f.origin("acme-labs") + "/fhir", f.origin("globex-adt") + "/fhir", "Aggregated endpoint:",
			"127.0.0.1 acme-labs.localhost aggregated.localhost globex-adt.localhost",
			"aggregator-client-acme", filepath.Join(f.root, "bin", "devissuer") + " token",
		} {
			if !strings.Contains(printed, want) {
				t.Errorf("make dev's message lacks %q:\n%s", want, printed)
			}
		}
		block := func(heading string) string {
			_, b, ok := strings.Cut(printed, heading)
			_, b, _ = strings.Cut(b, "\n")
			b, _, _ = strings.Cut(b, "\n\n")
			if !ok || b == "" {
				t.Fatalf("no commands under %q in:\n%s", heading, printed)
			}
			return b
		}
		run := func(b string) string {
			out, err := exec.Command("bash", "-euc", b).CombinedOutput()
			if err != nil {
				t.Fatalf("the printed commands failed: %v\n%s\n%s", err, b, out)
			}
			return string(out)
		}
		out := run(block("Try it:"))
		// kubectl get fhe shows URL and Ready; the curl created a Patient.
		urlReady := regexp.MustCompile(regexp.QuoteMeta(f.origin("acme-labs")+"/fhir") + `\s+True`)
		if !urlReady.MatchString(out) || !strings.Contains(out, `"resourceType":"Patient"`) {
			t.Fatalf("the printed commands printed:\n%s", out)
		}
		// The aggregator follows acme-labs: the Patient is at the
		// aggregated endpoint for acme's client a moment later (valid
		// credentials, so asking again is no failed authentication)...
		var agg string
		f.waitFor(30*time.Second, "the printed aggregated search to find the Patient", func() bool {
			agg = run(block("Read it aggregated"))
			return strings.Contains(agg, `"family":"Smith"`)
		})
		// ...and to the patient, by the ID token the dev issuer signs.
		if out := run(block("As the patient")); !strings.Contains(out, `"family":"Smith"`) || len(entryIDs(out)) != 1 {
			t.Fatalf("the printed patient commands printed:\n%s", out)
		}
	})

	f.mustKubectl("", "create", "namespace", "journey")
	f.mustKubectl(journeyEndpoints, "apply", "-f", "-")
	f.mustKubectl("", "wait", "--for=condition=Ready", "fhe/journey-r4", "fhe/journey-stu3", "-n", "journey", "--timeout=120s")
	table := f.mustKubectl("", "get", "fhe", "-n", "journey")
	for _, want := range []string{"journey-r4 ", f.origin("initech-labs") + "/fhir", f.origin("initech-adt") + "/fhir", "True"} {
		if !strings.Contains(table, want) {
			t.Errorf("kubectl get fhe lacks %q:\n%s", want, table)
		}
	}
	// A pod's process reaches a Service by its cluster name through
	// HTTP_PROXY (the gateway), as the aggregator follows its sources.
	gateway, _ := url.Parse("http://127.0.0.1:" + f.gatewayPort)
	viaProxy := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: http.ProxyURL(gateway)}}
	if resp, err := viaProxy.Get("http://journey-stu3.journey.svc:8080/fhir/metadata"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("a Service by its cluster name through the gateway: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	secret := func(name, key string) string { return f.secretValue("journey", name+"-credentials", key) }

	journeyPatients := map[string]string{} // endpoint → the journey's Patient id there
	for _, ep := range []struct{ name, sub string }{{"journey-r4", "initech-labs"}, {"journey-stu3", "initech-adt"}} {
		t.Run("Medplum writes and fhir-kit-client reads through the gateway: "+ep.name, func(t *testing.T) {
			cmd := exec.Command("node", "--experimental-websocket", "journey.mjs", medplum, fhirkit, f.origin(ep.sub), secret(ep.name, "client_id"), secret(ep.name, "client_secret"))
			cmd.Dir = filepath.Join("clients", "dev")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("journey: %v\n%s\n%s", err, stderr.String(), f.logs())
			}
			var got struct {
				PatientID, ObservationID, ObservationSubject, UpdatedVersion string
				ConditionalSame                                              bool
				FoundByIdentifier, FoundBySubject                            []string
				DeletedRead                                                  any
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("journey output %q: %v", out, err)
			}
			if got.ObservationSubject != "Patient/"+got.PatientID || !got.ConditionalSame || got.UpdatedVersion != "2" ||
				!slices.Equal(got.FoundByIdentifier, []string{"Journeyed"}) || !slices.Equal(got.FoundBySubject, []string{got.ObservationID}) ||
				got.DeletedRead != float64(410) {
				t.Fatalf("journey through %s: %+v", ep.name, got)
			}
			journeyPatients[ep.name] = got.PatientID
		})
	}

	tokenFor := func(name, sub string) string {
		code, body := f.gatewayPost(sub, "/oauth2/token", "", "grant_type=client_credentials", "", secret(name, "client_id"), secret(name, "client_secret"))
		tok := accessToken(body)
		if tok == "" {
			t.Fatalf("no token for %s: %d %s", name, code, body)
		}
		return tok
	}
	serverOf := func(ns, name string) func() bool {
		return func() bool {
			return slices.ContainsFunc(processesOnState(f.state), func(p string) bool {
				return strings.Contains(p, filepath.Join(f.state, "volumes", ns, name+"-data"))
			})
		}
	}

	t.Run("the aggregated endpoint shows the customer its R4 data and the patient theirs, nothing of another customer", func(t *testing.T) {
		f.aggregatedJourney(t, journeyPatients, tokenFor)
	})

	t.Run("suspend scales the process away and back, data kept", func(t *testing.T) {
		if !serverOf("journey", "journey-r4")() {
			t.Fatalf("no process serves journey-r4: %q", processesOnState(f.state))
		}
		f.mustKubectl("", "-n", "journey", "patch", "fhe", "journey-r4", "--type=merge", "-p", `{"spec":{"suspend":true}}`)
		f.waitFor(60*time.Second, "the suspended server's process to stop", func() bool { return !serverOf("journey", "journey-r4")() })
		f.waitFor(10*time.Second, "the gateway to refuse the suspended endpoint", func() bool {
			code, _ := f.gatewayGet("initech-labs", "/fhir/metadata", "")
			return code == http.StatusBadGateway
		})
		f.mustKubectl("", "-n", "journey", "patch", "fhe", "journey-r4", "--type=merge", "-p", `{"spec":{"suspend":false}}`)
		f.waitFor(60*time.Second, "the resumed server to answer", func() bool {
			code, _ := f.gatewayGet("initech-labs", "/fhir/metadata", "")
			return code == http.StatusOK
		})
		code, body := f.gatewayGet("initech-labs", "/fhir/Patient/"+journeyPatients["journey-r4"], tokenFor("journey-r4", "initech-labs"))
		if code != http.StatusOK || !strings.Contains(body, "Journeyed") {
			t.Fatalf("the patient after a resume: %d %s", code, body)
		}
	})

	t.Run("delete: deletionPolicy Delete removes the data folder, Retain keeps it", func(t *testing.T) {
		deleted, retained := filepath.Join(f.state, "volumes", "journey", "journey-stu3-data"), filepath.Join(f.state, "volumes", "journey", "journey-r4-data")
		for _, dir := range []string{deleted, retained} {
			if _, err := os.Stat(dir); err != nil {
				t.Fatalf("data folder: %v", err)
			}
		}
		f.mustKubectl("", "-n", "journey", "delete", "fhe", "journey-stu3", "journey-r4", "--wait=true", "--timeout=60s")
		f.waitFor(60*time.Second, "the Delete endpoint's data folder to go", func() bool {
			_, err := os.Stat(deleted)
			return os.IsNotExist(err)
		})
		f.waitFor(60*time.Second, "both servers to stop", func() bool { return !serverOf("journey", "journey-r4")() && !serverOf("journey", "journey-stu3")() })
		if _, err := os.Stat(filepath.Join(retained, "store")); err != nil {
			t.Fatalf("the Retain endpoint's store is gone: %v", err)
		}
		if out := f.mustKubectl("", "-n", "journey", "get", "pvc", "-o", "name"); strings.TrimSpace(out) != "persistentvolumeclaim/journey-r4-data" {
			t.Fatalf("claims left: %q", out)
		}
	})

	t.Run("Ctrl-C stops every process make dev started", func(t *testing.T) {
		if len(processesOnState(f.state)) == 0 {
			t.Fatal("no process names the state folder: the check below would prove nothing")
		}
		_ = syscall.Kill(-f.cmd.Process.Pid, syscall.SIGINT)
		select {
		case <-f.exited:
		case <-time.After(90 * time.Second):
			t.Fatalf("make dev did not stop\n%s", f.logs())
		}
		if left := processesOnState(f.state); len(left) > 0 {
			t.Fatalf("left behind after Ctrl-C:\n%s", strings.Join(left, "\n"))
		}
		if !strings.Contains(f.errs.String(), "stopped everything") {
			t.Errorf("make dev's goodbye is missing:\n%s", f.errs.String())
		}
		// The processes did not get the Ctrl-C themselves: none ended
		// before make dev stopped it, so none looks like a crash.
		if strings.Contains(f.errs.String(), "unexpectedly") {
			t.Errorf("a process ended on the Ctrl-C before make dev stopped it:\n%s", f.errs.String())
		}
	})
}
