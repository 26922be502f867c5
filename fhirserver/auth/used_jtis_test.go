package auth

import (
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

func TestJTICache(t *testing.T) {
	now := newFakeClock().Now()
	c := newJTICache(2)
	put := func(id string, until, now time.Time) (bool, error) { return c.PutIfAbsent(id, nil, until, now) }
	if ok, _ := put("a", now.Add(time.Minute), now); !ok {
		t.Fatal("first id refused")
	}
	if ok, _ := put("a", now.Add(time.Minute), now); ok {
		t.Fatal("replay not detected")
	}
	if ok, _ := put("b", now.Add(time.Second), now); !ok {
		t.Fatal("second id refused")
	}
	// Full of live ids: fail rather than forget one.
	if ok, err := put("c", now.Add(time.Minute), now); ok || !errors.Is(err, errJTICacheFull) {
		t.Fatalf("full cache: %v %v, want false and errJTICacheFull", ok, err)
	}
	// Once "b" expired there is room again, and "a" is still remembered.
	later := now.Add(2 * time.Second)
	if ok, _ := put("c", later.Add(time.Minute), later); !ok {
		t.Fatal("expired id not pruned")
	}
	if ok, _ := put("a", later.Add(time.Minute), later); ok {
		t.Fatal("live id forgotten")
	}
	if n, _ := c.DeleteExpired(now.Add(2 * time.Minute)); n != 2 {
		t.Fatalf("DeleteExpired dropped %d, want 2", n)
	}
}

func TestUsedJTIKeyIsScopedAndBounded(t *testing.T) {
	long := string(make([]byte, 10000))
	if usedJTIKey("a", "x") == usedJTIKey("b", "x") {
		t.Fatal("the same jti of two clients shares a key")
	}
	if k := usedJTIKey("acme", long); len(k) > 64 {
		t.Fatalf("key of %d bytes for a long jti", len(k))
	}
}

// failingJTIs is a UsedJTIStore whose disk is gone.
type failingJTIs struct{}

func (failingJTIs) PutIfAbsent(string, []byte, time.Time, time.Time) (bool, error) {
	return false, errors.New("disk on fire")
}
func (failingJTIs) DeleteExpired(time.Time) (int, error) { return 0, errors.New("disk on fire") }

// assertionEndpoint starts an endpoint whose customer authenticates with
// private_key_jwt, and returns it with a maker of that client's assertions.
func assertionEndpoint(t *testing.T, opt func(*Config)) (*testEndpoint, func(jti string) string) {
	clock := newFakeClock()
	cl := newBackendClient(t, jose.ES384, "ec-1")
	c := newCredSet(t, "acme")
	c.jwks = jwksOf(t, cl)
	dir := t.TempDir()
	c.writeFiles(t, dir)
	e := startEndpoint(t, c, dir, clock, opt)
	return e, func(jti string) string {
		return cl.assertion(t, map[string]any{"iss": c.clientID, "sub": c.clientID, "aud": e.srv.TokenURL(),
			"exp": clock.Now().Add(time.Minute).Unix(), "jti": jti})
	}
}

// An assertion whose jti cannot be recorded is refused: accepting it could
// allow a replay after a restart.
func TestAssertionRefusedWhenItsJTICannotBeRecorded(t *testing.T) {
	e, assertion := assertionEndpoint(t, func(cfg *Config) { cfg.UsedJTIs = failingJTIs{} })
	r := postToken(t, e, assertionForm(assertion("j1")), "", "")
	if r.status != http.StatusServiceUnavailable || r.str("error") != "temporarily_unavailable" || r.header.Get("Retry-After") == "" {
		t.Fatalf("%d %v %v, want 503 temporarily_unavailable with Retry-After", r.status, r.body, r.header)
	}
}

// countingJTIs is the in-memory store, counting sweeps.
type countingJTIs struct {
	*jtiCache
	mu     sync.Mutex
	sweeps int
}

func (c *countingJTIs) DeleteExpired(now time.Time) (int, error) {
	c.mu.Lock()
	c.sweeps++
	c.mu.Unlock()
	return c.jtiCache.DeleteExpired(now)
}

func (c *countingJTIs) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sweeps
}

// The used-jti sweep runs at start and after an assertion is recorded, and
// an idle server does not wake for it.
func TestUsedJTISweepOnlyAfterUse(t *testing.T) {
	store := &countingJTIs{jtiCache: newJTICache(100)}
	const after = 20 * time.Millisecond
	e, assertion := assertionEndpoint(t, func(cfg *Config) { cfg.UsedJTIs = store; cfg.jtiSweepAfter = after })
	waitFor(t, func() bool { return store.count() == 1 }, "the sweep at start")
	time.Sleep(10 * after)
	if n := store.count(); n != 1 {
		t.Fatalf("%d sweeps of an idle server, want only the one at start", n)
	}
	if r := postToken(t, e, assertionForm(assertion("j1")), "", ""); r.status != http.StatusOK {
		t.Fatalf("assertion refused: %d %v", r.status, r.body)
	}
	waitFor(t, func() bool { return store.count() == 2 }, "a sweep after the assertion")
	time.Sleep(10 * after)
	if n := store.count(); n != 2 {
		t.Fatalf("%d sweeps after one assertion, want 2", n)
	}
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within 10 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
