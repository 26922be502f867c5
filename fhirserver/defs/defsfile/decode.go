package defsfile

import (
	"fmt"
	"strconv"
	"strings"
)

// Decode reads a file written by Encode. Strings in the result share memory
// with data, so decoding allocates little beyond the slices it returns.
func Decode(data string) (*File, error) {
	f, err := DecodeIndex(data)
	if err != nil {
		return nil, err
	}
	for i := range f.Types {
		t := &f.Types[i]
		if t.Elements, err = t.DecodeElements(); err != nil {
			return nil, err
		}
		t.elemRecords, t.elemLine = "", 0
	}
	return f, nil
}

// DecodeIndex is Decode without the types' elements, which are most of a
// file: each Type's Elements stays nil and DecodeElements decodes them when
// they are wanted. A server uses a handful of a version's 150 resource
// types, so it decodes (and keeps the tables built from) only those; the
// records left undecoded are substrings of data, which costs no memory when
// data is the embedded file. Elem records are only checked to follow their
// type here; DecodeElements reports what else is wrong with them.
func DecodeIndex(data string) (*File, error) {
	if !strings.HasPrefix(data, "# "+GeneratedMarker+"\n") {
		return nil, fmt.Errorf("decode definitions: missing generated marker")
	}
	// Size every list up front: the loader runs at server start, and
	// growing slices by appending is garbage a long-lived heap would keep
	// holes from.
	d := decoder{f: &File{
		Generated:    GeneratedMarker,
		Types:        make([]Type, 0, strings.Count(data, "\ntype\t")),
		SearchParams: make([]SearchParam, 0, strings.Count(data, "\nparam\t")),
		Compartments: make([]Compartment, 0, strings.Count(data, "\ncompartment\t")),
	}}
	// inType is true while the records read since the last type record
	// are its elems (or comments); elemStart is where they begin in data.
	inType, elemStart := false, 0
	var t *Type
	all := data
	for lineNo := 1; data != ""; lineNo++ {
		start := len(all) - len(data)
		line, rest, _ := strings.Cut(data, "\n")
		data = rest
		if line == "" || line[0] == '#' {
			continue
		}
		if strings.HasPrefix(line, "elem\t") {
			if !inType {
				return nil, fmt.Errorf("decode definitions: line %d: elem before any type or not right after its type", lineNo)
			}
			if t.elemRecords == "" {
				t.elemLine, elemStart = lineNo, start
			}
			t.elemRecords = all[elemStart : len(all)-len(data)]
			continue
		}
		inType = false
		if err := d.record(line); err != nil {
			return nil, fmt.Errorf("decode definitions: line %d: %w", lineNo, err)
		}
		if strings.HasPrefix(line, "type\t") {
			inType, t = true, &d.f.Types[len(d.f.Types)-1]
		}
	}
	if d.f.Name == "" {
		return nil, fmt.Errorf("decode definitions: no version record")
	}
	return d.f, nil
}

// DecodeElements returns t's elements: those Decode filled in, or for a
// File from DecodeIndex the ones it left undecoded, decoded now. Each call
// decodes afresh; the slices it returns share nothing with earlier calls.
func (t *Type) DecodeElements() ([]Element, error) {
	if t.elemRecords == "" {
		return t.Elements, nil
	}
	data := t.elemRecords
	elems := make([]Element, 0, strings.Count(data, "\n")+1)
	var d decoder
	for lineNo := t.elemLine; data != ""; lineNo++ {
		line, rest, _ := strings.Cut(data, "\n")
		data = rest
		if line == "" || line[0] == '#' {
			continue
		}
		e, err := d.elem(line)
		if err != nil {
			return nil, fmt.Errorf("decode definitions: line %d: %w", lineNo, err)
		}
		elems = append(elems, e)
	}
	return elems, nil
}

type decoder struct {
	f      *File
	fields [12]string
	// lists holds every list field decoded so far by its text, so equal
	// lists share one slice: R4's 471 target lists are 127 distinct ones
	// (the 146-type "any resource" list among them), its 142 comparator
	// lists one.
	lists map[string][]string
}

// list splits a comma-separated field, sharing the slice with every other
// field of the same text.
func (d *decoder) list(s string) []string {
	if s == "" {
		return nil
	}
	if l, ok := d.lists[s]; ok {
		return l
	}
	if d.lists == nil {
		d.lists = map[string][]string{}
	}
	l := strings.Split(s, ",")
	d.lists[s] = l
	return l
}

