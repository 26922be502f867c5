package defsfile

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
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
		t.elems = src{}
	}
	if f.SearchParams, err = f.DecodeSearchParams(); err != nil {
		return nil, err
	}
	f.params = src{}
	return f, nil
}

// DecodeIndex decodes the head of the file (doc.go): the version, the types
// without their elements and the compartments. Each Type's Elements stays
// nil and DecodeElements decodes them when they are wanted; SearchParams
// stays nil and DecodeSearchParams decodes them. A server uses a handful of
// a version's 150 resource types and may never search, so it decodes (and
// keeps the tables built from) only what it uses, and the records left
// undecoded are substrings of data that it never reads: no memory, and no
// pages of the binary when data is the embedded file. Those records are
// only checked to start where the head says they do; DecodeElements and
// DecodeSearchParams report what else is wrong with them.
func DecodeIndex(data string) (*File, error) {
	if !strings.HasPrefix(data, "# "+GeneratedMarker+"\n") {
		return nil, fmt.Errorf("decode definitions: missing generated marker")
	}
	head := headOf(data)
	body := src{records: data[len(head):], file: data, offset: len(head)}
	// Size every list up front: the loader runs at server start, and
	// growing slices by appending is garbage a long-lived heap would keep
	// holes from.
	d := decoder{f: &File{
		Generated:    GeneratedMarker,
		Types:        make([]Type, 0, strings.Count(head, "\ntype\t")),
		Compartments: make([]Compartment, 0, strings.Count(head, "\ncompartment\t")),
	}}
	d.elemBytes = make([]int, 0, cap(d.f.Types))
	for lineNo := 1; head != ""; lineNo++ {
		line, rest, _ := strings.Cut(head, "\n")
		head = rest
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
	// Only the ends of the elem records are looked at, not where each
	// type's block starts: reading a line at every block would make the
	// whole file resident again. DecodeElements checks that a block holds
	// its type's elems and ends at a line end.
	if len(d.elemBytes) > 0 && slices.Max(d.elemBytes) > 0 && !strings.HasPrefix(body.records, "elem\t") {
		return nil, fmt.Errorf("decode definitions: line %d: the types' elem records do not start here", body.line(0))
	}
	for i := range d.f.Types {
		t, n := &d.f.Types[i], d.elemBytes[i]
		if n > len(body.records) {
			return nil, fmt.Errorf("decode definitions: type %s: its %d bytes of elem records run past the end of the file", t.Name, n)
		}
		t.elems = src{records: body.records[:n], file: data, offset: body.offset}
		body.records, body.offset = body.records[n:], body.offset+n
	}
	if body.records != "" && !strings.HasPrefix(body.records, "param\t") {
		return nil, fmt.Errorf("decode definitions: line %d: a param record or the end of the file must follow the types' elem records", body.line(0))
	}
	d.f.params = body
	return d.f, nil
}

// headOf returns the head of data: its lines up to the first elem or param
// record.
func headOf(data string) string {
	for i := 0; i < len(data); {
		line := data[i:]
		if strings.HasPrefix(line, "elem\t") || strings.HasPrefix(line, "param\t") {
			return data[:i]
		}
		end := strings.IndexByte(line, '\n')
		if end < 0 {
			break
		}
		i += end + 1
	}
	return data
}

// DecodeElements returns t's elements: those Decode filled in, or for a
// File from DecodeIndex the ones it left undecoded, decoded now. Each call
// decodes afresh; the slices it returns share nothing with earlier calls.
func (t *Type) DecodeElements() ([]Element, error) {
	if t.elems.file == "" {
		return t.Elements, nil
	}
	data := t.elems.records
	if data != "" && !strings.HasSuffix(data, "\n") {
		return nil, fmt.Errorf("decode definitions: line %d: type %s: its elem records end inside a line", t.elems.line(len(data)), t.Name)
	}
	elems := make([]Element, 0, strings.Count(data, "\n"))
	var d decoder
	err := t.elems.each(func(line string) error {
		e, err := d.elem(line)
		if err == nil && e.Path != t.Name && !strings.HasPrefix(e.Path, t.Name+".") {
			err = fmt.Errorf("elem %s among the elems of type %s", e.Path, t.Name)
		}
		elems = append(elems, e)
		return err
	})
	if err != nil {
		return nil, err
	}
	return elems, nil
}

// DecodeSearchParams returns f's search parameters: those Decode filled
// in, or for a File from DecodeIndex the param records it left, decoded now
// and checked against ParamsDigest. Each call decodes afresh.
func (f *File) DecodeSearchParams() ([]SearchParam, error) {
	if f.params.file == "" {
		return f.SearchParams, nil
	}
	data := f.params.records
	d := decoder{f: &File{SearchParams: make([]SearchParam, 0, strings.Count(data, "\n"))}}
	err := f.params.each(func(line string) error {
		if tag, _, _ := strings.Cut(line, "\t"); tag != "param" && tag != "component" {
			return fmt.Errorf("%s record among the params", tag)
		}
		return d.record(line)
	})
	if err != nil {
		return nil, err
	}
	ps := d.f.SearchParams
	if got := ParamsDigest(ps); got != f.ParamsDigest {
		return nil, fmt.Errorf("decode definitions: the params' digest is %s, the version record says %q", got, f.ParamsDigest)
	}
	return ps, nil
}

// ParamsDigest is the paramsDigest of doc.go: SHA-256 over each parameter's
// url, code, type and expression and each of its components' definition
// and expression, every field followed by a NUL byte, in hex.
func ParamsDigest(ps []SearchParam) string {
	h := sha256.New()
	field := func(s string) {
		_, _ = io.WriteString(h, s)
		_, _ = h.Write([]byte{0})
	}
	for i := range ps {
		p := &ps[i]
		field(p.URL)
		field(p.Code)
		field(p.Type)
		field(p.Expression)
		for _, c := range p.Component {
			field(c.Definition)
			field(c.Expression)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// line is the 1-based line number, in the whole file, of the record that
// starts n bytes into s.records.
func (s src) line(n int) int { return 1 + strings.Count(s.file[:s.offset+n], "\n") }

// each calls fn with every record of s in order, comments and blank lines
// skipped, and stops at the first error, which it returns with the
// record's line in the file.
func (s src) each(fn func(line string) error) error {
	for pos := 0; pos < len(s.records); {
		line, _, _ := strings.Cut(s.records[pos:], "\n")
		start := pos
		pos += len(line) + 1
		if line == "" || line[0] == '#' {
			continue
		}
		if err := fn(line); err != nil {
			return fmt.Errorf("decode definitions: line %d: %w", s.line(start), err)
		}
	}
	return nil
}

type decoder struct {
	f      *File
	fields [12]string
	// elemBytes are the type records' elemBytes, in order.
	elemBytes []int
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
	"version": 5, "type": 8, "elem": 7, "param": 11, "component": 3, "compartment": 2, "member": 3,
}

// record decodes one record other than elem (see DecodeIndex and elem).
// The head's records and the params' go through it alike; which may come
// where is checked by the callers and by the record order itself (a
// component needs a param before it, a member a compartment).
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
		f.Name, f.FHIRVersion, f.Package, f.ParamsDigest = fs[1], fs[2], fs[3], fs[4]
	case "type":
		n, err := strconv.Atoi(fs[7])
		if err != nil || n < 0 {
			return fmt.Errorf("type %s: elemBytes %q is not a byte count", fs[1], fs[7])
		}
		d.elemBytes = append(d.elemBytes, n)
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
