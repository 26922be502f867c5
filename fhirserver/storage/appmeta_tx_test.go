package storage

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

func TestAppMetaInWrite(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	errStop := errors.New("stop")
	steps := []struct {
		name    string
		fn      func(tx *Tx, m *AppMeta) error
		wantErr error
		wantSeq bool // the commit holds a version
		want    string
		found   bool
	}{
		{"with a version", func(tx *Tx, m *AppMeta) error {
			if _, err := tx.Put(Put{Type: "Patient", ID: "p1", Stamp: stampJSON}); err != nil {
				return err
			}
			return m.Put(tx, "src", []byte("c1"), time.Time{})
		}, nil, true, "c1", true},
		{"alone", func(tx *Tx, m *AppMeta) error {
			return m.Put(tx, "src", []byte("c2"), time.Time{})
		}, nil, false, "c2", true},
		{"dropped with a failing function", func(tx *Tx, m *AppMeta) error {
			_ = m.Put(tx, "src", []byte("c3"), time.Time{})
			return errStop
		}, errStop, false, "c2", true},
		{"seen by the function that staged it", func(tx *Tx, m *AppMeta) error {
			if err := m.Put(tx, "src", []byte("c4"), time.Time{}); err != nil {
				return err
			}
			got, ok, err := m.GetTx(tx, "src", t0)
			if err != nil || !ok || string(got) != "c4" {
				return fmt.Errorf("GetTx = %q %v: %w", got, ok, err)
			}
			return nil
		}, nil, false, "c4", true},
		{"expired", func(tx *Tx, m *AppMeta) error {
			return m.Put(tx, "src", []byte("c5"), t0)
		}, nil, false, "", false},
		{"deleted", func(tx *Tx, m *AppMeta) error {
			_ = m.Put(tx, "src", []byte("c6"), time.Time{})
			return m.Delete(tx, "src")
		}, nil, false, "", false},
		{"invalid key", func(tx *Tx, m *AppMeta) error {
			return m.Put(tx, "", nil, time.Time{})
		}, ErrInvalidKey, false, "", false},
	}
	s, dir := openTest(t)
	m, _ := s.AppMeta(AppMetaFollowCursors)
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			c, err := s.Write(ctx, func(tx *Tx) error { return st.fn(tx, m) })
			if !errors.Is(err, st.wantErr) {
				t.Fatalf("Write: %v, want %v", err, st.wantErr)
			}
			if (c.Seq != 0) != st.wantSeq {
				t.Errorf("Commit.Seq = %d, want a sequence number: %v", c.Seq, st.wantSeq)
			}
			if st.wantErr != nil {
				return
			}
			got, ok, err := m.Get("src", t0)
			if err != nil || ok != st.found || string(got) != st.want {
				t.Fatalf("Get = %q %v %v, want %q %v", got, ok, err, st.want, st.found)
			}
		})
	}
	// A commit of only metadata used no sequence number and is durable.
	c, err := s.Write(ctx, func(tx *Tx) error { return m.Put(tx, "src", []byte("last"), time.Time{}) })
	if err != nil || c.Seq != 0 {
		t.Fatal(c, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	m2, _ := s2.AppMeta(AppMetaFollowCursors)
	if got, ok, err := m2.Get("src", t0); err != nil || !ok || string(got) != "last" {
		t.Fatalf("after reopen: %q %v %v", got, ok, err)
	}
	if r := putOne(t, s2, "Patient", "p2"); r.Seq != 2 {
		t.Fatalf("next version got seq %d, want 2: metadata commits must not use numbers", r.Seq)
	}
}

func TestAppMetaTxUsedAfterWrite(t *testing.T) {
	s, _ := openTest(t)
	m, _ := s.AppMeta(AppMetaFollowCursors)
	var kept *Tx
	if _, err := s.Write(context.Background(), func(tx *Tx) error { kept = tx; return nil }); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"Put":    m.Put(kept, "k", nil, time.Time{}),
		"Delete": m.Delete(kept, "k"),
	} {
		if !errors.Is(err, errTxDone) {
			t.Errorf("%s after the Write: %v, want errTxDone", name, err)
		}
	}
	if _, _, err := m.GetTx(kept, "k", time.Now()); !errors.Is(err, errTxDone) {
		t.Errorf("GetTx after the Write: %v, want errTxDone", err)
	}
}

