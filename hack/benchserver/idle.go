package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// idleStarts is how many fresh processes the idle figures are the median of.
const idleStarts = 3

// idleSample is one idle process's memory, in KiB.
type idleSample struct {
	rss, anon, file int
	// binText and binData are the resident pages of the binary's code and
	// of its read-only data (definitions, pclntab); touched is how much of
	// the binary the idle process used in 5 s (Referenced after clear_refs).
	binText, binData, touched int
	// Go runtime figures from /metrics.
	heapInuse, heapAlloc, stacks, runtimeSys int
}

// runIdle starts the server idleStarts times on empty stores, waits 2 s
// after ready, and prints table rows of the median process (by RSS): RSS and
// what it is made of, from /proc/<pid>/status and smaps and the Go runtime's
// own figures on /metrics (scraped after the RSS is read, since a scrape
// allocates).
func runIdle(bin string) error {
	root, err := os.MkdirTemp("", "benchserver-idle-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(root)
	abs, err := filepath.Abs(bin)
	if err != nil {
		return err
	}
	var samples []idleSample
	for i := 0; i < idleStarts; i++ {
		s, err := idleOnce(abs, filepath.Join(root, fmt.Sprintf("idle%d", i)))
		if err != nil {
			return err
		}
		samples = append(samples, s)
	}
	slices.SortFunc(samples, func(a, b idleSample) int { return a.rss - b.rss })
	m := samples[len(samples)/2]
	mb := func(kib int) string { return fmt.Sprintf("%.1f MB", float64(kib)/1024) }
	fmt.Printf("| idle RSS 2 s after ready (median of %d; all: %s, %s, %s) | %s | ≤ 20 MB |\n", idleStarts,
		mb(samples[0].rss), mb(samples[1].rss), mb(samples[2].rss), mb(m.rss))
	fmt.Printf("| mapped from the binary file (RssFile): code %s, read-only data %s | %s | shared by every fhirserver on a node |\n",
		mb(m.binText), mb(m.binData), mb(m.file))
	fmt.Printf("| of the binary, pages the idle server touched in the next 5 s | %s | |\n", mb(m.touched))
	fmt.Printf("| anonymous (RssAnon) | %s | |\n", mb(m.anon))
	fmt.Printf("| Go heap in use (allocated %s), goroutine stacks %s | %s | |\n", mb(m.heapAlloc), mb(m.stacks), mb(m.heapInuse))
	fmt.Printf("| Go runtime's own structures (GC metadata, spans, profiling buckets; reserved, partly resident) | %s | |\n", mb(m.runtimeSys))
	return nil
}

func idleOnce(bin, dir string) (idleSample, error) {
	var s idleSample
	metrics, err := freeAddr()
	if err != nil {
		return s, err
	}
	p, _, err := start(bin, dir, "--metrics-listen", metrics)
	if err != nil {
		return s, err
	}
	defer p.stop()
	time.Sleep(2 * time.Second)
	for _, f := range []struct {
		name string
		to   *int
	}{{"VmRSS", &s.rss}, {"RssAnon", &s.anon}, {"RssFile", &s.file}} {
		if *f.to, err = p.statusKiB(f.name); err != nil {
			return s, err
		}
	}
	smaps := fmt.Sprintf("/proc/%d/smaps", p.cmd.Process.Pid)
	if s.binText, s.binData, _, err = binaryKiB(smaps, bin, "Rss"); err != nil {
		return s, err
	}
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", p.cmd.Process.Pid), []byte("1"), 0); err != nil {
		return s, err
	}
	time.Sleep(5 * time.Second)
	if _, _, s.touched, err = binaryKiB(smaps, bin, "Referenced"); err != nil {
		return s, err
	}
	resp, err := http.Get("http://" + metrics + "/metrics")
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return s, err
	}
	g := gauges(string(b))
	kib := func(name string) int { return int(g[name] / 1024) }
	s.heapInuse, s.heapAlloc, s.stacks = kib("go_memstats_heap_inuse_bytes"), kib("go_memstats_heap_alloc_bytes"), kib("go_memstats_stack_inuse_bytes")
	s.runtimeSys = kib("go_memstats_gc_sys_bytes") + kib("go_memstats_other_sys_bytes") + kib("go_memstats_mspan_sys_bytes") +
		kib("go_memstats_mcache_sys_bytes") + kib("go_memstats_buck_hash_sys_bytes")
	return s, nil
}

// binaryKiB sums one smaps field over the mappings of the file bin: the
// executable one (code), the others (read-only data and data), and all.
func binaryKiB(smaps, bin, field string) (text, data, all int, err error) {
	f, err := os.Open(smaps)
	if err != nil {
		return 0, 0, 0, err
	}
	defer f.Close()
	var ours, exec bool
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if !strings.HasSuffix(fields[0], ":") { // a mapping's header line
			ours = len(fields) >= 6 && fields[5] == bin
			exec = len(fields) >= 2 && strings.Contains(fields[1], "x")
			continue
		}
		if !ours || fields[0] != field+":" || len(fields) < 2 {
			continue
		}
		n, err := strconv.Atoi(fields[1])
		if err != nil {
			return 0, 0, 0, fmt.Errorf("%s: %w", smaps, err)
		}
		all += n
		if exec {
			text += n
		} else {
			data += n
		}
	}
	return text, data, all, sc.Err()
}

// gauges reads the unlabelled samples of a Prometheus text exposition.
func gauges(text string) map[string]float64 {
	g := map[string]float64{}
	for _, line := range strings.Split(text, "\n") {
		name, v, ok := strings.Cut(line, " ")
		if !ok || strings.HasPrefix(line, "#") || strings.Contains(name, "{") {
			continue
		}
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
			g[name] = f
		}
	}
	return g
}
