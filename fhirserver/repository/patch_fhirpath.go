package repository

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirpath"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// applyFHIRPathPatch applies the operations of a FHIRPath Patch Parameters
// resource (R4 fhirpatch.html) to res in place, in order. Every failure is a
// 422 naming the operation by its index.
func (r *Repository) applyFHIRPathPatch(params, res *fhirjson.Value) error {
	ops := params.Get("parameter")
	if ops == nil || ops.Kind != fhirjson.Array || len(ops.Items) == 0 {
		return outcome.BadRequest(outcome.CodeRequired, "Parameters.parameter", "the FHIRPath Patch has no operation")
	}
	for i, op := range ops.Items {
		where := fmt.Sprintf("Parameters.parameter[%d]", i)
		if op.Str("name") != "operation" {
			return outcome.BadRequest(outcome.CodeInvalid, where+".name", "a FHIRPath Patch parameter must be named operation")
		}
		if err := r.fhirPathOp(op, res); err != nil {
			return outcome.Unprocessable(outcome.CodeProcessing, where, "%v", err)
		}
	}
	return nil
}

// fhirPathOp is one operation: add, insert, delete, replace or move.
func (r *Repository) fhirPathOp(op, res *fhirjson.Value) error {
	parts := map[string]*fhirjson.Value{}
	if ps := op.Get("part"); ps != nil && ps.Kind == fhirjson.Array {
		for _, p := range ps.Items {
			parts[p.Str("name")] = p
		}
	}
	str := func(name string) string {
		p := parts[name]
		if p == nil {
			return ""
		}
		for _, m := range p.Members {
			if strings.HasPrefix(m.Name, "value") && m.Value.Kind == fhirjson.String {
				return m.Value.Text
			}
			if strings.HasPrefix(m.Name, "value") && m.Value.Kind == fhirjson.Number {
				return m.Value.Text
			}
		}
		return ""
	}
	typ, path := str("type"), str("path")
	if path == "" {
		return fmt.Errorf("the operation has no path")
	}
	switch typ {
	case "add":
		target, err := r.single(path, res)
		if err != nil {
			return err
		}
		if target.Kind != fhirjson.Object {
			return fmt.Errorf("add: %s is not an element that can hold %q", path, str("name"))
		}
		name := str("name")
		val, err := patchValue(parts["value"])
		if err != nil || name == "" {
			return fmt.Errorf("add needs a name and a value")
		}
		if cur := target.Get(name); cur != nil {
			if cur.Kind != fhirjson.Array {
				return fmt.Errorf("add: %s.%s already has a value; use replace", path, name)
			}
			cur.Items = append(cur.Items, val)
			return nil
		}
		if r.repeats(res, path, name) {
			val = fhirjson.NewArray(val)
		}
		target.Set(name, val)
		return nil
	case "insert", "move":
		arr, err := r.collection(path, res)
		if err != nil {
			return err
		}
		if typ == "insert" {
			val, err := patchValue(parts["value"])
			if err != nil {
				return err
			}
			idx, ok := atoi(str("index"))
			if !ok || idx > len(arr.Items) {
				return fmt.Errorf("insert: index %q is outside 0..%d", str("index"), len(arr.Items))
			}
			arr.Items = append(arr.Items[:idx], append([]*fhirjson.Value{val}, arr.Items[idx:]...)...)
			return nil
		}
		src, ok1 := atoi(str("source"))
		dst, ok2 := atoi(str("destination"))
		if !ok1 || !ok2 || src >= len(arr.Items) || dst >= len(arr.Items) {
			return fmt.Errorf("move: source and destination must be within 0..%d", len(arr.Items)-1)
		}
		v := arr.Items[src]
		arr.Items = append(arr.Items[:src], arr.Items[src+1:]...)
		arr.Items = append(arr.Items[:dst], append([]*fhirjson.Value{v}, arr.Items[dst:]...)...)
		return nil
	case "delete":
		items, err := r.eval(path, res)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return nil // deleting what is absent leaves the resource as asked
		}
		if len(items) > 1 {
			return fmt.Errorf("delete: %s matches %d elements; it must match one", path, len(items))
		}
		if !removeNode(res, items[0]) {
			return fmt.Errorf("delete: %s cannot be removed", path)
		}
		return nil
	case "replace":
		target, err := r.single(path, res)
		if err != nil {
			return err
		}
		val, err := patchValue(parts["value"])
		if err != nil {
			return err
		}
		*target = *val
		return nil
	}
	return fmt.Errorf("unknown operation type %q (add, insert, delete, replace or move)", typ)
}

