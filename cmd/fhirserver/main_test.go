package main

import "testing"

// TestRunRefusesBadFlags: bad flags exit 2 (internal/exitcode.Usage)
// before anything is opened; --help exits 0.
func TestRunRefusesBadFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want int
	}{
		{[]string{"--fhir-version", "R5"}, 2},
		{[]string{"--fhir-version", "R4", "--log-format", "xml"}, 2},
		{[]string{"--no-such-flag"}, 2},
		{[]string{"--help"}, 0},
	} {
		if got := run(tt.args); got != tt.want {
			t.Errorf("run(%q) = %d, want %d", tt.args, got, tt.want)
		}
	}
}
