package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// A generated world for the million-resource benchmarks: Organizations,
// Patients managed by them and vital-sign Observations of the Patients,
// every resource indexed by the real engine. Everything about a resource
// follows from its number, so the expected answer of every benchmark query
// can be computed by a plain loop (worldExpect) without a search engine.

// worldGenerator changes whenever the generated resources change, so a
// cached store built by an older generator is rebuilt.
const worldGenerator = 1

// worldDateSpan spreads effective dates over ten years; dateMultiplier
// permutes them so date order is unrelated to id order (a sort has work to
// do). The multiplier is prime; a world's Observation count must not be a
// multiple of it.
const (
	worldDateSpan  = 10 * 365 * 24 * time.Hour
	dateMultiplier = 7919
)

// worldEpoch is the oldest effective date.
func worldEpoch() time.Time { return time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC) }

// world is the shape of a generated store.
type world struct {
	Orgs, Patients, Observations int
}

// millionWorld: 1,000,000 Observations (so one token matches a million),
// 100,000 Patients (ten Observations each), 100 Organizations.
func millionWorld() world { return world{Orgs: 100, Patients: 100_000, Observations: 1_000_000} }

func (w world) total() int { return w.Orgs + w.Patients + w.Observations }

func (w world) check() error {
	if w.Orgs < 1 || w.Patients < 1 || w.Observations < 1 {
		return fmt.Errorf("world %+v: every count must be positive", w)
	}
	if w.Observations%dateMultiplier == 0 {
		return fmt.Errorf("world %+v: Observations must not be a multiple of %d", w, dateMultiplier)
	}
	return nil
}

// vitalSign is one LOINC code of the generated Observations.
type vitalSign struct {
	code, display, unit string
	base, spread        int
}

// vitalSigns are the codes, drawn in turn (Observation i has code i%5),
// so each matches a fifth of the Observations.
func vitalSigns() [5]vitalSign {
	return [5]vitalSign{
		{"8867-4", "Heart rate", "/min", 50, 80},
		{"8310-5", "Body temperature", "Cel", 36, 3},
		{"9279-1", "Respiratory rate", "/min", 10, 20},
		{"29463-7", "Body weight", "kg", 40, 80},
		{"8302-2", "Body height", "cm", 150, 50},
	}
}

// Facts of resource numbers, shared by the generator and worldExpect.
func (w world) obsPatient(i int) int    { return i % w.Patients }
func (w world) patientOrg(p int) int    { return p % w.Orgs }
func (w world) patientFamily(p int) int { return p % 1000 }
func obsAmended(i int) bool             { return i%50 == 49 }

// obsDateSlot is the rank of Observation i's effective date (0 = oldest).
func (w world) obsDateSlot(i int) int64 {
	return int64(i) * dateMultiplier % int64(w.Observations)
}

func (w world) obsDate(i int) time.Time {
	return worldEpoch().Add(time.Duration(w.obsDateSlot(i) * int64(worldDateSpan/time.Second) / int64(w.Observations) * int64(time.Second)))
}

// resource returns resource number n: Organizations first, then Patients,
// then Observations.
func (w world) resource(n int) (typ, id string, body []byte) {
	switch {
	case n < w.Orgs:
		id = fmt.Sprintf("org%03d", n)
		return "Organization", id, fmt.Appendf(nil, `{"resourceType":"Organization","id":"%s","active":true,`+
			`"identifier":[{"system":"urn:fhirfleet:org","value":"ORG%03d"}],"name":"Org%03d Health",`+
			`"telecom":[{"system":"phone","value":"+1-555-%04d"}],"address":[{"city":"City%d","country":"US"}]}`,
			id, n, n, n, n%10)
	case n < w.Orgs+w.Patients:
		p := n - w.Orgs
		id = fmt.Sprintf("p%06d", p)
		return "Patient", id, fmt.Appendf(nil, `{"resourceType":"Patient","id":"%s","active":true,`+
			`"identifier":[{"system":"urn:fhirfleet:mrn","value":"MRN%06d"}],`+
			`"name":[{"family":"Family%04d","given":["Given%d"]}],"gender":"%s","birthDate":"%d-%02d-%02d",`+
			`"address":[{"city":"City%d","postalCode":"%05d","country":"US"}],`+
			`"managingOrganization":{"reference":"Organization/org%03d"}}`,
			id, p, w.patientFamily(p), p, []string{"male", "female"}[p%2], 1930+p%80, 1+p%12, 1+p%28,
			p%10, p%100000, w.patientOrg(p))
	default:
		i := n - w.Orgs - w.Patients
		id = fmt.Sprintf("o%07d", i)
		vs := vitalSigns()[i%5]
		status := "final"
		if obsAmended(i) {
			status = "amended"
		}
		return "Observation", id, fmt.Appendf(nil, `{"resourceType":"Observation","id":"%s","status":"%s",`+
			`"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs","display":"Vital Signs"}]}],`+
			`"code":{"coding":[{"system":"http://loinc.org","code":"%s","display":"%s"}],"text":"%s"},`+
			`"subject":{"reference":"Patient/p%06d"},"effectiveDateTime":"%s",`+
			`"valueQuantity":{"value":%d.%d,"unit":"%s","system":"http://unitsofmeasure.org","code":"%s"}}`,
			id, status, vs.code, vs.display, vs.display, w.obsPatient(i), w.obsDate(i).Format(time.RFC3339),
			vs.base+(i/5)%vs.spread, i%10, vs.unit, vs.unit)
	}
}

