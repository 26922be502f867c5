package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

func TestScanTypeAndCounts(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	for _, id := range []string{"b", "a", "c", "ab"} {
		putOne(t, s, "Patient", id)
	}
	putOne(t, s, "PatientX", "z") // a type whose name extends Patient
	putOne(t, s, "Patient", "a")  // an update: still one resource
	deleteOne(t, s, "Patient", "c")

	tests := []struct {
		name  string
		after string
		want  []string
	}{
		{"from start", "", []string{"a", "ab", "b"}},
		{"after a", "a", []string{"ab", "b"}},
		{"after deleted c", "c", nil},
		{"after unknown between", "aa", []string{"ab", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for r, err := range s.ScanType(ctx, "Patient", tt.after) {
				if err != nil {
					t.Fatal(err)
				}
				if r.Deleted || r.JSON == nil {
					t.Errorf("scan yielded a tombstone or no JSON: %+v", r)
				}
				got = append(got, r.ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
	counts, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts["Patient"] != 3 || counts["PatientX"] != 1 || len(counts) != 2 {
		t.Errorf("counts = %v", counts)
	}
	// Stopping early releases the iterator (Close would report a leak).
	for range s.ScanType(ctx, "Patient", "") {
		break
	}
	for _, err := range s.ScanType(ctx, "", "") {
		if !errors.Is(err, ErrInvalidKey) {
			t.Errorf("empty type: %v", err)
		}
	}
}

func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	s, _ := openTest(b)
	const n = 10000
	_, err := s.Write(ctx, func(tx *Tx) error {
		for i := range n {
			if _, err := tx.Put(Put{Type: "Patient", ID: fmt.Sprint("p", i), JSON: make([]byte, 600)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i = (i + 7919) % n
			if _, err := s.Get(ctx, "Patient", fmt.Sprint("p", i)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
}

func TestTxReadsSeeStagedWrites(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	putOne(t, s, "Patient", "a")
	putOne(t, s, "Patient", "b")
	_, err := s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Delete(Delete{Type: "Patient", ID: "a"}); err != nil {
			return err
		}
		if _, err := tx.Put(Put{Type: "Patient", ID: "c", Stamp: stampJSON}); err != nil {
			return err
		}
		var ids []string
		for r, err := range tx.ScanType(ctx, "Patient", "") {
			if err != nil {
				return err
			}
			ids = append(ids, r.ID)
		}
		if fmt.Sprint(ids) != "[b c]" {
			t.Errorf("tx.ScanType = %v", ids)
		}
		rec, err := tx.Get(ctx, "Patient", "a")
		if err != nil || !rec.Deleted || rec.VersionID != 2 {
			t.Errorf("tx.Get of the staged tombstone = %+v, %v", rec, err)
		}
		if n, err := tx.Count(ctx, "Patient"); err != nil || n != 2 {
			t.Errorf("tx.Count = %d, %v", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Count(ctx, "Patient"); n != 2 {
		t.Errorf("count after commit = %d", n)
	}
}

// TestCurrentVersion: the header's version and tombstone flag, as Get sees
// them; ErrNotFound for what never existed; bad keys refused.
func TestCurrentVersion(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	putOne(t, s, "Patient", "a")
	putOne(t, s, "Patient", "a")
	putOne(t, s, "Patient", "d")
	deleteOne(t, s, "Patient", "d")
	for _, tc := range []struct {
		id      string
		vid     int64
		deleted bool
	}{{"a", 2, false}, {"d", 2, true}} {
		vid, del, err := s.CurrentVersion(ctx, "Patient", tc.id)
		rec, gerr := s.Get(ctx, "Patient", tc.id)
		if err != nil || gerr != nil || vid != tc.vid || del != tc.deleted || rec.VersionID != vid || rec.Deleted != del {
			t.Errorf("%s: version %d deleted %v (%v); want %d %v as Get (%v)", tc.id, vid, del, err, tc.vid, tc.deleted, gerr)
		}
	}
	if _, _, err := s.CurrentVersion(ctx, "Patient", "none"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown: %v", err)
	}
	if _, _, err := s.CurrentVersion(ctx, "Patient", ""); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("empty id: %v", err)
	}
}

// countingReader counts the point reads made through it.
type countingReader struct {
	pebble.Reader
	gets int
}

func (c *countingReader) Get(key []byte) ([]byte, io.Closer, error) {
	c.gets++
	return c.Reader.Get(key)
}

// TestCurrentVersionIsOnePointRead: the current key holds the current
// version's whole record, so reading it (Get, a vread of it, a type scan)
// costs one point read or none, and only an older version costs a second.
func TestCurrentVersionIsOnePointRead(t *testing.T) {
	s, _ := openTest(t)
	for _, w := range []string{"a", "a", "a", "b", "-b", "c"} { // -: a delete
		if id, del := strings.CutPrefix(w, "-"); del {
			deleteOne(t, s, "Patient", id)
		} else {
			putOne(t, s, "Patient", id)
		}
	}
	for _, tc := range []struct {
		name     string
		read     func(rd reader) (string, error)
		want     string
		wantGets int
	}{
		{"current", func(rd reader) (string, error) {
			r, err := rd.current("Patient", "a")
			return fmt.Sprint(r.VersionID, " ", string(r.JSON)), err
		}, `3 {"resourceType":"Patient","id":"a","meta":{"versionId":"3"}}`, 1},
		{"current tombstone", func(rd reader) (string, error) {
			r, err := rd.current("Patient", "b")
			return fmt.Sprint(r.VersionID, r.Deleted, r.JSON == nil), err
		}, "2 true true", 1},
		{"vread of the current version", func(rd reader) (string, error) {
			r, err := rd.version("Patient", "a", 3)
			return fmt.Sprint(r.VersionID, r.Op), err
		}, "3 update", 1},
		{"vread of an older version", func(rd reader) (string, error) {
			r, err := rd.version("Patient", "a", 1)
			return fmt.Sprint(r.VersionID, " ", string(r.JSON)), err
		}, `1 {"resourceType":"Patient","id":"a","meta":{"versionId":"1"}}`, 2},
		{"vread of a future version", func(rd reader) (string, error) {
			_, err := rd.version("Patient", "a", 4)
			return fmt.Sprint(errors.Is(err, ErrNotFound)), nil
		}, "true", 1},
		{"header", func(rd reader) (string, error) {
			h, ok, err := rd.header("Patient", "a")
			return fmt.Sprint(h.versionID, ok), err
		}, "3 true", 1},
		{"scan", func(rd reader) (string, error) {
			var got []string
			for r, err := range rd.scanType("Patient", "") {
				if err != nil {
					return "", err
				}
				got = append(got, fmt.Sprintf("%s/%d:%d", r.ID, r.VersionID, len(r.JSON)))
			}
			return fmt.Sprint(got), nil
		}, "[a/3:60 c/1:60]", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cr := &countingReader{Reader: s.db}
			got, err := tc.read(reader{r: cr})
			if err != nil || got != tc.want || cr.gets != tc.wantGets {
				t.Fatalf("got %q, %v after %d point reads; want %q after %d", got, err, cr.gets, tc.want, tc.wantGets)
			}
		})
	}
}

// TestSupersededVersionsMoveToVersionKeys: a create writes its record under
// the current key only; each later version moves the one it supersedes to
// its version key in the same commit (also twice within one commit).
func TestSupersededVersionsMoveToVersionKeys(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	versionKeys := func() []string {
		it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixVersion}, UpperBound: []byte{prefixVersion + 1}})
		if err != nil {
			t.Fatal(err)
		}
		defer it.Close()
		var out []string
		for ok := it.First(); ok; ok = it.Next() {
			r, err := decodeRecord(it.Value())
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%s/%s/%d", r.Type, r.ID, r.VersionID))
		}
		return out
	}
	steps := []struct {
		name  string
		write func(tx *Tx) error
		want  string
	}{
		{"create", func(tx *Tx) error {
			_, err := tx.Put(Put{Type: "Patient", ID: "a", Stamp: stampJSON})
			return err
		}, "[]"},
		{"update", func(tx *Tx) error {
			_, err := tx.Put(Put{Type: "Patient", ID: "a", Stamp: stampJSON})
			return err
		}, "[Patient/a/1]"},
		{"delete", func(tx *Tx) error {
			_, err := tx.Delete(Delete{Type: "Patient", ID: "a"})
			return err
		}, "[Patient/a/1 Patient/a/2]"},
		{"re-create and update in one commit", func(tx *Tx) error {
			for range 2 {
				if _, err := tx.Put(Put{Type: "Patient", ID: "a", Stamp: stampJSON}); err != nil {
					return err
				}
			}
			r, err := tx.Get(ctx, "Patient", "a")
			if err != nil {
				return err
			}
			if r.VersionID != 5 {
				return fmt.Errorf("tx.Get = version %d, want 5", r.VersionID)
			}
			return nil
		}, "[Patient/a/1 Patient/a/2 Patient/a/3 Patient/a/4]"},
	}
	for _, st := range steps {
		if _, err := s.Write(ctx, st.write); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := fmt.Sprint(versionKeys()); got != st.want {
			t.Fatalf("%s: version keys %s, want %s", st.name, got, st.want)
		}
	}
	for v := int64(1); v <= 5; v++ {
		r, err := s.GetVersion(ctx, "Patient", "a", v)
		if err != nil || r.VersionID != v || r.Deleted != (v == 3) {
			t.Errorf("vread %d = %+v, %v", v, r, err)
		}
	}
}

// TestVReadRacesWithUpdates reads versions while a writer supersedes them:
// a version once seen as current stays readable while it moves from the
// current key to its version key (reader.version reads them in the order
// that makes this so).
func TestVReadRacesWithUpdates(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	putOne(t, s, "Patient", "a")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	writers(t, &wg, stop, 1, func(_, _ int) error {
		_, err := s.Write(ctx, func(tx *Tx) error {
			_, err := tx.Put(Put{Type: "Patient", ID: "a", Stamp: stampJSON})
			return err
		})
		return err
	})
	// Read until the writer has written 50 versions, however fast reads are
	// against its fsyncs (a fixed number of reads could end before the
	// writer's first commit); the deadline only ends a writer that hangs.
	deadline := time.Now().Add(time.Minute)
read:
	for reads := 0; ; reads++ {
		v, _, err := s.CurrentVersion(ctx, "Patient", "a")
		if err != nil {
			t.Error(err)
			break
		}
		if (v >= 50 && reads >= 2000) || time.Now().After(deadline) {
			break
		}
		for _, want := range []int64{v, v - 1} {
			if want == 0 {
				continue
			}
			if r, err := s.GetVersion(ctx, "Patient", "a", want); err != nil || r.VersionID != want {
				t.Errorf("vread %d (current was %d): %+v, %v", want, v, r, err)
				break read
			}
		}
	}
	close(stop)
	wg.Wait()
	if v, _, _ := s.CurrentVersion(ctx, "Patient", "a"); v < 50 {
		t.Fatalf("only %d versions written in a minute of reading: the race was not exercised", v)
	}
}
