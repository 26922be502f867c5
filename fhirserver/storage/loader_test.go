package storage

import (
	"context"
	"errors"
	"testing"
)

// A Loader reads what Get reads: current versions, tombstones, nothing for
// an id never written, and a resource written after it was made.
func TestLoaderReadsAsGet(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	putOne(t, s, "Patient", "a")
	putOne(t, s, "Patient", "a")
	putOne(t, s, "Patient", "b")
	if _, err := s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Delete(Delete{Type: "Patient", ID: "b"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	l, err := s.NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	putOne(t, s, "Patient", "later") // after the loader's view

	for _, id := range []string{"a", "b", "later"} {
		want, err := s.Get(ctx, "Patient", id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := l.Get(ctx, "Patient", id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if got.VersionID != want.VersionID || got.Deleted != want.Deleted || string(got.JSON) != string(want.JSON) || got.Seq != want.Seq {
			t.Errorf("%s: loader %+v, Get %+v", id, got, want)
		}
	}
	if _, err := l.Get(ctx, "Patient", "never"); !errors.Is(err, ErrNotFound) {
		t.Errorf("never written: %v, want ErrNotFound", err)
	}
	if _, err := l.Get(ctx, "Pat\x00ient", "x"); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("bad type: %v, want ErrInvalidKey", err)
	}
	// Only the store itself gets a Loader.
	if g, done := NewGetter(s); g == Getter(s) {
		t.Error("NewGetter(store) is the store")
	} else {
		done()
	}
}
