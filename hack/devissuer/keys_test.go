package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

func readJWKS(t *testing.T, dir string) jose.JSONWebKeySet {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, jwksFile))
	if err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		t.Fatal(err)
	}
	return set
}

func TestEnsureKeys(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "issuer")
	k, err := ensureKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	for path, mode := range map[string]os.FileMode{dir: 0o700 | os.ModeDir, filepath.Join(dir, keyFile): 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode() != mode {
			t.Errorf("%s: %v, want mode %v", path, fi.Mode(), mode)
		}
	}
	set := readJWKS(t, dir)
	if len(set.Keys) != 1 || !set.Keys[0].IsPublic() || set.Keys[0].KeyID != k.kid || set.Keys[0].Algorithm != "ES256" || set.Keys[0].Use != "sig" {
		t.Fatalf("JWK Set: %+v", set)
	}

	t.Run("a second run keeps the key and heals a lost JWK Set", func(t *testing.T) {
		if err := os.Remove(filepath.Join(dir, jwksFile)); err != nil {
			t.Fatal(err)
		}
		again, err := ensureKeys(dir)
		if err != nil {
			t.Fatal(err)
		}
		if again.kid != k.kid || !again.private.Equal(k.private) {
			t.Fatal("the key was replaced")
		}
		if got := readJWKS(t, dir); got.Keys[0].KeyID != k.kid {
			t.Fatalf("healed JWK Set names %q", got.Keys[0].KeyID)
		}
	})

	t.Run("another folder, another key id", func(t *testing.T) {
		other, err := ensureKeys(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if other.kid == k.kid {
			t.Fatal("two keys share a key id")
		}
	})

	t.Run("a damaged key is an error naming the file, never replaced", func(t *testing.T) {
		for name, content := range map[string]string{
			"no PEM":      "garbage",
			"not PKCS#8":  "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
			"another PEM": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
		} {
			t.Run(name, func(t *testing.T) {
				d := t.TempDir()
				path := filepath.Join(d, keyFile)
				if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
				_, err := ensureKeys(d)
				if err == nil || !strings.Contains(err.Error(), path) {
					t.Fatalf("err = %v, want one naming %s", err, path)
				}
				if b, _ := os.ReadFile(path); string(b) != content {
					t.Fatal("the damaged key was overwritten")
				}
			})
		}
	})
}
