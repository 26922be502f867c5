package storage

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// crashDirEnv makes the test binary act as the writer of the crash test: it
// writes to the store in that directory and prints one line per
// acknowledged write until it is killed.
const crashDirEnv = "FHIRFLEET_STORAGE_CRASH_WRITER_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashDirEnv); dir != "" {
		crashWriter(dir)
		return
	}
	os.Exit(m.Run())
}

// crashWriter runs 16 concurrent writers forever; each line on stdout
// ("<op> <type> <id> <versionId> <seq>") is printed only after Write returned,
// i.e. after the commit was acknowledged as durable. Like a follower, each
// writer g also records in the same batch how far it got: follow cursor
// "g<g>" = its write number i (checked by checkCursors).
func crashWriter(dir string) {
	s, err := Open(dir, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	cursors, _ := s.AppMeta(AppMetaFollowCursors)
	var out sync.Mutex
	for g := range 16 {
		go func() {
			start := 0 // carry on after the last round's cursor
			if b, ok, err := cursors.Get(fmt.Sprint("g", g), time.Now()); err == nil && ok {
				n, _ := strconv.Atoi(string(b))
				start = n + 1
			}
			for i := start; ; i++ {
				id := fmt.Sprintf("g%d-%d", g, i%4)
				c, err := s.Write(context.Background(), func(tx *Tx) error {
					if err := cursors.Put(tx, fmt.Sprint("g", g), []byte(strconv.Itoa(i)), time.Time{}); err != nil {
						return err
					}
					if i%7 == 6 {
						// Not live (ErrNotFound/ErrGone): nothing is staged
						// but the cursor.
						_, _ = tx.Delete(Delete{Type: "Patient", ID: id})
						return nil
					}
					_, err := tx.Put(Put{Type: "Patient", ID: id, Stamp: stampJSON,
						Index: []IndexEntry{{Param: "g", Value: fmt.Appendf(nil, "%d", g)}}})
					return err
				})
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(3)
				}
				out.Lock()
				for _, r := range c.Records {
					fmt.Printf("%v Patient %s %d %d\n", r.Op, r.ID, r.VersionID, r.Seq)
				}
				out.Unlock()
			}
		}()
	}
	select {}
}

type ack struct {
	op, id    string
	versionID int64
	seq       uint64
}

// TestCrashKeepsAcknowledgedWrites re-executes the test binary as a writer,
// kills it with SIGKILL at a random moment, reopens the store and checks that
// every acknowledged write is there with its version, and that the change
// feed has no gap. Several rounds reuse the same (recovered) store:
// FHIRFLEET_CRASH_ROUNDS of them (default 3; make crash-test runs more).
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	rounds := 3
	if v := os.Getenv("FHIRFLEET_CRASH_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("FHIRFLEET_CRASH_ROUNDS=%q: want a positive number", v)
		}
		rounds = n
	}
	var acks []ack
	for round := range rounds {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
		cmd.Stderr = os.Stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan ack, 1024)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				var a ack
				var typ string
				if _, err := fmt.Sscanf(sc.Text(), "%s %s %s %d %d", &a.op, &typ, &a.id, &a.versionID, &a.seq); err != nil {
					t.Errorf("writer said %q: %v", sc.Text(), err)
					continue
				}
				lines <- a
			}
		}()
		// Kill after a random number of acknowledged writes, so the kill
		// lands while commits are in flight.
		killAt := 50 + r.IntN(400)
		n := 0
		for a := range lines {
			acks = append(acks, a)
			if n++; n == killAt {
				_ = cmd.Process.Kill()
			}
		}
		_ = cmd.Wait()
		if n < killAt {
			t.Fatalf("round %d: writer stopped after %d acks", round, n)
		}
		checkAcks(t, dir, acks)
		checkCursors(t, dir)
	}
}

