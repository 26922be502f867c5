package rest

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestChargeTake(t *testing.T) {
	tests := []struct {
		name      string
		size      int64
		takes     []int64
		wantHeld  int64
		wantError bool
	}{
		{"within", 100, []int64{30, 40}, 70, false},
		{"exactly all", 100, []int64{100}, 100, false},
		{"a body larger than the budget takes it all, alone", 100, []int64{250}, 100, false},
		{"growing past the budget stops at it", 100, []int64{60, 60, 60}, 100, false},
		{"nothing", 100, []int64{0}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBodyBudget(tt.size, time.Millisecond)
			c := charge{b: b}
			for _, n := range tt.takes {
				if err := c.take(context.Background(), n); err != nil {
					t.Fatalf("take %d: %v", n, err)
				}
			}
			if c.held != tt.wantHeld || b.used.Load() != tt.wantHeld {
				t.Fatalf("held %d, used %d; want %d", c.held, b.used.Load(), tt.wantHeld)
			}
			c.release()
			if b.used.Load() != 0 {
				t.Fatalf("used %d after release", b.used.Load())
			}
		})
	}
}

func TestChargeWaitsThenGivesUp(t *testing.T) {
	b := newBodyBudget(100, 20*time.Millisecond)
	first := charge{b: b}
	if err := first.take(context.Background(), 80); err != nil {
		t.Fatal(err)
	}
	second := charge{b: b}
	if err := second.take(context.Background(), 30); !errors.Is(err, errBudget) {
		t.Fatalf("got %v, want errBudget", err)
	}
	first.release()
	if err := second.take(context.Background(), 30); err != nil {
		t.Fatalf("after the release: %v", err)
	}
}

// TestChargeKeepsTheQueue: a body that finds room takes it at once, but
// not past a larger one already waiting for room — the budget stays FIFO,
// so a stream of small bodies cannot starve a large one.
func TestChargeKeepsTheQueue(t *testing.T) {
	b := newBodyBudget(100, 5*time.Second)
	first := charge{b: b}
	if err := first.take(context.Background(), 80); err != nil {
		t.Fatal(err)
	}
	large, small := charge{b: b}, charge{b: b}
	largeDone, smallDone := make(chan error, 1), make(chan error, 1)
	go func() { largeDone <- large.take(context.Background(), 50) }()
	// The large body queues (there is room for 20 only); a small one of 10
	// would fit, but must wait behind it.
	for deadline := time.Now().Add(5 * time.Second); b.sem.TryAcquire(20); {
		b.sem.Release(20)
		if time.Now().After(deadline) {
			t.Fatal("the large body never queued")
		}
		time.Sleep(time.Millisecond)
	}
	go func() { smallDone <- small.take(context.Background(), 10) }()
	select {
	case err := <-smallDone:
		t.Fatalf("the small body went ahead of the waiting large one (%v)", err)
	case <-time.After(50 * time.Millisecond):
	}
	first.release()
	for _, ch := range []chan error{largeDone, smallDone} {
		if err := <-ch; err != nil {
			t.Fatal(err)
		}
	}
	if large.held != 50 || small.held != 10 || b.used.Load() != 60 {
		t.Errorf("held %d and %d, used %d", large.held, small.held, b.used.Load())
	}
}

func TestChargedReaderChargesAsTheBodyArrives(t *testing.T) {
	b := newBodyBudget(1<<20, time.Millisecond)
	c := charge{b: b}
	body := strings.Repeat("x", 3*chunkedCharge)
	data, err := io.ReadAll(&chargedReader{ctx: context.Background(), r: strings.NewReader(body), c: &c})
	if err != nil || len(data) != len(body) {
		t.Fatalf("read %d bytes, %v", len(data), err)
	}
	if c.held < int64(len(body)) {
		t.Fatalf("held %d for a body of %d", c.held, len(body))
	}
	// A chunked body finding the budget full is refused.
	full := newBodyBudget(chunkedCharge, time.Millisecond)
	other := charge{b: full}
	_ = other.take(context.Background(), chunkedCharge)
	_, err = io.ReadAll(&chargedReader{ctx: context.Background(), r: strings.NewReader(body), c: &charge{b: full}})
	if !errors.Is(err, errBudget) {
		t.Fatalf("got %v, want errBudget", err)
	}
}

// rawConn sends head (request line, headers and perhaps part of a body)
// on a fresh connection and leaves the rest unsent. The deadline bounds a
// broken server; it asserts no speed.
func rawConn(t *testing.T, srvURL, head string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(srvURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	return conn, bufio.NewReader(conn)
}

// readAnswer reads one answer and whether it closes the connection.
func readAnswer(t *testing.T, br *bufio.Reader) (resp, bool) {
	t.Helper()
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Header: res.Header, Body: b}, res.Close
}

func postHead(path string, length int) string {
	return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\nContent-Length: " +
		strconv.Itoa(length) + "\r\n\r\n"
}

