package changefeed

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"

	"github.com/fhirfleet/fhirfleet/fhirserver/server"
	"github.com/fhirfleet/fhirfleet/test/testenv"
)

// fhir is a real fhirserver started in-process on a loopback port.
type fhir struct {
	base    string // FHIR base, …/fhir
	dataDir string
}

func startFHIR(t *testing.T) *fhir {
	t.Helper()
	// The base URL (token audience, fullUrl) names the port, so find a
	// free one first.
	addr := testenv.FreeAddr(t)
	dir := t.TempDir()
	origin := "http://" + addr
	// Metrics on a port of their own: the default, :9090, is taken by
	// any fhirserver already running on the machine (make dev's, another
	// test's).
	cfg, err := server.ParseFlags("fhirserver", []string{"--fhir-version", "R4", "--data-dir", dir,
		"--listen", addr, "--metrics-listen", "127.0.0.1:0", "--base-url", origin, "--shutdown-timeout", "5s"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.New(ctx, cfg, logr.Discard())
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
	})
	f := &fhir{base: origin + "/fhir", dataDir: dir}
	for range 500 { // Serve listens soon after it starts
		if resp, err := http.Get(origin + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return f
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("server never became ready")
	return nil
}

// credentials returns the aggregator's client credentials, or the
// customer's.
func (f *fhir) credentials(t *testing.T, aggregator bool) *ClientCredentials {
	t.Helper()
	prefix := ""
	if aggregator {
		prefix = "aggregator_"
	}
	id, err1 := os.ReadFile(filepath.Join(f.dataDir, "credentials", prefix+"client_id"))
	secret, err2 := os.ReadFile(filepath.Join(f.dataDir, "credentials", prefix+"client_secret"))
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	tu, err := TokenURL(f.base)
	if err != nil {
		t.Fatal(err)
	}
	return &ClientCredentials{TokenURL: tu, ClientID: strings.TrimSpace(string(id)), ClientSecret: strings.TrimSpace(string(secret))}
}

// client follows f's feed as the aggregator.
func (f *fhir) client(t *testing.T) *Client {
	t.Helper()
	c, err := New(f.base, f.credentials(t, true), nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// write sends one request as the customer and returns the resource id.
func (f *fhir) write(t *testing.T, method, path, body string) string {
	t.Helper()
	tok, err := f.credentials(t, false).Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(method, f.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/fhir+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	var r struct{ ID string }
	_ = json.Unmarshal(b, &r)
	return r.ID
}

// brief is what a test compares of a change.
type brief struct {
	Ref     string
	Version int64
	Op      Op
}

func briefs(t *testing.T, p *Page) []brief {
	t.Helper()
	var out []brief
	for _, c := range p.Changes {
		out = append(out, brief{c.Type + "/" + c.ID, c.VersionID, c.Op})
		var r struct{ ResourceType, ID string }
		switch {
		case c.Op == OpDelete && c.Resource != nil:
			t.Errorf("delete of %s/%s carries a resource", c.Type, c.ID)
		case c.Op != OpDelete && (json.Unmarshal(c.Resource, &r) != nil || r.ResourceType != c.Type || r.ID != c.ID):
			t.Errorf("%s of %s/%s carries %s", c.Op, c.Type, c.ID, c.Resource)
		case c.LastUpdated.IsZero():
			t.Errorf("%s/%s without lastUpdated", c.Type, c.ID)
		}
	}
	return out
}

func equalBriefs(a, b []brief) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPoll(t *testing.T) {
	f := startFHIR(t)
	c := f.client(t)
	ctx := context.Background()
	a := f.write(t, "POST", "/Patient", `{"resourceType":"Patient"}`)
	f.write(t, "PUT", "/Patient/b", `{"resourceType":"Patient","id":"b"}`)
	f.write(t, "PUT", "/Patient/"+a, `{"resourceType":"Patient","id":"`+a+`","gender":"male"}`)
	f.write(t, "DELETE", "/Patient/b", "")
	all := []brief{{"Patient/" + a, 1, OpCreate}, {"Patient/b", 1, OpCreate}, {"Patient/" + a, 2, OpUpdate}, {"Patient/b", 2, OpDelete}}

	first, err := c.Poll(ctx, "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	head := first.Next
	cases := []struct {
		name   string
		cursor string
		count  int
		want   []brief
		next   string // "" = any
	}{
		{"from the start", "", 0, all, head},
		{"a page of two", "", 2, all[:2], ""},
		{"caught up", head, 0, nil, head},
		{"caught up, waiting a second", head, 0, nil, head},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wait := time.Duration(0)
			if strings.Contains(tc.name, "waiting") {
				wait = time.Second
			}
			p, err := c.Poll(ctx, tc.cursor, tc.count, wait)
			if err != nil {
				t.Fatal(err)
			}
			if got := briefs(t, p); !equalBriefs(got, tc.want) {
				t.Fatalf("changes %v, want %v", got, tc.want)
			}
			if p.Next == "" || (tc.next != "" && p.Next != tc.next) {
				t.Fatalf("next %q, want %q", p.Next, tc.next)
			}
			if tc.count == 2 { // the rest follows from its next
				rest, err := c.Poll(ctx, p.Next, 0, 0)
				if err != nil || !equalBriefs(briefs(t, rest), all[2:]) {
					t.Fatalf("after a page of two: %v %v", rest, err)
				}
			}
		})
	}

	t.Run("long poll answered by a commit", func(t *testing.T) {
		got := make(chan *Page, 1)
		go func() {
			p, err := c.Poll(ctx, head, 0, 50*time.Second)
			if err != nil {
				t.Error(err)
			}
			got <- p
		}()
		id := f.write(t, "POST", "/Observation", `{"resourceType":"Observation","status":"final","code":{"text":"x"}}`)
		p := <-got
		if p == nil || !equalBriefs(briefs(t, p), []brief{{"Observation/" + id, 1, OpCreate}}) || p.Next == head {
			t.Fatalf("long poll: %+v", p)
		}
	})

	t.Run("cancelled long poll", func(t *testing.T) {
		pctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		last, err := c.Poll(ctx, head, 1000, 0)
		if err != nil {
			t.Fatal(err)
		}
		go func() { _, err := c.Poll(pctx, last.Next, 0, 60*time.Second); done <- err }()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled poll: %v, want context.Canceled", err)
		}
	})

	t.Run("cursor of another store", func(t *testing.T) {
		_, err := c.Poll(ctx, "0123456789abcdef-1", 0, 0)
		if !errors.Is(err, ErrCursorRejected) {
			t.Fatalf("%v, want ErrCursorRejected", err)
		}
	})
}

// stubTokens hands out tokens from a list (the last one repeatedly) and
// counts rejections.
type stubTokens struct {
	tokens   []string
	rejected atomic.Int32
}

func (s *stubTokens) Token(context.Context) (string, error) {
	tok := s.tokens[0]
	if len(s.tokens) > 1 {
		s.tokens = s.tokens[1:]
	}
	return tok, nil
}

func (s *stubTokens) Reject(string) { s.rejected.Add(1) }

func TestPollErrors(t *testing.T) {
	f := startFHIR(t)
	ctx := context.Background()
	good, err := f.credentials(t, true).Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stub := func(status int, hdr map[string]string, body string) string {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for k, v := range hdr {
				w.Header().Set(k, v)
			}
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		}))
		t.Cleanup(s.Close)
		return s.URL + "/fhir"
	}
	closed := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return "http://" + addr + "/fhir"
	}()
	wrongSecret := f.credentials(t, true)
	wrongSecret.ClientSecret = "not-the-secret"
	narrow := f.credentials(t, true)
	narrow.Scope = "system/Patient.read"
	stale := &stubTokens{tokens: []string{"stale", good}}
	cases := []struct {
		name       string
		base       string
		tokens     TokenSource
		want       error
		status     int
		retryAfter time.Duration
	}{
		{"refused credentials", f.base, wrongSecret, ErrUnauthorized, 401, 0},
		{"a token the feed refuses twice", f.base, &stubTokens{tokens: []string{"garbage"}}, ErrUnauthorized, 401, 0},
		{"a stale token renewed once", f.base, stale, nil, 0, 0},
		{"no system-wide read", f.base, narrow, ErrForbidden, 403, 0},
		{"nobody listening", closed, &stubTokens{tokens: []string{good}}, ErrUnavailable, 0, 0},
		{"503 with Retry-After", stub(503, map[string]string{"Retry-After": "7"}, ""), &stubTokens{tokens: []string{good}}, ErrUnavailable, 503, 7 * time.Second},
		{"token endpoint throttling", f.base, &ClientCredentials{TokenURL: stub(429, map[string]string{"Retry-After": "3"}, `{"error":"temporarily_unavailable"}`)},
			ErrUnavailable, 429, 3 * time.Second},
		{"not a Bundle", stub(200, nil, `{"resourceType":"Patient"}`), &stubTokens{tokens: []string{good}}, ErrProtocol, 200, 0},
		{"a 400 not about the cursor", stub(400, nil, `{"resourceType":"OperationOutcome","issue":[{"diagnostics":"_count must be a number"}]}`), &stubTokens{tokens: []string{good}}, ErrProtocol, 400, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.base, tc.tokens, nil)
			if err != nil {
				t.Fatal(err)
			}
			cursor := ""
			if tc.status == 400 {
				cursor = "s-1" // a 400 for a request with a cursor, yet not about it
			}
			_, err = c.Poll(ctx, cursor, 0, 0)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("%v, want %v", err, tc.want)
			}
			var e *Error
			if tc.want != nil && (!errors.As(err, &e) || e.Status != tc.status || RetryAfter(err) != tc.retryAfter) {
				t.Fatalf("%#v, want status %d and Retry-After %v", err, tc.status, tc.retryAfter)
			}
		})
	}
	if stale.rejected.Load() != 1 {
		t.Errorf("the stale token was rejected %d times, want once", stale.rejected.Load())
	}
	// A 400 naming the cursor is ErrCursorRejected only if a cursor was sent.
	c, _ := New(stub(400, nil, `{"resourceType":"OperationOutcome","issue":[{"diagnostics":"the cursor was not issued by this server"}]}`), &stubTokens{tokens: []string{good}}, nil)
	if _, err := c.Poll(ctx, "", 0, 0); errors.Is(err, ErrCursorRejected) {
		t.Errorf("no cursor sent, yet %v", err)
	}
}

func TestNewRejectsBadBase(t *testing.T) {
	for _, base := range []string{"", "fhir", "ftp://x/fhir", "http:///fhir", "://"} {
		if _, err := New(base, &stubTokens{tokens: []string{"t"}}, nil); err == nil {
			t.Errorf("New(%q) accepted", base)
		}
	}
}

func TestTokenURL(t *testing.T) {
	cases := map[string]string{
		"https://acme.example/fhir":        "https://acme.example/oauth2/token",
		"http://127.0.0.1:8080/fhir/":      "http://127.0.0.1:8080/oauth2/token",
		"https://acme.example/tenant/fhir": "https://acme.example/oauth2/token",
	}
	for base, want := range cases {
		if got, err := TokenURL(base); err != nil || got != want {
			t.Errorf("TokenURL(%q) = %q %v, want %q", base, got, err, want)
		}
	}
}
