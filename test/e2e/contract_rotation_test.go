package e2e

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/controllers"
)

// Issue 12, "Credential rotation, driven from the resource": the operator's
// rotated Secret, projected into the pod as the kubelet does, is picked up by
// the running server. A client holding the old secret keeps working until the
// grace period ends and then gets 401; the new secret works at once; the
// server is never restarted.

// projectSecret writes data into dir as the kubelet's atomic writer updates a
// Secret volume: the files go into a fresh hidden folder, "..data" is
// swapped to it by a rename (atomic), and each key is a symlink through
// "..data". The server's reader resolves "..data" once per read, so it never
// sees half of one version and half of the next.
func projectSecret(t *testing.T, dir string, data map[string][]byte, version int) {
	t.Helper()
	ts := fmt.Sprintf("..2026_12_02_00_00_%02d.%d", version, version)
	if err := os.Mkdir(filepath.Join(dir, ts), 0o755); err != nil {
		t.Fatal(err)
	}
	for k, v := range data {
		if err := os.WriteFile(filepath.Join(dir, ts, k), v, 0o440); err != nil {
			t.Fatal(err)
		}
	}
	old, _ := os.Readlink(filepath.Join(dir, "..data"))
	tmp := filepath.Join(dir, "..data_tmp")
	if err := os.Symlink(ts, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	for k := range data {
		link := filepath.Join(dir, k)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		if err := os.Symlink(filepath.Join("..data", k), link); err != nil {
			t.Fatal(err)
		}
	}
	if old != "" {
		if err := os.RemoveAll(filepath.Join(dir, old)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestContractRotationWithoutRestart(t *testing.T) {
	const grace = 3 * time.Second
	before, err := controllers.GenerateCredentials()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	projectSecret(t, dir, before, 1)
	srv := startServer(t, "R4", t.TempDir(), "--credentials-dir", dir, "--secret-grace-period", grace.String())
	pid := srv.cmd.Process.Pid
	form := url.Values{"grant_type": {"client_credentials"}}
	status := func(data map[string][]byte, prefix string) int {
		return postToken(t, srv.Base, form, string(data[prefix+"client_id"]), string(data[prefix+"client_secret"])).status
	}
	clients := []string{"", "aggregator_"}
	for _, p := range clients {
		if got := status(before, p); got != 200 {
			t.Fatalf("%sclient before the rotation: %d, want 200", p, got)
		}
	}
	oldToken, _ := postToken(t, srv.Base, form, string(before["client_id"]), string(before["client_secret"])).body["access_token"].(string)

	after, err := controllers.RotatedCredentials(before, true)
	if err != nil {
		t.Fatal(err)
	}
	projectSecret(t, dir, after, 2)

	// The new secrets work at once: the server re-reads the folder when a
	// client presents a secret it does not know.
	for _, p := range clients {
		if got := status(after, p); got != 200 {
			t.Fatalf("new %sclient_secret: %d, want 200\n%s", p, got, srv.logs.String())
		}
	}
	// A token signed with the replaced key stays valid until it expires;
	// new tokens are signed with the new key.
	newToken, _ := postToken(t, srv.Base, form, string(after["client_id"]), string(after["client_secret"])).body["access_token"].(string)
	for name, tok := range map[string]string{"signed with the replaced key": oldToken, "signed with the new key": newToken} {
		r, err := newClient(srv.Base, tok).do(t.Context(), "GET", "/Patient", nil, nil)
		if err != nil || r.Status != 200 {
			t.Fatalf("token %s: %d %v %s", name, r.Status, err, r.Body)
		}
	}
	// The old secrets still work, in their grace period...
	for _, p := range clients {
		if got := status(before, p); got != 200 {
			t.Fatalf("old %sclient_secret within the grace period: %d, want 200", p, got)
		}
	}
	// ...and are refused once it is over. Each poll that fails counts
	// against the source address's throttle, so stop at the first refusal.
	for _, p := range clients {
		deadline := time.Now().Add(grace + 20*time.Second)
		for {
			got := status(before, p)
			if got == 401 {
				break
			}
			if got != 200 || time.Now().After(deadline) {
				t.Fatalf("old %sclient_secret after the grace period: %d, want 401 within %s", p, got, grace+20*time.Second)
			}
			time.Sleep(200 * time.Millisecond)
		}
		if got := status(after, p); got != 200 {
			t.Fatalf("new %sclient_secret after the grace period: %d, want 200", p, got)
		}
	}

	select {
	case <-srv.exited:
		t.Fatalf("the server exited during the rotation:\n%s", srv.logs.String())
	default:
	}
	if srv.cmd.Process.Pid != pid {
		t.Fatalf("the server was restarted")
	}
}
