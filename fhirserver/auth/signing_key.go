package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
)

// signingKey is the endpoint's token signing key with the JWS algorithm its
// type implies. The algorithm follows from the key, never from a token, which
// is what keeps "alg: none" and HMAC-with-the-public-key out.
type signingKey struct {
	private crypto.Signer
	public  crypto.PublicKey
	alg     jose.SignatureAlgorithm
	// kid is the RFC 7638 thumbprint of the public key, so a token names the
	// key it was signed with and rotation can keep old keys side by side.
	kid string
}

// minRSABits refuses RSA keys too short to be safe.
const minRSABits = 2048

// parseSigningKey reads a PEM private key: PKCS#8 (any of ECDSA P-256,
// Ed25519, RSA), SEC 1 "EC PRIVATE KEY" or PKCS#1 "RSA PRIVATE KEY".
func parseSigningKey(pemBytes []byte) (*signingKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("unsupported PEM block %q (want a private key)", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", block.Type, err)
	}
	sk := &signingKey{}
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("ECDSA curve %s not supported (want P-256)", k.Curve.Params().Name)
		}
		sk.private, sk.public, sk.alg = k, &k.PublicKey, jose.ES256
	case ed25519.PrivateKey:
		sk.private, sk.public, sk.alg = k, k.Public(), jose.EdDSA
	case *rsa.PrivateKey:
		if k.N.BitLen() < minRSABits {
			return nil, fmt.Errorf("RSA key of %d bits is too short (want at least %d)", k.N.BitLen(), minRSABits)
		}
		sk.private, sk.public, sk.alg = k, &k.PublicKey, jose.RS256
	default:
		return nil, fmt.Errorf("unsupported private key type %T", key)
	}
	kid, err := thumbprint(sk.public)
	if err != nil {
		return nil, err
	}
	sk.kid = kid
	return sk, nil
}

func thumbprint(pub crypto.PublicKey) (string, error) {
	jwk := jose.JSONWebKey{Key: pub}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("key thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// signer returns a JWS signer that stamps typ at+jwt (RFC 9068 §2.1) and the kid.
func (k *signingKey) signer() (jose.Signer, error) {
	opts := (&jose.SignerOptions{}).WithType("at+jwt").WithHeader("kid", k.kid)
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: k.alg, Key: k.private}, opts)
	if err != nil {
		return nil, fmt.Errorf("new %s signer: %w", k.alg, err)
	}
	return s, nil
}

// generateSigningKeyPEM makes a fresh ECDSA P-256 key as PKCS#8 PEM: small,
// fast to verify and supported by every JOSE library.
func generateSigningKeyPEM() ([]byte, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate P-256 key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("marshal PKCS#8: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
