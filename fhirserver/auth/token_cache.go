package auth

import (
	"sync"
	"time"
)

// defaultTokenCacheSize bounds the verified-token cache: a few MB at most,
// far more live tokens than one endpoint's two clients ever hold.
const defaultTokenCacheSize = 10000

// tokenCache remembers verified access tokens until they expire, so a
// request pays a map lookup instead of a signature check. The key is the
// whole raw token: a token that differs in any byte is verified afresh.
type tokenCache struct {
	mu  sync.RWMutex
	max int
	m   map[string]cachedToken
}

type cachedToken struct {
	p   *Principal
	exp time.Time // when the token stops being accepted (exp + leeway)
}

func newTokenCache(max int) *tokenCache {
	return &tokenCache{max: max, m: make(map[string]cachedToken)}
}

func (c *tokenCache) get(raw string, now time.Time) (*Principal, bool) {
	c.mu.RLock()
	e, ok := c.m[raw]
	c.mu.RUnlock()
	if !ok || !now.Before(e.exp) {
		return nil, false
	}
	return e.p, true
}

func (c *tokenCache) put(raw string, p *Principal, exp, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		c.evict(now)
	}
	c.m[raw] = cachedToken{p: p, exp: exp}
}

// evict drops expired entries and, if that is not enough, a quarter of the
// rest (Go's map order is random, so this is a random eviction); an evicted
// token is simply verified again on its next use.
func (c *tokenCache) evict(now time.Time) {
	for k, e := range c.m {
		if !now.Before(e.exp) {
			delete(c.m, k)
		}
	}
	drop := len(c.m) - c.max*3/4
	for k := range c.m {
		if drop <= 0 {
			break
		}
		delete(c.m, k)
		drop--
	}
}

func (c *tokenCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
