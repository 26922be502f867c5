package auth

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// clientList is a Config.Clients a test can change.
type clientList struct {
	mu      sync.Mutex
	clients []Client
}

func (l *clientList) list() ([]Client, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Client(nil), l.clients...), nil
}

func (l *clientList) set(c ...Client) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.clients = c
}

// TestListedClients: with Config.Clients the directory needs only the
// signing key; every listed client gets tokens (secret or its own
// private_key_jwt keys, never another client's), a client added to the
// list is known after a reload, and a read-only endpoint caps scopes at rs.
func TestListedClients(t *testing.T) {
	clock := newFakeClock()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileTokenSigningKey), p256PEM(t), 0o600); err != nil {
		t.Fatal(err)
	}
	acmeKey := newBackendClient(t, jose.ES384, "acme-1")
	list := &clientList{}
	list.set(Client{ID: "acme", Secret: "acme-secret-0123456789", JWKS: jwksOf(t, acmeKey)},
		Client{ID: "beta", Secret: "beta-secret-0123456789"})
	e := startEndpoint(t, credSet{}, dir, clock, func(c *Config) { c.Clients = list.list; c.ReadOnly = true })

	r := postToken(t, e, cc(""), "beta", "beta-secret-0123456789")
	if r.status != http.StatusOK || r.str("scope") != "system/*.rs" {
		t.Fatalf("beta by secret: %d %v", r.status, r.body)
	}
	if r := postToken(t, e, cc("system/*.cruds"), "beta", "beta-secret-0123456789"); r.status != 400 || r.str("error") != "invalid_scope" {
		t.Errorf("write scope on a read-only endpoint: %d %v", r.status, r.body)
	}
	now := clock.Now()
	claims := func(iss, jti string) map[string]any {
		return map[string]any{"iss": iss, "sub": iss, "aud": e.srv.TokenURL(), "exp": now.Add(time.Minute).Unix(), "jti": jti}
	}
	if r := postToken(t, e, (assertionForm(acmeKey.assertion(t, claims("acme", "j1")))), "", ""); r.status != http.StatusOK {
		t.Errorf("acme by private_key_jwt: %d %v", r.status, r.body)
	}
	if r := postToken(t, e, (assertionForm(acmeKey.assertion(t, claims("beta", "j2")))), "", ""); r.status != http.StatusUnauthorized {
		t.Errorf("acme's key speaking for beta: %d %v, want 401", r.status, r.body)
	}

	if r := postToken(t, e, cc(""), "gamma", "gamma-secret-0123456789"); r.status != http.StatusUnauthorized {
		t.Fatalf("unknown gamma: %d", r.status)
	}
	list.set(Client{ID: "gamma", Secret: "gamma-secret-0123456789"})
	if err := e.srv.Reload(); err != nil {
		t.Fatal(err)
	}
	if r := postToken(t, e, cc(""), "gamma", "gamma-secret-0123456789"); r.status != http.StatusOK {
		t.Errorf("gamma after reload: %d %v", r.status, r.body)
	}

	list.set(Client{ID: "dup", Secret: "dup-secret-0123456789"}, Client{ID: "dup", Secret: "dup-secret-9876543210"})
	if err := e.srv.Reload(); err == nil {
		t.Error("a client listed twice was accepted")
	}
}

// TestListedClientsGenerateOnlyKey: without a credentials dir, only the
// signing key is generated.
func TestListedClientsGenerateOnlyKey(t *testing.T) {
	data := t.TempDir()
	s, err := New(context.Background(), Config{DataDir: data, BaseURL: "http://127.0.0.1:1", Clients: (&clientList{}).list})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	entries, err := os.ReadDir(filepath.Join(data, "credentials"))
	if err != nil || len(entries) != 1 || entries[0].Name() != FileTokenSigningKey {
		t.Fatalf("generated %v (%v), want only %s", entries, err, FileTokenSigningKey)
	}
}

// cc is a client_credentials form asking for scope ("" for the default).
func cc(scope string) url.Values {
	f := url.Values{"grant_type": {"client_credentials"}}
	if scope != "" {
		f.Set("scope", scope)
	}
	return f
}
