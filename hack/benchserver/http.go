package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fhirfleet/fhirfleet/test/loadgen"
)

// idleWait is how long after ready the idle RSS is read (issue 13's row).
const idleWait = 2 * time.Second

// bench is one default run of benchserver: issue 13's table.
type bench struct {
	bin  string
	dur  time.Duration
	root string
	prof *profiler // nil without -profile
	args []string  // -server-args
	n    int       // fhirservers started, for their folders
}

// runHTTP measures every workload (those named in only, when set) runs
// times, each run right after a run of the ceiling, and prints the table
// of their medians; then start time and idle memory; with profileDir, one
// more run per workload under the profiler.
func runHTTP(bin string, dur time.Duration, runs int, profileDir, only string, serverArgs []string) error {
	if runs < 1 {
		return errors.New("-runs must be at least 1")
	}
	ws, err := selectWorkloads(workloads(), only)
	if err != nil {
		return err
	}
	root, err := os.MkdirTemp("", "benchserver-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(root)
	b := &bench{bin: bin, dur: dur, root: root, args: serverArgs}
	if profileDir != "" {
		if err := os.MkdirAll(profileDir, 0o755); err != nil {
			return err
		}
		b.prof = &profiler{dir: profileDir}
	}

	starts, rss, anon, err := b.idle(runs)
	if err != nil {
		return err
	}
	fsyncs, err := fsyncRate(root, 2*time.Second)
	if err != nil {
		return err
	}

	ceiling, err := startCeiling()
	if err != nil {
		return err
	}
	defer ceiling.stop()
	reads, pprofReads, err := b.start()
	if err != nil {
		return err
	}
	defer reads.stop()
	tok, err := reads.token()
	if err != nil {
		return err
	}
	var ids []string
	if slices.ContainsFunc(ws, func(w workload) bool { return !w.writes }) {
		fmt.Fprintf(os.Stderr, "benchserver: seeding %d Patients\n", searchPatients)
		if ids, err = seed(reads, tok); err != nil {
			return err
		}
	}

	ceilings := make([]sample, 0, runs*len(ws))
	samples := make([][]sample, len(ws))
	loadBefore := loadAverage()
	measureCeiling := func() (float64, error) {
		c, err := b.measure(ceiling, 64, 1, http.StatusOK, func(ctx context.Context, _, _ int) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, "GET", ceiling.base+"/", nil)
		})
		if err != nil {
			return 0, fmt.Errorf("ceiling: %w", err)
		}
		c.ceiling = c.PerSecond
		ceilings = append(ceilings, c)
		return c.PerSecond, nil
	}
	for r := 0; r < runs; r++ {
		fmt.Fprintf(os.Stderr, "benchserver: repetition %d of %d (load %s)\n", r+1, runs, loadAverage())
		if err := b.repetition(ws, reads, ids, measureCeiling, func(i int, s sample) { samples[i] = append(samples[i], s) }); err != nil {
			return err
		}
	}
	loadAfter := loadAverage()

	b.printTables(runs, loadBefore, loadAfter, ws, ceilings, samples)
	printStartAndIdle(runs, starts, rss, anon, fsyncs)

	if b.prof == nil {
		return nil
	}
	fmt.Fprintln(os.Stderr, "benchserver: profiling each workload")
	if err := b.profileRun(ws, reads, pprofReads, ids); err != nil {
		return err
	}
	fmt.Printf("\n### Where the server's CPU and allocations go (-profile %s)\n\n", profileDir)
	fmt.Printf("One more run of each workload (%v, not counted above) with a CPU profile and an allocation profile\n", dur)
	fmt.Printf("(bytes allocated during the run) of %d s taken from the fhirserver's `--pprof-listen` while the load ran;\n", profileSeconds(dur))
	fmt.Printf("the profiles are kept as <workload>.cpu.pprof and <workload>.allocs.pprof. Top 15 by own (flat) cost:\n\n")
	fmt.Print(strings.Join(b.prof.tops, "\n"))
	return nil
}

