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

	"github.com/fhirfleet/fhirfleet/test/testenv"
)

// TestMedplumClient: @medplum/core's startClientLogin gets a token from the
// server's own token endpoint and does create, read and search with it.
func TestMedplumClient(t *testing.T) {
	dir := testenv.NPMInstall(t, "medplum-core-5.2.13", filepath.Join("clients", "medplum"))
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
