package storage

import (
	"context"
	"errors"
	"fmt"
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

// TestLoaderUnused: a Loader's Unused answers as Store.Unused did when the
// Loader was made — a live resource and a deleted one are in use, one never
// written is not — and does not see writes made after it (which is why it
// is only for ids drawn at random, which nobody else writes).
func TestLoaderUnused(t *testing.T) {
	s, _ := openTest(t)
	putOne(t, s, "Patient", "live")
	putOne(t, s, "Patient", "gone")
	deleteOne(t, s, "Patient", "gone")
	l, err := s.NewLoader()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	putOne(t, s, "Patient", "later")
	for _, c := range []struct {
		typ, id string
		want    bool
	}{{"Patient", "live", false}, {"Patient", "gone", false}, {"Patient", "never", true},
		{"Observation", "live", true}, {"Patient", "liv", true}, {"Patient", "later", true}} {
		got, err := l.Unused(c.typ, c.id)
		if err != nil || got != c.want {
			t.Errorf("Unused(%s/%s) = %v, %v; want %v", c.typ, c.id, got, err, c.want)
		}
		if c.id == "later" {
			continue
		}
		if got, err := s.Unused(c.typ, c.id); err != nil || got != c.want {
			t.Errorf("Store.Unused(%s/%s) = %v, %v; want %v", c.typ, c.id, got, err, c.want)
		}
	}
	if _, err := l.Unused("Patient", ""); err == nil {
		t.Error("an empty id was accepted")
	}
}

// BenchmarkUnused: the checks of a transaction's 11 new ids in a store of
// 200,000 resources, one Store.Unused each (a Get: an iterator over every
// level built and dropped per id) against one Loader's seeks.
func BenchmarkUnused(b *testing.B) {
	s, _ := openTest(b)
	for i := range 200 {
		if _, err := s.Write(b.Context(), func(tx *Tx) error {
			for j := range 1000 {
				if _, err := tx.Put(Put{Type: "Patient", ID: fmt.Sprintf("p%07d", i*1000+j), Stamp: stampJSON, Fresh: true}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	const ids = 11
	b.Run("get", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			for j := range ids {
				if ok, err := s.Unused("Patient", fmt.Sprintf("x%d-%d", i, j)); !ok || err != nil {
					b.Fatal(ok, err)
				}
			}
		}
	})
	b.Run("loader", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			l, err := s.NewLoader()
			if err != nil {
				b.Fatal(err)
			}
			for j := range ids {
				if ok, err := l.Unused("Patient", fmt.Sprintf("x%d-%d", i, j)); !ok || err != nil {
					b.Fatal(ok, err)
				}
			}
			_ = l.Close()
		}
	})
}
