package rest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// costlySearch is a search that works until its context ends (at most
// giveUp, so a handler without a deadline answers, late): the stand-in for
// a query over a store too big for the request deadline.
type costlySearch struct {
	*fakeSearch
	giveUp time.Duration
}

// work returns what a store scan returns once ctx is done.
func (s costlySearch) work(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(s.giveUp):
		return nil
	}
}

func (s costlySearch) Search(ctx context.Context, req search.Request) (*search.Result, error) {
	if err := s.work(ctx); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return s.fakeSearch.Search(ctx, req)
}

func (s costlySearch) Match(ctx context.Context, tx *storage.Tx, typ string, q url.Values) ([]string, error) {
	if err := s.work(ctx); err != nil {
		return nil, fmt.Errorf("match: %w", err)
	}
	return s.fakeSearch.Match(ctx, tx, typ, q)
}

func newCostlyEnv(t *testing.T, timeout time.Duration) *env {
	return newEnv(t, versions[0], func(c *Config) {
		c.RequestTimeout = timeout
		c.Searcher = costlySearch{fakeSearch: c.Searcher.(*fakeSearch), giveUp: 3 * time.Second}
	})
}

// TestRequestDeadline: a request whose work outlives --request-timeout
// stops and answers 503 with a too-costly OperationOutcome; a write whose
// conditional search is cut writes nothing; a batch reports the entries
// that ran; a $changes long poll waits longer than the deadline.
func TestRequestDeadline(t *testing.T) {
	e := newCostlyEnv(t, 50*time.Millisecond)
	pat := `{"resourceType":"Patient","name":[{"family":"Chalmers"}]}`

	t.Run("search", func(t *testing.T) {
		r := e.do("GET", "/fhir/Patient?name=chalmers", "")
		wantTooCostly(t, r)
	})
	t.Run("conditional create writes nothing", func(t *testing.T) {
		r := e.do("POST", "/fhir/Patient", pat, "If-None-Exist: name=chalmers")
		wantTooCostly(t, r)
		wantPatients(t, e, 0)
	})
	t.Run("transaction is all or nothing", func(t *testing.T) {
		tx := `{"resourceType":"Bundle","type":"transaction","entry":[
			{"resource":` + pat + `,"request":{"method":"POST","url":"Patient"}},
			{"resource":` + pat + `,"request":{"method":"POST","url":"Patient","ifNoneExist":"name=chalmers"}}]}`
		r := e.do("POST", "/fhir", tx)
		wantTooCostly(t, r)
		wantPatients(t, e, 0)
	})
	t.Run("batch reports each entry", func(t *testing.T) {
		batch := `{"resourceType":"Bundle","type":"batch","entry":[
			{"resource":` + pat + `,"request":{"method":"POST","url":"Patient"}},
			{"request":{"method":"GET","url":"Patient?name=chalmers"}}]}`
		r := e.do("POST", "/fhir", batch)
		if r.Status != http.StatusOK {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		entries := r.json(t).Get("entry").Items
		created := entries[0].Get("response").Str("status")
		cut := entries[1].Get("response")
		if !strings.HasPrefix(created, "201") || !strings.HasPrefix(cut.Str("status"), "503") ||
			cut.Get("outcome").Get("issue").Items[0].Str("code") != "too-costly" {
			t.Fatalf("batch entries %s", r.Body)
		}
	})
	t.Run("a long poll is not cut", func(t *testing.T) {
		head := e.do("GET", "/fhir/$changes?_count=1000", "")
		next := ""
		for _, l := range head.json(t).Get("link").Items {
			if l.Str("relation") == "next" {
				next = l.Str("url")
			}
		}
		u, err := url.Parse(next)
		if err != nil || next == "" {
			t.Fatalf("next link %q: %v", next, err)
		}
		r := e.do("GET", "/fhir/$changes?_wait=1&_cursor="+url.QueryEscape(u.Query().Get("_cursor")), "")
		if r.Status != http.StatusOK || r.json(t).Str("resourceType") != "Bundle" {
			t.Fatalf("long poll: %d %s, want 200 and an empty page", r.Status, r.Body)
		}
	})
}

func wantTooCostly(t *testing.T, r resp) {
	t.Helper()
	if r.Status != http.StatusServiceUnavailable || issueCode(t, r) != "too-costly" {
		t.Fatalf("%d %s, want 503 too-costly", r.Status, r.Body)
	}
}

func wantPatients(t *testing.T, e *env, want int64) {
	t.Helper()
	if n, err := e.store.Count(context.Background(), "Patient"); err != nil || n != want {
		t.Fatalf("%d Patients (%v), want %d", n, err, want)
	}
}

// TestLazyDeadline: the request context behaves as context.WithTimeoutCause
// would, whether or not anything waited on it before its deadline.
func TestLazyDeadline(t *testing.T) {
	h := &Handler{timeout: 30 * time.Millisecond}
	type key struct{}
	parent := context.WithValue(context.Background(), key{}, "v")

	// Nobody waits: after the deadline, Err and Cause say so.
	ctx, release := h.deadline(parent)
	if ctx.Err() != nil || ctx.Value(key{}) != "v" {
		t.Fatalf("fresh: err %v, value %v", ctx.Err(), ctx.Value(key{}))
	}
	if d, ok := ctx.Deadline(); !ok || time.Until(d) > 30*time.Millisecond {
		t.Errorf("deadline %v %v", d, ok)
	}
	if ctx.(*lazyDeadline).armed.Load() != nil {
		t.Error("armed without a waiter")
	}
	time.Sleep(40 * time.Millisecond)
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) || !errors.Is(context.Cause(ctx), errRequestDeadline) {
		t.Errorf("after the deadline: err %v, cause %v", ctx.Err(), context.Cause(ctx))
	}
	if oe := tooCostly(ctx, fmt.Errorf("scan: %w", ctx.Err())); oe == nil || oe.Status != http.StatusServiceUnavailable {
		t.Errorf("tooCostly: %v", oe)
	}
	select {
	case <-ctx.Done():
	default:
		t.Error("Done not closed after the deadline")
	}
	if ctx.Value(key{}) != "v" {
		t.Error("value lost once armed")
	}
	release()

	// A waiter: Done closes at the deadline.
	ctx, release = h.deadline(parent)
	select {
	case <-ctx.Done():
		if !errors.Is(context.Cause(ctx), errRequestDeadline) {
			t.Errorf("cause %v", context.Cause(ctx))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Done did not close at the deadline")
	}
	release()

	// Released before anything waited: cancelled, and Done is closed.
	ctx, release = h.deadline(parent)
	release()
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Errorf("released: %v", ctx.Err())
	}
	select {
	case <-ctx.Done():
	default:
		t.Error("released: Done open")
	}

	// The parent ends first: its error, and a derived context ends too.
	p, cancelParent := context.WithCancelCause(parent)
	ctx, release = h.deadline(p)
	defer release()
	child, cancelChild := context.WithCancel(ctx)
	defer cancelChild()
	cancelParent(errors.New("client gone"))
	if !errors.Is(ctx.Err(), context.Canceled) || context.Cause(ctx).Error() != "client gone" {
		t.Errorf("parent ended: err %v, cause %v", ctx.Err(), context.Cause(ctx))
	}
	select {
	case <-child.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("a context derived from it did not end with the parent")
	}
	if tooCostly(ctx, ctx.Err()) != nil {
		t.Error("a client that went away read as too costly")
	}
}
