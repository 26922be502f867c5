package rest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/fhirfleet/fhirfleet/test/testenv"

	"github.com/fhirfleet/fhirfleet/fhirserver/search"
)

// fhirKitVersion is the third-party client the test drives the API with;
// testdata/fhirkit/package-lock.json pins it.
const fhirKitVersion = "2.0.3"

// fhirKit installs the pinned fhir-kit-client into the cache (outside the
// checkout) with the test script beside it, and returns the script's path.
func fhirKit(t *testing.T) string {
	t.Helper()
	return filepath.Join(testenv.NPMInstall(t, "fhir-kit-client-"+fhirKitVersion, filepath.Join("testdata", "fhirkit")), "client.mjs")
}

// TestThirdPartyClient drives every interaction with fhir-kit-client, a
// FHIR client nobody on this team wrote, over loopback, in both versions:
// capabilities, create, conditional create, read, update, vread, JSON
// Patch, search, transaction with urn:uuid, compartment search, batch,
// history paging through next links, delete/410, and the change feed.
func TestThirdPartyClient(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node (Node 20) is needed for the third-party client test: %v", err)
	}
	script := fhirKit(t)
	for _, ver := range versions {
		t.Run(ver.Name, func(t *testing.T) {
			e := newEnv(t, ver, func(c *Config) {
				eng, err := search.NewEngine(c.Version, c.Store, search.Options{BaseURL: c.BaseURL + "/fhir"})
				if err != nil {
					t.Fatal(err)
				}
				c.Searcher = eng
			})
			cmd := exec.Command("node", script, e.srv.URL+"/fhir")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("node: %v\n%s\n%s", err, out, stderr.String())
			}
			checks := 0
			sc := bufio.NewScanner(bytes.NewReader(out))
			for sc.Scan() {
				var line struct {
					Name, Detail string
					OK           bool
				}
				if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
					t.Fatalf("bad line %q: %v", sc.Text(), err)
				}
				checks++
				if !line.OK {
					t.Errorf("%s: %s", line.Name, line.Detail)
				}
			}
			if checks < 16 {
				t.Errorf("only %d checks ran:\n%s\n%s", checks, out, stderr.String())
			}
		})
	}
}
