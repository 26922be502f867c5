package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestChangeFeedFollowerAcrossRestart has writers commit while a reader
// follows the feed with long polls; halfway the server is stopped and
// started again on the same store, and the reader carries on with its
// cursor. What the reader saw must equal the whole committed feed, in
// order, with no duplicates, and contain every acknowledged write.
func TestChangeFeedFollowerAcrossRestart(t *testing.T) {
	dataDir := t.TempDir()
	var cur atomic.Pointer[fhirClient]
	srv := startServer(t, "R4", dataDir)
	cur.Store(newClient(srv.Base, srv.token(true))) // the aggregator's read-only client

	var seen []feedEntry
	var seenMu sync.Mutex
	var cursor string
	readerCtx, stopReader := context.WithCancel(context.Background())
	readerDone := make(chan error, 1)
	go func() { readerDone <- follow(readerCtx, &cur, &cursor, &seenMu, &seen) }()

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
	cur.Store(newClient(srv.Base, srv.token(true)))
	write(srv.Base, srv.token(false), 60)

	// Let the reader catch up with everything committed, then stop it.
	c := cur.Load()
	want := readFeed(t, c)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		seenMu.Lock()
		n := len(seen)
		seenMu.Unlock()
		if n >= len(want) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	stopReader()
	if err := <-readerDone; err != nil {
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
// when the server goes away and comes back.
func follow(ctx context.Context, cur *atomic.Pointer[fhirClient], cursor *string, mu *sync.Mutex, seen *[]feedEntry) error {
	for ctx.Err() == nil {
		c := cur.Load()
		resp, err := c.do(ctx, "GET", "/$changes?_count=100&_wait=2&_cursor="+*cursor, nil, nil)
		if err != nil || resp.Status == 401 {
			time.Sleep(20 * time.Millisecond) // restarting: retry with the same cursor
			continue
		}
		if resp.Status != 200 {
			return fmt.Errorf("$changes: %d %s", resp.Status, resp.Body)
		}
		var b struct {
			Link  []struct{ Relation, URL string } `json:"link"`
			Entry []struct {
				FullURL  string `json:"fullUrl"`
				Response struct {
					Etag string `json:"etag"`
				} `json:"response"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(resp.Body, &b); err != nil {
			return err
		}
		mu.Lock()
		for _, e := range b.Entry {
			ref := e.FullURL[strings.Index(e.FullURL, "/fhir/")+len("/fhir/"):]
			*seen = append(*seen, feedEntry{Ref: ref, Version: strings.Trim(strings.TrimPrefix(e.Response.Etag, "W/"), `"`)})
		}
		mu.Unlock()
		for _, l := range b.Link {
			if l.Relation == "next" {
				if i := strings.Index(l.URL, "_cursor="); i >= 0 {
					next := l.URL[i+len("_cursor="):]
					if j := strings.IndexByte(next, '&'); j >= 0 {
						next = next[:j]
					}
					*cursor = next
				}
			}
		}
	}
	return nil
}
