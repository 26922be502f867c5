package defsfile

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Encode writes f in the line format described in the package comment. The
// output depends only on f (compartment members are sorted; the
// paramsDigest is computed from f.SearchParams), which is what makes `make
// generate-fhir` byte-for-byte repeatable.
func Encode(f *File) ([]byte, error) {
	w := &writer{}
	w.buf.WriteString("# " + GeneratedMarker + "\n")
	w.buf.WriteString("# FHIR definitions for fhirfleet; format: fhirserver/defs/defsfile/doc.go\n")
	w.line("version", f.Name, f.FHIRVersion, f.Package, ParamsDigest(f.SearchParams))
	// The elem blocks are written after the head, but each type record
	// says the length of its block, so they are built first.
	blocks := &writer{}
	for i := range f.Types {
		t := &f.Types[i]
		start := blocks.buf.Len()
		for j := range t.Elements {
			e := &t.Elements[j]
			flags := ""
			if e.Summary {
				flags += "S"
			}
			if e.Modifier {
				flags += "M"
			}
			blocks.line("elem", e.Path, strconv.Itoa(e.Min), e.Max, flags, e.ContentReference, blocks.types(e.Types))
		}
		abstract := ""
		if t.Abstract {
			abstract = "abstract"
		}
		w.line("type", t.Name, t.Kind, abstract, t.Base, t.JSONType, t.Regex, strconv.Itoa(blocks.buf.Len()-start))
	}
	for i := range f.Compartments {
		c := &f.Compartments[i]
		w.line("compartment", c.Code)
		names := make([]string, 0, len(c.Resources))
		for name := range c.Resources {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			w.line("member", name, w.list(c.Resources[name]))
		}
	}
	if w.err == nil {
		w.err = blocks.err
	}
	w.buf.Write(blocks.buf.Bytes())
	for i := range f.SearchParams {
		p := &f.SearchParams[i]
		w.line("param", p.URL, p.Code, w.list(p.Base), p.Type, optBool(p.MultipleOr), optBool(p.MultipleAnd),
			w.list(p.Target), w.list(p.Modifier), w.list(p.Comparator), p.Expression)
		for _, c := range p.Component {
			w.line("component", c.Definition, c.Expression)
		}
	}
	if w.err != nil {
		return nil, w.err
	}
	return w.buf.Bytes(), nil
}

type writer struct {
	buf bytes.Buffer
	err error
}

func (w *writer) line(fields ...string) {
	for i, f := range fields {
		if strings.ContainsAny(f, "\t\r\n") && w.err == nil {
			w.err = fmt.Errorf("%s record: field %q holds a TAB or line break", fields[0], f)
		}
		if i > 0 {
			w.buf.WriteByte('\t')
		}
		w.buf.WriteString(f)
	}
	w.buf.WriteByte('\n')
}

func (w *writer) list(items []string) string {
	for _, it := range items {
		if (it == "" || strings.ContainsAny(it, ",|()")) && w.err == nil {
			w.err = fmt.Errorf("list item %q is empty or holds , | ( or )", it)
		}
	}
	return strings.Join(items, ",")
}

func (w *writer) types(refs []TypeRef) string {
	var sb strings.Builder
	for i, r := range refs {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(r.Code)
		if len(r.Targets) > 0 {
			sb.WriteByte('(')
			sb.WriteString(strings.Join(r.Targets, "|"))
			sb.WriteByte(')')
		}
		w.list(append([]string{r.Code}, r.Targets...))
	}
	return sb.String()
}

func optBool(b *bool) string {
	if b == nil {
		return ""
	}
	return strconv.FormatBool(*b)
}
