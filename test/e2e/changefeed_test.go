package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/changefeed"
)

// TestChangeFeedFollowerAcrossRestart has writers commit while a reader
// follows the feed with long polls; halfway the server is stopped and
// started again on the same store, and the reader carries on with its
// cursor. What the reader saw must equal the whole committed feed, in
// order, with no duplicates, and contain every acknowledged write.
func TestChangeFeedFollowerAcrossRestart(t *testing.T) {
	dataDir := t.TempDir()
	var cur atomic.Pointer[changefeed.Client]
	srv := startServer(t, "R4", dataDir)
	cur.Store(srv.feed()) // the aggregator's read-only client

	var seen []feedEntry
	var seenMu sync.Mutex
	readerCtx, stopReader := context.WithCancel(context.Background())
	readerDone := make(chan error, 1)
	progress := make(chan struct{}, 1)
	go func() { readerDone <- follow(readerCtx, &cur, &seenMu, &seen, progress) }()

	var acked atomic.Int64
	var ackMu sync.Mutex
	var acks []ack
	write := func(base, token string, n int) {
		c := newClient(base, token)
		var wg sync.WaitGroup
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < n; i++ {
					marker := fmt.Sprintf("w%d-%d-%d", w, i, time.Now().UnixNano())
					resp, err := c.do(context.Background(), "POST", "/Observation", []byte(fmt.Sprintf(
						`{"resourceType":"Observation","status":"final","code":{"text":%q}}`, marker)), nil)
					if err != nil || resp.Status != 201 {
						t.Errorf("create: %v %d %s", err, resp.Status, resp.Body)
						return
					}
					var got struct {
						ID   string
						Meta struct{ VersionID string }
					}
					_ = json.Unmarshal(resp.Body, &got)
					ackMu.Lock()
					acks = append(acks, ack{ID: got.ID, Version: got.Meta.VersionID})
					ackMu.Unlock()
					acked.Add(1)
				}
			}(w)
		}
		wg.Wait()
	}

	write(srv.Base, srv.token(false), 60)
	if code := srv.stop(); code != 0 {
		t.Fatalf("SIGTERM exit code %d", code)
	}
	srv = startServer(t, "R4", dataDir)
	cur.Store(srv.feed())
	write(srv.Base, srv.token(false), 60)

	// Let the reader catch up with everything committed, then stop it.
	want := readFeed(t, cur.Load())
	timeout := time.After(30 * time.Second)
	for caughtUp := false; !caughtUp; {
		seenMu.Lock()
		caughtUp = len(seen) >= len(want)
		seenMu.Unlock()
		if !caughtUp {
			select {
			case <-progress:
			case <-timeout:
				caughtUp = true // the comparison below says what is missing
			}
		}
	}
	stopReader()
	if err := <-readerDone; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("reader: %v", err)
	}
	if len(seen) != len(want) {
		t.Fatalf("reader saw %d changes, the feed holds %d", len(seen), len(want))
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("change %d: reader saw %v, feed holds %v", i, seen[i], want[i])
		}
	}
	index := map[feedEntry]bool{}
	for _, e := range seen {
		if index[e] {
			t.Fatalf("reader saw %v twice", e)
		}
		index[e] = true
	}
	for _, a := range acks {
		if !index[feedEntry{Ref: "Observation/" + a.ID, Version: a.Version}] {
			t.Fatalf("acknowledged Observation/%s missing from what the reader saw", a.ID)
		}
	}
	if acked.Load() != 960 || len(seen) != 960 {
		t.Fatalf("want 960 acknowledged creates and 960 changes, got %d and %d", acked.Load(), len(seen))
	}
}

// follow long-polls the feed with the current client, keeping its cursor
// when the server goes away and comes back (a new client is stored then),
// and signals progress after each page.
func follow(ctx context.Context, cur *atomic.Pointer[changefeed.Client], mu *sync.Mutex, seen *[]feedEntry, progress chan<- struct{}) error {
	cursor := ""
	for ctx.Err() == nil {
		page, err := cur.Load().Poll(ctx, cursor, 100, 2*time.Second)
		switch {
		case errors.Is(err, context.Canceled):
			return ctx.Err() // stopped: not a failure of the feed
		case errors.Is(err, changefeed.ErrUnavailable):
			// Restarting: ask again with the same cursor, soon.
			select {
			case <-ctx.Done():
			case <-time.After(20 * time.Millisecond):
			}
			continue
		case err != nil:
			return err
		}
		mu.Lock()
		for _, c := range page.Changes {
			*seen = append(*seen, entryOf(c))
		}
		mu.Unlock()
		cursor = page.Next
		select {
		case progress <- struct{}{}:
		default:
		}
	}
	return nil
}
