package rest

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"

	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// feedReader follows the change feed from a cursor link.
type feedReader struct {
	next string
	seen []string // "Type/id/vid" in feed order
}

func (f *feedReader) poll(t *testing.T, e *env, wait int) int {
	t.Helper()
	u, err := url.Parse(f.next)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Del("_wait")
	if wait > 0 {
		q.Set("_wait", fmt.Sprint(wait))
	}
	u.RawQuery = q.Encode()
	link := u.String()
	r := e.follow(link)
	if r.Status != 200 {
		t.Fatalf("feed: %d %s", r.Status, r.Body)
	}
	b := r.json(t)
	for _, en := range entries(b) {
		full := strings.TrimPrefix(en.Str("fullUrl"), e.srv.URL+"/fhir/")
		vid := strings.Trim(strings.TrimPrefix(en.Get("response").Str("etag"), "W/"), `"`)
		f.seen = append(f.seen, full+"/"+vid)
	}
	f.next = strings.TrimPrefix(bundleLink(b, "next"), e.srv.URL)
	if f.next == "" {
		t.Fatal("the feed page has no next link")
	}
	return len(entries(b))
}

func TestChangeFeed(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.Name, func(t *testing.T) {
			dir := t.TempDir()
			st, err := storage.Open(dir, storage.Options{})
			if err != nil {
				t.Fatal(err)
			}
			e := newEnvOn(t, ver, st)

			// Concurrent writers: each creates, updates and deletes its own
			// resources; every acknowledged version is remembered.
			var mu sync.Mutex
			committed := map[string]bool{}
			record := func(r resp) {
				loc := r.Header.Get("Location")
				if loc == "" {
					loc = r.Header.Get("Content-Location")
				}
				mu.Lock()
				committed[strings.TrimPrefix(strings.Replace(loc, "/_history/", "/", 1), e.srv.URL+"/fhir/")] = true
				mu.Unlock()
			}
			reader := &feedReader{next: "/fhir/$changes?_count=7"}
			var wg sync.WaitGroup
			for w := 0; w < 4; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < 10; i++ {
						r := e.do("POST", "/fhir/Patient", `{"resourceType":"Patient"}`)
						record(r)
						id := r.json(t).Str("id")
						record(e.do("PUT", "/fhir/Patient/"+id, `{"resourceType":"Patient","id":"`+id+`","active":true}`))
						if i%3 == 0 {
							d := e.do("DELETE", "/fhir/Patient/"+id, "")
							mu.Lock()
							committed["Patient/"+id+"/"+strings.Trim(strings.TrimPrefix(d.Header.Get("ETag"), "W/"), `"`)] = true
							mu.Unlock()
						}
					}
				}()
			}
			// The reader runs while the writers write.
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
		loop:
			for {
				select {
				case <-done:
					break loop
				default:
					reader.poll(t, e, 0)
				}
			}
			// Restart the server on the same store: the cursor stays valid.
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			st2, err := storage.Open(dir, storage.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = st2.Close() })
			e2 := newEnvOn(t, ver, st2)
			for reader.poll(t, e2, 0) > 0 {
			}
			if len(reader.seen) != len(committed) {
				t.Fatalf("feed has %d changes, %d were committed", len(reader.seen), len(committed))
			}
			seen := map[string]bool{}
			lastVersion := map[string]int{}
			for _, s := range reader.seen {
				if seen[s] {
					t.Fatalf("duplicate %s", s)
				}
				seen[s] = true
				if !committed[s] {
					t.Fatalf("%s was never acknowledged", s)
				}
				i := strings.LastIndexByte(s, '/')
				var v int
				fmt.Sscan(s[i+1:], &v)
				if v != lastVersion[s[:i]]+1 {
					t.Fatalf("%s out of order (previous version %d)", s, lastVersion[s[:i]])
				}
				lastVersion[s[:i]] = v
			}

			// Long poll: a waiting reader is answered by the next commit.
			start := time.Now()
			go func() {
				time.Sleep(200 * time.Millisecond)
				e2.do("POST", "/fhir/Patient", `{"resourceType":"Patient"}`)
			}()
			if n := reader.poll(t, e2, 10); n != 1 || time.Since(start) > 5*time.Second {
				t.Fatalf("long poll got %d changes after %v", n, time.Since(start))
			}
			// A wait that runs out answers an empty page with the same cursor.
			before := reader.next
			if n := reader.poll(t, e2, 1); n != 0 || !strings.Contains(reader.next, cursorOf(before)) {
				t.Fatalf("timed-out poll: %d changes, next %q", n, reader.next)
			}
			if r := e2.do("GET", "/fhir/$changes?_cursor=other-5", ""); r.Status != http.StatusBadRequest {
				t.Fatalf("foreign cursor: %d %s", r.Status, r.Body)
			}
		})
	}
}

