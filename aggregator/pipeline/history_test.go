package pipeline

import (
	"context"
	"encoding/json"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/fhirfleet/fhirfleet/aggregator/source"
	"github.com/fhirfleet/fhirfleet/fhirserver/changefeed"
	"github.com/fhirfleet/fhirfleet/test/testenv"
)

// page is one page of one source's feed in a scripted history.
type page struct {
	src     source.Spec
	stu3    bool
	changes []changefeed.Change
}

// stu3Example reads an official STU3 example.
func stu3Example(t testing.TB, file string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.FHIRPackages(t), "stu3", "package", file))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// history is a multi-source script: an STU3 source (official examples
// pointing at Patient/example) and two R4 sources of two customers whose
// patients share NHS number 9000000009; references that arrive before
// their targets, excluded resources and their referrers, updates, deletes,
// and merge groups that join and split again.
func history(t testing.TB) []page {
	return scriptedHistory(func(file string) string { return stu3Example(t, file) })
}

// scriptedHistory is history with the official examples read by stu3.
func scriptedHistory(stu3Example func(file string) string) []page {
	s3 := spec("legacy-stu3", "acme")
	a := spec("acme-gp", "acme")
	b := spec("bravo-gp", "bravo")
	stu3Patient := `{"resourceType":"Patient","id":"example","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9000000009"}],"name":[{"family":"Chalmers","given":["Peter"]}],"gender":"male","birthDate":"1974-12-25"}`
	mrnPatient := func(id, mrn, nhs string) string {
		ids := `{"system":"https://bravo.example/mrn","value":"` + mrn + `"}`
		if nhs != "" {
			ids += `,{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"` + nhs + `"}`
		}
		return `{"resourceType":"Patient","id":"` + id + `","identifier":[` + ids + `],"name":[{"family":"M` + id + `"}]}`
	}
	org := func(id, name string) string {
		return `{"resourceType":"Organization","id":"` + id + `","identifier":[{"system":"https://ods.example","value":"` + name + `"}],"name":"` + name + `"}`
	}
	return []page{
		{src: s3, stu3: true, changes: []changefeed.Change{
			put(1, stu3Example("Condition-example.json")),
			put(1, stu3Example("Observation-example.json")),
		}},
		{src: b, changes: []changefeed.Change{put(1, observation("ob1", "Patient/pb1"))}},
		{src: a, changes: []changefeed.Change{
			put(1, patient("pa1", "9000000009", "Smith")),
			put(1, encounter("ea1", "Patient/pa1")),
			put(1, observation("oa1", "Patient/pa1")),
		}},
		{src: s3, stu3: true, changes: []changefeed.Change{
			put(1, stu3Example("Encounter-example.json")),
			put(1, stu3Patient),
		}},
		{src: b, changes: []changefeed.Change{
			put(1, patient("pb1", "9000000009", "Smyth")),
			put(1, mrnPatient("pb2", "7", "")),
			put(1, observation("ob2", "Patient/pb2")),
			put(1, org("ob-org", "B1")),
		}},
		{src: a, changes: []changefeed.Change{
			put(1, patient("pa2", "9000000001", "Bad")),
			put(1, observation("oa2", "Patient/pa2")),
			put(1, encounter("ea2", "Patient/pa9")),
		}},
		// pa3 shares the MRN of pb2 and the NHS number of pa1/pb1: the two
		// groups join, and ob2's reference must follow pb2's new id.
		{src: a, changes: []changefeed.Change{put(1, mrnPatient("pa3", "7", "9000000009"))}},
		{src: a, changes: []changefeed.Change{
			put(2, patient("pa2", "9000000017", "Fixed")),
			put(2, observation("oa1", "Patient/pa2")),
		}},
		{src: b, changes: []changefeed.Change{put(2, org("ob-org", "B2")), put(1, org("ob-org2", "B2"))}},
		// The join splits again.
		{src: a, changes: []changefeed.Change{del(2, "Patient", "pa3")}},
		{src: a, changes: []changefeed.Change{put(1, patient("pa9", "9000000025", "Late"))}},
		{src: a, changes: []changefeed.Change{del(2, "Patient", "pa1"), del(3, "Observation", "oa1")}},
		{src: b, changes: []changefeed.Change{del(3, "Organization", "ob-org"), put(2, mrnPatient("pb2", "7", "9000000033"))}},
		{src: s3, stu3: true, changes: []changefeed.Change{put(2, stu3Patient[:len(stu3Patient)-1]+`,"active":true}`)}},
		{src: b, changes: []changefeed.Change{del(2, "Observation", "ob1"), del(2, "Patient", "pb1")}},
	}
}

