package main

import (
	"context"
	"regexp"
	"testing"
	"time"
)

func TestParseEpoch(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"0", time.Unix(0, 0).UTC(), true},
		{"1798761600\n", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"", time.Time{}, false},
		{"-1", time.Time{}, false},
		{"2027-01-01", time.Time{}, false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseEpoch(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("parseEpoch(%q) error %v, want ok=%v", tc.in, err, tc.ok)
			}
			if !got.Equal(tc.want) {
				t.Errorf("parseEpoch(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestReadMeta(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "SOURCE_DATE_EPOCH" {
				return v
			}
			return ""
		}
	}
	fromCommit, err := readMeta(context.Background(), ".", env(""))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(fromCommit.Revision) {
		t.Errorf("revision %q is not a commit hash", fromCommit.Revision)
	}
	// The version is the image's tag, so it must be a valid one.
	if !regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`).MatchString(fromCommit.Version) {
		t.Errorf("version %q is not a valid image tag", fromCommit.Version)
	}
	if fromCommit.Created.Before(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("created %v is not the commit's time", fromCommit.Created)
	}

	fromEnv, err := readMeta(context.Background(), ".", env("1798761600"))
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC); !fromEnv.Created.Equal(want) {
		t.Errorf("with SOURCE_DATE_EPOCH created = %v, want %v", fromEnv.Created, want)
	}
	if _, err := readMeta(context.Background(), ".", env("yesterday")); err == nil {
		t.Error("a SOURCE_DATE_EPOCH that is no number was accepted")
	}
}