func (r *Repository) eval(path string, res *fhirjson.Value) ([]*fhirjson.Value, error) {
	expr, err := fhirpath.Compile(path)
	if err != nil {
		return nil, fmt.Errorf("path %q: %w", path, err)
	}
	items, err := expr.Evaluate(&fhirpath.Env{}, res, r.ver)
	if err != nil {
		return nil, fmt.Errorf("path %q: %w", path, err)
	}
	var out []*fhirjson.Value
	for _, it := range items {
		if !it.IsNode() || it.Node() == nil {
			return nil, fmt.Errorf("path %q selects something that is not an element of the resource", path)
		}
		out = append(out, it.Node())
	}
	return out, nil
}

func (r *Repository) single(path string, res *fhirjson.Value) (*fhirjson.Value, error) {
	items, err := r.eval(path, res)
	if err != nil {
		return nil, err
	}
	if len(items) != 1 {
		return nil, fmt.Errorf("path %q matches %d elements; it must match one", path, len(items))
	}
	return items[0], nil
}

// lastSegment splits "Patient.name.where(use='x').given" style paths whose
// last step is a plain element name. Compiled on first use, like every
// regexp of this package: one compiled at init is heap (and start-up work)
// every idle server pays for a request it may never get.
var lastSegment = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(.*)\.([A-Za-z][A-Za-z0-9_]*)$`) })

// collection returns the JSON array a path names ("Patient.identifier"),
// as insert and move work on the list rather than its members.
func (r *Repository) collection(path string, res *fhirjson.Value) (*fhirjson.Value, error) {
	m := lastSegment().FindStringSubmatch(path)
	if m == nil {
		return nil, fmt.Errorf("path %q must end with an element name", path)
	}
	parent, err := r.single(m[1], res)
	if err != nil {
		return nil, err
	}
	arr := parent.Get(m[2])
	if arr == nil || arr.Kind != fhirjson.Array {
		return nil, fmt.Errorf("%s is not a list", path)
	}
	return arr, nil
}

// repeats reports whether element name under path is a list, from the
// definitions, so an added value gets the JSON shape validation expects.
func (r *Repository) repeats(res *fhirjson.Value, path, name string) bool {
	expr, err := fhirpath.Compile(path)
	if err != nil {
		return false
	}
	items, err := expr.Evaluate(&fhirpath.Env{}, res, r.ver)
	if err != nil || len(items) != 1 {
		return false
	}
	var node *defs.Node
	if t := r.ver.Type(items[0].FHIRType()); t != nil && t.Kind != defs.KindPrimitive && t.Name != "BackboneElement" && t.Name != "Element" {
		node = t.Root
	} else if rt := r.ver.Resource(res.Str("resourceType")); rt != nil {
		node = rt.Node(stripIndexes(items[0].Path()))
	}
	if node == nil {
		return false
	}
	p := node.Prop(name)
	return p != nil && p.Element != nil && p.Element.IsArray()
}

var indexRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\[\d+\]`) })

func stripIndexes(p string) string { return indexRE().ReplaceAllString(p, "") }

// patchValue is the value part of an operation: value[x], or nested parts
// for an anonymous (backbone) value.
func patchValue(part *fhirjson.Value) (*fhirjson.Value, error) {
	if part == nil {
		return nil, fmt.Errorf("the operation has no value")
	}
	for _, m := range part.Members {
		if strings.HasPrefix(m.Name, "value") && len(m.Name) > len("value") {
			return m.Value.Clone(), nil
		}
	}
	if ps := part.Get("part"); ps != nil && ps.Kind == fhirjson.Array {
		obj := fhirjson.NewObject()
		for _, p := range ps.Items {
			v, err := patchValue(p)
			if err != nil {
				return nil, err
			}
			obj.Set(p.Str("name"), v)
		}
		return obj, nil
	}
	return nil, fmt.Errorf("the value part has no value[x] and no parts")
}

// removeNode removes target (found by identity) from the tree under v: from
// its array (dropping the array when it empties) or its object, with a
// primitive's "_name" sibling.
func removeNode(v, target *fhirjson.Value) bool {
	switch v.Kind {
	case fhirjson.Object:
		for i, m := range v.Members {
			if m.Value == target {
				v.Members = append(v.Members[:i], v.Members[i+1:]...)
				v.Delete("_" + m.Name)
				return true
			}
			if m.Value.Kind == fhirjson.Array {
				for j, it := range m.Value.Items {
					if it == target {
						m.Value.Items = append(m.Value.Items[:j], m.Value.Items[j+1:]...)
						if len(m.Value.Items) == 0 {
							v.Delete(m.Name)
						}
						return true
					}
				}
			}
			if removeNode(m.Value, target) {
				return true
			}
		}
	case fhirjson.Array:
		for _, it := range v.Items {
			if removeNode(it, target) {
				return true
			}
		}
	}
	return false
}

func atoi(s string) (int, bool) {
	n := 0
	if s == "" {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' || n > 1<<20 {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
