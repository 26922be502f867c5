package storage

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

func TestAppMetaPutIfAbsent(t *testing.T) {
	s, _ := openTest(t)
	m, err := s.AppMeta(AppMetaUsedJTIs)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := s.AppMeta("other")
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	steps := []struct {
		name    string
		m       *AppMeta
		key     string
		expires time.Time
		now     time.Time
		want    bool
	}{
		{"new key", m, "acme\x00j1", t0.Add(time.Minute), t0, true},
		{"same key again", m, "acme\x00j1", t0.Add(time.Minute), t0.Add(59 * time.Second), false},
		{"same key in another namespace", other, "acme\x00j1", t0.Add(time.Minute), t0, true},
		{"same key once expired", m, "acme\x00j1", t0.Add(3 * time.Minute), t0.Add(time.Minute), true},
		{"no expiry", m, "cursor", time.Time{}, t0, true},
		{"no expiry, years later", m, "cursor", time.Time{}, t0.AddDate(10, 0, 0), false},
	}
	for _, st := range steps {
		got, err := st.m.PutIfAbsent(st.key, []byte("x"), st.expires, st.now)
		if err != nil || got != st.want {
			t.Fatalf("%s: %v %v, want %v", st.name, got, err, st.want)
		}
	}
	if _, err := m.PutIfAbsent("", nil, t0, t0); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("empty key: %v, want ErrInvalidKey", err)
	}
	if _, err := m.PutIfAbsent(strings.Repeat("k", maxAppMetaKey+1), nil, t0, t0); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("long key: %v, want ErrInvalidKey", err)
	}
	if _, err := s.AppMeta("a\x00b"); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("namespace with NUL: %v, want ErrInvalidKey", err)
	}
}

func TestAppMetaDeleteExpired(t *testing.T) {
	s, _ := openTest(t)
	m, _ := s.AppMeta(AppMetaUsedJTIs)
	other, _ := s.AppMeta("other")
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i, k := range []string{"a", "b", "c"} {
		if _, err := m.PutIfAbsent(k, nil, t0.Add(time.Duration(i+1)*time.Minute), t0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := other.PutIfAbsent("a", nil, t0.Add(time.Second), t0); err != nil {
		t.Fatal(err)
	}
	if n, err := m.DeleteExpired(t0.Add(2 * time.Minute)); err != nil || n != 2 {
		t.Fatalf("DeleteExpired: %d %v, want 2", n, err)
	}
	if ok, _ := m.PutIfAbsent("c", nil, t0.Add(time.Hour), t0.Add(2*time.Minute)); ok {
		t.Fatal("a live record was deleted")
	}
	if ok, _ := m.PutIfAbsent("a", nil, t0.Add(time.Hour), t0.Add(2*time.Minute)); !ok {
		t.Fatal("an expired record was kept")
	}
	if n, _ := other.DeleteExpired(t0); n != 0 {
		t.Fatalf("another namespace's live record deleted")
	}
}

// A record PutIfAbsent answered true for survives a crash that drops
// everything not fsynced.
func TestAppMetaSurvivesCrash(t *testing.T) {
	fs := vfs.NewCrashableMem()
	s, err := Open("db", Options{fs: fs})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := s.AppMeta(AppMetaUsedJTIs)
	t0 := time.Now()
	if ok, err := m.PutIfAbsent("acme\x00j1", nil, t0.Add(time.Hour), t0); !ok || err != nil {
		t.Fatalf("%v %v", ok, err)
	}
	crashed := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: 0})
	_ = s.Close()
	s2, err := Open("db", Options{fs: crashed})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	m2, _ := s2.AppMeta(AppMetaUsedJTIs)
	if ok, err := m2.PutIfAbsent("acme\x00j1", nil, t0.Add(time.Hour), t0); ok || err != nil {
		t.Fatalf("after a crash: %v %v, want the record still there", ok, err)
	}
}

func TestAppMetaClosedStore(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := s.AppMeta(AppMetaUsedJTIs)
	_ = s.Close()
	now := time.Now()
	if ok, err := m.PutIfAbsent("k", nil, now.Add(time.Minute), now); ok || !errors.Is(err, ErrClosed) {
		t.Fatalf("closed store: %v %v, want false and ErrClosed", ok, err)
	}
}