// TestBodyBudgetAnswers503 holds the budget with a body that is still
// arriving: another request waits its while, then gets 503 with
// Retry-After, and once the first is answered there is room again.
func TestBodyBudgetAnswers503(t *testing.T) {
	body := `{"resourceType":"Patient","active":true}`
	e := newEnv(t, versions[0], func(c *Config) {
		c.MaxInflightBodyBytes = int64(len(body)) + 10
		c.BodyBudgetWait = 20 * time.Millisecond
	})
	conn, br := rawConn(t, e.srv.URL, postHead("/fhir/Patient", len(body))+body[:5])
	for deadline := time.Now().Add(10 * time.Second); e.h.budget.used.Load() != int64(len(body)); {
		if time.Now().After(deadline) {
			t.Fatal("the first request never took its share")
		}
		time.Sleep(time.Millisecond)
	}
	r := e.do("POST", "/fhir/Patient", body)
	if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" || issueCode(t, r) != "throttled" {
		t.Fatalf("while the budget is held: %d Retry-After %q %s", r.Status, r.Header.Get("Retry-After"), r.Body)
	}
	if _, err := io.WriteString(conn, body[5:]); err != nil {
		t.Fatal(err)
	}
	if first, _ := readAnswer(t, br); first.Status != http.StatusCreated {
		t.Fatalf("the first request: %d %s", first.Status, first.Body)
	}
	if r := e.do("POST", "/fhir/Patient", body); r.Status != http.StatusCreated {
		t.Fatalf("after the first was answered: %d %s", r.Status, r.Body)
	}
}

// TestBodyTimeout is issue 15's attack with a valid token (this handler
// runs without authorization): headers, part of the body, then nothing.
func TestBodyTimeout(t *testing.T) {
	e := newEnv(t, versions[0], func(c *Config) { c.BodyTimeout = 50 * time.Millisecond })
	_, br := rawConn(t, e.srv.URL, postHead("/fhir/Patient", 100000)+`{"resourceType":`)
	r, closes := readAnswer(t, br)
	if r.Status != http.StatusRequestTimeout || issueCode(t, r) != "timeout" || !closes {
		t.Fatalf("got %d (closing: %v) %s; want 408 timeout, closing", r.Status, closes, r.Body)
	}
}

// TestAnswerWithoutTheBodyCloses: an answer that needs no body (here 404
// for an unknown type) comes at once, without waiting for the body or its
// timeout, and closes the connection.
func TestAnswerWithoutTheBodyCloses(t *testing.T) {
	e := newEnv(t, versions[0], func(c *Config) { c.BodyTimeout = time.Hour })
	body := `{"resourceType":"Patient"}`
	conn, br := rawConn(t, e.srv.URL, postHead("/fhir/NoSuchType", 100000))
	if r, closes := readAnswer(t, br); r.Status != http.StatusNotFound || !closes {
		t.Fatalf("got %d (closing: %v); want 404, closing", r.Status, closes)
	}
	// And the server does close it, rather than go on waiting for the body.
	if _, err := io.Copy(io.Discard, conn); err != nil {
		t.Fatalf("the server kept the connection after its answer: %v", err)
	}
	// A request whose body was read keeps its connection.
	_, br = rawConn(t, e.srv.URL, postHead("/fhir/Patient", len(body))+body)
	if r, closes := readAnswer(t, br); r.Status != http.StatusCreated || closes {
		t.Fatalf("got %d (closing: %v); want 201, kept", r.Status, closes)
	}
}

// TestElementCap is issue 15's 2 MB Patient of 500,000 given names: 413
// naming the first name over the cap, alone and inside a transaction.
func TestElementCap(t *testing.T) {
	names := `"A"` + strings.Repeat(`,"A"`, 499_999)
	patient := `{"resourceType":"Patient","name":[{"family":"Doe","given":[` + names + `]}]}`
	bundle := `{"resourceType":"Bundle","type":"transaction","entry":[{"resource":` + patient +
		`,"request":{"method":"POST","url":"Patient"}}]}`
	e := newEnv(t, versions[0], func(c *Config) { c.MaxBodyBytes = 4 << 20 })
	tests := []struct {
		path, body, expr string
	}{
		// Before the names: the object, resourceType, name, name[0],
		// family and given.
		{"/fhir/Patient", patient, "Patient.name[0].given[199994]"},
		{"/fhir", bundle, "Bundle.entry[0].resource.name[0].given[199994]"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := e.do("POST", tt.path, tt.body)
			if r.Status != http.StatusRequestEntityTooLarge || issueCode(t, r) != "too-costly" {
				t.Fatalf("got %d %s", r.Status, r.Body)
			}
			issue := r.json(t).Get("issue").Items[0]
			if got := issue.Get("expression").Items[0].Text; got != tt.expr {
				t.Fatalf("expression %q, want %q", got, tt.expr)
			}
			if d := issue.Str("diagnostics"); !strings.Contains(d, "more than 200000 elements") {
				t.Fatalf("diagnostics %q", d)
			}
		})
	}
}

// BenchmarkChargeTake: a body's share taken and given back while the
// budget has room, as nearly every request's is.
func BenchmarkChargeTake(b *testing.B) {
	budget := newBodyBudget(DefaultMaxInflightBodyBytes, DefaultBodyBudgetWait)
	ctx, cancel := context.WithCancel(context.Background()) // a request's context, as net/http gives it
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		c := charge{b: budget}
		if err := c.take(ctx, 450); err != nil {
			b.Fatal(err)
		}
		c.release()
	}
}
