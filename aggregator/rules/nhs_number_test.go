package rules

import "testing"

func TestValidNHSNumber(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"9000000009", true},
		{"9434765919", true},
		{"9434765870", true},  // remainder 0: check 11 is written 0
		{"9434765918", false}, // wrong check digit
		{"9000000001", false}, // wrong check digit
		{"0100000100", false}, // check 10: never issued, whatever the last digit
		{"0100000109", false},
		{"943476591", false},   // nine digits
		{"94347659190", false}, // eleven digits
		{"943 476 5919", false},
		{"94347659l9", false},
		{"", false},
		{"abcdefghij", false},
	} {
		t.Run(tc.s, func(t *testing.T) {
			if got := ValidNHSNumber(tc.s); got != tc.want {
				t.Fatalf("ValidNHSNumber(%q) = %v, want %v", tc.s, got, tc.want)
			}
		})
	}
}
