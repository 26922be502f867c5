package fhirpath

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// decodeJSON builds a *fhirjson.Value from JSON text with encoding/json's
// token stream, so member order and number literals survive; the tests use
// it to stay independent of fhirjson's own parser.
func decodeJSON(data []byte) (*fhirjson.Value, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after JSON value")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (*fhirjson.Value, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			arr := fhirjson.NewArray()
			for dec.More() {
				it, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				arr.Items = append(arr.Items, it)
			}
			_, err := dec.Token()
			return arr, err
		}
		obj := fhirjson.NewObject()
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			obj.Members = append(obj.Members, fhirjson.Member{Name: k.(string), Value: v})
		}
		_, err := dec.Token()
		return obj, err
	case string:
		return fhirjson.NewString(t), nil
	case json.Number:
		return fhirjson.NewNumber(string(t)), nil
	case bool:
		return fhirjson.NewBool(t), nil
	}
	return &fhirjson.Value{Kind: fhirjson.Null}, nil
}

func mustJSON(t testing.TB, s string) *fhirjson.Value {
	t.Helper()
	v, err := decodeJSON([]byte(s))
	if err != nil {
		t.Fatalf("bad test JSON: %v", err)
	}
	return v
}

// render prints a result collection compactly for table tests: System
// values and primitives by value, complex nodes by type and path.
func render(items []Item) string {
	parts := make([]string, len(items))
	for i, it := range items {
		if it.isObject() || (it.IsNode() && it.val == nil) {
			parts[i] = it.typ + "@" + it.path
			continue
		}
		parts[i] = it.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
