package endpoint

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/go-logr/logr"

	"github.com/fhirfleet/fhirfleet/aggregator/access"
	"github.com/fhirfleet/fhirfleet/fhirserver/auth"
)

// The files of one customer's folder: the customer's Secret mounted as it
// is, so the client files are named as in a server's credentials folder.
const (
	fileClientID      = auth.FileClientID
	fileClientSecret  = auth.FileClientSecret
	filePrivacyLabels = "privacy_labels"
	fileClientJWKS    = auth.FileClientJWKS
)

// PrivacyLabels are the platform's privacy-label codes, the only ones a
// customer can be granted.
var PrivacyLabels = []string{"GENERAL_HEALTH", "MENTAL_HEALTH", "SEXUAL_HEALTH", "SOCIAL_CARE"}

// customerName is what a customer folder may be called: a Kubernetes-style
// name, so it is a safe path segment and a source-organization code.
var customerName = regexp.MustCompile(`^[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?$`)

// customer is one customer as the clients folder describes it.
type customer struct {
	name   string
	labels []string
}

// directory is the customers' clients: a folder of folders, one per
// customer, read again on every auth reload. It maps client ids to
// customers for the requests their tokens make.
type directory struct {
	dir       string
	generated bool // the folder is ours: EnsureCustomer writes into it
	log       logr.Logger

	mu       sync.RWMutex
	byClient map[string]customer
	ensure   sync.Mutex // serialises EnsureCustomer
}

// list reads every customer folder (auth.Config.Clients). A broken folder
// fails the whole read, so the clients in force stay as they were and the
// error is logged by the reload.
func (d *directory) list() ([]auth.Client, error) {
	entries, err := os.ReadDir(d.dir)
	if errors.Is(err, fs.ErrNotExist) && d.generated {
		entries, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read clients dir %s: %w", d.dir, err)
	}
	var clients []auth.Client
	byClient := map[string]customer{}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || !isDir(filepath.Join(d.dir, name)) {
			continue // the kubelet's ..data and friends, stray files
		}
		if !customerName.MatchString(name) {
			return nil, fmt.Errorf("clients dir %s: folder %q is not a customer name (lower-case letters, digits, '-', '.', '_')", d.dir, name)
		}
		c, cust, err := readCustomer(filepath.Join(d.dir, name), name)
		if err != nil {
			return nil, err
		}
		if prev, dup := byClient[c.ID]; dup {
			return nil, fmt.Errorf("clients dir %s: customers %s and %s have the same client_id", d.dir, prev.name, name)
		}
		byClient[c.ID] = cust
		clients = append(clients, c)
	}
	d.mu.Lock()
	d.byClient = byClient
	d.mu.Unlock()
	return clients, nil
}

func isDir(p string) bool {
	st, err := os.Stat(p) // follows symlinks: a mounted Secret may be one
	return err == nil && st.IsDir()
}

// readCustomer reads one customer's folder.
func readCustomer(dir, name string) (auth.Client, customer, error) {
	read := func(f string, required bool) (string, error) {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			if !required && errors.Is(err, fs.ErrNotExist) {
				return "", nil
			}
			return "", fmt.Errorf("customer %s: %w", name, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	id, err := read(fileClientID, true)
	if err != nil {
		return auth.Client{}, customer{}, err
	}
	secret, err := read(fileClientSecret, true)
	if err != nil {
		return auth.Client{}, customer{}, err
	}
	jwks, err := read(fileClientJWKS, false)
	if err != nil {
		return auth.Client{}, customer{}, err
	}
	raw, err := read(filePrivacyLabels, false)
	if err != nil {
		return auth.Client{}, customer{}, err
	}
	labels, err := parseLabels(raw)
	if err != nil {
		return auth.Client{}, customer{}, fmt.Errorf("customer %s: %s: %w", name, filePrivacyLabels, err)
	}
	c := auth.Client{ID: id, Secret: secret}
	if jwks != "" {
		c.JWKS = []byte(jwks)
	}
	return c, customer{name: name, labels: labels}, nil
}

// parseLabels reads a comma-separated list of privacy-label codes.
func parseLabels(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !slices.Contains(PrivacyLabels, f) {
			return nil, fmt.Errorf("%q is not a privacy label (want some of %s)", f, strings.Join(PrivacyLabels, ", "))
		}
		out = append(out, f)
	}
	sort.Strings(out)
	return slices.Compact(out), nil
}

// subject returns the customer a client id belongs to.
func (d *directory) subject(clientID string) (access.Subject, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	c, ok := d.byClient[clientID]
	return access.Subject{Customer: c.name, Labels: c.labels}, ok
}

// ensure creates the generated client of customer name unless it has one:
// client_id and client_secret, mode 0600 in a 0700 folder, never replaced.
// It reports whether it created them.
func (d *directory) ensureCustomer(name string) (bool, error) {
	if !customerName.MatchString(name) {
		return false, fmt.Errorf("endpoint: %q is not a customer name (lower-case letters, digits, '-', '.', '_')", name)
	}
	if !d.generated {
		return false, nil // --clients-dir is the operator's: clients come from there
	}
	d.ensure.Lock()
	defer d.ensure.Unlock()
	dir := filepath.Join(d.dir, name)
	if _, err := os.Stat(filepath.Join(dir, fileClientSecret)); err == nil {
		return false, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, fmt.Errorf("endpoint: create %s: %w", dir, err)
	}
	secret, err := randomText(32)
	if err != nil {
		return false, err
	}
	suffix, err := randomText(6)
	if err != nil {
		return false, err
	}
	// The id first, the secret last: a folder with a secret is complete.
	for _, f := range []struct{ name, value string }{
		{fileClientID, "aggregated-" + name + "-" + strings.ToLower(suffix)},
		{fileClientSecret, secret},
	} {
		if err := writeNew(filepath.Join(dir, f.name), f.value); err != nil {
			return false, err
		}
	}
	return true, nil
}

// writeNew writes a file with mode 0600, replacing a partial one a crash
// left, and syncs it.
func writeNew(path, value string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("endpoint: create %s: %w", path, err)
	}
	if _, err := f.WriteString(value); err != nil {
		_ = f.Close()
		return fmt.Errorf("endpoint: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("endpoint: sync %s: %w", path, err)
	}
	return f.Close()
}

func randomText(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("endpoint: random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
