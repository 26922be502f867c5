package endpoint

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-logr/logr"
)

// TestPatientJWKSURL: the issuer's keys can come from an https URL, read
// again when a token names a key it does not hold; http is refused.
func TestPatientJWKSURL(t *testing.T) {
	idp := newOIDC(t)
	ts := jwksServer(t, idp, &atomic.Bool{})
	now := time.Now()
	clock := func() time.Time { return now }
	ks, err := newKeySet(context.Background(), ts.URL+"/jwks.json", ts.Client(), clock, logr.Discard())
	if err != nil {
		t.Fatal(err)
	}
	if keys := ks.lookup(context.Background(), jose.Header{KeyID: idp.kid, Algorithm: "ES256"}); len(keys) != 1 {
		t.Fatalf("keys for %s: %d", idp.kid, len(keys))
	}
	// The provider rotates: a new key in the same place.
	*idp = *newOIDCAt(t, idp.jwksPath, "idp-2")
	if keys := ks.lookup(context.Background(), jose.Header{KeyID: "idp-2", Algorithm: "ES256"}); len(keys) != 0 {
		t.Error("refreshed before jwksRefreshEvery")
	}
	now = now.Add(jwksRefreshEvery)
	if keys := ks.lookup(context.Background(), jose.Header{KeyID: "idp-2", Algorithm: "ES256"}); len(keys) != 1 {
		t.Error("the rotated key was not fetched")
	}
	if _, err := newKeySet(context.Background(), "http://127.0.0.1:1/jwks.json", ts.Client(), clock, logr.Discard()); err == nil || !strings.Contains(err.Error(), "https") {
		t.Errorf("an http JWKS URL: %v", err)
	}
}

// jwksServer serves idp's JWK Set over TLS, or 503 while down is true.
func jwksServer(t *testing.T, idp *oidc, down *atomic.Bool) *httptest.Server {
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		http.ServeFile(w, r, idp.jwksPath)
	}))
	t.Cleanup(ts.Close)
	return ts
}

// newOIDCAt is newOIDC writing its JWKS to path with key id kid.
func newOIDCAt(t *testing.T, path, kid string) *oidc {
	o := newOIDC(t)
	o.kid = kid
	writeJWKS(t, path, o)
	o.jwksPath = path
	return o
}

func writeJWKS(t *testing.T, path string, o *oidc) {
	t.Helper()
	if err := writeJSONFile(path, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: o.key.Public(), KeyID: o.kid, Algorithm: "ES256", Use: "sig"}}}); err != nil {
		t.Fatal(err)
	}
}

// TestPatientJWKSFile: a file is read at start; a broken or empty one is
// an error then, not at the first token.
func TestPatientJWKSFile(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{"broken.json": "{", "empty.json": `{"keys":[]}`} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := newKeySet(context.Background(), p, http.DefaultClient, time.Now, logr.Discard()); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if _, err := newKeySet(context.Background(), filepath.Join(dir, "none.json"), http.DefaultClient, time.Now, logr.Discard()); err == nil {
		t.Error("a missing file accepted")
	}
}

// TestPatientJWKSURLDownAtStart: a provider that cannot be reached when the
// aggregator starts does not stop it; patients are refused until a token
// makes the set be fetched again, at most every jwksRefreshEvery.
func TestPatientJWKSURLDownAtStart(t *testing.T) {
	idp := newOIDC(t)
	var down atomic.Bool
	down.Store(true)
	ts := jwksServer(t, idp, &down)
	now := time.Now()
	clock := func() time.Time { return now }
	ks, err := newKeySet(context.Background(), ts.URL+"/jwks.json", ts.Client(), clock, logr.Discard())
	if err != nil {
		t.Fatalf("a provider down at start stops the endpoint: %v", err)
	}
	header := jose.Header{KeyID: idp.kid, Algorithm: "ES256"}
	if keys := ks.lookup(context.Background(), header); len(keys) != 0 {
		t.Fatal("keys from a provider that is down")
	}
	down.Store(false)
	now = now.Add(jwksRefreshEvery - time.Second)
	if keys := ks.lookup(context.Background(), header); len(keys) != 0 {
		t.Error("fetched again before jwksRefreshEvery: a stream of tokens would hammer the provider")
	}
	now = now.Add(time.Second)
	if keys := ks.lookup(context.Background(), header); len(keys) != 1 {
		t.Error("the keys were not fetched once the provider was up")
	}
}
