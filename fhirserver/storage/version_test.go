package storage

import (
	"errors"
	"testing"
)

// TestClaimFHIRVersion: the first claim records the version, the same one
// is accepted again (also after a reopen), any other is refused.
func TestClaimFHIRVersion(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := s.FHIRVersion(); err != nil || v != "" {
		t.Fatalf("fresh store FHIRVersion = %q, %v", v, err)
	}
	steps := []struct {
		claim   string
		wantErr error
	}{
		{"STU3", nil},
		{"STU3", nil},
		{"R4", ErrWrongFHIRVersion},
	}
	for _, st := range steps {
		if err := s.ClaimFHIRVersion(st.claim); !errors.Is(err, st.wantErr) {
			t.Fatalf("claim %s: %v, want %v", st.claim, err, st.wantErr)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.FHIRVersion(); err != nil || v != "STU3" {
		t.Fatalf("after reopen FHIRVersion = %q, %v", v, err)
	}
	if err := s.ClaimFHIRVersion("R4"); !errors.Is(err, ErrWrongFHIRVersion) {
		t.Fatalf("R4 on an STU3 store after reopen: %v", err)
	}
	if err := s.ClaimFHIRVersion(""); err == nil {
		t.Fatal("empty claim accepted")
	}
}
