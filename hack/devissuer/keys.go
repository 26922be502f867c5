package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	jose "github.com/go-jose/go-jose/v4"
)

// Files of the issuer's folder.
const (
	keyFile  = "key.pem"
	jwksFile = "jwks.json"
)

// issuerKey is the issuer's signing key and the key id its JWK Set names.
type issuerKey struct {
	private *ecdsa.PrivateKey
	kid     string
}

// ensureKeys returns the key of dir, creating key.pem and jwks.json when
// there is no key yet. An existing key is never replaced (tokens already
// minted must keep verifying); its jwks.json is written again from it, so a
// deleted or damaged one heals.
func ensureKeys(dir string) (*issuerKey, error) {
	k, err := loadKey(dir)
	if errors.Is(err, os.ErrNotExist) {
		k, err = createKey(dir)
	}
	if err != nil {
		return nil, err
	}
	return k, writeJWKS(dir, k)
}

// loadKey reads key.pem of dir; os.ErrNotExist when there is none.
func loadKey(dir string) (*issuerKey, error) {
	path := filepath.Join(dir, keyFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: no PEM block PRIVATE KEY (PKCS#8) in it", path)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ec, ok := parsed.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%s: not an ECDSA P-256 key", path)
	}
	return &issuerKey{private: ec, kid: keyID(ec)}, nil
}

// createKey generates a key into dir/key.pem (0600, in a 0700 folder). The
// file is created exclusively: two runs at once cannot both write one.
func createKey(dir string) (*issuerKey, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(ec)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, keyFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return loadKey(dir)
	}
	if err != nil {
		return nil, err
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return &issuerKey{private: ec, kid: keyID(ec)}, nil
}

// keyID names a key by its public half, so a new key (after make
// dev-clean) has a new id and the aggregator reads its JWK Set again.
func keyID(k *ecdsa.PrivateKey) string {
	der, _ := x509.MarshalPKIXPublicKey(k.Public())
	sum := sha256.Sum256(der)
	return "dev-" + base64.RawURLEncoding.EncodeToString(sum[:9])
}

// writeJWKS writes the public JWK Set through a temporary file, so a
// reader never sees half of one.
func writeJWKS(dir string, k *issuerKey) error {
	b, err := json.MarshalIndent(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key: k.private.Public(), KeyID: k.kid, Algorithm: string(jose.ES256), Use: "sig",
	}}}, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, jwksFile)
	if err := os.WriteFile(path+".tmp", append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}
