package defs

import "testing"

func TestIsArray(t *testing.T) {
	tests := []struct {
		max  int
		want bool
	}{{1, false}, {-1, true}, {2, true}, {0, true}}
	for _, tc := range tests {
		if got := (&Element{Max: tc.max}).IsArray(); got != tc.want {
			t.Errorf("max %d: IsArray = %v, want %v", tc.max, got, tc.want)
		}
	}
}
