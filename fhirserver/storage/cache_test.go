package storage

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"
	"time"
)

func TestCacheSizerFits(t *testing.T) {
	z := newCacheSizer(8<<20, 64<<20)
	defer z.close(false)
	for _, c := range []struct{ tables, want int64 }{
		{0, 8 << 20},               // a small store: the start size
		{10 << 20, 40 << 20},       // four times the store (blocks are cached decompressed)
		{10<<20 + 1<<18, 41 << 20}, // in whole MiB
		{1 << 30, 64 << 20},        // at most the limit
		{5 << 20, 20 << 20},        // shrinks back with the store
		{1 << 20, 8 << 20},
	} {
		z.fit(c.tables)
		if got := z.Size(); got != c.want {
			t.Errorf("tables %d: cache %d, want %d", c.tables, got, c.want)
		}
	}
	// A start above the limit is the limit: a fixed cache.
	fixed := newCacheSizer(64<<20, 16<<20)
	defer fixed.close(false)
	fixed.fit(1 << 30)
	if got := fixed.Size(); got != 16<<20 {
		t.Errorf("fixed cache %d, want %d", got, 16<<20)
	}
}

// TestCacheFollowsTheStore: a store's cache starts small and grows as its
// sstables do, up to CacheBytes.
func TestCacheFollowsTheStore(t *testing.T) {
	ctx := context.Background()
	s, err := Open(t.TempDir(), Options{CacheStartBytes: 1 << 20, CacheBytes: 3 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.cache.Size(); got != 1<<20 {
		t.Fatalf("empty store: cache %d, want 1 MiB", got)
	}
	// 16 MiB that do not compress, flushed: the cache may grow to 32 MiB,
	// so it stops at its limit of 3.
	body := make([]byte, 4096)
	for b := range 16 {
		_, err := s.Write(ctx, func(tx *Tx) error {
			for i := range 256 {
				_, _ = rand.Read(body)
				if _, err := tx.Put(Put{Type: "Binary", ID: fmt.Sprint("b", b, "-", i), JSON: body}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := s.db.Flush(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.cache.Size() != 3<<20 {
		if time.Now().After(deadline) {
			t.Fatalf("cache %d after 16 MiB flushed, want its limit of 3 MiB", s.cache.Size())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
