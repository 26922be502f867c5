package storage

import (
	"context"
	"errors"
	"testing"
)

// TestErrorsAreDistinctSentinels: callers branch with errors.Is, so every
// failure must match its own sentinel and no other.
func TestErrorsAreDistinctSentinels(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	putOne(t, s, "Patient", "a")
	deleteOne(t, s, "Patient", "a")
	all := []error{ErrNotFound, ErrGone, ErrVersionConflict, ErrExists, ErrInvalidKey, ErrBadCursor, ErrClosed, ErrFailed}
	write := func(fn func(tx *Tx) error) error { _, err := s.Write(ctx, fn); return err }
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"get unknown", func() error { _, err := s.Get(ctx, "Patient", "zz"); return err }(), ErrNotFound},
		{"get bad id", func() error { _, err := s.Get(ctx, "Patient", ""); return err }(), ErrInvalidKey},
		{"delete deleted", write(func(tx *Tx) error { _, err := tx.Delete(Delete{Type: "Patient", ID: "a"}); return err }), ErrGone},
		{"if-match", write(func(tx *Tx) error {
			_, err := tx.Put(Put{Type: "Patient", ID: "a", IfMatch: 1, JSON: []byte("{}")})
			return err
		}), ErrVersionConflict},
		{"create existing", write(func(tx *Tx) error {
			_, err := tx.Put(Put{Type: "Patient", ID: "a", Create: true, JSON: []byte("{}")})
			return err
		}), ErrExists},
		{"bad cursor", func() error { _, err := s.Changes(ctx, "nope", 1); return err }(), ErrBadCursor},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, sentinel := range all {
				if got, want := errors.Is(tt.err, sentinel), errors.Is(sentinel, tt.want); got != want {
					t.Errorf("errors.Is(%v, %v) = %v", tt.err, sentinel, got)
				}
			}
		})
	}
}
