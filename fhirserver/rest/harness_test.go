package rest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/go-logr/logr/testr"

	"github.com/fhirfleet/fhirfleet/fhirserver/auth"
	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// fakeSearch stands in for package search in these tests: no index entries,
// and matching by scanning the type, for the few parameters the tests use
// (_id, identifier, family, name). That is enough to exercise every
// conditional interaction and the searchset rendering without depending on
// the real engine.
type fakeSearch struct {
	store *storage.Store
}

func (f *fakeSearch) IndexEntries(string, *fhirjson.Value) ([]storage.IndexEntry, error) {
	return nil, nil
}

func (f *fakeSearch) LastUpdatedEntries(string, string) ([]storage.IndexEntry, error) {
	return nil, nil
}

func (f *fakeSearch) Match(ctx context.Context, tx *storage.Tx, typ string, q url.Values) ([]string, error) {
	var ids []string
	for rec, err := range tx.ScanType(ctx, typ, "") {
		if err != nil {
			return nil, err
		}
		if ok, err := fakeMatches(rec, q); err != nil {
			return nil, err
		} else if ok {
			ids = append(ids, rec.ID)
		}
	}
	return ids, nil
}

func (f *fakeSearch) Search(ctx context.Context, req search.Request) (*search.Result, error) {
	res := &search.Result{Self: req.Params}
	types := req.Types
	if req.ResourceType != "" {
		types = []string{req.ResourceType}
	}
	for _, typ := range types {
		for rec, err := range f.store.ScanType(ctx, typ, "") {
			if err != nil {
				return nil, err
			}
			if ok, err := fakeMatches(rec, req.Params); err != nil {
				return nil, err
			} else if ok {
				res.Entries = append(res.Entries, search.Entry{Record: rec, Mode: "match"})
			}
		}
	}
	res.Total = len(res.Entries)
	if req.Params.Get("_summary") == "count" {
		res.Entries, res.SummaryCount = nil, true
	}
	return res, nil
}

func fakeMatches(rec *storage.Record, q url.Values) (bool, error) {
	v, err := fhirjson.Parse(rec.JSON)
	if err != nil {
		return false, err
	}
	for k, vals := range q {
		want := vals[0]
		switch k {
		case "_id":
			if v.Str("id") != want {
				return false, nil
			}
		case "identifier":
			sys, val, hasSys := strings.Cut(want, "|")
			if !hasSys {
				val, sys = sys, ""
			}
			found := false
			if ids := v.Get("identifier"); ids != nil {
				for _, id := range ids.Items {
					if id.Str("value") == val && (!hasSys || id.Str("system") == sys) {
						found = true
					}
				}
			}
			if !found {
				return false, nil
			}
		case "family", "name":
			found := false
			if names := v.Get("name"); names != nil {
				for _, n := range names.Items {
					if strings.HasPrefix(strings.ToLower(n.Str("family")), strings.ToLower(want)) {
						found = true
					}
				}
			}
			if !found {
				return false, nil
			}
		}
	}
	return true, nil
}

// env is one handler over a fresh store, served on loopback.
type env struct {
	t     *testing.T
	ver   *defs.Version
	store *storage.Store
	h     *Handler
	srv   *httptest.Server

	// mu guards wrap, which a test may set while the server runs; the
	// requests reach the server through sockets, which the race detector
	// does not see as synchronisation.
	mu sync.Mutex
	// wrap, when set, wraps the handler (to inject a principal).
	wrap func(http.Handler) http.Handler
}

// setWrap installs a wrapper around the handler.
func (e *env) setWrap(w func(http.Handler) http.Handler) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.wrap = w
}

// actAs makes the next requests act as a client holding scope, as the auth
// middleware would put it into the context ("" for no token at all).
func (e *env) actAs() func(scope string) {
	var principal atomic.Pointer[auth.Principal] // the server reads it
	e.setWrap(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if p := principal.Load(); p != nil {
				r = r.WithContext(auth.WithPrincipal(r.Context(), p))
			}
			next.ServeHTTP(w, r)
		})
	})
	return func(scope string) {
		if scope == "" {
			principal.Store(nil)
			return
		}
		p, err := auth.NewPrincipal("client", scope)
		if err != nil {
			e.t.Fatal(err)
		}
		principal.Store(p)
	}
}

func newEnv(t *testing.T, ver *defs.Version, mods ...func(*Config)) *env {
	t.Helper()
	st, err := storage.Open(t.TempDir(), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	e := &env{t: t, ver: ver, store: st}
	srv, url := newServer(t, e)
	cfg := Config{Version: ver, Store: st, Searcher: &fakeSearch{store: st}, BaseURL: url, MaxBodyBytes: 1 << 20, Logger: testr.New(t)}
	for _, m := range mods {
		m(&cfg)
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.h, e.srv = h, srv
	srv.Start() // after e.h is set: starting the server orders the two
	return e
}

// newServer returns an unstarted loopback server for e's handler (wrapped,
// when e.wrap is set) and the URL it will have; the caller starts it once
// the handler exists.
func newServer(t *testing.T, e *env) (*httptest.Server, string) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		wrap := e.wrap
		e.mu.Unlock()
		if wrap != nil {
			wrap(e.h).ServeHTTP(w, r)
			return
		}
		e.h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, "http://" + srv.Listener.Addr().String()
}

func versionOf(v any) *defs.Version { return v.(*defs.Version) }

// resp is an answered request.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r resp) json(t *testing.T) *fhirjson.Value {
	t.Helper()
	v, err := fhirjson.Parse(r.Body)
	if err != nil {
		t.Fatalf("response body is not JSON (%d): %v\n%s", r.Status, err, r.Body)
	}
	return v
}

// do sends a request; hdr are "Name: value" strings.
func (e *env) do(method, path, body string, hdr ...string) resp {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/fhir+json")
	}
	for _, h := range hdr {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp{Status: res.StatusCode, Header: res.Header, Body: b}
}

// create posts a resource and returns its id.
func (e *env) create(typ, body string) string {
	e.t.Helper()
	r := e.do("POST", "/fhir/"+typ, body)
	if r.Status != http.StatusCreated {
		e.t.Fatalf("create %s: %d %s", typ, r.Status, r.Body)
	}
	return r.json(e.t).Str("id")
}

// versions are the two FHIR releases every test runs against.
var versions = []*defs.Version{defs.R4, defs.STU3}

// issueCode returns the first issue code of an OperationOutcome body.
func issueCode(t *testing.T, r resp) string {
	t.Helper()
	v := r.json(t)
	if v.Str("resourceType") != "OperationOutcome" {
		t.Fatalf("expected an OperationOutcome, got %s", r.Body)
	}
	return v.Get("issue").Items[0].Str("code")
}

func newGet(path string) (*http.Request, error) { return http.NewRequest("GET", path, nil) }

func mustParse(t testing.TB, s string) *fhirjson.Value {
	t.Helper()
	v, err := fhirjson.Parse([]byte(s))
	if err != nil {
		t.Fatalf("parse %s: %v", s, err)
	}
	return v
}
