package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/aggregator/merge"
	"github.com/fhirfleet/fhirfleet/fhirserver/changefeed"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// The lag benchmarks of issue 9, over real processes on loopback. Lag is
// measured exactly, per change, after the run: the commit time of a
// resource's version at its source (its feed's lastModified) against the
// commit time of its copy in the aggregated store (the record's
// lastUpdated), both from the one clock of this machine. Each run is
// sized by environment variables, so `make bench` can run them at full
// size and a developer at a small one.

// BenchmarkAggregatorLag: AGG_BENCH_SOURCES fhirservers (10) written at
// AGG_BENCH_RATE resources/s in total (1,000) for AGG_BENCH_SECONDS (10),
// one bin/aggregator following them all; reports the p50, p99 and max of
// upstream commit → aggregated commit, the write rate reached and the
// aggregator's CPU time per change. With
// AGG_BENCH_PROFILE=<dir>, the aggregator and the first source run with
// --pprof-listen and a CPU profile of each over the writes (less a second
// at either end) is saved in dir as aggregator.pprof and fhirserver.pprof
// (`go tool pprof -top dir/aggregator.pprof`).
func BenchmarkAggregatorLag(b *testing.B) {
	nSources, rate, seconds := rounds("AGG_BENCH_SOURCES", 10), rounds("AGG_BENCH_RATE", 1000), rounds("AGG_BENCH_SECONDS", 10)
	profDir := os.Getenv("AGG_BENCH_PROFILE")
	for range b.N {
		// Where the profiles are served: none without AGG_BENCH_PROFILE.
		pprof := map[string]string{}
		flags := func(name string) []string {
			if profDir == "" {
				return nil
			}
			pprof[name] = freeAddr(b)
			return []string{"--pprof-listen", pprof[name]}
		}
		var srcs []aggSource
		for i := range nSources {
			var extra []string
			if i == 0 {
				extra = flags("fhirserver")
			}
			srcs = append(srcs, aggSource{fmt.Sprintf("s%02d", i), fmt.Sprintf("c%d", i%2), startServer(b, "R4", b.TempDir(), extra...)})
		}
		aggDir := b.TempDir()
		agg := startAggregator(b, aggDir, srcs, flags("aggregator")...)
		b.ResetTimer()
		var profiles sync.WaitGroup
		if seconds > 2 {
			for name, addr := range pprof {
				profiles.Go(func() { saveProfile(b, "http://"+addr, filepath.Join(profDir, name+".pprof"), seconds-2) })
			}
		}
		written := paceWriters(b, srcs, rate, time.Duration(seconds)*time.Second)
		profiles.Wait()
		agg.waitCaughtUp(b, srcs, 10*time.Minute)
		b.StopTimer()
		if code := agg.stop(); code != 0 {
			b.Fatalf("SIGTERM: exit code %d", code)
		}
		lags := copyLags(b, aggDir, srcs)
		reportLags(b, lags, "")
		b.ReportMetric(float64(written)/float64(seconds), "writes/s")
		// The aggregator's CPU from start to stop, per change: what the
		// lag costs it, and a figure a busy neighbour moves far less than
		// the lag itself.
		cpu := agg.cmd.ProcessState.UserTime() + agg.cmd.ProcessState.SystemTime()
		b.ReportMetric(float64(cpu.Microseconds())/float64(len(lags)), "agg-cpu-µs/change")
	}
}

// BenchmarkAggregatorBacklog: one source holds a backlog of
// AGG_BENCH_BACKLOG resources (100,000) when the aggregator starts; a
// second source is written at 20 resources/s meanwhile. Reports how long
// the backlog took to drain and the second source's lag (p99, max) while
// it drained: the backlog must not hold it up.
func BenchmarkAggregatorBacklog(b *testing.B) {
	backlog := rounds("AGG_BENCH_BACKLOG", 100_000)
	for range b.N {
		big := aggSource{"backlog", "c1", startServer(b, "R4", b.TempDir(), "--max-body-bytes", "67108864")}
		live := aggSource{"live", "c2", startServer(b, "R4", b.TempDir())}
		fillBacklog(b, big.srv, backlog)
		aggDir := b.TempDir()
		b.ResetTimer()
		start := time.Now()
		agg := startAggregator(b, aggDir, []aggSource{big, live})
		ctx, stop := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { writeAt(ctx, live.srv, "live", 20) })
		agg.waitCaughtUp(b, []aggSource{big}, 15*time.Minute)
		drained := time.Since(start)
		stop()
		wg.Wait()
		agg.waitCaughtUp(b, []aggSource{big, live})
		b.StopTimer()
		if code := agg.stop(); code != 0 {
			b.Fatalf("SIGTERM: exit code %d", code)
		}
		b.ReportMetric(drained.Seconds(), "drain-s")
		b.ReportMetric(float64(backlog)/drained.Seconds(), "drained/s")
		reportLags(b, copyLags(b, aggDir, []aggSource{live}), "live-")
	}
}

