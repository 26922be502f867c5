package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/go-logr/logr/funcr"
)

// openTest opens a store in a fresh temporary directory, closed at the end.
func openTest(t testing.TB) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, dir
}

// stampJSON returns a Stamp that writes a tiny resource carrying its
// version, so tests can check the stamp saw the right one.
func stampJSON(v Version) ([]byte, []IndexEntry, error) {
	return fmt.Appendf(nil, `{"resourceType":%q,"id":%q,"meta":{"versionId":"%d"}}`, v.Type, v.ID, v.VersionID), nil, nil
}

// putOne commits one version of typ/id with the given index entries.
func putOne(t testing.TB, s *Store, typ, id string, idx ...IndexEntry) *Record {
	t.Helper()
	c, err := s.Write(context.Background(), func(tx *Tx) error {
		_, err := tx.Put(Put{Type: typ, ID: id, Index: idx, Stamp: stampJSON})
		return err
	})
	if err != nil {
		t.Fatalf("put %s/%s: %v", typ, id, err)
	}
	return c.Records[0]
}

func deleteOne(t testing.TB, s *Store, typ, id string) *Record {
	t.Helper()
	c, err := s.Write(context.Background(), func(tx *Tx) error {
		_, err := tx.Delete(Delete{Type: typ, ID: id})
		return err
	})
	if err != nil {
		t.Fatalf("delete %s/%s: %v", typ, id, err)
	}
	return c.Records[0]
}

func TestReopenKeepsStateAndSequence(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	first := putOne(t, s, "Patient", "a")
	putOne(t, s, "Patient", "a")
	id := s.StoreID()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close = %v, want ErrClosed", err)
	}
	if _, err := s.Get(ctx, "Patient", "a"); !errors.Is(err, ErrClosed) {
		t.Errorf("Get after Close = %v, want ErrClosed", err)
	}
	if _, err := s.Write(ctx, func(tx *Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}

	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.StoreID() != id {
		t.Errorf("store id changed across reopen: %s → %s", id, s.StoreID())
	}
	rec, err := s.Get(ctx, "Patient", "a")
	if err != nil || rec.VersionID != 2 {
		t.Fatalf("after reopen: %+v, %v", rec, err)
	}
	next := putOne(t, s, "Patient", "b")
	if next.Seq != 3 || !next.LastUpdated.After(first.LastUpdated) {
		t.Errorf("sequence did not continue: seq %d, lastUpdated %v after %v", next.Seq, next.LastUpdated, first.LastUpdated)
	}
	if m := s.Metrics(); m.LastSeq != 3 || m.DiskUsageBytes == 0 || m.Commits != 1 {
		t.Errorf("metrics = %+v", m)
	}
}

func TestOpenRejectsOtherFormat(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := s.db.NewBatch()
	_ = b.Set(keyMeta(metaFormat), []byte{99}, nil)
	if err := b.Commit(nil); err != nil {
		t.Fatal(err)
	}
	_ = b.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err := Open(dir, Options{}); err == nil {
		_ = s.Close()
		t.Fatal("Open accepted a store of format 99")
	}
}

// BenchmarkOpenEmpty is the store's share of the server's time to ready.
func BenchmarkOpenEmpty(b *testing.B) {
	for b.Loop() {
		s, err := Open(b.TempDir(), Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func TestLogging(t *testing.T) {
	var (
		mu    sync.Mutex
		lines []string
	)
	log := funcr.New(func(prefix, args string) {
		mu.Lock()
		lines = append(lines, args)
		mu.Unlock()
	}, funcr.Options{})
	s, err := Open(t.TempDir(), Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	l := eventListener(log, s.disk, s.cache.tablesChanged, s.settle.flushBegan)
	l.WriteStallBegin(pebble.WriteStallBeginInfo{Reason: "L0 file count limit exceeded"})
	l.WriteStallEnd()
	l.BackgroundError(errors.New("disk on fire"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{`"store open"`, `"writes stalled"`, `L0 file count`, `"writes resumed"`, `disk on fire`, `"store closed"`} {
		if !strings.Contains(all, want) {
			t.Errorf("log lacks %s:\n%s", want, all)
		}
	}
}

// writers starts n goroutines calling fn(g, i) for i = 0, 1, … until stop
// is closed or fn fails (reported with t.Error); wg counts them.
func writers(t testing.TB, wg *sync.WaitGroup, stop <-chan struct{}, n int, fn func(g, i int) error) {
	for g := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := fn(g, i); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
}
