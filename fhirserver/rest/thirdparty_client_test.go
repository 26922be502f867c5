package rest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/search"
)

// fhirKitVersion is the third-party client the test drives the API with;
// testdata/fhirkit/package-lock.json pins it.
const fhirKitVersion = "2.0.3"

// fhirKit installs the pinned fhir-kit-client into the cache (outside the
// checkout) when missing, copies the test script next to it, and returns
// the script's path.
func fhirKit(t *testing.T) string {
	t.Helper()
	cache := os.Getenv("FHIRFLEET_CACHE")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Fatalf("no FHIRFLEET_CACHE and no home folder: %v", err)
		}
		cache = filepath.Join(home, ".cache", "fhirfleet")
	}
	dir := filepath.Join(cache, "npm", "fhir-kit-client-"+fhirKitVersion)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("create %s: %v", dir, err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatalf("lock %s: %v", dir, err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatalf("lock %s: %v", dir, err)
	}
	for _, f := range []string{"package.json", "package-lock.json", "client.mjs"} {
		data, err := os.ReadFile(filepath.Join("testdata", "fhirkit", f))
		if err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatalf("write %s: %v", f, err)
		}
	}
	pkg := filepath.Join(dir, "node_modules", "fhir-kit-client", "package.json")
	if data, err := os.ReadFile(pkg); err != nil || !strings.Contains(string(data), `"version": "`+fhirKitVersion+`"`) {
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}
	return filepath.Join(dir, "client.mjs")
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
