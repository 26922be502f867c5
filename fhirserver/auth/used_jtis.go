package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"sync"
	"time"
)

// UsedJTIStore keeps the ids (jti) of the private_key_jwt assertions already
// exchanged for a token, so that each assertion is accepted once. The
// server gives it a durable one (the Pebble store's application metadata),
// so a replay is refused after a restart too; without one, the ids are kept
// in memory only.
type UsedJTIStore interface {
	// PutIfAbsent records key until expires unless a record of key exists
	// that has not expired at now, and reports whether it recorded it. A
	// true answer must already be durable: the assertion is accepted on it.
	PutIfAbsent(key string, data []byte, expires, now time.Time) (bool, error)
	// DeleteExpired drops the records that expired at now.
	DeleteExpired(now time.Time) (int, error)
}

// usedJTIKey scopes a jti to its client. The jti is hashed: it is chosen by
// the client and may be long or hold any bytes, the key stays short.
func usedJTIKey(clientID, jti string) string {
	h := sha256.Sum256([]byte(jti))
	return clientID + "\x00" + base64.RawURLEncoding.EncodeToString(h[:])
}

// sweepUsedJTIsEvery is how long after an assertion id is recorded the
// expired ones are dropped. Assertions live at most five minutes, so the
// store holds at most about seven minutes of token requests made with
// private_key_jwt.
const sweepUsedJTIsEvery = time.Minute

// jtiRecorded tells sweepUsedJTIs that an assertion id was recorded.
func (s *Server) jtiRecorded() {
	select {
	case s.jtiPut <- struct{}{}:
	default: // a sweep is due already
	}
}

// sweepUsedJTIs drops expired used-jti records at start, then a minute
// after an assertion id is recorded, until ctx ends. With no assertions it
// sleeps: an idle server wakes for nothing (docs/storage.md, "Idle cost"),
// and expired records left behind are harmless (PutIfAbsent overwrites them).
func (s *Server) sweepUsedJTIs(ctx context.Context) {
	defer close(s.sweepDone)
	every := s.cfg.jtiSweepAfter
	if every <= 0 {
		every = sweepUsedJTIsEvery
	}
	t := time.NewTimer(every)
	t.Stop()
	defer t.Stop()
	for {
		if n, err := s.jtis.DeleteExpired(s.now()); err != nil {
			s.log.Error(err, "dropping expired client assertion ids")
		} else if n > 0 {
			s.log.V(1).Info("dropped expired client assertion ids", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.jtiPut:
		}
		t.Reset(every)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// defaultJTICacheSize bounds remembered assertion ids when they are kept in
// memory. Assertions live at most five minutes, so this is over 300 token
// requests a second.
const defaultJTICacheSize = 100000

// errJTICacheFull: the in-memory cache is full of live ids.
var errJTICacheFull = errors.New("auth: too many client assertion ids in use")

// jtiCache is the in-memory UsedJTIStore: ids are forgotten on restart.
type jtiCache struct {
	mu  sync.Mutex
	max int
	m   map[string]time.Time
}

func newJTICache(max int) *jtiCache { return &jtiCache{max: max, m: make(map[string]time.Time)} }

// PutIfAbsent records id. When full of live ids it fails rather than forget
// one, since forgetting would allow a replay.
func (c *jtiCache) PutIfAbsent(id string, _ []byte, until, now time.Time) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if exp, ok := c.m[id]; ok && now.Before(exp) {
		return false, nil
	}
	if len(c.m) >= c.max {
		c.deleteExpired(now)
		if len(c.m) >= c.max {
			return false, errJTICacheFull
		}
	}
	c.m[id] = until
	return true, nil
}

func (c *jtiCache) DeleteExpired(now time.Time) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.deleteExpired(now), nil
}

func (c *jtiCache) deleteExpired(now time.Time) int {
	n := 0
	for k, exp := range c.m {
		if !now.Before(exp) {
			delete(c.m, k)
			n++
		}
	}
	return n
}
