package defsfile

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// noParams is the paramsDigest of a file without parameters.
var noParams = ParamsDigest(nil)

// header is a file's first lines, its version record saying digest.
func header(digest string) string {
	return "# " + GeneratedMarker + "\nversion\tR4\t4.0.1\tp\t" + digest + "\n"
}

// typeRec is the record of a resource type whose elem block is elems.
func typeRec(name, elems string) string {
	return fmt.Sprintf("type\t%s\tresource\t\t\t\t\t%d\n", name, len(elems))
}

func TestDecodeRejects(t *testing.T) {
	h := header(noParams)
	xElems := "elem\tX\t0\t1\t\t\t\n"
	tests := []struct {
		name string
		data string
		want string
	}{
		{"no marker", "version\tR4\t4.0.1\tp\t" + noParams + "\n", "marker"},
		{"no version", "# " + GeneratedMarker + "\n", "no version"},
		{"old version record", "# " + GeneratedMarker + "\nversion\tR4\t4.0.1\tp\n", "fields"},
		{"unknown record", h + "nope\tx\n", "unknown record"},
		{"too few fields", h + "type\tX\tresource\n", "fields"},
		{"too many fields", h + "compartment\tA\tB\n", "fields"},
		{"elemBytes not a number", h + "type\tX\tresource\t\t\t\t\tmany\n", "byte count"},
		{"elemBytes negative", h + "type\tX\tresource\t\t\t\t\t-1\n", "byte count"},
		{"elems past the end", h + "type\tX\tresource\t\t\t\t\t999\n" + xElems, "past the end"},
		{"elems where the head says none", h + typeRec("X", "") + xElems, "must follow the types' elem records"},
		{"elems not where the head says", h + typeRec("X", xElems) + "param\tu\tc\tX\ttoken\t\t\t\t\t\t\n", "do not start here"},
		{"elems end inside a line", h + typeRec("X", "elem\tX\t0\t1\t\t\t") + "elem\tX\t0\t1\t\t\t", "inside a line"},
		{"elem of another type", h + typeRec("X", "elem\tY.a\t0\t1\t\t\t\n") + "elem\tY.a\t0\t1\t\t\t\n", "among the elems of type X"},
		{"bad min", h + typeRec("X", "elem\tX\tzero\t1\t\t\t\n") + "elem\tX\tzero\t1\t\t\t\n", "min"},
		{"empty type", h + typeRec("X", "elem\tX.a\t0\t1\t\t\tstring,,code\n") + "elem\tX.a\t0\t1\t\t\tstring,,code\n", "empty type"},
		{"open targets", h + typeRec("X", "elem\tX.a\t0\t1\t\t\tReference(Patient\n") + "elem\tX.a\t0\t1\t\t\tReference(Patient\n", "bad targets"},
		{"bad multipleOr", h + "param\tu\tc\tX\ttoken\tyes\t\t\t\t\t\n", "multipleOr"},
		{"component first", h + "component\td\te\n", "before any param"},
		{"member first", h + "member\tX\ta\n", "before any compartment"},
		{"type among the params", h + "param\tu\tc\tX\ttoken\t\t\t\t\t\t\n" + typeRec("Y", ""), "type record among the params"},
		{"params digest", h + "param\tu\tc\tX\ttoken\t\t\t\t\t\tX.c\n", "digest"},
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

// TestDecodeLineNumbers: an error names its line in the file, in the head,
// in an elem block and among the params alike.
func TestDecodeLineNumbers(t *testing.T) {
	h := header(noParams) // lines 1-2
	elems := "elem\tX\t0\t*\t\t\t\nelem\tX.a\tone\t1\t\t\tstring\n"
	for _, tc := range []struct {
		name, data string
		line       int
	}{
		{"head", h + "# comment\n\nnope\n", 5},
		{"elem", h + typeRec("X", elems) + "compartment\tX\n" + elems, 6},
		{"param", h + typeRec("X", "") + "param\tu\tc\tX\ttoken\t\t\t\t\t\tX.c\nparam\tv\tc\tX\ttoken\tno\t\t\t\t\tX.c\n", 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.data)
			if want := fmt.Sprintf("line %d:", tc.line); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("err = %v, want %s", err, want)
			}
		})
	}
}

