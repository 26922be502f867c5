package auth

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// generateCredentials fills dir with a fresh credentials set for a
// zero-config local run. Files that already exist are kept, so a restart
// reuses the same clients and key (and tokens issued before it stay valid);
// only missing files are created, each with mode 0600 in a 0700 folder. It
// returns the names of the files it created.
func generateCredentials(dir string) ([]string, error) {
	return generateMissing(dir, []fileMaker{
		{FileClientID, func() ([]byte, error) { return randomID("client-") }},
		{FileClientSecret, randomSecret},
		{FileAggregatorClientID, func() ([]byte, error) { return randomID("aggregator-") }},
		{FileAggregatorClientSecret, randomSecret},
		{FileTokenSigningKey, generateSigningKeyPEM},
	})
}

// fileMaker generates the content of one credentials file.
type fileMaker struct {
	name string
	make func() ([]byte, error)
}

// generateMissing creates, in dir (made 0700 if missing), each file of
// makers that does not exist yet, with mode 0600, and returns the names of
// those it created. Existing files are kept.
func generateMissing(dir string, makers []fileMaker) ([]string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create credentials dir %s: %w", dir, err)
	}
	var created []string
	for _, m := range makers {
		path := filepath.Join(dir, m.name)
		if _, err := os.Stat(path); err == nil {
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return created, fmt.Errorf("stat %s: %w", path, err)
		}
		b, err := m.make()
		if err != nil {
			return created, fmt.Errorf("generate %s: %w", m.name, err)
		}
		if err := writeExclusive(path, b); err != nil {
			return created, err
		}
		created = append(created, m.name)
	}
	return created, nil
}

// writeExclusive writes a new file with mode 0600, failing if it exists, and
// syncs it so a crash right after first start cannot leave an empty secret.
func writeExclusive(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	return nil
}

func randomID(prefix string) ([]byte, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return []byte(prefix + hex.EncodeToString(b)), nil
}

// randomSecret returns 256 random bits, base64url without padding so the
// secret needs no escaping in a form body or a Basic header.
func randomSecret() ([]byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return []byte(base64.RawURLEncoding.EncodeToString(b)), nil
}
