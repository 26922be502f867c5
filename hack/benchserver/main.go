package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/fhirfleet/fhirfleet/test/loadgen"
)

func main() {
	bin := flag.String("bin", "bin/fhirserver", "the fhirserver binary to measure")
	dur := flag.Duration("duration", 10*time.Second, "length of each load run")
	flag.Parse()
	if err := run(*bin, *dur); err != nil {
		fmt.Fprintln(os.Stderr, "benchserver:", err)
		os.Exit(1)
	}
}

type proc struct {
	cmd  *exec.Cmd
	base string
	dir  string
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// start launches the server and returns it with the time until /readyz said 200.
func start(bin, dir string) (*proc, time.Duration, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, 0, err
	}
	p := &proc{base: "http://" + addr, dir: dir}
	p.cmd = exec.Command(bin, "--fhir-version", "R4", "--data-dir", dir, "--listen", addr, "--base-url", p.base)
	p.cmd.Stderr = io.Discard
	t0 := time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, 0, err
	}
	client := &http.Client{Timeout: time.Second}
	for time.Since(t0) < 30*time.Second {
		if resp, err := client.Get(p.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p, time.Since(t0), nil
			}
		}
		time.Sleep(time.Millisecond)
	}
	p.stop()
	return nil, 0, fmt.Errorf("not ready within 30s")
}

func (p *proc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	_ = p.cmd.Wait()
}

func (p *proc) rssKiB() (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			var kib int
			_, err := fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, "VmRSS:")), "%d kB", &kib)
			return kib, err
		}
	}
	return 0, fmt.Errorf("no VmRSS")
}

func (p *proc) token() (string, error) {
	id, err := os.ReadFile(filepath.Join(p.dir, "credentials", "client_id"))
	if err != nil {
		return "", err
	}
	secret, err := os.ReadFile(filepath.Join(p.dir, "credentials", "client_secret"))
	if err != nil {
		return "", err
	}
	req, _ := http.NewRequest("POST", p.base+"/oauth2/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(string(id), string(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	return tok.AccessToken, err
}

// fsyncRate measures how many 4 KiB write+fdatasync pairs the disk under dir
// completes per second from one writer: the ceiling a server without group
// commit would hit.
func fsyncRate(dir string, d time.Duration) (float64, error) {
	f, err := os.CreateTemp(dir, "fsync-")
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, 4096)
	n := 0
	t0 := time.Now()
	for time.Since(t0) < d {
		if _, err := f.WriteAt(buf, int64(n%256)*4096); err != nil {
			return 0, err
		}
		if err := syscall.Fdatasync(int(f.Fd())); err != nil {
			return 0, err
		}
		n++
	}
	return float64(n) / time.Since(t0).Seconds(), nil
}

const observation = `{"resourceType":"Observation","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"29463-7","display":"Body weight"}]},"subject":{"reference":"Patient/example"},"effectiveDateTime":"2026-11-21T10:00:00Z","valueQuantity":{"value":72.50,"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"}}`

func run(bin string, dur time.Duration) error {
	root, err := os.MkdirTemp("", "benchserver-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(root)

	// Start to ready and idle RSS, on empty stores.
	var starts []time.Duration
	var rss []int
	for i := 0; i < 5; i++ {
		p, took, err := start(bin, filepath.Join(root, fmt.Sprintf("start%d", i)))
		if err != nil {
			return err
		}
		starts = append(starts, took)
		time.Sleep(time.Second)
		kib, err := p.rssKiB()
		p.stop()
		if err != nil {
			return err
		}
		rss = append(rss, kib)
	}
	slices.Sort(starts)
	slices.Sort(rss)

	fsyncs, err := fsyncRate(root, 2*time.Second)
	if err != nil {
		return err
	}

	p, _, err := start(bin, filepath.Join(root, "load"))
	if err != nil {
		return err
	}
	defer p.stop()
	tok, err := p.token()
	if err != nil {
		return err
	}
	ctx := context.Background()
	creates, err := loadgen.Run(ctx, loadgen.Options{Concurrency: 64, Duration: dur, MaxRequests: 2_000_000, WantStatus: 201},
		func(ctx context.Context, c, i int) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, "POST", p.base+"/fhir/Observation", strings.NewReader(observation))
			if err == nil {
				req.Header.Set("Content-Type", "application/fhir+json")
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Prefer", "return=minimal")
			}
			return req, err
		})
	if err != nil {
		return err
	}

	// Reads by id over 1,000 resources.
	ids := make([]string, 0, 1000)
	for i := 0; i < 1000; i++ {
		req, _ := http.NewRequest("POST", p.base+"/fhir/Observation", strings.NewReader(observation))
		req.Header.Set("Content-Type", "application/fhir+json")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		var got struct{ ID string }
		_ = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		ids = append(ids, got.ID)
	}
	reads, err := loadgen.Run(ctx, loadgen.Options{Concurrency: 16, Duration: dur, MaxRequests: 5_000_000, WantStatus: 200},
		func(ctx context.Context, c, i int) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, "GET", p.base+"/fhir/Observation/"+ids[(c*7919+i)%len(ids)], nil)
			if err == nil {
				req.Header.Set("Authorization", "Bearer "+tok)
			}
			return req, err
		})
	if err != nil {
		return err
	}

	fmt.Printf("| start to ready, empty store (median of 5; p0–p100) | %v (%v–%v) | ≤ 200 ms |\n",
		starts[2].Round(time.Millisecond), starts[0].Round(time.Millisecond), starts[4].Round(time.Millisecond))
	fmt.Printf("| idle RSS 1 s after ready (median of 5) | %.1f MB | ≤ 25 MB |\n", float64(rss[2])/1024)
	fmt.Printf("| disk: 4 KiB write + fdatasync, one writer | %.0f/s | (reference) |\n", fsyncs)
	fmt.Printf("| durable creates, 64 clients, %v | %.0f/s (p50 %v, p99 %v, %d errors) | ≥ 8,000/s |\n",
		dur, creates.PerSecond, creates.P50.Round(10*time.Microsecond), creates.P99.Round(10*time.Microsecond), creates.Errors)
	fmt.Printf("| reads by id, 16 clients, %v | %.0f/s (p50 %v, p99 %v, %d errors) | ≥ 20,000/s, p99 ≤ 5 ms |\n",
		dur, reads.PerSecond, reads.P50.Round(10*time.Microsecond), reads.P99.Round(10*time.Microsecond), reads.Errors)
	if creates.FirstError != "" || reads.FirstError != "" {
		fmt.Fprintf(os.Stderr, "first errors: create %q, read %q\n", creates.FirstError, reads.FirstError)
	}
	return nil
}