// TestDecodeIndex: DecodeIndex leaves the elements and the parameters for
// DecodeElements and DecodeSearchParams, which give what Decode gives, and
// reads nothing of them itself: a broken elem or param record is reported,
// with its line in the file, only when that type or the params are decoded.
func TestDecodeIndex(t *testing.T) {
	data, err := Encode(sample())
	if err != nil {
		t.Fatal(err)
	}
	want, err := Decode(string(data))
	if err != nil {
		t.Fatal(err)
	}
	idx, err := DecodeIndex(string(data))
	if err != nil {
		t.Fatal(err)
	}
	if idx.SearchParams != nil || idx.ParamsDigest != want.ParamsDigest || !reflect.DeepEqual(idx.Compartments, want.Compartments) {
		t.Fatalf("index differs from the full decode: %+v", idx)
	}
	params, err := idx.DecodeSearchParams()
	if err != nil || !reflect.DeepEqual(params, want.SearchParams) {
		t.Errorf("DecodeSearchParams = %+v, %v; want %+v", params, err, want.SearchParams)
	}
	if len(idx.Types) != len(want.Types) {
		t.Fatalf("%d types, want %d", len(idx.Types), len(want.Types))
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

	for _, tc := range []struct{ name, from, to string }{
		{"elem", "elem\tObservation.status\t1", "elem\tObservation.status\tX"}, // same length
		{"param", "\tdate\tA,B\tdate\t", "\tdate\tA,B\tdate\tyes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := strings.Replace(string(data), tc.from, tc.to, 1)
			if bad == string(data) {
				t.Fatal("sample lacks", tc.from)
			}
			idx, err := DecodeIndex(bad)
			if err != nil {
				t.Fatalf("DecodeIndex read the %s records: %v", tc.name, err)
			}
			before, _, _ := strings.Cut(bad, tc.to[:len(tc.to)-1])
			line := 1 + strings.Count(before, "\n")
			if tc.name == "elem" {
				_, err = idx.Types[0].DecodeElements()
			} else {
				_, err = idx.DecodeSearchParams()
			}
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("line %d:", line)) {
				t.Errorf("err = %v, want line %d", err, line)
			}
		})
	}
}

// TestParamsDigest: the digest is SHA-256 over the fields the format
// names, NUL-terminated, in order; the search index fingerprint depends on
// that exact definition.
func TestParamsDigest(t *testing.T) {
	ps := []SearchParam{
		{URL: "u1", Code: "c1", Type: "token", Expression: "X.a", Target: []string{"ignored"}},
		{URL: "u2", Code: "c2", Type: "composite", Expression: "X", Component: []Component{{Definition: "u1", Expression: "a"}}},
	}
	sum := sha256.Sum256([]byte("u1\x00c1\x00token\x00X.a\x00u2\x00c2\x00composite\x00X\x00u1\x00a\x00"))
	if got := ParamsDigest(ps); got != hex.EncodeToString(sum[:]) {
		t.Errorf("ParamsDigest = %s, want %x", got, sum)
	}
	ps[1].Component[0].Expression = "b"
	if ParamsDigest(ps) == hex.EncodeToString(sum[:]) {
		t.Error("a component's expression does not change the digest")
	}
}

// TestDecodeSharesEqualLists: equal list fields decode to one slice, so
// R4's many identical target lists cost one each.
func TestDecodeSharesEqualLists(t *testing.T) {
	params := []SearchParam{
		{URL: "u1", Code: "a", Type: "reference", Expression: "X.a"},
		{URL: "u2", Code: "b", Type: "reference", Expression: "X.b"},
		{URL: "u3", Code: "c", Type: "reference", Expression: "X.c"},
	}
	f, err := Decode(header(ParamsDigest(params)) +
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
	f.Add(header(noParams))
	f.Add(header(noParams) + typeRec("X", "elem\tX.a\t0\t*\tSM\t#X\tReference(A|B),string\n") + "elem\tX.a\t0\t*\tSM\t#X\tReference(A|B),string\n")
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
