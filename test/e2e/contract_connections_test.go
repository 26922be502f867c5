package e2e

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Issue 15, items 4 and 5, from outside: clients that hold connections
// (headers with a Content-Length, then nothing) and bodies that would hold
// memory. Every read below has a deadline that bounds a broken server; none
// asserts a speed.

// heldPost opens a connection and sends the headers of a POST declaring a
// 100,000-byte body, with the token when one is given, and no body.
func heldPost(t *testing.T, base, path, token string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	head := "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\nContent-Length: 100000\r\n"
	if token != "" {
		head += "Authorization: Bearer " + token + "\r\n"
	}
	if _, err := io.WriteString(conn, head+"\r\n"); err != nil {
		t.Fatal(err)
	}
	return conn, bufio.NewReader(conn)
}

// answer reads the answer on a held connection: its status and whether the
// server closes the connection after it.
func answer(t *testing.T, br *bufio.Reader) (int, string, bool) {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer while the body is withheld: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Close
}

// TestContractHeldBodies: 200 connections send headers and no body. Without
// a token each is answered 401 at once, and closed; with a token each gets
// 408 when the body timeout (set by FHIRSERVER_BODY_TIMEOUT) ends, as does
// a token request. SIGTERM
// with such connections open exits cleanly, without using its timeout.
func TestContractHeldBodies(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	srv := launch(t, addr, "", []string{"FHIRSERVER_BODY_TIMEOUT=1s", "FHIRSERVER_SHUTDOWN_TIMEOUT=60s"},
		"--fhir-version", "R4", "--data-dir", dir, "--listen", addr, "--base-url", "http://"+addr, "--log-format", "text")
	srv.DataDir = dir
	token := srv.token(false)

	var anon []*bufio.Reader
	for range 200 {
		_, br := heldPost(t, srv.Base, "/fhir/Patient", "")
		anon = append(anon, br)
	}
	for i, br := range anon {
		if status, body, closes := answer(t, br); status != http.StatusUnauthorized || !closes {
			t.Fatalf("connection %d without a token: %d (closing: %v) %s; want 401, closing", i, status, closes, body)
		}
	}

	// The token endpoint reads its form under the same deadline.
	_, br := heldPost(t, srv.Base, "/oauth2/token", "")
	if status, body, _ := answer(t, br); status != http.StatusBadRequest || !strings.Contains(body, "invalid_request") {
		t.Fatalf("token request with its body withheld: %d %s; want 400 invalid_request", status, body)
	}

	var held []*bufio.Reader
	for range 20 {
		_, br := heldPost(t, srv.Base, "/fhir/Patient", token)
		held = append(held, br)
	}
	for i, br := range held {
		status, body, closes := answer(t, br)
		if status != http.StatusRequestTimeout || !closes || !strings.Contains(body, `"code":"timeout"`) {
			t.Fatalf("connection %d with a token: %d (closing: %v) %s; want 408 timeout, closing", i, status, closes, body)
		}
	}

	// SIGTERM while connections hold bodies back: the body timeout ends
	// them, so the drain finishes well inside a 60 s shutdown timeout (the
	// harness gives up after 30 s).
	for range 20 {
		heldPost(t, srv.Base, "/fhir/Patient", token)
	}
	if code := srv.stop(); code != 0 {
		t.Fatalf("SIGTERM: exit code %d:\n%s", code, srv.logs.String())
	}
	if strings.Contains(srv.logs.String(), "did not finish in time") {
		t.Fatalf("the drain used the whole shutdown timeout:\n%s", srv.logs.String())
	}
}

// TestContractConnectionCaps: past --max-connections-per-address a new
// connection is closed before it is read; once connections end there is
// room again.
func TestContractConnectionCaps(t *testing.T) {
	srv := startServer(t, "R4", t.TempDir(), "--max-connections-per-address", "50")
	var silent []net.Conn
	for range 50 {
		c, err := net.Dial("tcp", strings.TrimPrefix(srv.Base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		silent = append(silent, c)
	}
	if err := healthz(srv.Base); err == nil {
		t.Fatal("a connection past the per-address cap was served")
	}
	for _, c := range silent {
		c.Close()
	}
	// The server sees the closes on its own time: wait for room.
	deadline := time.Now().Add(20 * time.Second)
	for err := healthz(srv.Base); err != nil; err = healthz(srv.Base) {
		if time.Now().After(deadline) {
			t.Fatalf("no room after the connections closed: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	resp, err := http.Get(srv.Metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	metrics, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(metrics), `fhir_connections_refused_total{reason="per_address"}`) {
		t.Fatal("/metrics does not count the refused connections")
	}
}

// healthz sends GET /healthz on a fresh connection and reads the answer.
func healthz(base string) error {
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
		return err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status)
	}
	return nil
}

// TestContractElementCap: issue 15's 2 MB Patient with 500,000 given names
// is refused 413 at the first name over --max-elements, by name.
func TestContractElementCap(t *testing.T) {
	cs := startContract(t, "R4")
	names := `"A"` + strings.Repeat(`,"A"`, 499_999)
	r := cs.call(t, "POST", "/Patient", `{"resourceType":"Patient","name":[{"family":"Doe","given":[`+names+`]}]}`, nil)
	oo := wantOutcome(t, r, http.StatusRequestEntityTooLarge, "too-costly")
	if got := issueExpressions(oo); len(got) != 1 || got[0] != "Patient.name[0].given[199994]" {
		t.Fatalf("expression %v, want Patient.name[0].given[199994]", got)
	}
}