// split cuts line at TABs into d.fields and checks the count, without
// allocating.
func (d *decoder) split(line string, want int) ([]string, error) {
	n := 0
	for n < len(d.fields) {
		i := strings.IndexByte(line, '\t')
		if i < 0 {
			d.fields[n] = line
			n++
			break
		}
		d.fields[n] = line[:i]
		line = line[i+1:]
		n++
	}
	if n != want {
		return nil, fmt.Errorf("%s record has %d fields, want %d", d.fields[0], n, want)
	}
	return d.fields[:n], nil
}

var fieldCounts = map[string]int{
	"version": 4, "type": 7, "elem": 7, "param": 11, "component": 3, "compartment": 2, "member": 3,
}

// record decodes one record other than elem (see DecodeIndex and elem).
func (d *decoder) record(line string) error {
	tag, _, _ := strings.Cut(line, "\t")
	want, ok := fieldCounts[tag]
	if !ok || tag == "elem" {
		return fmt.Errorf("unknown record %q", tag)
	}
	fs, err := d.split(line, want)
	if err != nil {
		return err
	}
	f := d.f
	switch tag {
	case "version":
		f.Name, f.FHIRVersion, f.Package = fs[1], fs[2], fs[3]
	case "type":
		f.Types = append(f.Types, Type{Name: fs[1], Kind: fs[2], Abstract: fs[3] == "abstract", Base: fs[4], JSONType: fs[5], Regex: fs[6]})
	case "param":
		p := SearchParam{URL: fs[1], Code: fs[2], Base: d.list(fs[3]), Type: fs[4], Target: d.list(fs[7]),
			Modifier: d.list(fs[8]), Comparator: d.list(fs[9]), Expression: fs[10]}
		if p.MultipleOr, err = parseOptBool(fs[5]); err != nil {
			return fmt.Errorf("param %s: multipleOr: %w", p.URL, err)
		}
		if p.MultipleAnd, err = parseOptBool(fs[6]); err != nil {
			return fmt.Errorf("param %s: multipleAnd: %w", p.URL, err)
		}
		f.SearchParams = append(f.SearchParams, p)
	case "component":
		if len(f.SearchParams) == 0 {
			return fmt.Errorf("component before any param")
		}
		p := &f.SearchParams[len(f.SearchParams)-1]
		p.Component = append(p.Component, Component{Definition: fs[1], Expression: fs[2]})
	case "compartment":
		f.Compartments = append(f.Compartments, Compartment{Code: fs[1], Resources: map[string][]string{}})
	case "member":
		if len(f.Compartments) == 0 {
			return fmt.Errorf("member before any compartment")
		}
		f.Compartments[len(f.Compartments)-1].Resources[fs[1]] = d.list(fs[2])
	}
	return nil
}

// elem decodes one elem record.
func (d *decoder) elem(line string) (Element, error) {
	fs, err := d.split(line, fieldCounts["elem"])
	if err != nil {
		return Element{}, err
	}
	if fs[0] != "elem" {
		return Element{}, fmt.Errorf("%s record among the elems of a type", fs[0])
	}
	min, err := strconv.Atoi(fs[2])
	if err != nil {
		return Element{}, fmt.Errorf("elem %s: min: %w", fs[1], err)
	}
	types, err := parseTypes(fs[6])
	if err != nil {
		return Element{}, fmt.Errorf("elem %s: %w", fs[1], err)
	}
	return Element{
		Path: fs[1], Min: min, Max: fs[3], ContentReference: fs[5], Types: types,
		Summary: strings.Contains(fs[4], "S"), Modifier: strings.Contains(fs[4], "M"),
	}, nil
}

// parseTypes reads "Quantity,Reference(Patient|Group)".
func parseTypes(s string) ([]TypeRef, error) {
	if s == "" {
		return nil, nil
	}
	refs := make([]TypeRef, 0, strings.Count(s, ",")+1)
	for s != "" {
		var item string
		item, s, _ = strings.Cut(s, ",")
		code, targets, hasTargets := strings.Cut(item, "(")
		if code == "" {
			return nil, fmt.Errorf("empty type in %q", item)
		}
		ref := TypeRef{Code: code}
		if hasTargets {
			inner, ok := strings.CutSuffix(targets, ")")
			if !ok || inner == "" {
				return nil, fmt.Errorf("bad targets in %q", item)
			}
			ref.Targets = strings.Split(inner, "|")
		}
		refs = append(refs, ref)
	}
	return refs, nil
}

func parseOptBool(s string) (*bool, error) {
	switch s {
	case "":
		return nil, nil
	case "true", "false":
		b := s == "true"
		return &b, nil
	}
	return nil, fmt.Errorf("%q is not true, false or empty", s)
}
