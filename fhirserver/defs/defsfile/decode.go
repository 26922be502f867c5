package defsfile

import (
	"fmt"
	"strconv"
	"strings"
)

// Decode reads a file written by Encode. Strings in the result share memory
// with data, so decoding allocates little beyond the slices it returns.
func Decode(data string) (*File, error) {
	if !strings.HasPrefix(data, "# "+GeneratedMarker+"\n") {
		return nil, fmt.Errorf("decode definitions: missing generated marker")
	}
	// Size every list up front: the loader runs at server start, and
	// growing slices of thousands of elements by appending is most of the
	// garbage decoding would otherwise make. All elements share one slab;
	// each type's Elements is the stretch of it that follows its record.
	d := decoder{f: &File{
		Generated:    GeneratedMarker,
		Types:        make([]Type, 0, strings.Count(data, "\ntype\t")),
		SearchParams: make([]SearchParam, 0, strings.Count(data, "\nparam\t")),
		Compartments: make([]Compartment, 0, strings.Count(data, "\ncompartment\t")),
	}}
	d.elems = make([]Element, 0, strings.Count(data, "\nelem\t"))
	for lineNo := 1; data != ""; lineNo++ {
		line, rest, _ := strings.Cut(data, "\n")
		data = rest
		if line == "" || line[0] == '#' {
			continue
		}
		if err := d.record(line); err != nil {
			return nil, fmt.Errorf("decode definitions: line %d: %w", lineNo, err)
		}
	}
	if d.f.Name == "" {
		return nil, fmt.Errorf("decode definitions: no version record")
	}
	return d.f, nil
}

type decoder struct {
	f     *File
	elems []Element // slab for every type's Elements
	// typeStart is where the current type's elements begin in elems.
	typeStart int
	fields    [12]string
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

func (d *decoder) record(line string) error {
	tag, _, _ := strings.Cut(line, "\t")
	want, ok := fieldCounts[tag]
	if !ok {
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
		d.typeStart = len(d.elems)
		f.Types = append(f.Types, Type{Name: fs[1], Kind: fs[2], Abstract: fs[3] == "abstract", Base: fs[4], JSONType: fs[5], Regex: fs[6]})
	case "elem":
		if len(f.Types) == 0 {
			return fmt.Errorf("elem before any type")
		}
		t := &f.Types[len(f.Types)-1]
		min, err := strconv.Atoi(fs[2])
		if err != nil {
			return fmt.Errorf("elem %s: min: %w", fs[1], err)
		}
		types, err := parseTypes(fs[6])
		if err != nil {
			return fmt.Errorf("elem %s: %w", fs[1], err)
		}
		e := Element{
			Path: fs[1], Min: min, Max: fs[3], ContentReference: fs[5], Types: types,
			Summary: strings.Contains(fs[4], "S"), Modifier: strings.Contains(fs[4], "M"),
		}
		if len(d.elems) < cap(d.elems) {
			d.elems = append(d.elems, e)
			t.Elements = d.elems[d.typeStart:len(d.elems):len(d.elems)]
		} else {
			t.Elements = append(t.Elements, e) // only for input the counts missed
		}
	case "param":
		p := SearchParam{URL: fs[1], Code: fs[2], Base: list(fs[3]), Type: fs[4], Target: list(fs[7]),
			Modifier: list(fs[8]), Comparator: list(fs[9]), Expression: fs[10]}
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
		f.Compartments[len(f.Compartments)-1].Resources[fs[1]] = list(fs[2])
	}
	return nil
}

func list(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
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
