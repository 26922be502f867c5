package endpoint

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseLabels(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"", "", false},
		{"MENTAL_HEALTH", "MENTAL_HEALTH", false},
		{" SOCIAL_CARE , GENERAL_HEALTH,,SOCIAL_CARE\n", "GENERAL_HEALTH,SOCIAL_CARE", false},
		{"MENTAL_HEALTH,mental_health", "", true},
		{"EVERYTHING", "", true},
	}
	for _, tc := range tests {
		got, err := parseLabels(tc.in)
		if (err != nil) != tc.wantErr || strings.Join(got, ",") != tc.want {
			t.Errorf("parseLabels(%q) = %v, %v; want %q (error %v)", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

// TestClientsDir: a customer folder added, or its labels changed, is in
// force after the next reload (here forced; in service by the periodic
// re-check or the first failed authentication); a broken folder keeps
// the clients as they were.
func TestClientsDir(t *testing.T) {
	var clients string
	e := newEnv(t, func(c *Config) { clients = c.ClientsDir })
	// gamma is granted nothing: acme's labelled Condition of patient 5 is hidden.
	gamma := e.w.readers()[2]
	labelled := e.w.visibleOf(gamma, "Condition", func(x wres) bool { return x.patient == 5 && len(x.labels) == 1 && x.labels[0] == "MENTAL_HEALTH" })
	tok := e.tokenFor(gamma)
	count := func(tok string) string {
		return total(e.get(tok, "/fhir/Condition?_summary=count").json(t))
	}
	before := count(tok)
	if err := os.WriteFile(filepath.Join(clients, "gamma", filePrivacyLabels), []byte("MENTAL_HEALTH"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := e.ep.auth.Reload(); err != nil {
		t.Fatal(err)
	}
	if after := count(tok); after == before {
		t.Errorf("gamma granted MENTAL_HEALTH still counts %s conditions (labelled visible before: %v)", after, labelled)
	}

	// A new customer: its first token request finds it.
	d := filepath.Join(clients, "delta")
	if err := os.MkdirAll(d, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]string{fileClientID: "delta-client", fileClientSecret: clientSecret("delta")} {
		if err := os.WriteFile(filepath.Join(d, name), []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	rep := e.postToken(url.Values{"grant_type": {"client_credentials"}}, "delta-client", clientSecret("delta"))
	if rep.status != http.StatusOK {
		t.Fatalf("new customer delta: %d %v", rep.status, rep.body)
	}
	// delta follows no one: only what is in no compartment.
	deltaTok := rep.str("access_token")
	if got := total(e.get(deltaTok, "/fhir/Condition?_summary=count").json(t)); got != "0" {
		t.Errorf("delta counts %s conditions", got)
	}
	// A customer removed: its unexpired token reads nothing more.
	if err := os.RemoveAll(d); err != nil {
		t.Fatal(err)
	}
	if err := e.ep.auth.Reload(); err != nil {
		t.Fatal(err)
	}
	if r := e.get(deltaTok, "/fhir/Organization"); r.status != http.StatusUnauthorized {
		t.Errorf("removed customer's token: %d %s", r.status, r.body)
	}

	// A broken folder: the reload fails and the clients stay.
	if err := os.WriteFile(filepath.Join(clients, "gamma", filePrivacyLabels), []byte("NOT_A_LABEL"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := e.ep.auth.Reload(); err == nil || !strings.Contains(err.Error(), "NOT_A_LABEL") {
		t.Errorf("broken labels: %v", err)
	}
	if got := count(tok); got == before {
		t.Error("a broken folder dropped gamma's labels in force")
	}
}

// TestEnsureCustomer: without --clients-dir a customer's client is
// generated once (0600 files in a 0700 folder), works at once and is never
// replaced; a bad name is refused.
func TestEnsureCustomer(t *testing.T) {
	var data string
	e := newEnv(t, func(c *Config) { c.ClientsDir, data = "", c.DataDir })
	if err := e.ep.EnsureCustomer("acme"); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(data, "credentials", "clients", "acme")
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v (%v), want 0600", name, st.Mode().Perm(), err)
		}
		return string(b)
	}
	id, secret := read(fileClientID), read(fileClientSecret)
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %v (%v), want 0700", st.Mode().Perm(), err)
	}
	rep := e.postToken(url.Values{"grant_type": {"client_credentials"}}, id, secret)
	if rep.status != http.StatusOK || rep.str("scope") != "system/*.rs" {
		t.Fatalf("generated client: %d %v", rep.status, rep.body)
	}
	if err := e.ep.EnsureCustomer("acme"); err != nil || read(fileClientSecret) != secret {
		t.Errorf("second EnsureCustomer: %v, secret replaced: %v", err, read(fileClientSecret) != secret)
	}
	for _, bad := range []string{"", "../x", "Acme", ".hidden", "a/b"} {
		if err := e.ep.EnsureCustomer(bad); err == nil {
			t.Errorf("EnsureCustomer(%q) accepted", bad)
		}
	}
}
