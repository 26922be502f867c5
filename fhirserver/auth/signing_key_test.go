package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"testing"
)

func TestParseSigningKey(t *testing.T) {
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsa1024, _ := rsa.GenerateKey(rand.Reader, 1024)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	sec1, _ := x509.MarshalECPrivateKey(p256)
	rsa2048, _ := rsa.GenerateKey(rand.Reader, 2048)
	pub, _ := x509.MarshalPKIXPublicKey(&p256.PublicKey)
	cases := []struct {
		name    string
		pem     []byte
		wantAlg string
	}{
		{"P-256 PKCS#8", p256PEM(t), "ES256"},
		{"P-256 SEC 1", pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}), "ES256"},
		{"Ed25519", ed25519PEM(t), "EdDSA"},
		{"RSA PKCS#8", pemOf(t, rsa2048), "RS256"},
		{"RSA PKCS#1", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsa2048)}), "RS256"},
		{"P-384 refused", pemOf(t, p384), ""},
		{"RSA 1024 refused", pemOf(t, rsa1024), ""},
		{"public key refused", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), ""},
		{"not PEM", []byte("hello"), ""},
		{"broken DER", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}}), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k, err := parseSigningKey(tc.pem)
			if tc.wantAlg == "" {
				if err == nil {
					t.Fatalf("accepted as %s", k.alg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(k.alg) != tc.wantAlg || len(k.kid) != 43 {
				t.Fatalf("alg %s kid %q", k.alg, k.kid)
			}
		})
	}
}

func TestGeneratedSigningKeyIsP256(t *testing.T) {
	b, err := generateSigningKeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	k, err := parseSigningKey(b)
	if err != nil || k.alg != "ES256" {
		t.Fatalf("%v %v", k, err)
	}
}

// FuzzParseSigningKey: no file content may panic the loader.
func FuzzParseSigningKey(f *testing.F) {
	f.Add(p256PEM(f))
	f.Add(ed25519PEM(f))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = parseSigningKey(b)
	})
}
