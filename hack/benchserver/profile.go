package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// profiler records a CPU and an allocation profile of a fhirserver (its
// --pprof-listen) while one workload's load runs, keeps them under dir as
// <name>.cpu.pprof and <name>.allocs.pprof, and summarises them with go tool
// pprof for BENCHMARKS.md.
type profiler struct {
	dir string
	// tops are the summaries, in the order the workloads ran.
	tops []string
}

// profileSeconds is how long a profile records during a run of d: the whole
// second count that fits, less one so it ends before the load does.
func profileSeconds(d time.Duration) int {
	return max(1, int(d/time.Second)-1)
}

// capture starts recording both profiles from pprofBase; the returned
// function waits for them and writes the files.
func (pr *profiler) capture(ctx context.Context, pprofBase, name string, d time.Duration) func() error {
	secs := profileSeconds(d)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, kind := range []string{"cpu", "allocs"} {
		path := "/debug/pprof/profile"
		if kind == "allocs" {
			// With seconds, the allocation profile is the difference over
			// that time, not everything since the process started.
			path = "/debug/pprof/allocs"
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fetchTo(ctx, fmt.Sprintf("%s%s?seconds=%d", pprofBase, path, secs), pr.file(name, kind))
		}()
	}
	return func() error {
		wg.Wait()
		return errors.Join(errs...)
	}
}

func (pr *profiler) file(name, kind string) string {
	return filepath.Join(pr.dir, name+"."+kind+".pprof")
}

func fetchTo(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// topCommands are the go tool pprof invocations that summarise a workload's
// two profiles: where the CPU went, and which code allocated the most bytes.
func topCommands(cpuFile, allocsFile string) [][]string {
	return [][]string{
		{"go", "tool", "pprof", "-top", "-nodecount=15", cpuFile},
		{"go", "tool", "pprof", "-top", "-nodecount=15", "-sample_index=alloc_space", allocsFile},
	}
}

// summarise runs topCommands on a workload's profiles and keeps their
// output, each under the command that made it.
func (pr *profiler) summarise(title, name string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "#### %s\n\n```\n", title)
	for i, args := range topCommands(pr.file(name, "cpu"), pr.file(name, "allocs")) {
		if i > 0 {
			b.WriteString("\n")
		}
		out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %w\n%s", strings.Join(args, " "), err, out)
		}
		fmt.Fprintf(&b, "$ %s\n%s", strings.Join(args, " "), trimTop(string(out)))
	}
	b.WriteString("```\n")
	pr.tops = append(pr.tops, b.String())
	return nil
}

// trimTop drops the lines of a pprof -top header that change on every run
// without telling anything (build id, wall-clock time).
func trimTop(out string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(out, "\n") {
		if strings.HasPrefix(line, "Build ID:") || strings.HasPrefix(line, "Time:") || strings.HasPrefix(line, "File:") {
			continue
		}
		b.WriteString(line)
	}
	return b.String()
}
