package auth

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestGeneratedCredentials(t *testing.T) {
	data := t.TempDir()
	start := func() *Server {
		s, err := New(context.Background(), Config{DataDir: data, BaseURL: "http://127.0.0.1:1"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}
	s1 := start()
	dir := filepath.Join(data, "credentials")
	st, err := os.Stat(dir)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("dir %v %v", st, err)
	}
	contents := map[string][]byte{}
	for _, name := range []string{FileClientID, FileClientSecret, FileAggregatorClientID, FileAggregatorClientSecret, FileTokenSigningKey} {
		p := filepath.Join(dir, name)
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", name, st.Mode().Perm())
		}
		contents[name], _ = os.ReadFile(p)
	}
	if len(contents[FileClientSecret]) < 40 || bytes.Equal(contents[FileClientSecret], contents[FileAggregatorClientSecret]) {
		t.Fatal("weak or shared generated secrets")
	}
	r1 := s1.ring.Load()
	tok, _, err := s1.issueToken(r1, r1.creds.customer.id, "system/*.cruds")
	if err != nil {
		t.Fatal(err)
	}
	s1.Close()

	// A restart reuses the set: same files, same key, old tokens still valid.
	s2 := start()
	for name, b := range contents {
		now, _ := os.ReadFile(filepath.Join(dir, name))
		if !bytes.Equal(now, b) {
			t.Errorf("%s changed across restart", name)
		}
	}
	if _, err := s2.VerifyToken(tok); err != nil {
		t.Fatalf("token from before the restart: %v", err)
	}
	if _, ok := s2.ring.Load().authenticate(r1.creds.customer.id, r1.creds.customer.secret, s2.now()); !ok {
		t.Fatal("generated customer credentials do not authenticate")
	}
}

func TestGenerateFillsOnlyMissingFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileClientID), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	created, err := generateCredentials(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(created) != 4 {
		t.Fatalf("created %v", created)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, FileClientID)); string(b) != "mine" {
		t.Fatalf("existing client_id overwritten: %q", b)
	}
	if created, _ := generateCredentials(dir); len(created) != 0 {
		t.Fatalf("second run created %v", created)
	}
}
