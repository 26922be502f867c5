package auth

import (
	"errors"
	"testing"
)

func TestParseScope(t *testing.T) {
	cases := []struct {
		in      string
		typ     string
		perms   string
		wantErr error
	}{
		{"system/*.read", "*", "rs", nil},
		{"system/*.write", "*", "cud", nil},
		{"system/*.*", "*", "cruds", nil},
		{"system/Patient.read", "Patient", "rs", nil},
		{"system/*.cruds", "*", "cruds", nil},
		{"system/Observation.rs", "Observation", "rs", nil},
		{"system/Patient.c", "Patient", "c", nil},
		{"system/*.ud", "*", "ud", nil},
		{"patient/*.read", "", "", ErrContextScope},
		{"user/Patient.cruds", "", "", ErrContextScope},
		{"openid", "", "", ErrInvalidScope},
		{"launch/patient", "", "", ErrInvalidScope},
		{"system/*", "", "", ErrInvalidScope},
		{"system/*.", "", "", ErrInvalidScope},
		{"system/.rs", "", "", ErrInvalidScope},
		{"system/patient.rs", "", "", ErrInvalidScope},
		{"system/*.sr", "", "", ErrInvalidScope},
		{"system/*.rr", "", "", ErrInvalidScope},
		{"system/*.x", "", "", ErrInvalidScope},
		{"system/*.readwrite", "", "", ErrInvalidScope},
		{"system/Observation.rs?category=laboratory", "", "", ErrInvalidScope},
		{"system/Pa-tient.rs", "", "", ErrInvalidScope},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			s, err := ParseScope(tc.in)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.ResourceType != tc.typ || s.perms.String() != tc.perms || s.String() != tc.in {
				t.Fatalf("got %q %q %q", s.ResourceType, s.perms, s)
			}
		})
	}
}

func TestGrantScopes(t *testing.T) {
	cases := []struct {
		role      role
		requested string
		want      string
		wantErr   bool
	}{
		{roleCustomer, "", "system/*.cruds", false},
		{roleCustomer, "  ", "system/*.cruds", false},
		{roleCustomer, "system/*.*", "system/*.*", false},
		{roleCustomer, "system/Patient.read system/Patient.read", "system/Patient.read", false},
		{roleCustomer, "system/*.cruds patient/*.read", "", true},
		{roleAggregator, "", "system/*.rs", false},
		{roleAggregator, "system/*.read", "system/*.read", false},
		{roleAggregator, "system/Patient.r system/*.s", "system/Patient.r system/*.s", false},
		{roleAggregator, "system/*.write", "", true},
		{roleAggregator, "system/*.*", "", true},
		{roleAggregator, "system/*.rs system/Patient.u", "", true},
		{roleAggregator, "system/*.d", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.role.String()+" "+tc.requested, func(t *testing.T) {
			got, err := grantScopes(tc.role, tc.requested)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("got %q, %v", got, err)
			}
		})
	}
}

// FuzzParseScopes: no scope string may panic, and whatever parses must be a
// system scope whose text round-trips.
func FuzzParseScopes(f *testing.F) {
	for _, s := range []string{"system/*.cruds", "system/Patient.read system/*.s", "patient/*.read", "", "system/*.?", "system/A.crudsx"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		scopes, err := ParseScopes(s)
		if err != nil {
			return
		}
		for _, sc := range scopes {
			if sc.perms == 0 || sc.perms&^permAll != 0 {
				t.Fatalf("%q parsed to perms %b", sc.text, sc.perms)
			}
			again, err := ParseScope(sc.text)
			if err != nil || again != sc {
				t.Fatalf("%q does not round-trip: %v", sc.text, err)
			}
		}
	})
}