// follower applies a history the way the follower does, one source at a
// time from its stored cursor (the cursor is the index of the source's
// next page), while restarts and replays happen at random.
type follower struct {
	e     *env
	pages map[string][]page // source → its pages in order
	order []string          // sources in the order their pages come
}

func newFollower(e *env, h []page) *follower {
	f := &follower{e: e, pages: map[string][]page{}}
	for _, p := range h {
		f.pages[p.src.Name] = append(f.pages[p.src.Name], p)
		f.order = append(f.order, p.src.Name)
	}
	return f
}

// next returns the index of the source's next page from its cursor.
func (f *follower) next(src string) int {
	cur, err := f.e.p.Cursor(src)
	if err != nil {
		f.e.t.Fatal(err)
	}
	if cur == "" {
		return 0
	}
	n, err := strconv.Atoi(cur)
	if err != nil {
		f.e.t.Fatal(err)
	}
	return n
}

func (f *follower) applyPage(src string, i int) {
	f.e.t.Helper()
	p := f.pages[src][i]
	if _, err := f.e.p.Apply(context.Background(), p.src, p.stu3, p.changes, strconv.Itoa(i+1)); err != nil {
		f.e.t.Fatalf("page %d of %s: %v", i, src, err)
	}
}

// TestIncrementalEqualsFromScratch applies the history page by page,
// restarting the store and replaying pages (whole or as duplicates) at
// random, and compares the downstream set with the history applied once
// into a fresh store: equal, no duplicate, nothing missing.
func TestIncrementalEqualsFromScratch(t *testing.T) {
	h := history(t)
	want := fromScratch(t, h)
	if len(want) == 0 {
		t.Fatal("the history leaves nothing downstream")
	}
	for seed := int64(1); seed <= 6; seed++ {
		t.Run("seed "+strconv.FormatInt(seed, 10), func(t *testing.T) {
			rng := rand.New(rand.NewSource(seed))
			e := newEnv(t)
			f := newFollower(e, h)
			for _, src := range f.order {
				switch rng.Intn(4) {
				case 0:
					e.reopen() // a crash after the last commit
				case 1:
					// A replay from an older cursor: every page from there
					// again, all of them duplicates.
					if n := f.next(src); n > 0 {
						from := rng.Intn(n)
						for i := from; i < n; i++ {
							f.applyPage(src, i)
						}
					}
				}
				f.applyPage(src, f.next(src))
				e.checkInvariants()
			}
			e.reopen()
			got := e.downstream()
			compareSets(t, got, want)
			e.checkCounts()
		})
	}
}

// TestConcurrentSources applies every source's pages from its own
// goroutine and compares with the history applied once in order.
func TestConcurrentSources(t *testing.T) {
	h := history(t)
	want := fromScratch(t, h)
	e := newEnv(t)
	f := newFollower(e, h)
	var wg sync.WaitGroup
	errs := make(chan error, len(f.pages))
	for src, pages := range f.pages {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, p := range pages {
				if _, err := e.p.Apply(context.Background(), p.src, p.stu3, p.changes, strconv.Itoa(i+1)); err != nil {
					errs <- err
					return
				}
			}
			_ = src
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	compareSets(t, e.downstream(), want)
	e.checkInvariants()
}

func fromScratch(t *testing.T, h []page) map[string]string {
	t.Helper()
	e := newEnv(t)
	for i, p := range h {
		if _, err := e.p.Apply(context.Background(), p.src, p.stu3, p.changes, strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	e.checkInvariants()
	return e.downstream()
}

func compareSets(t *testing.T, got, want map[string]string) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			t.Errorf("missing downstream %s", k)
		case !jsonEqual(g, w):
			t.Errorf("%s differs:\n got %s\nwant %s", k, g, w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("extra downstream %s: %s", k, got[k])
		}
	}
}

func jsonEqual(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return a == b
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}
