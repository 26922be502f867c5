package registration

import (
	"context"
	"testing"
)

// TestRegisterKeepsFirst: a second sign-in keeps the first time.
func TestRegisterKeepsFirst(t *testing.T) {
	w := newWorld(t)
	first := w.clock()
	for range 2 {
		if err := w.svc.Register(context.Background(), "9000000001", "p1"); err != nil {
			t.Fatal(err)
		}
		w.advance(3600e9)
	}
	if at, _, _ := w.svc.registeredAt("9000000001"); !at.Equal(first) {
		t.Errorf("registered at %v, want the first sign-in %v", at, first)
	}
}
