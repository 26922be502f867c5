package defsfile

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

const header = "# " + GeneratedMarker + "\nversion\tR4\t4.0.1\tp\n"

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string
	}{
		{"no marker", "version\tR4\t4.0.1\tp\n", "marker"},
		{"no version", "# " + GeneratedMarker + "\n", "no version"},
		{"unknown record", header + "nope\tx\n", "unknown record"},
		{"too few fields", header + "type\tX\tresource\n", "fields"},
		{"too many fields", header + "compartment\tA\tB\n", "fields"},
		{"elem first", header + "elem\tX\t0\t1\t\t\t\n", "before any type"},
		{"elem after a param", header + "type\tX\tresource\t\t\t\t\nparam\tu\tc\tX\ttoken\t\t\t\t\t\t\nelem\tX\t0\t1\t\t\t\n", "right after its type"},
		{"bad min", header + "type\tX\tresource\t\t\t\t\nelem\tX\tzero\t1\t\t\t\n", "min"},
		{"empty type", header + "type\tX\tresource\t\t\t\t\nelem\tX.a\t0\t1\t\t\tstring,,code\n", "empty type"},
		{"open targets", header + "type\tX\tresource\t\t\t\t\nelem\tX.a\t0\t1\t\t\tReference(Patient\n", "bad targets"},
		{"bad multipleOr", header + "param\tu\tc\tX\ttoken\tyes\t\t\t\t\t\n", "multipleOr"},
		{"component first", header + "component\td\te\n", "before any param"},
		{"member first", header + "member\tX\ta\n", "before any compartment"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.data)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestDecodeLineNumbers(t *testing.T) {
	_, err := Decode(header + "# comment\n\nnope\n")
	if err == nil || !strings.Contains(err.Error(), "line 5") {
		t.Errorf("err = %v, want line 5", err)
	}
}

// TestDecodeIndex: DecodeIndex leaves the elements for DecodeElements,
// which gives what Decode gives, and reports a bad elem record with its
// line in the file.
func TestDecodeIndex(t *testing.T) {
	data, err := Encode(sample())
	if err != nil {
		t.Fatal(err)
	}
	// A comment and a blank line among the elems are allowed, as in Decode.
	withComment := strings.Replace(string(data), "elem\tObservation.status", "# note\n\nelem\tObservation.status", 1)
	want, err := Decode(withComment)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := DecodeIndex(withComment)
	if err != nil {
		t.Fatal(err)
	}
	if len(idx.Types) != len(want.Types) || !reflect.DeepEqual(idx.SearchParams, want.SearchParams) {
		t.Fatalf("index differs from the full decode: %+v", idx)
	}
	for i := range idx.Types {
		it := &idx.Types[i]
		if it.Elements != nil {
			t.Errorf("%s: elements decoded by DecodeIndex", it.Name)
		}
		got, err := it.DecodeElements()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want.Types[i].Elements) {
			t.Errorf("%s: DecodeElements = %+v, want %+v", it.Name, got, want.Types[i].Elements)
		}
	}

	bad := strings.Replace(string(data), "elem\tObservation.status\t1", "elem\tObservation.status\tone", 1)
	idx, err = DecodeIndex(bad)
	if err != nil {
		t.Fatalf("DecodeIndex checked the elems: %v", err)
	}
	before, _, found := strings.Cut(bad, "elem\tObservation.status")
	if !found {
		t.Fatal("sample has no Observation.status")
	}
	line := 1 + strings.Count(before, "\n")
	if _, err := idx.Types[0].DecodeElements(); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("line %d:", line)) {
		t.Errorf("err = %v, want line %d", err, line)
	}
}

// TestDecodeSharesEqualLists: equal list fields decode to one slice, so
// R4's many identical target lists cost one each.
func TestDecodeSharesEqualLists(t *testing.T) {
	f, err := Decode(header +
		"param\tu1\ta\tX\treference\t\t\tA,B\t\teq,ne\tX.a\n" +
		"param\tu2\tb\tX,Y\treference\t\t\tA,B\t\teq,ne\tX.b\n" +
		"param\tu3\tc\tX\treference\t\t\tA\t\t\tX.c\n")
	if err != nil {
		t.Fatal(err)
	}
	p := f.SearchParams
	if &p[0].Target[0] != &p[1].Target[0] || &p[0].Comparator[0] != &p[1].Comparator[0] || &p[0].Base[0] != &p[2].Base[0] {
		t.Error("equal lists decoded to separate slices")
	}
	if !reflect.DeepEqual(p[1].Base, []string{"X", "Y"}) || !reflect.DeepEqual(p[2].Target, []string{"A"}) || p[2].Comparator != nil {
		t.Errorf("lists %+v", p)
	}
}

// FuzzDecode: Decode never panics, and what it accepts and Encode can write
// decodes to the same file again.
func FuzzDecode(f *testing.F) {
	data, err := Encode(sample())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(data))
	f.Add(header)
	f.Add(header + "type\tX\tresource\t\t\t\t\nelem\tX.a\t0\t*\tSM\t#X\tReference(A|B),string\n")
	f.Fuzz(func(t *testing.T, s string) {
		file, err := Decode(s)
		if err != nil {
			return
		}
		out, err := Encode(file)
		if err != nil {
			return // e.g. a "|" inside a code: readable, not writable
		}
		again, err := Decode(string(out))
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		out2, err := Encode(again)
		if err != nil || string(out2) != string(out) {
			t.Fatalf("not stable: %v", err)
		}
	})
}
