package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// RequestFunc builds the i-th request of client c. It is called concurrently.
type RequestFunc func(ctx context.Context, client, i int) (*http.Request, error)

// Options bound a run. A run stops at Duration or after MaxRequests in all,
// whichever comes first; both must be set so no run is unbounded.
type Options struct {
	Concurrency int
	Duration    time.Duration
	MaxRequests int64
	// WantStatus is the status every answer must have; others count as errors.
	WantStatus int
	// Client is the HTTP client; nil means one with keep-alive sized for Concurrency.
	Client *http.Client
}

// Result is what a run measured.
type Result struct {
	Requests   int64
	Errors     int64
	Elapsed    time.Duration
	PerSecond  float64
	P50, P99   time.Duration
	Max        time.Duration
	FirstError string
}

func (r Result) String() string {
	return fmt.Sprintf("%d requests in %v: %.0f/s, p50 %v, p99 %v, max %v, %d errors",
		r.Requests, r.Elapsed.Round(time.Millisecond), r.PerSecond, r.P50, r.P99, r.Max, r.Errors)
}

// Run sends requests until the bounds are reached and reports.
func Run(ctx context.Context, opts Options, build RequestFunc) (Result, error) {
	if opts.Concurrency <= 0 || opts.Duration <= 0 || opts.MaxRequests <= 0 {
		return Result{}, errors.New("loadgen: Concurrency, Duration and MaxRequests must all be positive")
	}
	client := opts.Client
	if client == nil {
		client = &http.Client{Transport: &http.Transport{
			MaxIdleConns:        opts.Concurrency,
			MaxIdleConnsPerHost: opts.Concurrency,
			IdleConnTimeout:     30 * time.Second,
		}, Timeout: 30 * time.Second}
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Duration)
	defer cancel()

	var issued, errCount atomic.Int64
	var firstErr atomic.Value
	lat := make([][]time.Duration, opts.Concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < opts.Concurrency; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				if issued.Add(1) > opts.MaxRequests {
					return
				}
				req, err := build(ctx, c, i)
				if err != nil {
					errCount.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() != nil {
						return // the run's time is up; this request does not count
					}
					errCount.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				d := time.Since(t0)
				if opts.WantStatus != 0 && resp.StatusCode != opts.WantStatus {
					errCount.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("status %d", resp.StatusCode))
				}
				lat[c] = append(lat[c], d)
			}
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(start)

	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	r := Result{Requests: int64(len(all)), Errors: errCount.Load(), Elapsed: elapsed}
	if s, ok := firstErr.Load().(string); ok {
		r.FirstError = s
	}
	if len(all) > 0 {
		r.PerSecond = float64(len(all)) / elapsed.Seconds()
		r.P50 = all[len(all)*50/100]
		r.P99 = all[min(len(all)-1, len(all)*99/100)]
		r.Max = all[len(all)-1]
	}
	return r, nil
}
