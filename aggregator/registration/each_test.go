package registration

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

// TestEach: every index once, and the first error is returned.
func TestEach(t *testing.T) {
	seen := make([]atomic.Int32, 1000)
	if err := each(context.Background(), len(seen), func(_ context.Context, i int) error {
		seen[i].Add(1)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for i := range seen {
		if n := seen[i].Load(); n != 1 {
			t.Fatalf("index %d ran %d times", i, n)
		}
	}
	boom := errors.New("boom")
	if err := each(context.Background(), 10, func(_ context.Context, i int) error {
		if i == 7 {
			return boom
		}
		return nil
	}); !errors.Is(err, boom) {
		t.Errorf("error %v, want boom", err)
	}
}
