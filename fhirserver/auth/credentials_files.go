package auth

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// The file names of the credentials directory: one file per key of the
// endpoint's Secret, so the operator can mount the Secret as it is.
const (
	FileClientID               = "client_id"
	FileClientSecret           = "client_secret"
	FileAggregatorClientID     = "aggregator_client_id"
	FileAggregatorClientSecret = "aggregator_client_secret"
	FileTokenSigningKey        = "token_signing_key"
	FileClientJWKS             = "client_jwks.json"
)

// minSecretLen refuses client secrets short enough to guess.
const minSecretLen = 16

// maxCredentialFile bounds what is read from one file.
const maxCredentialFile = 1 << 20

// clientCreds is one client's id and secret.
type clientCreds struct {
	id     string
	secret string
	jwks   []jose.JSONWebKey // a listed client's keys for private_key_jwt
}

// credentials is one consistent reading of the credentials directory.
type credentials struct {
	customer   clientCreds
	aggregator clientCreds // zero when the endpoint has no aggregator client
	key        *signingKey
	jwks       []jose.JSONWebKey // the customer's public keys for private_key_jwt
	// listed are the clients of Config.Clients (customer and aggregator
	// are then empty): each may get tokens as a customer would.
	listed []clientCreds
	// digest covers every file's bytes so a re-read that changes nothing is a no-op.
	digest [sha256.Size]byte
	// changedAt is the latest modification time of the secret files read:
	// when a replaced secret was replaced, however late the server notices
	// (it re-reads on use when it cannot watch the folder). Zero: unknown.
	changedAt time.Time
}

// snapshotDir returns the folder to read the files from. A mounted Secret is
// a set of symlinks into "..data", itself a symlink that the kubelet swaps
// atomically to a new timestamped folder; reading through the resolved
// "..data" target gives all files from one version even during a swap.
func snapshotDir(dir string) (string, error) {
	data := filepath.Join(dir, "..data")
	if _, err := os.Lstat(data); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return dir, nil
		}
		return "", fmt.Errorf("stat %s: %w", data, err)
	}
	target, err := filepath.EvalSymlinks(data)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", data, err)
	}
	return target, nil
}

// readCredentials reads and checks the credentials directory.
func readCredentials(dir string) (*credentials, error) {
	base, err := snapshotDir(dir)
	if err != nil {
		return nil, err
	}
	read := func(name string, required bool) ([]byte, error) {
		b, err := readLimited(filepath.Join(base, name))
		if err != nil {
			if !required && errors.Is(err, fs.ErrNotExist) {
				return nil, nil
			}
			return nil, fmt.Errorf("read %s in %s: %w", name, dir, err)
		}
		return b, nil
	}
	files := map[string][]byte{}
	for _, f := range []struct {
		name     string
		required bool
	}{
		{FileClientID, true}, {FileClientSecret, true}, {FileTokenSigningKey, true},
		{FileAggregatorClientID, false}, {FileAggregatorClientSecret, false}, {FileClientJWKS, false},
	} {
		b, err := read(f.name, f.required)
		if err != nil {
			return nil, err
		}
		files[f.name] = b
	}
	c, err := parseCredentials(files)
	if err != nil {
		return nil, err
	}
	for _, name := range []string{FileClientSecret, FileAggregatorClientSecret} {
		if fi, err := os.Stat(filepath.Join(base, name)); err == nil && fi.ModTime().After(c.changedAt) {
			c.changedAt = fi.ModTime()
		}
	}
	return c, nil
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxCredentialFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxCredentialFile {
		return nil, fmt.Errorf("larger than %d bytes", maxCredentialFile)
	}
	return b, nil
}

// parseCredentials checks the files' contents; names are the File* constants.
func parseCredentials(files map[string][]byte) (*credentials, error) {
	h := sha256.New()
	for _, name := range []string{FileClientID, FileClientSecret, FileAggregatorClientID,
		FileAggregatorClientSecret, FileTokenSigningKey, FileClientJWKS} {
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(files[name]))
		h.Write(files[name])
	}
	c := &credentials{}
	copy(c.digest[:], h.Sum(nil))

	// Secrets written by hand or by `kubectl create secret --from-file` often
	// end in a newline that is not part of the value.
	text := func(name string) string { return strings.TrimSpace(string(files[name])) }
	c.customer = clientCreds{id: text(FileClientID), secret: text(FileClientSecret)}
	if err := checkClient(c.customer, FileClientID, FileClientSecret); err != nil {
		return nil, err
	}
	c.aggregator = clientCreds{id: text(FileAggregatorClientID), secret: text(FileAggregatorClientSecret)}
	switch {
	case c.aggregator.id == "" && c.aggregator.secret == "":
		// No aggregator client on this endpoint.
	case c.aggregator.id == c.customer.id:
		return nil, fmt.Errorf("%s must differ from %s", FileAggregatorClientID, FileClientID)
	default:
		if err := checkClient(c.aggregator, FileAggregatorClientID, FileAggregatorClientSecret); err != nil {
			return nil, err
		}
	}
	key, err := parseSigningKey(files[FileTokenSigningKey])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", FileTokenSigningKey, err)
	}
	c.key = key
	if len(bytes.TrimSpace(files[FileClientJWKS])) > 0 {
		keys, err := parseClientJWKS(files[FileClientJWKS])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", FileClientJWKS, err)
		}
		c.jwks = keys
	}
	return c, nil
}

func checkClient(c clientCreds, idFile, secretFile string) error {
	if c.id == "" {
		return fmt.Errorf("%s is empty", idFile)
	}
	if strings.ContainsAny(c.id, " \t\r\n:") {
		return fmt.Errorf("%s contains whitespace or ':'", idFile)
	}
	if len(c.secret) < minSecretLen {
		return fmt.Errorf("%s is shorter than %d characters", secretFile, minSecretLen)
	}
	return nil
}

// parseClientJWKS reads the customer's JWK Set. Only public keys that can
// check RS384 or ES384 assertions are kept; a private key in the file is a
// mistake worth refusing loudly, since it means the secret half leaked here.
func parseClientJWKS(b []byte) ([]jose.JSONWebKey, error) {
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, fmt.Errorf("parse JWK Set: %w", err)
	}
	var keys []jose.JSONWebKey
	for i, k := range set.Keys {
		if !k.IsPublic() {
			return nil, fmt.Errorf("keys[%d] is a private key; put only public keys here", i)
		}
		switch pub := k.Key.(type) {
		case *rsa.PublicKey:
			if pub.N.BitLen() < minRSABits {
				return nil, fmt.Errorf("keys[%d]: RSA key of %d bits is too short", i, pub.N.BitLen())
			}
		case *ecdsa.PublicKey:
			if pub.Curve != elliptic.P384() {
				continue // cannot verify ES384; ignore rather than fail the whole set
			}
		default:
			continue
		}
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("no usable public key (want RSA ≥ 2048 bits for RS384 or EC P-384 for ES384)")
	}
	return keys, nil
}
