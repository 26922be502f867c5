package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"
)

// The ceiling is what this machine's HTTP stack and load generator allow at
// all: a trivial net/http handler answering 200 bytes of JSON, in its own
// process on loopback like the fhirserver, driven by the same load generator
// in the same run. Every fhirserver figure is stated as a share of it,
// because on a shared machine absolute rates drift by 2× between days while
// the ratio does not.

// ceilingBody is the trivial handler's answer: exactly 200 bytes of JSON.
var ceilingBody = func() []byte {
	const head = `{"resourceType":"Patient","id":"ceiling","active":true,"name":[{"family":"Ceiling","given":["Trivial"]}],"note":"`
	const tail = `"}`
	return []byte(head + strings.Repeat("x", 200-len(head)-len(tail)) + tail)
}()

// ceilingHandler answers every request with ceilingBody.
func ceilingHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(ceilingBody)
	})
}

// serveCeiling is the -ceiling-serve mode: the ceiling's own process.
func serveCeiling(addr string) error {
	return http.ListenAndServe(addr, ceilingHandler())
}

// startCeiling runs this program again as the ceiling server on a free
// loopback port and waits until it answers.
func startCeiling() (*proc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	p := &proc{base: "http://" + addr, cmd: exec.Command(self, "-ceiling-serve", addr)}
	p.cmd.Stderr = os.Stderr
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	client := &http.Client{Timeout: time.Second}
	for t0 := time.Now(); time.Since(t0) < 10*time.Second; time.Sleep(10 * time.Millisecond) {
		resp, err := client.Get(p.base + "/")
		if err != nil {
			continue
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || n != int64(len(ceilingBody)) {
			p.stop()
			return nil, fmt.Errorf("ceiling server: status %d, %d bytes", resp.StatusCode, n)
		}
		return p, nil
	}
	p.stop()
	return nil, errors.New("ceiling server not answering within 10s")
}
