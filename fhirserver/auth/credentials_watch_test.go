package auth

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/go-jose/go-jose/v4/jwt"
)

// kubeSecretDir lays out dir as the kubelet mounts a Secret: the files live
// in a timestamped folder, "..data" points at it, and each key is a symlink
// through "..data".
type kubeSecretDir struct {
	dir string
	gen int
}

func newKubeSecretDir(t testing.TB, c credSet) *kubeSecretDir {
	k := &kubeSecretDir{dir: t.TempDir()}
	k.swap(t, c)
	for _, name := range []string{FileClientID, FileClientSecret, FileAggregatorClientID,
		FileAggregatorClientSecret, FileTokenSigningKey} {
		if err := os.Symlink(filepath.Join("..data", name), filepath.Join(k.dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return k
}

// swap writes c into a new folder and atomically repoints "..data" at it,
// as the kubelet's AtomicWriter does.
func (k *kubeSecretDir) swap(t testing.TB, c credSet) {
	t.Helper()
	k.gen++
	ts := fmt.Sprintf("..2026_03_01_12_00_%02d.%d", k.gen, k.gen)
	c.writeFiles(t, filepath.Join(k.dir, ts))
	tmp := filepath.Join(k.dir, "..data_tmp")
	if err := os.Symlink(ts, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(k.dir, "..data")); err != nil {
		t.Fatal(err)
	}
}

// noWatch makes the servers started until the test ends run without an
// fsnotify watch, as past fs.inotify.max_user_instances. Not for parallel tests.
func noWatch(t *testing.T) {
	newWatcher = func() (*fsnotify.Watcher, error) { return nil, errors.New("too many open files") }
	t.Cleanup(func() { newWatcher = fsnotify.NewWatcher })
}

func TestSecretRotation(t *testing.T) {
	for _, mode := range []struct {
		name     string
		interval time.Duration
		watch    bool
	}{
		{"fsnotify", time.Hour, true}, // the re-check is never due: the watcher must see the swap
		{"re-check on use", 20 * time.Millisecond, false},
	} {
		t.Run(mode.name, func(t *testing.T) {
			if !mode.watch {
				noWatch(t)
			}
			testSecretRotation(t, mode.interval)
		})
	}
}

func testSecretRotation(t *testing.T, interval time.Duration) {
	clock := newFakeClock()
	v1 := newCredSet(t, "acme")
	kd := newKubeSecretDir(t, v1)
	e := startEndpoint(t, v1, kd.dir, clock, func(c *Config) { c.ReloadInterval = interval })
	oldToken := e.token(t, v1.clientID, v1.clientSecret, "")

	// Clients keep working with the old secret and the old token while the
	// files are swapped under them.
	var failures atomic.Int64
	var requests atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				r := postToken(t, e, url.Values{"grant_type": {"client_credentials"}}, v1.clientID, v1.clientSecret)
				if r.status != http.StatusOK {
					failures.Add(1)
					t.Errorf("old secret refused during the swap: %d %v", r.status, r.body)
				}
				for _, tok := range []string{oldToken, r.str("access_token")} {
					if resp, body := e.get(t, "/fhir/Patient", tok); resp.StatusCode != http.StatusOK {
						failures.Add(1)
						t.Errorf("token refused during the swap: %d %s", resp.StatusCode, body)
					}
				}
				requests.Add(1)
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	v2 := v1
	v2.clientSecret = "acme-rotated-secret-0123456789"
	v2.aggSecret = "acme-rotated-aggsecret-0123456789"
	v2.keyPEM = p256PEM(t)
	kd.swap(t, v2)

	// The change is noticed without anybody asking for it (no token request
	// with the new secret, which would itself trigger a re-read): by the
	// watch, or by the re-check of the requests with the old secret.
	deadline := time.Now().Add(10 * time.Second)
	for e.srv.ring.Load().creds.customer.secret != v2.clientSecret {
		if time.Now().After(deadline) {
			t.Fatal("swap not noticed within 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.token(t, v2.clientID, v2.clientSecret, "")
	time.Sleep(50 * time.Millisecond)
	close(stop)
	wg.Wait()
	if failures.Load() != 0 || requests.Load() == 0 {
		t.Fatalf("%d failures in %d rounds", failures.Load(), requests.Load())
	}

	// New tokens are signed with the new key; the old token still verifies.
	newToken := e.token(t, v2.clientID, v2.clientSecret, "")
	newKey, oldKey := mustKey(t, v2.keyPEM), mustKey(t, v1.keyPEM)
	if tok, _ := jwt.ParseSigned(newToken, verifyAlgs()); tok.Headers[0].KeyID != newKey.kid {
		t.Fatalf("new token kid %q, want %q", tok.Headers[0].KeyID, newKey.kid)
	}
	e.srv.tokens = newTokenCache(defaultTokenCacheSize) // force a real signature check
	if _, err := e.srv.VerifyToken(oldToken); err != nil {
		t.Fatalf("token from the old key %s refused after rotation: %v", oldKey.kid, err)
	}

	// Inside the grace period both secrets work (aggregator too)...
	clock.Add(DefaultSecretGracePeriod - time.Minute)
	e.token(t, v1.clientID, v1.clientSecret, "")
	e.token(t, v1.aggID, v1.aggSecret, "")
	e.token(t, v2.clientID, v2.clientSecret, "")
	// ...and after it only the new one.
	clock.Add(2 * time.Minute)
	for _, c := range []struct{ id, secret string }{{v1.clientID, v1.clientSecret}, {v1.aggID, v1.aggSecret}} {
		if r := postToken(t, e, url.Values{"grant_type": {"client_credentials"}}, c.id, c.secret); r.status != http.StatusUnauthorized {
			t.Fatalf("old secret of %s works after the grace period: %d", c.id, r.status)
		}
	}
	e.token(t, v2.clientID, v2.clientSecret, "")
	e.token(t, v2.aggID, v2.aggSecret, "")
}

// Without a watch, an idle server reads nothing however long it waits, and
// the first use after the re-check period finds a swapped secret.
func TestRecheckOnlyOnUse(t *testing.T) {
	noWatch(t)
	const interval = 20 * time.Millisecond
	v1 := newCredSet(t, "acme")
	kd := newKubeSecretDir(t, v1)
	e := startEndpoint(t, v1, kd.dir, newFakeClock(), func(c *Config) { c.ReloadInterval = interval })
	if e.srv.watcher != nil || e.srv.recheckEvery != interval {
		t.Fatalf("watcher %v, re-check every %v; want none and %v", e.srv.watcher, e.srv.recheckEvery, interval)
	}
	tok := e.token(t, v1.clientID, v1.clientSecret, "")
	v2 := v1
	v2.clientSecret = "acme-rotated-secret-0123456789"
	kd.swap(t, v2)
	time.Sleep(10 * interval)
	if got := e.srv.ring.Load().creds.customer.secret; got != v1.clientSecret {
		t.Fatal("an idle server re-read its credentials")
	}
	if resp, body := e.get(t, "/fhir/Patient", tok); resp.StatusCode != http.StatusOK {
		t.Fatalf("token refused: %d %s", resp.StatusCode, body)
	}
	waitFor(t, func() bool { return e.srv.ring.Load().creds.customer.secret == v2.clientSecret },
		"re-read after a verified token")
}

// setMTime sets the times of every file of the Secret folder's current
// data (what a copy that keeps times, or a late kubelet, leaves).
func setMTime(t *testing.T, kd *kubeSecretDir, at time.Time) {
	t.Helper()
	data, err := filepath.EvalSymlinks(filepath.Join(kd.dir, "..data"))
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(data)
	for _, f := range entries {
		if err := os.Chtimes(filepath.Join(data, f.Name()), at, at); err != nil {
			t.Fatal(err)
		}
	}
}

// A replaced secret works for the grace period from when its file changed,
// not from when the server noticed: an idle server that could not watch the
// folder may notice a rotation late, and must not extend an old secret.
func TestGraceRunsFromTheChange(t *testing.T) {
	clock := newFakeClock()
	v1 := newCredSet(t, "acme")
	kd := newKubeSecretDir(t, v1)
	e := startEndpoint(t, v1, kd.dir, clock, func(c *Config) { c.ReloadInterval = time.Hour })
	clock.Add(25 * time.Hour) // idle since it read v1
	v2 := v1
	v2.clientSecret = "acme-rotated-secret-0123456789"
	kd.swap(t, v2)
	// The new files were written 23 h before the server reads them.
	setMTime(t, kd, clock.Now().Add(-23*time.Hour))
	if err := e.srv.Reload(); err != nil {
		t.Fatal(err)
	}
	clock.Add(59 * time.Minute)
	e.token(t, v1.clientID, v1.clientSecret, "")
	clock.Add(2 * time.Minute)
	if r := postToken(t, e, url.Values{"grant_type": {"client_credentials"}}, v1.clientID, v1.clientSecret); r.status != http.StatusUnauthorized {
		t.Fatalf("old secret works %v after its file changed: %d", 24*time.Hour+time.Minute, r.status)
	}
	e.token(t, v2.clientID, v2.clientSecret, "")
}

// Files copied in with their old times (cp -p, rsync -a) do not end the
// grace period before it began: the old secret was still current when the
// server last read it, so its grace runs from then at the earliest.
func TestGraceNotBeforeTheLastRead(t *testing.T) {
	clock := newFakeClock()
	v1 := newCredSet(t, "acme")
	kd := newKubeSecretDir(t, v1)
	e := startEndpoint(t, v1, kd.dir, clock, func(c *Config) { c.ReloadInterval = time.Hour })
	read := clock.Now()
	v2 := v1
	v2.clientSecret = "acme-rotated-secret-0123456789"
	kd.swap(t, v2)
	setMTime(t, kd, read.Add(-48*time.Hour))
	clock.Add(time.Hour)
	if err := e.srv.Reload(); err != nil {
		t.Fatal(err)
	}
	clock.Add(22*time.Hour + 58*time.Minute)
	e.token(t, v1.clientID, v1.clientSecret, "")
	clock.Add(3 * time.Minute)
	if r := postToken(t, e, url.Values{"grant_type": {"client_credentials"}}, v1.clientID, v1.clientSecret); r.status != http.StatusUnauthorized {
		t.Fatalf("old secret works 24 h after the server last read it as current: %d", r.status)
	}
	e.token(t, v2.clientID, v2.clientSecret, "")
}

// An idle server that cannot watch its folder re-reads it before it
// answers the first token request after the re-check period, not after:
// a secret whose grace period ended while nobody called gets no token.
func TestIdleServerRereadsBeforeAToken(t *testing.T) {
	noWatch(t)
	clock := newFakeClock()
	v1 := newCredSet(t, "acme")
	kd := newKubeSecretDir(t, v1)
	const interval = 20 * time.Millisecond
	e := startEndpoint(t, v1, kd.dir, clock, func(c *Config) { c.ReloadInterval = interval })
	clock.Add(30 * time.Hour)
	v2 := v1
	v2.clientSecret = "acme-rotated-secret-0123456789"
	kd.swap(t, v2)
	setMTime(t, kd, clock.Now().Add(-29*time.Hour)) // rotated an hour after the server's read
	time.Sleep(2 * interval)
	if r := postToken(t, e, url.Values{"grant_type": {"client_credentials"}}, v1.clientID, v1.clientSecret); r.status != http.StatusUnauthorized {
		t.Fatalf("the first token request after 30 idle hours got a token for a secret replaced 29 h ago: %d", r.status)
	}
	e.token(t, v2.clientID, v2.clientSecret, "")
}

// TestNewSecretWorksAtOnce: a client that already has the new secret is not
// refused while the watcher has yet to notice the change.
func TestNewSecretWorksAtOnce(t *testing.T) {
	v1 := newCredSet(t, "acme")
	kd := newKubeSecretDir(t, v1)
	e := startEndpoint(t, v1, kd.dir, newFakeClock(), func(c *Config) { c.ReloadInterval = time.Hour })
	e.srv.Close() // no watcher: only the re-read on a miss can find the new secret
	v2 := v1
	v2.clientSecret = "acme-rotated-secret-0123456789"
	kd.swap(t, v2)
	e.token(t, v2.clientID, v2.clientSecret, "")
	// A wrong secret right after does not re-read again (rate limit) and fails.
	if r := postToken(t, e, url.Values{"grant_type": {"client_credentials"}}, v2.clientID, "wrong-secret-0123456789"); r.status != 401 {
		t.Fatalf("wrong secret: %d", r.status)
	}
}

func TestBrokenUpdateKeepsCredentials(t *testing.T) {
	clock := newFakeClock()
	v1 := newCredSet(t, "acme")
	kd := newKubeSecretDir(t, v1)
	e := startEndpoint(t, v1, kd.dir, clock)
	broken := v1
	broken.keyPEM = []byte("not a key")
	kd.swap(t, broken)
	if err := e.srv.Reload(); err == nil {
		t.Fatal("broken key accepted")
	}
	e.token(t, v1.clientID, v1.clientSecret, "")
	// Fixing the files recovers without a restart.
	fixed := v1
	fixed.clientSecret = "fixed-secret-0123456789abcdef"
	kd.swap(t, fixed)
	if err := e.srv.Reload(); err != nil {
		t.Fatal(err)
	}
	e.token(t, fixed.clientID, fixed.clientSecret, "")
}
