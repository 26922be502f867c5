package main

import "testing"

func TestIsDigits(t *testing.T) {
	for s, want := range map[string]bool{"1": true, "10": true, "": false, "*": false, "-1": false, "1a": false} {
		if got := isDigits(s); got != want {
			t.Errorf("isDigits(%q) = %v", s, got)
		}
	}
}
