package storage

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/go-logr/logr"
)

// fillMixed writes a store with every shape a migration meets: creates,
// updates, deletes (current tombstones), re-creates after a delete, two
// versions of one resource in one commit, and index entries.
func fillMixed(t *testing.T, s *Store) {
	t.Helper()
	for i := range 25 {
		id := fmt.Sprint("p", i)
		putOne(t, s, "Patient", id, IndexEntry{Param: "n", Value: []byte(id)})
		for range i % 3 {
			putOne(t, s, "Patient", id, IndexEntry{Param: "n", Value: []byte(id + "u")})
		}
		if i%5 == 0 {
			deleteOne(t, s, "Patient", id)
		}
		if i%10 == 0 {
			putOne(t, s, "Patient", id, IndexEntry{Param: "n", Value: []byte(id + "r")})
		}
	}
	putOne(t, s, "Observation", "o1")
	deleteOne(t, s, "Observation", "o1")
	if _, err := s.Write(context.Background(), func(tx *Tx) error {
		for range 2 {
			if _, err := tx.Put(Put{Type: "Patient", ID: "twice", Stamp: stampJSON}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// observe renders everything a client can read of the store: every
// version, the current ones, history at every level, the type scans, the
// counts, an index and the change feed.
func observe(t *testing.T, s *Store) string {
	t.Helper()
	ctx := context.Background()
	var out strings.Builder
	rec := func(r *Record) string {
		return fmt.Sprintf("%s/%s/%d %v seq=%d %s %s deleted=%v", r.Type, r.ID, r.VersionID, r.Op, r.Seq,
			r.LastUpdated.Format("15:04:05.000000"), r.JSON, r.Deleted)
	}
	ids := []string{"Observation/o1", "Patient/twice", "Patient/never"}
	for i := range 25 {
		ids = append(ids, fmt.Sprint("Patient/p", i))
	}
	for _, ref := range ids {
		typ, id, _ := strings.Cut(ref, "/")
		cur, err := s.Get(ctx, typ, id)
		if err != nil {
			fmt.Fprintf(&out, "get %s: %v\n", ref, err)
			continue
		}
		fmt.Fprintf(&out, "get %s\n", rec(cur))
		for v := int64(0); v <= cur.VersionID+1; v++ {
			if r, err := s.GetVersion(ctx, typ, id, v); err != nil {
				fmt.Fprintf(&out, "vread %s/%d: %v\n", ref, v, err)
			} else {
				fmt.Fprintf(&out, "vread %s\n", rec(r))
			}
		}
		vid, deleted, err := s.CurrentVersion(ctx, typ, id)
		fmt.Fprintf(&out, "current version %s: %d %v %v\n", ref, vid, deleted, err)
		for _, count := range []int{2, 50} {
			p, err := s.History(ctx, HistoryQuery{Type: typ, ID: id, Count: count})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range p.Records {
				fmt.Fprintf(&out, "history %s count=%d: %s\n", ref, count, rec(r))
			}
		}
	}
	for _, q := range []HistoryQuery{{}, {Type: "Patient"}, {Type: "Observation"}} {
		q.Count = 1000
		p, err := s.History(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Records {
			fmt.Fprintf(&out, "history %q: %s\n", q.Type, rec(r))
		}
	}
	for _, typ := range []string{"Patient", "Observation"} {
		for r, err := range s.ScanType(ctx, typ, "") {
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&out, "scan %s\n", rec(r))
		}
	}
	counts, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&out, "counts %v\n", counts)
	fmt.Fprintf(&out, "index %v\n", hitStrings(collectHits(t, s.ScanIndex(ctx, IndexQuery{Type: "Patient", Param: "n"}))))
	feed, err := s.Changes(ctx, "", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range feed.Changes {
		fmt.Fprintf(&out, "change %d %v %s/%s/%d\n", c.Seq, c.Op, c.Type, c.ID, c.VersionID)
	}
	return out.String()
}

// indexDropped reports whether got, what observe saw of a migrated store,
// is want but for the index: migrating to format 3 drops the index entries
// (their keys change layout) and the fingerprint, so the search engine
// rebuilds them.
func indexDropped(t *testing.T, s *Store, want, got string) bool {
	t.Helper()
	if fp := s.IndexFingerprint(); fp != "" {
		t.Errorf("fingerprint %q after the migration, want none", fp)
	}
	if !strings.Contains(got, "\nindex []\n") {
		t.Errorf("index entries left after the migration:\n%s", got)
	}
	drop := func(s string) string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if !strings.HasPrefix(l, "index ") {
				out = append(out, l)
			}
		}
		return strings.Join(out, "\n")
	}
	return drop(want) == drop(got)
}

// downgradeToFormat1 rewrites the resources of db in the layout of format 1,
// as a build before format 2 left them: the current key holds only the
// header, and every version, the current one too, is under its version key.
func downgradeToFormat1(t testing.TB, db *pebble.DB) {
	t.Helper()
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixCurrent}, UpperBound: []byte{prefixCurrent + 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	b := db.NewBatch()
	defer b.Close()
	for ok := it.First(); ok; ok = it.Next() {
		h, rest, err := decodeHeader(it.Value())
		if err != nil || len(rest) == 0 {
			t.Fatalf("%q is not a format-2 current key: %v", it.Key(), err)
		}
		typ, id, err := splitCurrentKey(it.Key())
		if err != nil {
			t.Fatal(err)
		}
		_ = b.Set(keyVersion(typ, id, h.versionID), it.Value(), nil)
		_ = b.Set(it.Key(), it.Value()[:len(it.Value())-len(rest)], nil)
	}
	_ = b.Set(keyMeta(metaFormat), binary.AppendUvarint(nil, 1), nil)
	dropIDArea(b)
	if err := b.Commit(pebble.Sync); err != nil {
		t.Fatal(err)
	}
}

// layout counts the current keys that hold a record and those that hold a
// bare header (format 1), the format, whether a migration's marker is
// there, and the version keys.
type layout struct {
	format, records, headers, versions int
	migrating                          bool
}

func readLayout(t *testing.T, db *pebble.DB) layout {
	t.Helper()
	var l layout
	if v, closer, err := db.Get(keyMeta(metaFormat)); err == nil {
		f, _ := binary.Uvarint(v)
		l.format = int(f)
		_ = closer.Close()
	}
	if _, closer, err := db.Get(keyMeta(metaMigrating)); err == nil {
		l.migrating = true
		_ = closer.Close()
	}
	for _, p := range []byte{prefixCurrent, prefixVersion} {
		it, err := db.NewIter(&pebble.IterOptions{LowerBound: []byte{p}, UpperBound: []byte{p + 1}})
		if err != nil {
			t.Fatal(err)
		}
		for ok := it.First(); ok; ok = it.Next() {
			_, rest, err := decodeHeader(it.Value())
			switch {
			case err != nil:
				t.Fatalf("%q: %v", it.Key(), err)
			case p == prefixVersion:
				l.versions++
			case len(rest) == 0:
				l.headers++
			default:
				l.records++
			}
		}
		_ = it.Close()
	}
	return l
}

// TestMigrateFormat1 opens a store written in format 1 (the layout before
// current keys held records): the first Open moves every current version
// under its current key and records format 2, and everything a client can
// read is as it was — also after another reopen.
func TestMigrateFormat1(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fillMixed(t, s)
	want := observe(t, s)
	before := readLayout(t, s.db)
	downgradeToFormat1(t, s.db)
	if got := readLayout(t, s.db); got.format != 1 || got.records != 0 || got.headers != before.records || got.versions != before.versions+before.records {
		t.Fatalf("downgraded layout %+v from %+v", got, before)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		// Batches of 4 resources: several batches and a partial last one.
		s, err := Open(dir, Options{migrateBatch: 4})
		if err != nil {
			t.Fatal(err)
		}
		if l := readLayout(t, s.db); l != before {
			t.Errorf("round %d: layout after Open %+v, want %+v", round, l, before)
		}
		if got := observe(t, s); !indexDropped(t, s, want, got) {
			t.Errorf("round %d: the migrated store reads differently:\n%s", round, lineDiff(want, got))
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestMigrateFormat1SurvivesACrash crashes the store in the middle of a
// migration (after two of its batches) and reopens what survived: a kill -9
// (everything written reached the file system) and a power loss (only what
// was fsynced did). Either way the store says the new format (an older
// build refuses it, not reads it half migrated), the next Open finishes the
// migration and the store reads as it did before it.
func TestMigrateFormat1SurvivesACrash(t *testing.T) {
	for _, tc := range []struct {
		name     string
		unsynced int // percent of unsynced writes the crash keeps
	}{{"kill", 100}, {"power loss", 0}} {
		t.Run(tc.name, func(t *testing.T) {
			fs := vfs.NewCrashableMem()
			s, err := Open("db", Options{fs: fs})
			if err != nil {
				t.Fatal(err)
			}
			fillMixed(t, s)
			want := observe(t, s)
			before := readLayout(t, s.db)
			resources := before.records
			downgradeToFormat1(t, s.db)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}

			var crashed, inspect *vfs.MemFS
			s, err = Open("db", Options{fs: fs, migrateBatch: 3, migrateHook: func(migrating *Store, batches int) {
				if batches != 2 {
					return
				}
				if tc.unsynced > 0 {
					// A killed process leaves what it wrote to the OS; make
					// sure the WAL writer wrote the two batches.
					if err := migrating.db.LogData(nil, pebble.Sync); err != nil {
						t.Error(err)
					}
				}
				// Two identical clones: one to look at, one to reopen as
				// the crashed process left it.
				cfg := vfs.CrashCloneCfg{UnsyncedDataPercent: tc.unsynced, RNG: rand.New(rand.NewPCG(1, 2))}
				crashed, inspect = fs.CrashClone(cfg), fs.CrashClone(cfg)
			}})
			if err != nil {
				t.Fatal(err)
			}
			_ = s.Close()
			if crashed == nil {
				t.Fatal("the migration never reached its second batch")
			}

			// What the crash left: the new format and the marker (so an
			// older build refuses it), and after a kill, half migrated.
			db, err := pebble.Open("db", &pebble.Options{FS: inspect, Logger: pebbleLogger{logr.Discard()}})
			if err != nil {
				t.Fatal(err)
			}
			l := readLayout(t, db)
			_ = db.Close()
			if l.format != storeFormat || !l.migrating || l.records+l.headers != resources {
				t.Fatalf("after the crash: %+v, want format %d, the marker and %d resources", l, storeFormat, resources)
			}
			if tc.unsynced == 100 && (l.records < 6 || l.headers == 0) {
				t.Fatalf("after the kill: %+v, want a half-done migration (6 or more moved)", l)
			}

			s, err = Open("db", Options{fs: crashed, migrateBatch: 3})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if l := readLayout(t, s.db); l != before {
				t.Fatalf("after the next Open: %+v, want %+v", l, before)
			}
			if got := observe(t, s); !indexDropped(t, s, want, got) {
				t.Fatalf("the store reads differently after the crash and the next Open:\n%s", lineDiff(want, got))
			}
		})
	}
}

// TestMigrationBatchesAreBoundedBySize: resources of a megabyte move in
// batches of a few, not of migrateBatch, so a store of large resources does
// not build a batch of gigabytes in memory.
func TestMigrationBatchesAreBoundedBySize(t *testing.T) {
	s, dir := openTest(t)
	big := strings.Repeat("x", 1<<20)
	for i := range 12 {
		if _, err := s.Write(context.Background(), func(tx *Tx) error {
			_, err := tx.Put(Put{Type: "Binary", ID: fmt.Sprint("b", i), JSON: []byte(`{"resourceType":"Binary","data":"` + big + `"}`)})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	downgradeToFormat1(t, s.db)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	batches := 0
	s, err := Open(dir, Options{migrateHook: func(_ *Store, n int) { batches = n }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// 12 MiB in batches of at most 4 MiB: three or four batches before the
	// last (which the hook does not see), never none.
	if batches < 2 {
		t.Fatalf("%d batches before the last for 12 resources of 1 MiB, want at least 2", batches)
	}
	if l := readLayout(t, s.db); l.records != 12 || l.headers != 0 || l.migrating {
		t.Fatalf("after the migration: %+v", l)
	}
}

// TestOpenRefusesANewerFormat: a store written by a newer build is left
// alone, with an error naming both formats.
func TestOpenRefusesANewerFormat(t *testing.T) {
	s, dir := openTest(t)
	if err := s.db.Set(keyMeta(metaFormat), binary.AppendUvarint(nil, storeFormat+1), pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := Open(dir, Options{})
	if want := fmt.Sprintf("store format %d, this build reads format %d", storeFormat+1, storeFormat); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Open = %v, want an error containing %q", err, want)
	}
}

// lineDiff lists the lines only one of a and b has.
func lineDiff(a, b string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	ma, mb := in(a), in(b)
	var out strings.Builder
	for _, l := range strings.Split(a, "\n") {
		if !mb[l] {
			fmt.Fprintf(&out, "- %s\n", l)
		}
	}
	for _, l := range strings.Split(b, "\n") {
		if !ma[l] {
			fmt.Fprintf(&out, "+ %s\n", l)
		}
	}
	return out.String()
}
