package auth

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

func filesOf(c credSet) map[string][]byte {
	return map[string][]byte{
		FileClientID: []byte(c.clientID), FileClientSecret: []byte(c.clientSecret),
		FileAggregatorClientID: []byte(c.aggID), FileAggregatorClientSecret: []byte(c.aggSecret),
		FileTokenSigningKey: c.keyPEM, FileClientJWKS: c.jwks,
	}
}

func TestParseCredentials(t *testing.T) {
	base := newCredSet(t, "acme")
	ec := newBackendClient(t, jose.ES384, "k1")
	privJWKS, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: ec.key, KeyID: "k1"}}})
	cases := []struct {
		name    string
		edit    func(map[string][]byte)
		wantErr string
		check   func(*testing.T, *credentials)
	}{
		{"complete", func(map[string][]byte) {}, "", func(t *testing.T, c *credentials) {
			if c.customer.id != "acme-client" || c.aggregator.id != "acme-aggregator" || c.key == nil {
				t.Fatalf("%+v", c)
			}
		}},
		{"trailing newlines trimmed", func(f map[string][]byte) {
			f[FileClientID] = []byte("acme-client\n")
			f[FileClientSecret] = []byte("acme-secret-0123456789abcdef\r\n")
		}, "", func(t *testing.T, c *credentials) {
			if c.customer.id != "acme-client" || c.customer.secret != "acme-secret-0123456789abcdef" {
				t.Fatalf("%q %q", c.customer.id, c.customer.secret)
			}
		}},
		{"no aggregator client", func(f map[string][]byte) { f[FileAggregatorClientID], f[FileAggregatorClientSecret] = nil, nil }, "",
			func(t *testing.T, c *credentials) {
				if c.aggregator.id != "" {
					t.Fatal("aggregator appeared")
				}
			}},
		{"empty client_id", func(f map[string][]byte) { f[FileClientID] = []byte("  \n") }, "client_id is empty", nil},
		{"colon in client_id", func(f map[string][]byte) { f[FileClientID] = []byte("a:b") }, "':'", nil},
		{"short secret", func(f map[string][]byte) { f[FileClientSecret] = []byte("short") }, "shorter than", nil},
		{"aggregator id without secret", func(f map[string][]byte) { f[FileAggregatorClientSecret] = nil }, "aggregator_client_secret", nil},
		{"aggregator id equals client id", func(f map[string][]byte) { f[FileAggregatorClientID] = f[FileClientID] }, "must differ", nil},
		{"bad key", func(f map[string][]byte) { f[FileTokenSigningKey] = []byte("x") }, "token_signing_key", nil},
		{"jwks", func(f map[string][]byte) { f[FileClientJWKS] = jwksOf(t, ec) }, "", func(t *testing.T, c *credentials) {
			if len(c.jwks) != 1 || c.jwks[0].KeyID != "k1" {
				t.Fatalf("%+v", c.jwks)
			}
		}},
		{"jwks with a private key", func(f map[string][]byte) { f[FileClientJWKS] = privJWKS }, "private key", nil},
		{"jwks not JSON", func(f map[string][]byte) { f[FileClientJWKS] = []byte("{") }, "client_jwks.json", nil},
		{"jwks with no usable key", func(f map[string][]byte) { f[FileClientJWKS] = jwksOf(t, newBackendClient(t, jose.ES256, "p256")) }, "no usable", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files := filesOf(base)
			tc.edit(files)
			c, err := parseCredentials(files)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}

func TestReadCredentialsFromDirs(t *testing.T) {
	c := newCredSet(t, "acme")
	t.Run("plain files", func(t *testing.T) {
		dir := t.TempDir()
		c.writeFiles(t, dir)
		got, err := readCredentials(dir)
		if err != nil || got.customer.secret != c.clientSecret {
			t.Fatalf("%v %v", got, err)
		}
	})
	t.Run("kubelet layout reads through ..data", func(t *testing.T) {
		kd := newKubeSecretDir(t, c)
		got, err := readCredentials(kd.dir)
		if err != nil || got.customer.secret != c.clientSecret {
			t.Fatalf("%v %v", got, err)
		}
		c2 := c
		c2.clientSecret = "second-secret-0123456789"
		kd.swap(t, c2)
		got, err = readCredentials(kd.dir)
		if err != nil || got.customer.secret != c2.clientSecret {
			t.Fatalf("%v %v", got, err)
		}
	})
	t.Run("missing required file", func(t *testing.T) {
		dir := t.TempDir()
		c.writeFiles(t, dir)
		os.Remove(filepath.Join(dir, FileTokenSigningKey))
		if _, err := readCredentials(dir); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("oversized file", func(t *testing.T) {
		dir := t.TempDir()
		c.writeFiles(t, dir)
		os.WriteFile(filepath.Join(dir, FileClientJWKS), make([]byte, maxCredentialFile+1), 0o600)
		if _, err := readCredentials(dir); err == nil || !strings.Contains(err.Error(), "larger") {
			t.Fatalf("err %v", err)
		}
	})
}

// FuzzParseClientJWKS: no client_jwks.json may panic the loader.
func FuzzParseClientJWKS(f *testing.F) {
	f.Add(jwksOf(f, newBackendClient(f, jose.ES384, "k")))
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-384"}]}`))
	f.Add([]byte(`{"keys":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		keys, err := parseClientJWKS(b)
		if err == nil && len(keys) == 0 {
			t.Fatal("success without keys")
		}
	})
}
