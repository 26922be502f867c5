package fhirjson

import (
	"errors"
	"strings"
	"testing"
)

func TestParseMaxElements(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		path string // "" means accepted
	}{
		{"at the cap", `{"a":[1,2,3]}`, 5, ""},
		{"one over", `{"a":[1,2,3,4]}`, 5, "a[3]"},
		{"no cap", `{"a":[1,2,3,4]}`, 0, ""},
		{"bundle entries count apart", `{"entry":[{"resource":{"a":[1,2,3]}},{"resource":{"a":[1,2,3]}}]}`, 5, ""},
		{"over inside an entry", `{"entry":[{"resource":{"a":[1]}},{"resource":{"a":[1,2,3,4]}}]}`, 5, "entry[1].resource.a[3]"},
		{"contained items count apart", `{"contained":[{"a":[1,2,3]},{"a":[1,2,3]}]}`, 5, ""},
		{"contained over", `{"contained":[{"a":[1,2,3,4,5]}]}`, 5, "contained[0].a[3]"},
		// A "contained" that is not an array must not make a later array's
		// items resources of their own.
		{"contained object is no resource list", `{"contained":{"a":[1,2,3,4]}}`, 5, "contained.a[2]"},
		{"bundle's own elements count", `{"entry":[{"resource":{}},{"resource":{}},{"resource":{}},{"resource":{}}]}`, 5, "entry[3]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in), WithMaxElements(tt.max))
			if tt.path == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want a *SyntaxError", err)
			}
			if !errors.Is(err, ErrTooManyElements) || se.Path != tt.path {
				t.Fatalf("got %v at %q, want ErrTooManyElements at %q", err, se.Path, tt.path)
			}
		})
	}
}

// TestParseMaxElementsStopsEarly is issue 15's body: one Patient with
// 500,000 given names is refused at the first name over the cap, with the
// place named, and without reading the rest of the document.
func TestParseMaxElementsStopsEarly(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"resourceType":"Patient","name":[{"family":"Doe","given":[`)
	for i := range 500_000 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"A"`)
	}
	b.WriteString(`]}]}`)
	_, err := Parse([]byte(b.String()), WithMaxElements(100_000))
	var se *SyntaxError
	if !errors.As(err, &se) || !errors.Is(err, ErrTooManyElements) {
		t.Fatalf("got %v, want ErrTooManyElements", err)
	}
	// Values before the names: the object, resourceType, name, name[0],
	// family and given: the 100,001st value is given[99994].
	if se.Path != "name[0].given[99994]" || se.Msg != "more than 100000 elements in one resource" {
		t.Fatalf("got %q at %q", se.Msg, se.Path)
	}
	if se.Offset > len(b.String())/4 {
		t.Fatalf("parse went on to offset %d of %d", se.Offset, len(b.String()))
	}
}
