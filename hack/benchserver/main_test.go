package main

import "testing"

func TestFsyncRateMeasuresSomething(t *testing.T) {
	r, err := fsyncRate(t.TempDir(), 50_000_000) // 50 ms
	if err != nil {
		t.Fatal(err)
	}
	if r <= 0 {
		t.Fatalf("fsync rate %v, want > 0", r)
	}
}