// repetition runs every workload once, each right after a run of the
// ceiling (its share's denominator): those that write on a fresh server,
// the others on reads.
func (b *bench) repetition(ws []workload, reads *proc, ids []string, measureCeiling func() (float64, error), add func(int, sample)) error {
	writes, _, err := b.start()
	if err != nil {
		return err
	}
	defer writes.stop()
	return afterCeiling(ws, measureCeiling, func(i int, w workload, ceiling float64) error {
		p := reads
		if w.writes {
			p = writes
		}
		tok, err := p.token()
		if err != nil {
			return err
		}
		s, err := b.measure(p, w.clients, w.perRequest, w.want, w.build(p.base, tok, ids))
		if err != nil {
			return fmt.Errorf("%s: %w", w.name, err)
		}
		if s.FirstError != "" {
			fmt.Fprintf(os.Stderr, "benchserver: %s: %d errors, the first: %s\n", w.name, s.Errors, s.FirstError)
		}
		s.ceiling = ceiling
		add(i, s)
		return nil
	})
}

// afterCeiling runs each workload right after a run of the ceiling, and
// gives it that run's rate.
func afterCeiling(ws []workload, measureCeiling func() (float64, error), run func(i int, w workload, ceiling float64) error) error {
	for i, w := range ws {
		ceiling, err := measureCeiling()
		if err != nil {
			return err
		}
		if err := run(i, w, ceiling); err != nil {
			return err
		}
	}
	return nil
}

// profileRun runs every workload once more while profiling the server.
func (b *bench) profileRun(ws []workload, reads *proc, pprofReads string, ids []string) error {
	writes, pprofWrites, err := b.start()
	if err != nil {
		return err
	}
	defer writes.stop()
	for _, w := range ws {
		p, pprofBase := reads, pprofReads
		if w.writes {
			p, pprofBase = writes, pprofWrites
		}
		tok, err := p.token()
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), b.dur+time.Minute)
		wait := b.prof.capture(ctx, pprofBase, w.name, b.dur)
		_, err = b.measure(p, w.clients, w.perRequest, w.want, w.build(p.base, tok, ids))
		err = errors.Join(err, wait())
		cancel()
		if err != nil {
			return fmt.Errorf("profile %s: %w", w.name, err)
		}
		if err := b.prof.summarise(fmt.Sprintf("%s, %d clients", w.title, w.clients), w.name); err != nil {
			return err
		}
	}
	return nil
}

// start launches a fhirserver on a fresh folder, with --pprof-listen when
// profiling; it returns the origin of its profiles ("" without).
func (b *bench) start() (*proc, string, error) {
	b.n++
	extra := slices.Clone(b.args)
	pprofBase := ""
	if b.prof != nil {
		addr, err := freeAddr()
		if err != nil {
			return nil, "", err
		}
		extra = append(extra, "--pprof-listen", addr)
		pprofBase = "http://" + addr
	}
	p, _, err := start(b.bin, filepath.Join(b.root, fmt.Sprintf("server%d", b.n)), extra...)
	return p, pprofBase, err
}

// measure runs one load against p and takes p's CPU time over it.
func (b *bench) measure(p *proc, clients int, perRequest float64, want int, build loadgen.RequestFunc) (sample, error) {
	cpu0, err := p.cpu()
	if err != nil {
		return sample{}, err
	}
	res, err := loadgen.Run(context.Background(), loadgen.Options{Concurrency: clients, Duration: b.dur, MaxRequests: 50_000_000, WantStatus: want}, build)
	if err != nil {
		return sample{}, err
	}
	cpu1, err := p.cpu()
	if err != nil {
		return sample{}, err
	}
	return sample{Result: res, cpu: cpu1 - cpu0, perRequest: perRequest}, nil
}

