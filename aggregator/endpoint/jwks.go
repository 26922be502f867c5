package endpoint

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-logr/logr"
)

// maxJWKS bounds a JWK Set read from a file or fetched.
const maxJWKS = 1 << 20

// jwksRefreshEvery bounds how often an unknown key id makes the set be
// read again: a provider rotating keys is followed within that, and a
// stream of tokens with made-up key ids cannot hammer it.
const jwksRefreshEvery = 30 * time.Second

// keySet is the patient issuer's JWK Set, from a file or an https URL,
// read again when a token names a key id it does not hold.
type keySet struct {
	src    string
	client *http.Client
	now    func() time.Time

	mu    sync.Mutex
	keys  []jose.JSONWebKey
	tried time.Time // the last read, whether it worked or not
}

// newKeySet checks the source's form and reads it once. A file that cannot
// be read is an error: it is this aggregator's own configuration. A URL
// that cannot be fetched is only logged: the provider being down when the
// aggregator starts must not stop the customers' endpoint and the
// following of every feed with it; patients' exchanges are refused until a
// token makes the set be fetched again (at most every jwksRefreshEvery).
func newKeySet(ctx context.Context, src string, client *http.Client, now func() time.Time, log logr.Logger) (*keySet, error) {
	if u, err := url.Parse(src); err == nil && u.Scheme != "" && len(u.Scheme) > 1 {
		if u.Scheme != "https" {
			return nil, fmt.Errorf("endpoint: --patient-jwks %q: a URL must be https", src)
		}
	}
	ks := &keySet{src: src, client: client, now: now}
	if err := ks.refresh(ctx); err != nil {
		if !ks.isURL() {
			return nil, err
		}
		log.Error(err, "the patient issuer's keys cannot be fetched yet: patients' token exchanges are refused until they can be; fetched again at a patient's token", "retryAfter", jwksRefreshEvery)
	}
	return ks, nil
}

func (ks *keySet) isURL() bool {
	u, err := url.Parse(ks.src)
	return err == nil && u.Scheme == "https"
}

// refresh reads the set again; the previous keys stay on failure.
func (ks *keySet) refresh(ctx context.Context) error {
	ks.mu.Lock()
	ks.tried = ks.now()
	ks.mu.Unlock()
	var b []byte
	var err error
	if ks.isURL() {
		b, err = ks.fetch(ctx)
	} else {
		b, err = readBounded(ks.src)
	}
	if err != nil {
		return fmt.Errorf("endpoint: patient JWK Set %s: %w", ks.src, err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		return fmt.Errorf("endpoint: patient JWK Set %s: %w", ks.src, err)
	}
	var keys []jose.JSONWebKey
	for _, k := range set.Keys {
		if k.IsPublic() && k.Use != "enc" {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return fmt.Errorf("endpoint: patient JWK Set %s holds no public signing key", ks.src)
	}
	ks.mu.Lock()
	ks.keys = keys
	ks.mu.Unlock()
	return nil
}

func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAllBounded(f)
}

func readAllBounded(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxJWKS+1))
	if err == nil && len(b) > maxJWKS {
		err = fmt.Errorf("larger than %d bytes", maxJWKS)
	}
	return b, err
}

func (ks *keySet) fetch(ctx context.Context) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ks.src, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	res, err := ks.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET answered %s", res.Status)
	}
	return readAllBounded(res.Body)
}

// lookup returns the keys that may have signed a token with this header:
// by key id when it names one. An unknown key id (or a set never fetched)
// reads the set again, at most once per jwksRefreshEvery.
func (ks *keySet) lookup(ctx context.Context, h jose.Header) []jose.JSONWebKey {
	match := func() []jose.JSONWebKey {
		ks.mu.Lock()
		defer ks.mu.Unlock()
		var out []jose.JSONWebKey
		for _, k := range ks.keys {
			if (h.KeyID == "" || k.KeyID == h.KeyID) && (k.Algorithm == "" || k.Algorithm == h.Algorithm) {
				out = append(out, k)
			}
		}
		return out
	}
	if keys := match(); len(keys) > 0 {
		return keys
	}
	ks.mu.Lock()
	stale := ks.now().Sub(ks.tried) >= jwksRefreshEvery
	ks.mu.Unlock()
	if stale && ks.refresh(ctx) == nil {
		return match()
	}
	return nil
}
