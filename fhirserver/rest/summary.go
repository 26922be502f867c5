package rest

import (
	"net/http"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// summaryMode is the _summary parameter.
type summaryMode uint8

const (
	summaryNone  summaryMode = iota // absent or "false": the whole resource
	summaryTrue                     // elements marked isSummary
	summaryText                     // text, id, meta and mandatory top-level elements
	summaryData                     // everything but text
	summaryCount                    // search only: the total, no entries
)

func parseSummary(s string) (summaryMode, *outcome.Error) {
	switch s {
	case "", "false":
		return summaryNone, nil
	case "true":
		return summaryTrue, nil
	case "text":
		return summaryText, nil
	case "data":
		return summaryData, nil
	case "count":
		return summaryCount, nil
	}
	return 0, outcome.BadRequest(outcome.CodeValue, "", "_summary must be true, text, data, count or false, not %q", s)
}

// parseElements reads _elements: a comma list of top-level element names,
// optionally prefixed with the type ("Patient.name"), which some clients send.
func parseElements(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, e := range strings.Split(v, ",") {
			e = strings.TrimSpace(e)
			if i := strings.LastIndexByte(e, '.'); i >= 0 {
				e = e[i+1:]
			}
			if e != "" {
				out = append(out, e)
			}
		}
	}
	return out
}

// view is what a read asked to see of a resource.
type view struct {
	Pretty   bool
	Summary  summaryMode
	Elements []string
}

// transforms reports whether the stored bytes cannot be sent as they are.
func (v view) transforms() bool {
	return v.Pretty || (v.Summary != summaryNone && v.Summary != summaryCount) || len(v.Elements) > 0
}

// subset applies _summary/_elements to a parsed resource in place and marks
// it SUBSETTED as the spec requires, so nobody mistakes it for the whole.
// The element flags come from the definitions of rt; a nil rt (unknown type,
// which cannot happen for stored resources) leaves the resource whole.
func subset(ver *defs.Version, rt *defs.Type, res *fhirjson.Value, mode summaryMode, elements []string) {
	if rt == nil || rt.Root == nil || res == nil || res.Kind != fhirjson.Object {
		return
	}
	switch {
	case len(elements) > 0:
		want := make(map[string]bool, len(elements))
		for _, e := range elements {
			want[e] = true
		}
		keepMembers(res, func(name string) bool {
			p := rt.Root.Prop(name)
			return want[name] || (p != nil && p.Element != nil && (want[p.Element.Name] || p.Element.Min > 0))
		})
	case mode == summaryTrue:
		summariseNode(res, rt.Root)
	case mode == summaryText:
		keepMembers(res, func(name string) bool {
			p := rt.Root.Prop(name)
			return name == "text" || (p != nil && p.Element != nil && p.Element.Min > 0)
		})
	case mode == summaryData:
		res.Delete("text")
	default:
		return
	}
	markSubsetted(ver, res)
}

// keepMembers keeps resourceType, id and meta always, and every member keep
// accepts, with a primitive's "_name" sibling following its value.
func keepMembers(obj *fhirjson.Value, keep func(name string) bool) {
	out := obj.Members[:0]
	for _, m := range obj.Members {
		name := strings.TrimPrefix(m.Name, "_")
		if name == "resourceType" || name == "id" || name == "meta" || keep(name) {
			out = append(out, m)
		}
	}
	obj.Members = out
}

// summariseNode keeps the members flagged isSummary, descending into
// backbone elements (whose children's flags are defined by the resource);
// data types are kept whole, as the spec marks their parts summary anyway.
func summariseNode(obj *fhirjson.Value, node *defs.Node) {
	keepMembers(obj, func(name string) bool {
		p := node.Prop(name)
		return p != nil && p.Element != nil && (p.Element.Summary || p.Element.Min > 0)
	})
	for _, m := range obj.Members {
		p := node.Prop(m.Name)
		if p == nil || p.Children == nil || p.TypeCode != "BackboneElement" {
			continue
		}
		switch m.Value.Kind {
		case fhirjson.Object:
			summariseNode(m.Value, p.Children)
		case fhirjson.Array:
			for _, it := range m.Value.Items {
				if it.Kind == fhirjson.Object {
					summariseNode(it, p.Children)
				}
			}
		}
	}
}

// markSubsetted adds the SUBSETTED tag to meta.tag.
func markSubsetted(ver *defs.Version, res *fhirjson.Value) {
	system := "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
	if ver != nil && ver.Name == "STU3" {
		system = "http://hl7.org/fhir/v3/ObservationValue"
	}
	meta := res.Get("meta")
	if meta == nil || meta.Kind != fhirjson.Object {
		meta = fhirjson.NewObject()
		res.Set("meta", meta)
	}
	tags := meta.Get("tag")
	if tags == nil || tags.Kind != fhirjson.Array {
		tags = fhirjson.NewArray()
		meta.Set("tag", tags)
	}
	for _, t := range tags.Items {
		if t.Str("code") == "SUBSETTED" && t.Str("system") == system {
			return
		}
	}
	tag := fhirjson.NewObject()
	tag.Set("system", fhirjson.NewString(system))
	tag.Set("code", fhirjson.NewString("SUBSETTED"))
	tags.Items = append(tags.Items, tag)
}

// viewFromQuery reads _pretty, _summary and _elements.
func viewFromQuery(q map[string][]string) (view, error) {
	var v view
	switch p := first(q, "_pretty"); p {
	case "", "false":
	case "true":
		v.Pretty = true
	default:
		return v, outcome.New(http.StatusBadRequest, outcome.CodeValue, "", "_pretty must be true or false, not %q", p)
	}
	mode, oe := parseSummary(first(q, "_summary"))
	if oe != nil {
		return v, oe
	}
	v.Summary = mode
	v.Elements = parseElements(q["_elements"])
	return v, nil
}

func first(q map[string][]string, k string) string {
	if vs := q[k]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}