func cursorOf(link string) string {
	i := strings.Index(link, "_cursor=")
	if i < 0 {
		return ""
	}
	c := link[i+len("_cursor="):]
	if j := strings.IndexByte(c, '&'); j >= 0 {
		c = c[:j]
	}
	return c
}

// newEnvOn is newEnv over a store the test opened itself.
func newEnvOn(t *testing.T, ver interface{}, st *storage.Store) *env {
	t.Helper()
	e := &env{t: t, store: st}
	srv, url := newServer(t, e)
	h, err := New(Config{Version: versionOf(ver), Store: st, Searcher: &fakeSearch{store: st}, BaseURL: url, Logger: testr.New(t)})
	if err != nil {
		t.Fatal(err)
	}
	e.h, e.ver, e.srv = h, versionOf(ver), srv
	srv.Start()
	return e
}

// TestChangesLongPollEndsOnClose: Close answers a pending long poll at once
// with an empty page and the same cursor (it used to hold the server's
// shutdown for the whole wait), and a poll arriving after Close does not
// wait either.
func TestChangesLongPollEndsOnClose(t *testing.T) {
	e := newEnv(t, versions[0])
	first := e.do("GET", "/fhir/$changes", "")
	if first.Status != 200 {
		t.Fatalf("feed: %d %s", first.Status, first.Body)
	}
	next := strings.TrimPrefix(bundleLink(first.json(t), "next"), e.srv.URL)
	type result struct {
		r    resp
		took time.Duration
	}
	done := make(chan result, 1)
	go func() {
		start := time.Now()
		r := e.follow(next + "&_wait=30")
		done <- result{r, time.Since(start)}
	}()
	time.Sleep(200 * time.Millisecond)
	e.h.Close()
	for _, step := range []string{"pending poll", "poll after Close"} {
		var got result
		if step == "pending poll" {
			got = <-done
		} else {
			start := time.Now()
			got = result{e.follow(next + "&_wait=30"), 0}
			got.took = time.Since(start)
		}
		if got.r.Status != 200 || got.took > 5*time.Second {
			t.Fatalf("%s: status %d after %v: %s", step, got.r.Status, got.took, got.r.Body)
		}
		b := got.r.json(t)
		if n := len(entries(b)); n != 0 {
			t.Errorf("%s: %d entries, want an empty page", step, n)
		}
		if again := bundleLink(b, "next"); cursorOf(again) != cursorOf(next) {
			t.Errorf("%s: next %s, want the same cursor as %s", step, again, next)
		}
	}
	e.h.Close() // a second Close is harmless
}

// A cursor the store did not issue is a 400 whose issue names _cursor, so a
// follower (fhirserver/changefeed) can tell "start over" from other 400s
// without reading the message.
func TestChangeFeedRejectedCursorNamesIt(t *testing.T) {
	e := newEnv(t, versions[0])
	for _, cursor := range []string{"zzz", "0123456789abcdef-7"} {
		r := e.do("GET", "/fhir/$changes?_cursor="+url.QueryEscape(cursor), "")
		if r.Status != http.StatusBadRequest {
			t.Fatalf("cursor %q: status %d, want 400: %s", cursor, r.Status, r.Body)
		}
		issue := r.json(t).Get("issue").Items[0]
		if got := issue.Get("expression"); got == nil || len(got.Items) != 1 || got.Items[0].Text != "_cursor" {
			t.Errorf("cursor %q: expression = %s, want [\"_cursor\"]", cursor, r.Body)
		}
	}
}
