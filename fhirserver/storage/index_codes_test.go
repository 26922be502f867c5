package storage

import (
	"bytes"
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// scanAll returns every entry of (typ, param) as value@id.
func scanAll(t *testing.T, s *Store, typ, param string) []string {
	t.Helper()
	return hitStrings(collectHits(t, s.ScanIndex(context.Background(), IndexQuery{Type: typ, Param: param})))
}

// reopen closes s and opens its directory again, closed when t ends.
func reopen(t *testing.T, s *Store, dir string) *Store {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestIndexCodesSurviveReopen: the codes given before a reopen are read
// back, and a (type, parameter) first written after it gets a code of its
// own — were the highest code not restored, it would get one already in
// use, and the two parameters' entries would mix.
func TestIndexCodesSurviveReopen(t *testing.T) {
	ctx := context.Background()
	s, dir := openTest(t)
	putOne(t, s, "Patient", "p1", IndexEntry{Param: "name", Value: []byte("ann")}, IndexEntry{Param: "gender", Value: []byte("f")})
	putOne(t, s, "Observation", "o1", IndexEntry{Param: "name", Value: []byte("weight")})
	s = reopen(t, s, dir)
	putOne(t, s, "Patient", "p2", IndexEntry{Param: "birthdate", Value: []byte("1980")}, IndexEntry{Param: "name", Value: []byte("bob")})
	for _, tc := range []struct {
		typ, param string
		want       []string
	}{
		{"Patient", "name", []string{"ann@p1", "bob@p2"}},
		{"Patient", "gender", []string{"f@p1"}},
		{"Patient", "birthdate", []string{"1980@p2"}},
		{"Observation", "name", []string{"weight@o1"}},
		{"Observation", "gender", nil},
	} {
		if got := scanAll(t, s, tc.typ, tc.param); !slices.Equal(got, tc.want) {
			t.Errorf("%s.%s: %v, want %v", tc.typ, tc.param, got, tc.want)
		}
		n, err := s.CountIndex(ctx, IndexQuery{Type: tc.typ, Param: tc.param})
		if err != nil || n != int64(len(tc.want)) {
			t.Errorf("%s.%s: count %d, %v, want %d", tc.typ, tc.param, n, err, len(tc.want))
		}
	}
	codes := map[uint16]string{}
	for name, code := range *s.codes.byName.Load() {
		if other, ok := codes[code]; ok {
			t.Errorf("code %d given to %q and %q", code, other, name)
		}
		codes[code] = name
	}
	if len(codes) != 4 {
		t.Errorf("codes %v, want one for each of the four (type, parameter) pairs written", codes)
	}
}

// TestIndexCodeSurvivesAPowerLoss: the first entry of a (type, parameter)
// is written with its new code, which has a batch of its own without an
// fsync; once the write is acknowledged, a power loss (only fsynced data
// kept) must keep the code as well as the entry, or the entry could not be
// found.
func TestIndexCodeSurvivesAPowerLoss(t *testing.T) {
	fs := vfs.NewCrashableMem()
	s, err := Open("db", Options{fs: fs})
	if err != nil {
		t.Fatal(err)
	}
	putOne(t, s, "Patient", "p1", IndexEntry{Param: "name", Value: []byte("ann")})
	putOne(t, s, "Patient", "p2", IndexEntry{Param: "family", Value: []byte("bench")})
	crashed := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: 0, RNG: rand.New(rand.NewPCG(1, 2))})
	_ = s.Close()
	s, err = Open("db", Options{fs: crashed})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := scanAll(t, s, "Patient", "family"); !slices.Equal(got, []string{"bench@p2"}) {
		t.Fatalf("after the power loss: %v, want [bench@p2]", got)
	}
	if got := scanAll(t, s, "Patient", "name"); !slices.Equal(got, []string{"ann@p1"}) {
		t.Fatalf("after the power loss: %v, want [ann@p1]", got)
	}
}

// TestOpenDropsTheIndexOfFormat2: a format-2 store (index keys named by
// type and parameter) opens as format 3 without its index entries, index
// lists, fingerprint and rebuild progress, so the search engine rebuilds
// the index; its resources stay, and new entries are indexed and found.
func TestOpenDropsTheIndexOfFormat2(t *testing.T) {
	s, dir := openTest(t)
	putOne(t, s, "Patient", "p1", IndexEntry{Param: "name", Value: []byte("ann")})
	s = reopenFrom(t, s, dir, 2, func(b *pebble.Batch) {
		_ = b.DeleteRange(keyIndexCodePrefix(), prefixEnd(keyIndexCodePrefix()), nil)
		_ = b.Set([]byte("iPatient\x00name\x00ann\x00\x01p1"), nil, nil) // the old layout
		_ = b.Set([]byte("xPatient\x00p1"), []byte("list"), nil)
		_ = b.Set(keyMeta(metaFingerprint), []byte("search-v13-R4"), nil)
		_ = b.Set(keyMeta(metaRebuilt), []byte("search-v13-R4\x00rPatient\x00p0"), nil)
	})
	if !s.NewIDsNeedCheck() {
		t.Error("the store holds resources of random ids, but its new ids need no lookup")
	}
	for _, p := range [][]byte{{prefixIndex}, {prefixIdxList}, keyIndexCodePrefix(), keyMeta(metaFingerprint), keyMeta(metaRebuilt)} {
		it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: p, UpperBound: prefixEnd(p)})
		if err != nil {
			t.Fatal(err)
		}
		if it.First() {
			t.Errorf("key %q left after the migration", it.Key())
		}
		_ = it.Close()
	}
	if fp := s.IndexFingerprint(); fp != "" {
		t.Errorf("fingerprint %q, want none", fp)
	}
	if _, err := s.Get(context.Background(), "Patient", "p1"); err != nil {
		t.Fatalf("the resource after the migration: %v", err)
	}
	putOne(t, s, "Patient", "p2", IndexEntry{Param: "name", Value: []byte("bob")})
	if got := scanAll(t, s, "Patient", "name"); !slices.Equal(got, []string{"bob@p2"}) {
		t.Fatalf("entries %v, want [bob@p2]", got)
	}
}

// TestIndexKeysCarryCodes: an index key is the prefix, the two-byte code
// and the escaped value and id — no type or parameter names.
func TestIndexKeysCarryCodes(t *testing.T) {
	s, _ := openTest(t)
	putOne(t, s, "Patient", "p1", IndexEntry{Param: "address-postalcode", Value: []byte("LS1")})
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixIndex}, UpperBound: []byte{prefixIndex + 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	code, ok := s.codes.lookup("Patient", "address-postalcode")
	if !ok || !it.First() {
		t.Fatalf("code %d %v, an entry: %v", code, ok, it.Valid())
	}
	if want := keyIndex(code, []byte("LS1"), "p1"); !bytes.Equal(it.Key(), want) || len(want) != 1+2+3+2+2 {
		t.Fatalf("key %q, want %q", it.Key(), want)
	}
}