// prepare parses and indexes resources [from, to) into puts.
func (w world) prepare(e *Engine, from, to int) ([]storage.Put, int, error) {
	puts := make([]storage.Put, 0, to-from)
	entries := 0
	for n := from; n < to; n++ {
		typ, id, body := w.resource(n)
		res, err := fhirjson.Parse(body)
		if err != nil {
			return nil, 0, fmt.Errorf("generated %s/%s: %w", typ, id, err)
		}
		idx, err := e.IndexEntries(typ, res)
		if err != nil {
			return nil, 0, fmt.Errorf("index %s/%s: %w", typ, id, err)
		}
		entries += len(idx)
		puts = append(puts, storage.Put{Type: typ, ID: id, JSON: body, Index: idx})
	}
	return puts, entries, nil
}

// buildStats says what a build wrote and how long it took.
type buildStats struct {
	Resources int
	Entries   int
	Took      time.Duration
}

// build writes every resource of w into store through e, batch resources
// per Write. Parsing and index extraction run on one goroutine per core;
// the single writer takes batches as they come (order does not matter),
// and at most workers batches wait in memory.
func (w world) build(ctx context.Context, e *Engine, store *storage.Store, batch int, progress func(done int)) (buildStats, error) {
	start := time.Now()
	if err := w.check(); err != nil {
		return buildStats{}, err
	}
	// Stamp the empty store with the engine's fingerprint (a rebuild of
	// nothing), as the server does on start, so opening it later needs no rebuild.
	if _, err := e.EnsureIndexes(ctx); err != nil {
		return buildStats{}, err
	}
	type ready struct {
		puts    []storage.Put
		entries int
	}
	workers := max(runtime.GOMAXPROCS(0), 1)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	jobs := make(chan int)
	out := make(chan ready, workers)
	go func() {
		defer close(jobs)
		for from := 0; from < w.total(); from += batch {
			select {
			case jobs <- from:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for from := range jobs {
				puts, n, err := w.prepare(e, from, min(from+batch, w.total()))
				if err != nil {
					cancel(err)
					return
				}
				select {
				case out <- ready{puts, n}:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() { wg.Wait(); close(out) }()
	stats := buildStats{}
	for r := range out {
		if ctx.Err() != nil {
			continue // drain so the workers can stop
		}
		_, err := store.Write(ctx, func(tx *storage.Tx) error {
			for _, p := range r.puts {
				if _, err := tx.Put(p); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			cancel(fmt.Errorf("write batch: %w", err))
			continue
		}
		stats.Resources += len(r.puts)
		stats.Entries += r.entries
		if progress != nil {
			progress(stats.Resources)
		}
	}
	if ctx.Err() != nil {
		return stats, context.Cause(ctx)
	}
	stats.Took = time.Since(start)
	return stats, nil
}

// worldStore is an open generated store and its engine.
type worldStore struct {
	e     *Engine
	store *storage.Store
	world world
	// built is true when this open built the store; stats are those of the
	// build that made it (read back from the cache's marker when reused).
	built bool
	stats buildStats
}

// worldMarker is written beside a finished store; a store without one (a
// build that was killed) or with other contents is rebuilt.
type worldMarker struct {
	Generator   int
	World       world
	Fingerprint string
	Stats       buildStats
	BuiltAt     time.Time
}

// benchCacheDir is $FHIRFLEET_CACHE/bench (default ~/.cache/fhirfleet/bench),
// outside the checkout so a built store outlives the work tree.
func benchCacheDir() (string, error) {
	cache := os.Getenv("FHIRFLEET_CACHE")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no FHIRFLEET_CACHE and no home folder: %w", err)
		}
		cache = filepath.Join(home, ".cache", "fhirfleet")
	}
	return filepath.Join(cache, "bench"), nil
}

// openWorld opens the store of w cached as <cacheDir>/search-<label>-<engine
// fingerprint>, building it first when it is missing, unfinished, made by
// another generator, or does not answer the expected counts (a storage
// format change). Concurrent processes wait for one another's build.
func openWorld(ctx context.Context, v *defs.Version, cacheDir, label string, w world, logf func(string, ...any)) (*worldStore, error) {
	probe, err := NewEngine(v, nil, Options{})
	if err != nil {
		return nil, err
	}
	fp := probe.Fingerprint()
	name := fmt.Sprintf("search-%s-%s", label, fp)
	dir := filepath.Join(cacheDir, name)
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, fmt.Errorf("bench cache: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(cacheDir, name+".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("bench cache: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return nil, fmt.Errorf("bench cache lock: %w", err)
	}
	want := worldMarker{Generator: worldGenerator, World: w, Fingerprint: fp}
	if ws, err := reuseWorld(ctx, v, dir, want); err == nil {
		return ws, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		logf("cached store %s not usable, rebuilding: %v", dir, err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("bench cache: remove stale store: %w", err)
	}
	tmp, err := os.MkdirTemp(cacheDir, name+".building-")
	if err != nil {
		return nil, fmt.Errorf("bench cache: %w", err)
	}
	defer os.RemoveAll(tmp) // only left when the build failed
	stats, err := buildWorldAt(ctx, v, filepath.Join(tmp, "pebble"), w, logf)
	if err != nil {
		return nil, err
	}
	want.Stats, want.BuiltAt = stats, time.Now().UTC()
	js, _ := json.MarshalIndent(want, "", "  ")
	if err := os.WriteFile(filepath.Join(tmp, "world.json"), js, 0o644); err != nil {
		return nil, fmt.Errorf("bench cache: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return nil, fmt.Errorf("bench cache: %w", err)
	}
	ws, err := reuseWorld(ctx, v, dir, want)
	if err != nil {
		return nil, fmt.Errorf("freshly built store: %w", err)
	}
	ws.built = true
	return ws, nil
}

// buildWorldAt builds w into a new store at dir and closes it (flushing
// the memtable, so opening it later replays no WAL); the time reported
// includes that flush.
func buildWorldAt(ctx context.Context, v *defs.Version, dir string, w world, logf func(string, ...any)) (buildStats, error) {
	start := time.Now()
	// A bigger memtable than the server's default: fewer, larger flushes
	// while loading; the benchmarks open the store with the defaults.
	store, err := storage.Open(dir, storage.Options{MemTableBytes: 64 << 20})
	if err != nil {
		return buildStats{}, err
	}
	e, err := NewEngine(v, store, Options{})
	if err != nil {
		_ = store.Close()
		return buildStats{}, err
	}
	step := max(w.total()/10, 1)
	next := step
	stats, err := w.build(ctx, e, store, 2000, func(done int) {
		if done >= next {
			logf("building %d resources: %d written", w.total(), done)
			next += step
		}
	})
	if cerr := store.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return buildStats{}, fmt.Errorf("build generated store: %w", err)
	}
	stats.Took = time.Since(start)
	return stats, nil
}

// reuseWorld opens the store in dir when its marker equals want (ignoring
// the build's stats) and it answers the expected counts.
func reuseWorld(ctx context.Context, v *defs.Version, dir string, want worldMarker) (*worldStore, error) {
	js, err := os.ReadFile(filepath.Join(dir, "world.json"))
	if err != nil {
		return nil, err
	}
	var got worldMarker
	if err := json.Unmarshal(js, &got); err != nil {
		return nil, fmt.Errorf("marker: %w", err)
	}
	if got.Generator != want.Generator || got.World != want.World || got.Fingerprint != want.Fingerprint {
		return nil, fmt.Errorf("marker %+v, want %+v", got, want)
	}
	store, err := storage.Open(filepath.Join(dir, "pebble"), storage.Options{})
	if err != nil {
		return nil, err
	}
	ws, err := func() (*worldStore, error) {
		e, err := NewEngine(v, store, Options{})
		if err != nil {
			return nil, err
		}
		if fp := store.IndexFingerprint(); fp != e.Fingerprint() {
			return nil, fmt.Errorf("store indexed as %s, engine is %s", fp, e.Fingerprint())
		}
		ws := &worldStore{e: e, store: store, world: want.World, stats: got.Stats}
		if err := ws.verifyCounts(ctx); err != nil {
			return nil, err
		}
		return ws, nil
	}()
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	return ws, nil
}
