package e2e

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// npmInstall installs the pinned package.json/package-lock.json of a client
// folder under the cache (never into the checkout) and returns the folder
// holding node_modules, with the client's scripts copied beside it.
func npmInstall(t *testing.T, clientDir string) string {
	t.Helper()
	cache := os.Getenv("FHIRFLEET_CACHE")
	if cache == "" {
		home, _ := os.UserCacheDir()
		cache = filepath.Join(home, "fhirfleet")
	}
	lock, err := os.ReadFile(filepath.Join(clientDir, "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(cache, "npm", filepath.Base(clientDir))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	entries, _ := os.ReadDir(clientDir)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(clientDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil || string(old) != string(lock) {
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}
	return dir
}

// TestMedplumClient: @medplum/core's startClientLogin gets a token from the
// server's own token endpoint and does create, read and search with it.
func TestMedplumClient(t *testing.T) {
	dir := npmInstall(t, filepath.Join("clients", "medplum"))
	srv := startServer(t, "R4", t.TempDir())
	id, _ := os.ReadFile(filepath.Join(srv.DataDir, "credentials", "client_id"))
	secret, _ := os.ReadFile(filepath.Join(srv.DataDir, "credentials", "client_secret"))
	cmd := exec.Command("node", "--experimental-websocket", "client.mjs", srv.Base, string(id), string(secret))
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("medplum client: %v\n%s\nserver log:\n%s", err, stderr, srv.logs.String())
	}
	var got struct {
		Token, ID, VersionID, ReadFamily, Family, Observation string
		Found, BySubject                                      []string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("client output %q: %v", out, err)
	}
	if got.Token != "yes" || got.ID == "" || got.VersionID != "1" || got.ReadFamily != got.Family {
		t.Fatalf("login/create/read through Medplum went wrong: %+v", got)
	}
	if !slices.Equal(got.Found, []string{got.ID}) || !slices.Equal(got.BySubject, []string{got.Observation}) {
		t.Fatalf("search through Medplum: %+v", got)
	}
	// The decimal Medplum sent as 72.50 is stored as written.
	c := newClient(srv.Base, srv.token(false))
	resp, err := c.do(t.Context(), "GET", "/Observation/"+got.Observation, nil, nil)
	if err != nil || !strings.Contains(string(resp.Body), `"value":72.5`) {
		t.Fatalf("observation: %v %s", err, resp.Body)
	}
}