// idle starts runs fresh servers on empty stores: the time each took to be
// ready, and its RSS and anonymous RSS (KiB) idleWait later.
func (b *bench) idle(runs int) (starts []time.Duration, rss, anon []int64, err error) {
	for i := 0; i < runs; i++ {
		b.n++
		p, took, err := start(b.bin, filepath.Join(b.root, fmt.Sprintf("server%d", b.n)), b.args...)
		if err != nil {
			return nil, nil, nil, err
		}
		time.Sleep(idleWait)
		kib, err1 := p.rssKiB()
		akib, err2 := p.statusKiB("RssAnon")
		p.stop()
		if err := errors.Join(err1, err2); err != nil {
			return nil, nil, nil, err
		}
		starts = append(starts, took)
		rss = append(rss, int64(kib))
		anon = append(anon, int64(akib))
	}
	return starts, rss, anon, nil
}

func joinMB(kib []int64) string {
	s := make([]string, len(kib))
	for i, k := range kib {
		s[i] = fmt.Sprintf("%.1f", mib(int(k)))
	}
	return strings.Join(s, ", ") + " MB"
}

func joinDurations(ds []time.Duration) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = d.Round(time.Millisecond).String()
	}
	return strings.Join(s, ", ")
}

// printTables prints how the runs were made and the table of the ceiling
// and the workloads.
func (b *bench) printTables(runs int, loadBefore, loadAfter string, ws []workload, ceilings []sample, samples [][]sample) {
	fmt.Printf("Each figure is the median of %d runs of %v, on loopback; the runs are interleaved (each workload, %d times, right after a run of the ceiling:\n", runs, b.dur, runs)
	fmt.Printf("the ceiling's row is the median of all of them), and each run's share is its rate over that ceiling (each run's share in brackets). Load average %s before, %s after.\n", loadBefore, loadAfter)
	if len(b.args) > 0 {
		fmt.Printf("Every fhirserver ran with `%s` (-server-args).\n", strings.Join(b.args, " "))
	}
	fmt.Println()
	fmt.Printf("| workload | clients | rate | p50 | p99 | server CPU per request | share of ceiling | target | |\n")
	fmt.Printf("|---|---|---|---|---|---|---|---|---|\n")
	fmt.Println(row("ceiling: trivial Go net/http handler, 200 bytes of JSON (its own process)", 64, "requests", ceilings, nil))
	for i, w := range ws {
		fmt.Println(row(w.title, w.clients, w.unit, samples[i], &w.target))
	}
}

// printStartAndIdle prints the rows that are not under load.
func printStartAndIdle(runs int, starts []time.Duration, rss, anon []int64, fsyncs float64) {
	idleTarget := 20 * 1024
	fmt.Printf("\n| what | measured | target | |\n|---|---|---|---|\n")
	fmt.Printf("| idle RSS %v after ready, empty store (median of %d; all: %s) | %.1f MB (anonymous %.1f MB, the rest the mapped binary) | ≤ 20 MB | %s |\n",
		idleWait, runs, joinMB(rss), mib(int(median(rss))), mib(int(median(anon))), verdict(median(rss) <= int64(idleTarget)))
	fmt.Printf("| start to ready, empty store (median of %d; all: %s) | %v | ≤ 200 ms | %s |\n", runs, joinDurations(starts),
		median(starts).Round(time.Millisecond), verdict(median(starts) <= 200*time.Millisecond))
	fmt.Printf("| disk: 4 KiB write + fdatasync, one writer | %s/s | (reference) | |\n", thousands(fsyncs))
}

// selectWorkloads returns the workloads of all named in only (comma-
// separated, in all's order), or all of them when only is empty.
func selectWorkloads(all []workload, only string) ([]workload, error) {
	if only == "" {
		return all, nil
	}
	var names []string
	for _, w := range all {
		names = append(names, w.name)
	}
	want := map[string]bool{}
	for n := range strings.SplitSeq(only, ",") {
		n = strings.TrimSpace(n)
		if !slices.Contains(names, n) {
			return nil, fmt.Errorf("-workloads: no workload %q (there are %s)", n, strings.Join(names, ", "))
		}
		want[n] = true
	}
	var out []workload
	for _, w := range all {
		if want[w.name] {
			out = append(out, w)
		}
	}
	return out, nil
}
