package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/changefeed"
)

// aggCrashRounds is how many times TestAggregatorCrash kills the
// aggregator: 20 by default, more with AGG_CRASH_ROUNDS (make
// crash-test-aggregator).
func aggCrashRounds() int { return rounds("AGG_CRASH_ROUNDS", 20) }

// validNHS is the i-th of a few valid NHS numbers (modulus 11): the
// writers of every source draw from the same ones, so Patients of
// different sources and customers merge, join and split.
func validNHS(i int) string {
	for n := 900000000 + i*7919; ; n++ {
		digits := strconv.Itoa(n)
		sum := 0
		for j, d := range digits {
			sum += int(d-'0') * (10 - j)
		}
		check := 11 - sum%11
		if check == 11 {
			check = 0
		}
		if check != 10 {
			return digits + strconv.Itoa(check)
		}
	}
}

// feedWriter writes to one source until stopped: Patients (with shared
// NHS numbers), Observations that point at Patients that may never come
// (pending), updates and deletes. It carries on across the source's
// restart; a failed write is simply not counted.
func feedWriter(ctx context.Context, name, base string, creds *changefeed.ClientCredentials, seed uint64, writes *int) {
	rng := rand.New(rand.NewPCG(seed, 9))
	hc := &http.Client{Timeout: 10 * time.Second}
	for ctx.Err() == nil {
		var ref, body string
		switch k := rng.IntN(10); {
		case k < 4:
			p := rng.IntN(12)
			ref = fmt.Sprintf("Patient/p%d", p)
			body = fmt.Sprintf(`{"resourceType":"Patient","id":"p%d","identifier":[{"system":%q,"value":%q},{"system":"https://%s.example/mrn","value":"%d"}],"gender":%q}`,
				p, nhsSystem, validNHS(rng.IntN(6)), name, p, []string{"male", "female", "unknown"}[rng.IntN(3)])
		case k < 8:
			o := rng.IntN(20)
			ref = fmt.Sprintf("Observation/o%d", o)
			body = fmt.Sprintf(`{"resourceType":"Observation","id":"o%d","status":"final","code":{"text":"c%d"},"subject":{"reference":"Patient/p%d"}}`,
				o, rng.IntN(100), rng.IntN(14))
		case k < 9:
			ref = fmt.Sprintf("Observation/o%d", rng.IntN(20))
		default:
			ref = fmt.Sprintf("Patient/p%d", rng.IntN(12))
		}
		method := "PUT"
		if body == "" {
			method = "DELETE"
		}
		tok, err := creds.Token(ctx)
		if err == nil {
			req, _ := http.NewRequestWithContext(ctx, method, base+"/fhir/"+ref, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/fhir+json")
			if resp, err := hc.Do(req); err == nil {
				if resp.StatusCode == http.StatusUnauthorized {
					creds.Reject(tok)
				} else if resp.StatusCode < 300 {
					*writes++
				}
				resp.Body.Close()
			}
		}
		// Paced, so the test's load stays modest on a shared machine.
		select {
		case <-ctx.Done():
		case <-time.After(15 * time.Millisecond):
		}
	}
}

// restartOnSameAddress kills s (SIGKILL) and starts it again on its data
// dir and address, so the aggregator's --source still points at it.
func restartOnSameAddress(t *testing.T, s *server, version string) *server {
	t.Helper()
	s.kill()
	addr := strings.TrimPrefix(s.Base, "http://")
	n := launch(t, addr, "", nil, "--fhir-version", version, "--data-dir", s.DataDir, "--listen", addr,
		"--base-url", s.Base, "--log-format", "text")
	n.DataDir = s.DataDir
	return n
}

// TestAggregatorCrash: kill -9 the aggregator again and again while
// writers write to three sources (one STU3) and one source is killed and
// restarted; then let it catch up. The aggregated set must equal the one a
// fresh aggregator (empty data dir) computes from the same feeds: nothing
// applied twice, nothing missing, whatever the moment of each kill.
func TestAggregatorCrash(t *testing.T) {
	srcs := []aggSource{
		{"acme-r4", "acme", startServer(t, "R4", t.TempDir())},
		{"acme-stu3", "acme", startServer(t, "STU3", t.TempDir())},
		{"beta-r4", "beta", startServer(t, "R4", t.TempDir())},
	}
	versions := []string{"R4", "STU3", "R4"}
	ctx, stopWriters := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	writes := make([]int, len(srcs))
	for i, s := range srcs {
		wg.Go(func() { feedWriter(ctx, s.name, s.srv.Base, s.srv.credentials(false), uint64(i+1), &writes[i]) })
	}
	defer func() { stopWriters(); wg.Wait() }()

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11))
	aggDir := t.TempDir()
	rounds := aggCrashRounds()
	for round := 1; round <= rounds; round++ {
		agg := startAggregator(t, aggDir, srcs)
		if round == rounds/2 {
			// A source restarts under the running aggregator.
			srcs[1].srv = restartOnSameAddress(t, srcs[1].srv, versions[1])
		}
		time.Sleep(time.Duration(100+rng.IntN(500)) * time.Millisecond) // a random moment to crash at
		agg.kill()
	}
	stopWriters()
	wg.Wait()
	t.Logf("%d kills; writes acknowledged per source: %v", rounds, writes)
	if mid, _ := aggregated(t, aggDir); len(mid) == 0 {
		t.Fatal("the aggregator applied nothing between its kills; the test proved nothing")
	}

	agg := startAggregator(t, aggDir, srcs)
	agg.waitCaughtUp(t, srcs)
	if code := agg.stop(); code != 0 {
		t.Fatalf("SIGTERM after the crashes: exit code %d:\n%s", code, agg.logs.String())
	}
	freshDir := t.TempDir()
	fresh := startAggregator(t, freshDir, srcs)
	fresh.waitCaughtUp(t, srcs)
	if code := fresh.stop(); code != 0 {
		t.Fatalf("SIGTERM of the fresh aggregator: exit code %d:\n%s", code, fresh.logs.String())
	}

	got, _ := aggregated(t, aggDir)
	want, _ := aggregated(t, freshDir)
	if len(want) == 0 {
		t.Fatal("the fresh aggregator holds nothing; the test proved nothing")
	}
	for key, w := range want {
		g, ok := got[key]
		switch {
		case !ok:
			t.Errorf("missing after the crashes: %s", key)
		case !reflect.DeepEqual(g, w):
			t.Errorf("%s differs after the crashes:\n got %v\nwant %v", key, g, w)
		}
	}
	for key := range got {
		if _, ok := want[key]; !ok {
			t.Errorf("extra after the crashes: %s", key)
		}
	}
	t.Logf("aggregated set: %d resources, equal to a fresh run's", len(want))
}
