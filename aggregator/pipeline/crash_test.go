package pipeline

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/changefeed"
	"github.com/fhirfleet/fhirfleet/test/testenv"
)

// The crash test re-executes the test binary as a follower (crashFollower)
// over a store, kills it with SIGKILL while it applies, and finally lets a
// fresh pipeline finish the history from the stored cursors.
const (
	crashDirEnv      = "FHIRFLEET_PIPELINE_CRASH_DIR"
	crashPackagesEnv = "FHIRFLEET_PIPELINE_CRASH_PACKAGES"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashDirEnv); dir != "" {
		crashFollower(dir, os.Getenv(crashPackagesEnv))
		return
	}
	os.Exit(m.Run())
}

// longHistory is the scripted history followed by 30 synthetic pages of
// each R4 source: patients of both customers sharing a few NHS numbers
// (so groups join and split as they come and go), observations that wait
// for the next page's patient, updates and deletes.
func longHistory(stu3 func(file string) string) []page {
	h := scriptedHistory(stu3)
	nhs := []string{"9000000041", "9000000068", "9000000076", "9000000084"}
	for r := range 30 {
		for _, src := range []string{"acme-gp", "bravo-gp"} {
			s := spec(src, strings.TrimSuffix(src, "-gp"))
			id := func(k int) string { return fmt.Sprintf("%s-%d", src[:1], k) }
			changes := []changefeed.Change{
				put(1, patient(id(r), nhs[(r+len(src))%len(nhs)], "P"+id(r))),
				put(1, observation("obs-"+id(r), "Patient/"+id(r+1))),
			}
			if r >= 2 && r%3 == 0 {
				changes = append(changes, del(2, "Patient", id(r-2)))
			}
			if r >= 1 && r%4 == 1 {
				changes = append(changes, put(2, observation("obs-"+id(r-1), "Patient/"+id(r-1))))
			}
			h = append(h, page{src: s, changes: changes})
		}
	}
	return h
}

// crashFollower follows longHistory from the stored cursors, one goroutine
// per source like the follower, printing "<source> <page>" after each
// Apply returned, until it is killed or done.
func crashFollower(dir, packages string) {
	read := func(file string) string {
		data, err := os.ReadFile(filepath.Join(packages, "stu3", "package", file))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		return string(data)
	}
	st, err := openStoreErr(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	p, err := Open(context.Background(), st, Config{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	bySource := map[string][]page{}
	for _, pg := range longHistory(read) {
		bySource[pg.src.Name] = append(bySource[pg.src.Name], pg)
	}
	var out sync.Mutex
	var wg sync.WaitGroup
	for name, pages := range bySource {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cur, err := p.Cursor(name)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(3)
			}
			start, _ := strconv.Atoi(cur)
			for i := start; i < len(pages); i++ {
				pg := pages[i]
				if _, err := p.Apply(context.Background(), pg.src, pg.stu3, pg.changes, strconv.Itoa(i+1)); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(3)
				}
				out.Lock()
				fmt.Println(name, i)
				out.Unlock()
			}
		}()
	}
	wg.Wait()
	fmt.Println("done")
	_ = st.Close()
}

// TestCrashEqualsFromScratch kills a follower process with SIGKILL at
// random moments while it applies a three-source history (three rounds,
// FHIRFLEET_PIPELINE_CRASH_ROUNDS for more, each going on from the cursors
// the last one left), then finishes the history in this process and
// compares the downstream set with the history applied once: a crash
// anywhere leaves the store as if each change had been applied once.
func TestCrashEqualsFromScratch(t *testing.T) {
	packages := testenv.FHIRPackages(t)
	h := longHistory(func(file string) string { return stu3Example(t, file) })
	total := len(h)
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 9))
	rounds := 3
	if v := os.Getenv("FHIRFLEET_PIPELINE_CRASH_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("FHIRFLEET_PIPELINE_CRASH_ROUNDS=%q: want a positive number", v)
		}
		rounds = n
	}
	acked := 0
	for round := range rounds {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashPackagesEnv+"="+packages)
		cmd.Stderr = os.Stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill after a random number of acknowledged pages, so the kill
		// lands while the next pages are being applied.
		// The pages left are spread over the rounds left.
		killAt := 1 + rng.IntN(max(1, 2*(total-acked)/(rounds-round+1)))
		n, done := 0, false
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == "done" {
				done = true
				continue
			}
			if n++; n == killAt {
				_ = cmd.Process.Kill()
			}
		}
		_ = cmd.Wait()
		acked += n
		t.Logf("round %d: killed after %d acknowledged pages (done: %v)", round, n, done)
	}
	e := &env{t: t, dir: dir}
	e.open()
	t.Cleanup(e.close)
	e.checkInvariants()
	f := newFollower(e, h)
	for src, pages := range f.pages {
		for i := f.next(src); i < len(pages); i++ {
			f.applyPage(src, i)
		}
	}
	e.checkInvariants()
	e.checkCounts()
	compareSets(t, e.downstream(), fromScratch(t, h))
}
