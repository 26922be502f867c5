package main

import (
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
	"strings"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("bin", "bin/fhirserver", "the fhirserver binary to measure")
	dur := flag.Duration("duration", 10*time.Second, "length of each load run")
	memory := flag.Bool("memory", false, "measure peak memory under issue 15's large bodies instead")
	idle := flag.Bool("idle", false, "measure where an idle server's memory goes instead")
	clients := flag.Int("clients", 32, "with -memory: clients posting a 10.5 MB transaction at once")
	runs := flag.Int("runs", 3, "repetitions of each HTTP figure; the table gives their median")
	profile := flag.String("profile", "", "folder for a CPU and an allocation profile of each workload, taken in one extra run (the fhirserver's --pprof-listen); their top entries are printed too")
	only := flag.String("workloads", "", "run only these workloads of the HTTP table, comma-separated: create, transaction, read, search (the ceiling always runs), e.g. to pair two builds on one workload")
	serverArgs := flag.String("server-args", "", "more flags for every fhirserver of the HTTP table, space-separated (e.g. \"--cache-size 64MiB\"), to compare settings")
	ceilingServe := flag.String("ceiling-serve", "", "serve the trivial ceiling handler on this address and nothing else (benchserver starts itself so)")
	flag.Parse()
	if *ceilingServe != "" {
		if err := serveCeiling(*ceilingServe); err != nil {
			fmt.Fprintln(os.Stderr, "benchserver -ceiling-serve:", err)
			os.Exit(1)
		}
		return
	}
	measure := func() error { return runHTTP(*bin, *dur, *runs, *profile, *only, strings.Fields(*serverArgs)) }
	if *memory {
		measure = func() error { return runMemory(*bin, *clients) }
	}
	if *idle {
		measure = func() error { return runIdle(*bin) }
	}
	if err := measure(); err != nil {
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
func start(bin, dir string, extra ...string) (*proc, time.Duration, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, 0, err
	}
	p := &proc{base: "http://" + addr, dir: dir}
	p.cmd = exec.Command(bin, append([]string{"--fhir-version", "R4", "--data-dir", dir, "--listen", addr, "--base-url", p.base}, extra...)...)
	p.cmd.Stderr = io.Discard
	// The metrics listener on loopback and a free port unless a mode asks
	// for one (a flag beats the environment): never all interfaces, and
	// never a fixed port two servers would fight over.
	p.cmd.Env = append(os.Environ(), "FHIRSERVER_METRICS_LISTEN=127.0.0.1:0")
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

func (p *proc) rssKiB() (int, error) { return p.statusKiB("VmRSS") }

// statusKiB reads one "<field>: N kB" line of /proc/<pid>/status.
func (p *proc) statusKiB(field string) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, field+":") {
			var kib int
			_, err := fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, field+":")), "%d kB", &kib)
			return kib, err
		}
	}
	return 0, fmt.Errorf("no %s", field)
}

// cpu returns the CPU time (user + system) the server has used so far. Per
// request it is the figure that survives a busy shared machine: wall-clock
// rates there say as much about the neighbours as about the server.
func (p *proc) cpu() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// Fields after the parenthesised command name; utime and stime are the
	// 14th and 15th fields of the line, in clock ticks (100 per second).
	rest := string(b[strings.LastIndexByte(string(b), ')')+2:])
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc stat")
	}
	var ut, st int64
	if _, err := fmt.Sscan(f[11], &ut); err != nil {
		return 0, err
	}
	if _, err := fmt.Sscan(f[12], &st); err != nil {
		return 0, err
	}
	return time.Duration(ut+st) * 10 * time.Millisecond, nil
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
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
