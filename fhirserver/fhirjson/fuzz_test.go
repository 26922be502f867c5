package fhirjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks Parse against encoding/json: whatever Parse accepts is
// valid JSON, writes out to text that reads back equal, and writing is
// stable; whatever it rejects that encoding/json accepts must be one of the
// stricter FHIR rules (duplicate keys, invalid UTF-8, lone surrogates,
// nesting depth), and the element cap only refuses, never alters. Seeds
// are in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"resourceType":"Patient","name":[{"given":["A","B"]}],"_birthDate":{"extension":[]}}`,
		`[1.50,-0.0,1e2,12345678901234567890,true,false,null,"\u00e9\ud83d\ude00"]`,
		"\xEF\xBB\xBF{}",
		`{"a":1,"a":2}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Parse(data, WithMaxDepth(64))
		body := bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T is not a *SyntaxError", err)
			}
			if se.Offset < 0 || se.Offset > len(data) || se.Line < 1 || se.Column < 1 {
				t.Fatalf("bad position in %+v", se)
			}
			if json.Valid(body) && se.reason == reasonSyntax {
				t.Fatalf("encoding/json accepts what Parse calls a syntax error: %v", err)
			}
			return
		}
		// The element cap only ever refuses, and says so: a document it
		// lets through parses to the same tree.
		if capped, err := Parse(data, WithMaxDepth(64), WithMaxElements(8)); err != nil {
			if !errors.Is(err, ErrTooManyElements) {
				t.Fatalf("the element cap turned an accepted document into %v", err)
			}
		} else if !capped.Equal(v) {
			t.Fatal("the element cap changed the tree")
		}
		if !json.Valid(body) {
			t.Fatalf("Parse accepted invalid JSON %q", data)
		}
		if !utf8.Valid(body) {
			t.Fatalf("Parse accepted invalid UTF-8 %q", data)
		}
		out := Marshal(v)
		back, err := Parse(out, WithMaxDepth(64))
		if err != nil {
			t.Fatalf("written form %q does not parse: %v", out, err)
		}
		if !back.Equal(v) {
			t.Fatalf("written form %q reads back different", out)
		}
		if !bytes.Equal(Marshal(back), out) {
			t.Fatal("writing is not stable")
		}
		pretty, err := Parse(MarshalIndent(v), WithMaxDepth(64))
		if err != nil || !pretty.Equal(v) {
			t.Fatalf("indented form does not read back equal: %v", err)
		}
		// An arena holding an earlier tree must give the same tree, and
		// must not disturb the earlier one.
		var a Arena
		first, err := Parse(out, InArena(&a))
		if err != nil {
			t.Fatalf("arena parse of the written form: %v", err)
		}
		second, err := Parse(data, WithMaxDepth(64), InArena(&a))
		if err != nil || !second.Equal(v) || !first.Equal(v) {
			t.Fatalf("arena parse differs (err %v)", err)
		}
	})
}
