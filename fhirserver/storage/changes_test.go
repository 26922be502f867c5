package storage

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// follow reads the feed from cursor until it has seen want changes or the
// deadline passes, long-polling in between.
func follow(t *testing.T, s *Store, cursor string, want int) ([]Change, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var got []Change
	for len(got) < want {
		if err := s.WaitForChanges(ctx, cursor); err != nil {
			t.Fatalf("wait after %d of %d changes: %v", len(got), want, err)
		}
		page, err := s.Changes(ctx, cursor, 7)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Changes) == 0 {
			t.Fatal("WaitForChanges returned but Changes is empty")
		}
		got = append(got, page.Changes...)
		cursor = page.Next
	}
	return got, cursor
}

// TestChangeFeedFollowsConcurrentWritersAcrossRestart: writers commit while
// a reader follows the cursor; the reader sees every committed change once,
// in commit order, including deletes, and continues after Close/Open.
func TestChangeFeedFollowsConcurrentWritersAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 25
	var (
		mu        sync.Mutex
		committed = map[uint64]string{}
	)
	write := func(s *Store, round int) {
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					id := fmt.Sprintf("r%d-w%d-%d", round, w, i%3) // every 5th write deletes a live one
					c, err := s.Write(context.Background(), func(tx *Tx) error {
						if i%5 == 4 {
							_, err := tx.Delete(Delete{Type: "Patient", ID: id})
							return err
						}
						_, err := tx.Put(Put{Type: "Patient", ID: id, Stamp: stampJSON})
						return err
					})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					r := c.Records[0]
					committed[r.Seq] = fmt.Sprintf("%v %s/%d", r.Op, r.ID, r.VersionID)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	check := func(got []Change, from uint64) {
		t.Helper()
		for i, c := range got {
			if c.Seq != from+uint64(i) {
				t.Fatalf("change %d has seq %d, want %d (gap or duplicate)", i, c.Seq, from+uint64(i))
			}
			mu.Lock()
			want := committed[c.Seq]
			mu.Unlock()
			if got := fmt.Sprintf("%v %s/%d", c.Op, c.ID, c.VersionID); got != want {
				t.Fatalf("seq %d: feed says %q, writer committed %q", c.Seq, got, want)
			}
		}
	}

	var got []Change
	var cursor string
	done := make(chan struct{})
	go func() {
		defer close(done)
		got, cursor = follow(t, s, "", writers*each)
	}()
	write(s, 1)
	<-done
	check(got, 1)
	deletes := 0
	for _, c := range got {
		if c.Op == OpDelete {
			deletes++
		}
	}
	if deletes == 0 {
		t.Fatal("no deletes in the feed")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if page, err := s.Changes(context.Background(), cursor, 10); err != nil || len(page.Changes) != 0 || page.Next != cursor {
		t.Fatalf("after reopen, before writes: %+v, %v", page, err)
	}
	done = make(chan struct{})
	go func() {
		defer close(done)
		got, _ = follow(t, s, cursor, writers*each)
	}()
	write(s, 2)
	<-done
	check(got, writers*each+1)
}

func TestChangesCursors(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	other, _ := openTest(t)
	putOne(t, s, "Patient", "a")
	putOne(t, s, "Patient", "b")
	tests := []struct {
		name    string
		cursor  string
		wantErr error
		want    int
	}{
		{"start", "", nil, 2},
		{"middle", s.Cursor(1), nil, 1},
		{"head", s.HeadCursor(), nil, 0},
		{"future", s.Cursor(99), nil, 0},
		{"other store", other.Cursor(0), ErrBadCursor, 0},
		{"garbage", "zzz", ErrBadCursor, 0},
		{"bad number", s.StoreID() + "-x", ErrBadCursor, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := s.Changes(ctx, tt.cursor, 0)
			if !errors.Is(err, tt.wantErr) || len(p.Changes) != tt.want {
				t.Fatalf("got %d changes, err %v", len(p.Changes), err)
			}
		})
	}
	if err := s.WaitForChanges(ctx, other.Cursor(0)); !errors.Is(err, ErrBadCursor) {
		t.Errorf("wait with foreign cursor: %v", err)
	}
	// Long-poll: returns at once when a change exists, waits otherwise.
	if err := s.WaitForChanges(ctx, s.Cursor(1)); err != nil {
		t.Errorf("wait with a change pending: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := s.WaitForChanges(short, s.HeadCursor()); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("wait at head: %v", err)
	}
	woke := make(chan error, 1)
	head := s.HeadCursor()
	go func() { woke <- s.WaitForChanges(ctx, head) }()
	time.Sleep(10 * time.Millisecond)
	putOne(t, s, "Patient", "c")
	if err := <-woke; err != nil {
		t.Errorf("waiter woke with %v", err)
	}
	// Close wakes waiters.
	closing, _ := openTest(t)
	go func() { woke <- closing.WaitForChanges(ctx, closing.HeadCursor()) }()
	time.Sleep(10 * time.Millisecond)
	_ = closing.Close()
	if err := <-woke; !errors.Is(err, ErrClosed) {
		t.Errorf("waiter after Close: %v", err)
	}
}

func FuzzParseCursors(f *testing.F) {
	f.Add("")
	f.Add("abc-12")
	f.Add("h1z")
	f.Add("-")
	f.Fuzz(func(t *testing.T, c string) {
		s := &Store{storeID: "abc"}
		if seq, err := s.parseCursor(c); err == nil {
			if again, err := s.parseCursor(s.Cursor(seq)); err != nil || again != seq {
				t.Fatalf("cursor %q → %d does not round-trip", c, seq)
			}
		}
		if pos, err := parseHistoryCursor(c); err == nil && c != "" {
			if again, err := parseHistoryCursor(historyCursor(pos)); err != nil || again != pos {
				t.Fatalf("history cursor %q → %d does not round-trip", c, pos)
			}
		}
	})
}
