package storage

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestAppMetaScan(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s, _ := openTest(t)
	m, _ := s.AppMeta("scan-test")
	other, _ := s.AppMeta("scan-test2") // a namespace whose name extends m's
	_, err := s.Write(context.Background(), func(tx *Tx) error {
		for _, k := range []string{"a/1", "a/2", "a/3", "b/1"} {
			if err := m.Put(tx, k, []byte("d"+k), time.Time{}); err != nil {
				return err
			}
		}
		if err := m.Put(tx, "a/25", nil, t0); err != nil { // expired at t0
			return err
		}
		return other.Put(tx, "a/9", nil, time.Time{})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		prefix, after string
		limit         int
		want          string
	}{
		{"a/", "", 10, "a/1=da/1 a/2=da/2 a/3=da/3"},
		{"a/", "", 2, "a/1=da/1 a/2=da/2"},
		{"a/", "a/2", 10, "a/3=da/3"},
		{"a/", "a/3", 10, ""},
		{"", "", 10, "a/1=da/1 a/2=da/2 a/3=da/3 b/1=db/1"},
		{"c/", "", 10, ""},
	} {
		got, err := m.Scan(tc.prefix, tc.after, tc.limit, t0)
		if err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, r := range got {
			parts = append(parts, r.Key+"="+string(r.Data))
		}
		if s := strings.Join(parts, " "); s != tc.want {
			t.Errorf("Scan(%q, %q, %d) = %q, want %q", tc.prefix, tc.after, tc.limit, s, tc.want)
		}
	}
}
