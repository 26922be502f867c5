package auth

import (
	"strconv"
	"testing"
	"time"
)

func TestTokenCache(t *testing.T) {
	now := newFakeClock().Now()
	c := newTokenCache(8)
	p := &Principal{ClientID: "a"}
	c.put("t1", p, now.Add(time.Minute), now)
	if got, ok := c.get("t1", now); !ok || got != p {
		t.Fatal("miss on a live token")
	}
	if _, ok := c.get("t1", now.Add(time.Minute)); ok {
		t.Fatal("hit on an expired token")
	}
	if _, ok := c.get("t2", now); ok {
		t.Fatal("hit on an unknown token")
	}
	for i := 0; i < 100; i++ {
		c.put("x"+strconv.Itoa(i), p, now.Add(time.Minute), now)
		if c.len() > 8 {
			t.Fatalf("cache grew to %d", c.len())
		}
	}
	// Expired entries go first.
	c = newTokenCache(4)
	for i := 0; i < 4; i++ {
		c.put("old"+strconv.Itoa(i), p, now.Add(time.Second), now)
	}
	later := now.Add(time.Minute)
	c.put("new", p, later.Add(time.Minute), later)
	if c.len() != 1 {
		t.Fatalf("expired entries kept: %d", c.len())
	}
}
