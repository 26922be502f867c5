package server

import (
	"errors"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

func TestFingerprintVersion(t *testing.T) {
	cases := map[string]string{
		"search-v5-STU3-0a1b2c":   "STU3",
		"search-v5-R4-0a1b2c":     "R4",
		"":                        "",
		"rebuilding":              "",
		"other-v5-R4-0a1b2c":      "",
		"search-v5-R4":            "",
		"search-v12-R4-abc-extra": "R4",
	}
	for fp, want := range cases {
		if got := fingerprintVersion(fp); got != want {
			t.Errorf("fingerprintVersion(%q) = %q, want %q", fp, got, want)
		}
	}
}

func TestClaimVersion(t *testing.T) {
	st, err := storage.Open(t.TempDir(), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	steps := []struct {
		name    string
		wantErr bool
	}{{"STU3", false}, {"STU3", false}, {"R4", true}}
	for _, s := range steps {
		err := claimVersion(st, s.name)
		if (err != nil) != s.wantErr || (err != nil && !errors.Is(err, storage.ErrWrongFHIRVersion)) {
			t.Fatalf("claim %s: %v, want error %v", s.name, err, s.wantErr)
		}
	}
}

// TestClaimVersionOfLegacyStore: a store written before the version was
// recorded is recognised by its index fingerprint.
func TestClaimVersionOfLegacyStore(t *testing.T) {
	st, err := storage.Open(t.TempDir(), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	eng, err := search.NewEngine(defs.STU3, st, search.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.EnsureIndexes(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := claimVersion(st, "R4"); !errors.Is(err, storage.ErrWrongFHIRVersion) {
		t.Fatalf("R4 on a legacy STU3 store: %v", err)
	}
	if err := claimVersion(st, "STU3"); err != nil {
		t.Fatalf("STU3 on its own legacy store: %v", err)
	}
}