// checkCursors replays each crash writer's writes 0…cursor in a model and
// checks every resource of the writer is at the version the model reaches:
// a cursor ahead of the versions (or behind them) differs from the store.
func checkCursors(t *testing.T, dir string) {
	t.Helper()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cursors, _ := s.AppMeta(AppMetaFollowCursors)
	for g := range 16 {
		b, ok, err := cursors.Get(fmt.Sprint("g", g), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		cursor := -1 // killed before its first commit
		if ok {
			if cursor, err = strconv.Atoi(string(b)); err != nil {
				t.Fatalf("writer %d cursor %q", g, b)
			}
		}
		var version [4]int64
		var live [4]bool
		for i := 0; i <= cursor; i++ {
			k := i % 4
			if i%7 == 6 && !live[k] {
				continue // a delete of nothing staged no version
			}
			version[k]++
			live[k] = i%7 != 6
		}
		for k, want := range version {
			id := fmt.Sprintf("g%d-%d", g, k)
			var got int64
			if rec, err := s.Get(context.Background(), "Patient", id); err == nil {
				got = rec.VersionID
			}
			if got != want {
				t.Fatalf("writer %d: cursor %d wants Patient/%s at version %d, the store has %d", g, cursor, id, want, got)
			}
		}
	}
}

func checkAcks(t *testing.T, dir string, acks []ack) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, a := range acks {
		rec, err := s.GetVersion(ctx, "Patient", a.id, a.versionID)
		if err != nil {
			t.Fatalf("acknowledged %s of Patient/%s version %d lost: %v", a.op, a.id, a.versionID, err)
		}
		if rec.Seq != a.seq || rec.Op.String() != a.op {
			t.Fatalf("Patient/%s/%d: stored seq %d op %v, acknowledged seq %d op %s", a.id, a.versionID, rec.Seq, rec.Op, a.seq, a.op)
		}
	}
	// The feed is gapless and agrees with the versions.
	want := uint64(1)
	cursor := ""
	for {
		p, err := s.Changes(ctx, cursor, 500)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Changes {
			if c.Seq != want {
				t.Fatalf("change feed: seq %d where %d was expected", c.Seq, want)
			}
			want++
			rec, err := s.GetVersion(ctx, c.Type, c.ID, c.VersionID)
			if err != nil || rec.Seq != c.Seq {
				t.Fatalf("change %d points at %s/%s/%d: %+v %v", c.Seq, c.Type, c.ID, c.VersionID, rec, err)
			}
		}
		if len(p.Changes) == 0 {
			break
		}
		cursor = p.Next
	}
	var last uint64
	for _, a := range acks {
		last = max(last, a.seq)
	}
	if want-1 < last {
		t.Fatalf("feed ends at %d, acknowledged up to %d", want-1, last)
	}
}

// TestPowerLossKeepsAcknowledgedWrites runs writers on Pebble's crashable
// in-memory file system and takes a "power loss" clone (only fsynced data
// survives) while they run: every write acknowledged and every change the
// feed exposed before the clone must be in it. Unlike kill -9, this catches
// an acknowledgement given before the fsync.
func TestPowerLossKeepsAcknowledgedWrites(t *testing.T) {
	ctx := context.Background()
	for _, mode := range []syncMode{syncApplyNoSyncWait, syncLogData} {
		t.Run(fmt.Sprint("mode=", mode), func(t *testing.T) {
			fs := vfs.NewCrashableMem()
			s, err := Open("db", Options{fs: fs, syncMode: mode})
			if err != nil {
				t.Fatal(err)
			}
			var (
				mu   sync.Mutex
				acks []ack
				wg   sync.WaitGroup
				stop = make(chan struct{})
			)
			writers(t, &wg, stop, 8, func(g, i int) error {
				c, err := s.Write(ctx, func(tx *Tx) error {
					_, err := tx.Put(Put{Type: "Patient", ID: fmt.Sprintf("g%d-%d", g, i%5), Stamp: stampJSON})
					return err
				})
				if err != nil {
					return err
				}
				mu.Lock()
				acks = append(acks, ack{id: c.Records[0].ID, versionID: c.Records[0].VersionID, seq: c.Records[0].Seq})
				mu.Unlock()
				return nil
			})
			time.Sleep(100 * time.Millisecond)
			mu.Lock()
			before := append([]ack(nil), acks...)
			mu.Unlock()
			feed, err := s.Changes(ctx, "", 1<<30)
			if err != nil {
				t.Fatal(err)
			}
			crashed := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: 0})
			close(stop)
			wg.Wait()
			_ = s.Close()
			if len(before) < 10 {
				t.Fatalf("only %d writes before the crash", len(before))
			}

			s2, err := Open("db", Options{fs: crashed})
			if err != nil {
				t.Fatal(err)
			}
			defer s2.Close()
			for _, a := range before {
				rec, err := s2.GetVersion(ctx, "Patient", a.id, a.versionID)
				if err != nil || rec.Seq != a.seq {
					t.Fatalf("acknowledged Patient/%s/%d (seq %d) after power loss: %+v %v", a.id, a.versionID, a.seq, rec, err)
				}
			}
			for _, c := range feed.Changes {
				if _, err := s2.GetVersion(ctx, c.Type, c.ID, c.VersionID); err != nil {
					t.Fatalf("change %d exposed by the feed was lost: %v", c.Seq, err)
				}
			}
			t.Logf("%d acknowledged writes and %d feed changes survived", len(before), len(feed.Changes))
		})
	}
}
