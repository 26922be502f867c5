package defsfile

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Encode writes f as compact JSON with one type, element, search parameter
// or compartment per line. The output depends only on f (struct fields in
// declaration order, map keys sorted by encoding/json), which is what makes
// `make generate-fhir` byte-for-byte repeatable; the line layout keeps git
// diffs of the generated files readable.
func Encode(f *File) ([]byte, error) {
	var buf bytes.Buffer
	head, err := marshal(struct {
		Generated   string `json:"generated"`
		Name        string `json:"name"`
		FHIRVersion string `json:"fhirVersion"`
		Package     string `json:"package"`
	}{f.Generated, f.Name, f.FHIRVersion, f.Package})
	if err != nil {
		return nil, err
	}
	buf.Write(head[:len(head)-1]) // reopen the object to append the lists
	buf.WriteString(",\n\"types\":[\n")
	for i := range f.Types {
		t := &f.Types[i]
		elems := t.Elements
		t.Elements = nil
		line, err := marshal(t)
		t.Elements = elems
		if err != nil {
			return nil, fmt.Errorf("type %s: %w", t.Name, err)
		}
		// The marshalled type ends in "elements":null}; replace that tail
		// with the element list, one element per line.
		const tail = `"elements":null}`
		if !bytes.HasSuffix(line, []byte(tail)) {
			return nil, fmt.Errorf("type %s: unexpected encoding %q", t.Name, line)
		}
		buf.Write(line[:len(line)-len(tail)])
		buf.WriteString("\"elements\":[\n")
		for j := range elems {
			if err := writeItem(&buf, &elems[j], j == len(elems)-1); err != nil {
				return nil, fmt.Errorf("element %s: %w", elems[j].Path, err)
			}
		}
		buf.WriteString("]}")
		if i < len(f.Types)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("],\n\"searchParams\":[\n")
	for i := range f.SearchParams {
		if err := writeItem(&buf, &f.SearchParams[i], i == len(f.SearchParams)-1); err != nil {
			return nil, fmt.Errorf("search parameter %s: %w", f.SearchParams[i].URL, err)
		}
	}
	buf.WriteString("],\n\"compartments\":[\n")
	for i := range f.Compartments {
		if err := writeItem(&buf, &f.Compartments[i], i == len(f.Compartments)-1); err != nil {
			return nil, fmt.Errorf("compartment %s: %w", f.Compartments[i].Code, err)
		}
	}
	buf.WriteString("]}\n")
	return buf.Bytes(), nil
}

func writeItem(buf *bytes.Buffer, v any, last bool) error {
	line, err := marshal(v)
	if err != nil {
		return err
	}
	buf.Write(line)
	if !last {
		buf.WriteByte(',')
	}
	buf.WriteByte('\n')
	return nil
}

// marshal is json.Marshal without HTML escaping: FHIRPath expressions are
// full of '<' and '>' and "\u003c" would only make the files harder to read.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