// TestPowerLossKeepsCursorWithItsChanges plays a follower: each Write
// applies a page of a source's changes (change i updates Patient/p<i%7>,
// records source version i) and moves the cursor to the page's last i,
// while other writers commit beside it. Power-loss clones taken while it
// runs — with none or some of the unsynced data kept — must each hold a
// cursor N with exactly the changes up to N applied: never a change after
// the cursor (it would be applied again without the follower knowing),
// never a cursor after a missing change (it would be skipped for ever).
func TestPowerLossKeepsCursorWithItsChanges(t *testing.T) {
	ctx := context.Background()
	fs := vfs.NewCrashableMem()
	s, err := Open("db", Options{fs: fs})
	if err != nil {
		t.Fatal(err)
	}
	cursors, _ := s.AppMeta(AppMetaFollowCursors)
	versions, _ := s.AppMeta(AppMetaSourceVersions)
	var (
		acked atomic.Int64 // the cursor of the last acknowledged page
		tick  = make(chan struct{}, 1)
		stop  = make(chan struct{})
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() { // the follower
		defer wg.Done()
		for i, page := 1, 1; ; page++ {
			select {
			case <-stop:
				return
			default:
			}
			last := i + page%5 // pages of 1 to 5 changes
			_, err := s.Write(ctx, func(tx *Tx) error {
				for ; i <= last; i++ {
					if err := applyTestChange(tx, versions, i); err != nil {
						return err
					}
				}
				return cursors.Put(tx, "src", []byte(strconv.Itoa(last)), time.Time{})
			})
			if err != nil {
				t.Error(err)
				return
			}
			acked.Store(int64(last))
			select {
			case tick <- struct{}{}:
			default:
			}
		}
	}()
	// Other writers, so the follower's batches share fsyncs with theirs.
	writers(t, &wg, stop, 2, func(g, i int) error {
		_, err := s.Write(ctx, func(tx *Tx) error {
			_, err := tx.Put(Put{Type: "Observation", ID: fmt.Sprintf("g%d-%d", g, i%3), Stamp: stampJSON})
			return err
		})
		return err
	})
	type clone struct {
		fs       *vfs.MemFS
		ackedMin int64
	}
	var clones []clone
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 9))
	for n := 0; n < 6; {
		<-tick
		if acked.Load() < int64(40*(n+1)) {
			continue
		}
		min := acked.Load()
		clones = append(clones, clone{fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: 50 * (n % 3), RNG: rng}), min})
		n++
	}
	close(stop)
	wg.Wait()
	_ = s.Close()

	for n, c := range clones {
		t.Run(fmt.Sprint("clone ", n), func(t *testing.T) {
			s, err := Open("db", Options{fs: c.fs})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			cursors, _ := s.AppMeta(AppMetaFollowCursors)
			versions, _ := s.AppMeta(AppMetaSourceVersions)
			raw, ok, err := cursors.Get("src", time.Now())
			if err != nil || !ok {
				t.Fatalf("cursor: %v %v", ok, err)
			}
			cur, _ := strconv.ParseInt(string(raw), 10, 64)
			if cur < c.ackedMin {
				t.Fatalf("cursor %d behind the acknowledged %d", cur, c.ackedMin)
			}
			for k := range int64(7) {
				want := cur - (cur-k+7)%7 // the last change i <= cur with i%7 == k
				key, _ := SourceVersionKey("src", "Patient", fmt.Sprint("p", k))
				data, ok, err := versions.Get(key, time.Now())
				if err != nil || !ok {
					t.Fatalf("p%d: no source version (%v)", k, err)
				}
				sv, err := DecodeSourceVersion(data)
				if err != nil || sv.VersionID != want {
					t.Fatalf("p%d at source version %d (%v), cursor %d wants %d", k, sv.VersionID, err, cur, want)
				}
				rec, err := s.Get(ctx, "Patient", fmt.Sprint("p", k))
				if err != nil || string(rec.JSON) != testChangeJSON(want) {
					t.Fatalf("p%d holds %s (%v), want change %d", k, rec.JSON, err, want)
				}
			}
		})
	}
}

// applyTestChange applies change i of the simulated source in tx.
func applyTestChange(tx *Tx, versions *AppMeta, i int) error {
	id := fmt.Sprint("p", i%7)
	if _, err := tx.Put(Put{Type: "Patient", ID: id, JSON: []byte(testChangeJSON(int64(i)))}); err != nil {
		return err
	}
	key, err := SourceVersionKey("src", "Patient", id)
	if err != nil {
		return err
	}
	return versions.Put(tx, key, EncodeSourceVersion(SourceVersion{VersionID: int64(i), LastUpdated: tx.Now()}), time.Time{})
}

func testChangeJSON(i int64) string { return fmt.Sprintf(`{"resourceType":"Patient","change":%d}`, i) }