// saveProfile waits a second, then saves a CPU profile of seconds from
// the profiling listener at origin into file.
func saveProfile(b *testing.B, origin, file string, seconds int) {
	time.Sleep(time.Second)
	resp, err := http.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", origin, seconds))
	if err != nil {
		b.Errorf("profile of %s: %v", origin, err)
		return
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("status %d: %.200s", resp.StatusCode, data)
	}
	if err == nil {
		err = os.WriteFile(file, data, 0o644)
	}
	if err != nil {
		b.Errorf("profile of %s: %v", origin, err)
	}
}

// paceWriters writes to every source at rate resources/s in total for d
// and returns how many writes the sources acknowledged.
func paceWriters(b *testing.B, srcs []aggSource, rate int, d time.Duration) int64 {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var n atomic.Int64
	var wg sync.WaitGroup
	perSource := max(1, rate/len(srcs))
	for _, s := range srcs {
		wg.Go(func() { n.Add(writeAt(ctx, s.srv, s.name, perSource)) })
	}
	wg.Wait()
	return n.Load()
}

// writeAt creates Observations on s at perSecond until ctx ends, from
// four connections (a write takes a few milliseconds; one connection
// alone would cap the rate); it returns how many the source took.
func writeAt(ctx context.Context, s *server, prefix string, perSecond int) int64 {
	creds := s.credentials(false)
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	tick := time.NewTicker(time.Second / time.Duration(perSecond))
	defer tick.Stop()
	jobs := make(chan int)
	var ok atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range jobs {
				tok, err := creds.Token(ctx)
				if err != nil {
					continue
				}
				body := fmt.Sprintf(`{"resourceType":"Observation","id":"%s-%d","status":"final","code":{"text":"bench"},"valueQuantity":{"value":%d}}`, prefix, i, i)
				req, _ := http.NewRequestWithContext(ctx, "PUT", fmt.Sprintf("%s/fhir/Observation/%s-%d", s.Base, prefix, i), strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Content-Type", "application/fhir+json")
				if resp, err := hc.Do(req); err == nil {
					if resp.StatusCode < 300 {
						ok.Add(1)
					}
					resp.Body.Close()
				}
			}
		})
	}
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			close(jobs)
			wg.Wait()
			return ok.Load()
		case <-tick.C:
			select {
			case jobs <- i:
			case <-ctx.Done():
			}
		}
	}
}

// fillBacklog creates n Observations on s in transactions of 1,000.
func fillBacklog(b *testing.B, s *server, n int) {
	c := newClient(s.Base, s.token(false))
	for done := 0; done < n; {
		var entries []string
		for i := done; i < min(done+1000, n); i++ {
			entries = append(entries, fmt.Sprintf(`{"resource":{"resourceType":"Observation","id":"b-%d","status":"final","code":{"text":"backlog"}},"request":{"method":"PUT","url":"Observation/b-%d"}}`, i, i))
		}
		body := `{"resourceType":"Bundle","type":"transaction","entry":[` + strings.Join(entries, ",") + `]}`
		r, err := c.do(context.Background(), "POST", "", []byte(body), nil)
		if err != nil || r.Status != http.StatusOK {
			b.Fatalf("backlog transaction: %v %d %.300s", err, r.Status, r.Body)
		}
		done += len(entries)
	}
}

// copyLags is, for every version in the feeds of srcs, the time from its
// commit upstream to the commit of its copy in the (stopped) aggregator's
// store.
func copyLags(b *testing.B, aggDir string, srcs []aggSource) []time.Duration {
	st, err := storage.Open(filepath.Join(aggDir, "store"), storage.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	var lags []time.Duration
	for _, s := range srcs {
		feed := s.srv.feed()
		for cursor := ""; ; {
			p, err := feed.Poll(ctx, cursor, 1000, 0)
			if err != nil {
				b.Fatal(err)
			}
			if len(p.Changes) == 0 {
				break
			}
			for _, c := range p.Changes {
				if c.Op == changefeed.OpDelete {
					continue
				}
				rec, err := st.Get(ctx, c.Type, merge.CopyID(s.name, c.Type, c.ID))
				if err != nil {
					b.Fatalf("copy of %s %s/%s: %v", s.name, c.Type, c.ID, err)
				}
				// Each resource is written once, so its copy's first
				// version is this change's.
				first, err := st.GetVersion(ctx, rec.Type, rec.ID, 1)
				if err != nil {
					b.Fatal(err)
				}
				lags = append(lags, first.LastUpdated.Sub(c.LastUpdated))
			}
			cursor = p.Next
		}
	}
	if len(lags) == 0 {
		b.Fatal("no change was measured")
	}
	return lags
}

func reportLags(b *testing.B, lags []time.Duration, prefix string) {
	slices.Sort(lags)
	q := func(p float64) float64 {
		return float64(lags[min(len(lags)-1, int(p*float64(len(lags))))].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.5), prefix+"p50-ms")
	b.ReportMetric(q(0.99), prefix+"p99-ms")
	b.ReportMetric(float64(lags[len(lags)-1].Microseconds())/1000, prefix+"max-ms")
	b.ReportMetric(float64(len(lags)), prefix+"changes")
}
