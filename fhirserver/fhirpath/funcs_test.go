package fhirpath

import (
	"strings"
	"testing"
)

// TestFunctionArity checks that every function in the table rejects a
// wrong number of arguments at compile time with its name in the message.
func TestFunctionArity(t *testing.T) {
	for name, def := range funcTable {
		t.Run(name, func(t *testing.T) {
			args := strings.Repeat("1,", def.max+1)
			_, err := Compile("x." + name + "(" + strings.TrimSuffix(args, ",") + ")")
			if err == nil || !strings.Contains(err.Error(), name+"() takes") {
				t.Errorf("too many arguments accepted: %v", err)
			}
			if def.min > 0 {
				if _, err := Compile("x." + name + "()"); err == nil {
					t.Errorf("too few arguments accepted")
				}
			}
		})
	}
	if len(funcTable) < 80 {
		t.Errorf("only %d functions", len(funcTable))
	}
}

// TestSingleInput checks the functions that need one input item fail
// clearly on several and return empty on none.
func TestSingleInput(t *testing.T) {
	for _, expr := range []string{"Patient.name.given.length()", "Patient.name.given.upper()", "Patient.name.given.toInteger()", "Patient.name.single()"} {
		if _, err := evalString(t, expr, testPatient, nil); err == nil || !strings.Contains(err.Error(), "single input item") {
			t.Errorf("%s: got %v", expr, err)
		}
	}
	for _, expr := range []string{"Patient.photo.length()", "Patient.photo.toInteger()", "Patient.photo.single()", "Patient.photo.abs()"} {
		if got, err := evalString(t, expr, testPatient, nil); err != nil || got != "[]" {
			t.Errorf("%s: got %s, %v", expr, got, err)
		}
	}
}
