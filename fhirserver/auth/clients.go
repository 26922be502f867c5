package auth

import (
	"crypto/sha256"
	"fmt"
	"path/filepath"
)

// Client is one client of an endpoint whose clients are not the files of
// its credentials directory: the aggregated endpoint has one per customer,
// listed by Config.Clients.
type Client struct {
	ID     string
	Secret string
	// JWKS is the client's JWK Set (JSON) for private_key_jwt; empty: the
	// client authenticates with its secret only.
	JWKS []byte
}

// readListedCredentials reads the signing key from dir and the clients
// from list: the credentials of an endpoint configured with Config.Clients.
// The digest covers both, so a changed list is a reload like a changed file.
func readListedCredentials(dir string, list func() ([]Client, error)) (*credentials, error) {
	base, err := snapshotDir(dir)
	if err != nil {
		return nil, err
	}
	keyPEM, err := readLimited(filepath.Join(base, FileTokenSigningKey))
	if err != nil {
		return nil, fmt.Errorf("read %s in %s: %w", FileTokenSigningKey, dir, err)
	}
	clients, err := list()
	if err != nil {
		return nil, fmt.Errorf("list clients: %w", err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00", len(keyPEM))
	h.Write(keyPEM)
	c := &credentials{}
	seen := map[string]bool{}
	for _, cl := range clients {
		for _, b := range [][]byte{[]byte(cl.ID), []byte(cl.Secret), cl.JWKS} {
			fmt.Fprintf(h, "%d\x00", len(b))
			h.Write(b)
		}
		cc := clientCreds{id: cl.ID, secret: cl.Secret}
		if err := checkClient(cc, "client id", "client secret of "+cl.ID); err != nil {
			return nil, err
		}
		if seen[cl.ID] {
			return nil, fmt.Errorf("client id %q is listed twice", cl.ID)
		}
		seen[cl.ID] = true
		if len(cl.JWKS) > 0 {
			if cc.jwks, err = parseClientJWKS(cl.JWKS); err != nil {
				return nil, fmt.Errorf("JWK Set of client %s: %w", cl.ID, err)
			}
		}
		c.listed = append(c.listed, cc)
	}
	copy(c.digest[:], h.Sum(nil))
	if c.key, err = parseSigningKey(keyPEM); err != nil {
		return nil, fmt.Errorf("%s: %w", FileTokenSigningKey, err)
	}
	return c, nil
}

// generateSigningKeyFile creates dir/token_signing_key unless it exists: the
// only generated credential of an endpoint whose clients are listed. It
// reports whether it created the file.
func generateSigningKeyFile(dir string) (bool, error) {
	created, err := generateMissing(dir, []fileMaker{{FileTokenSigningKey, generateSigningKeyPEM}})
	return len(created) > 0, err
}
