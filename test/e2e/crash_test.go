package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/changefeed"
)

// crashRounds is how many kill -9 rounds TestCrashKeepsAcknowledgedWrites
// runs: 3 in `make test`, more with FHIRFLEET_CRASH_ROUNDS (make crash-test).
func crashRounds() int { return rounds("FHIRFLEET_CRASH_ROUNDS", 3) }

// rounds is the positive number in the environment variable env, else def.
func rounds(env string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(env)); err == nil && n > 0 {
		return n
	}
	return def
}

// ack is a write the server acknowledged: this version of this resource,
// holding this marker, must exist forever after.
type ack struct {
	ID, Version, Marker string
}

// TestCrashKeepsAcknowledgedWrites runs concurrent writers (creates and
// updates) against the real binary, kills it with SIGKILL at a random
// moment, restarts it on the same folder, and checks that every write it
// acknowledged — in this round and every earlier one — is there with its
// acknowledged version and content. Then it checks the change feed: every
// acknowledged version appears exactly once, in per-resource version order.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	dataDir := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	var all []ack
	for round := 1; round <= crashRounds(); round++ {
		srv := startServer(t, "R4", dataDir)
		client := newClient(srv.Base, srv.token(false))
		verifyAcks(t, client, all, round)

		ctx, cancel := context.WithCancel(context.Background())
		var mu sync.Mutex
		var wg sync.WaitGroup
		for w := 0; w < 16; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				acks := writeUntilError(ctx, client, round, w)
				mu.Lock()
				all = append(all, acks...)
				mu.Unlock()
			}(w)
		}
		time.Sleep(time.Duration(200+rng.IntN(1300)) * time.Millisecond)
		srv.kill()
		cancel()
		wg.Wait()
		t.Logf("round %d: killed with %d acknowledged writes in all", round, len(all))
	}
	if len(all) == 0 {
		t.Fatal("no write was acknowledged; the test proved nothing")
	}
	srv := startServer(t, "R4", dataDir)
	client := newClient(srv.Base, srv.token(false))
	verifyAcks(t, client, all, crashRounds()+1)
	verifyFeed(t, srv.feed(), all)
	if code := srv.stop(); code != 0 {
		t.Fatalf("SIGTERM: exit code %d, want 0", code)
	}
}

// writeUntilError creates a Patient, then updates it again and again,
// recording each acknowledged version, until the server goes away.
func writeUntilError(ctx context.Context, c *fhirClient, round, w int) []ack {
	var acks []ack
	id := ""
	for i := 0; ctx.Err() == nil; i++ {
		marker := fmt.Sprintf("r%d-w%d-%d", round, w, i)
		body := fmt.Sprintf(`{"resourceType":"Patient",%s"name":[{"family":%q}],"identifier":[{"system":"urn:crash","value":%q}]}`,
			idMember(id), marker, marker)
		var resp response
		var err error
		if id == "" || i%4 == 0 {
			// Every fourth write starts a new resource, so there are both creates and updates.
			body = fmt.Sprintf(`{"resourceType":"Patient","name":[{"family":%q}],"identifier":[{"system":"urn:crash","value":%q}]}`, marker, marker)
			resp, err = c.do(ctx, "POST", "/Patient", []byte(body), nil)
		} else {
			resp, err = c.do(ctx, "PUT", "/Patient/"+id, []byte(body), nil)
		}
		if err != nil || (resp.Status != 200 && resp.Status != 201) {
			return acks // the server is gone (or refused); nothing more is acknowledged
		}
		var got struct {
			ID   string `json:"id"`
			Meta struct {
				VersionID string `json:"versionId"`
			} `json:"meta"`
		}
		if json.Unmarshal(resp.Body, &got) != nil || got.ID == "" || got.Meta.VersionID == "" {
			return acks
		}
		id = got.ID
		acks = append(acks, ack{ID: got.ID, Version: got.Meta.VersionID, Marker: marker})
	}
	return acks
}

func idMember(id string) string {
	if id == "" {
		return ""
	}
	return fmt.Sprintf(`"id":%q,`, id)
}

func verifyAcks(t *testing.T, c *fhirClient, acks []ack, round int) {
	t.Helper()
	ctx := context.Background()
	latest := map[string]int{}
	for _, a := range acks {
		resp, err := c.do(ctx, "GET", "/Patient/"+a.ID+"/_history/"+a.Version, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != 200 || !strings.Contains(string(resp.Body), a.Marker) {
			t.Fatalf("after crash %d: acknowledged Patient/%s version %s (%s) is lost: %d %s",
				round-1, a.ID, a.Version, a.Marker, resp.Status, resp.Body)
		}
		v, _ := strconv.Atoi(a.Version)
		latest[a.ID] = max(latest[a.ID], v)
	}
	for id, v := range latest {
		resp, err := c.do(ctx, "GET", "/Patient/"+id, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Meta struct {
				VersionID string `json:"versionId"`
			} `json:"meta"`
		}
		_ = json.Unmarshal(resp.Body, &got)
		cur, _ := strconv.Atoi(got.Meta.VersionID)
		if resp.Status != 200 || cur < v {
			t.Fatalf("after crash %d: Patient/%s is at version %q, but version %d was acknowledged", round-1, id, got.Meta.VersionID, v)
		}
	}
}

// feedEntry is one change as the $changes operation reports it.
type feedEntry struct {
	Ref     string // Patient/<id>
	Version string
}

func entryOf(c changefeed.Change) feedEntry {
	return feedEntry{Ref: c.Type + "/" + c.ID, Version: strconv.FormatInt(c.VersionID, 10)}
}

// readFeed follows the change feed from the beginning until a page is empty.
func readFeed(t *testing.T, feed *changefeed.Client) []feedEntry {
	t.Helper()
	var out []feedEntry
	cursor := ""
	for pages := 0; pages < 100000; pages++ {
		page, err := feed.Poll(context.Background(), cursor, 500, 0)
		if err != nil {
			t.Fatalf("$changes: %v", err)
		}
		if len(page.Changes) == 0 {
			return out
		}
		for _, c := range page.Changes {
			out = append(out, entryOf(c))
		}
		cursor = page.Next
	}
	t.Fatal("change feed did not end")
	return nil
}

func verifyFeed(t *testing.T, fc *changefeed.Client, acks []ack) {
	t.Helper()
	feed := readFeed(t, fc)
	seen := map[feedEntry]bool{}
	last := map[string]int{}
	for i, e := range feed {
		if seen[e] {
			t.Fatalf("change feed repeats %s version %s (entry %d)", e.Ref, e.Version, i)
		}
		seen[e] = true
		v, _ := strconv.Atoi(e.Version)
		if v <= last[e.Ref] {
			t.Fatalf("change feed has %s version %d after version %d", e.Ref, v, last[e.Ref])
		}
		last[e.Ref] = v
	}
	for _, a := range acks {
		if !seen[feedEntry{Ref: "Patient/" + a.ID, Version: a.Version}] {
			t.Fatalf("acknowledged Patient/%s version %s is missing from the change feed", a.ID, a.Version)
		}
	}
	t.Logf("change feed: %d changes, every acknowledged one exactly once and in order", len(feed))
}
