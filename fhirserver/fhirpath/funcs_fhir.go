package fhirpath

import (
	"strings"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// FHIR's additions to FHIRPath (extension, hasValue, resolve, ...) and the
// tree-navigation and utility functions.

// typeInfoValue is what type() returns: a namespace and a name.
type typeInfoValue struct{ namespace, name string }

func fnExtension(k *call) ([]Item, error) {
	url, ok, err := k.argString(0)
	if err != nil || !ok {
		return nil, err
	}
	var out []Item
	for i := range k.in {
		for _, e := range k.c.children(&k.in[i], "extension", nil) {
			if e.val.Str("url") == url {
				out = append(out, e)
			}
		}
	}
	return out, nil
}

func fnHasExtension(k *call) ([]Item, error) {
	r, err := fnExtension(k)
	if err != nil {
		return nil, err
	}
	return boolItems(len(r) > 0), nil
}

func fnHasValue(k *call) ([]Item, error) {
	if len(k.in) != 1 {
		return boolItems(false), nil
	}
	it := k.in[0]
	if !it.IsNode() {
		return boolItems(true), nil
	}
	v := it.val
	return boolItems(v != nil && v.Kind != fhirjson.Object && v.Kind != fhirjson.Array && v.Kind != fhirjson.Null), nil
}

func fnGetValue(k *call) ([]Item, error) {
	if len(k.in) != 1 || k.in[0].isObject() {
		return nil, nil
	}
	v, ok := k.in[0].Value()
	if !ok {
		return nil, nil
	}
	return []Item{{sys: v}}, nil
}

// fnResolve turns references into the resources they point at, through
// Env.Resolve or, without one, from contained resources, Bundle entries,
// or (as a type-only item) the reference's own "Type/id" form.
func fnResolve(k *call) ([]Item, error) {
	var out []Item
	for _, it := range k.in {
		ref, typeHint := "", ""
		if it.isObject() {
			ref, typeHint = it.val.Str("reference"), it.val.Str("type")
		} else if v, ok := it.Value(); ok {
			ref, _ = v.(string)
		}
		if ref == "" {
			continue
		}
		if r, ok := k.c.resolve(ref, typeHint); ok {
			out = append(out, r)
		}
	}
	return out, nil
}

func (c *evalCtx) resolve(ref, typeHint string) (Item, bool) {
	if c.env.Resolve != nil {
		rt, res, ok := c.env.Resolve(ref)
		if !ok {
			return Item{}, false
		}
		return c.resourceItem(rt, res, ref), true
	}
	root := c.resource.val
	if id, ok := strings.CutPrefix(ref, "#"); ok {
		if contained := root.Get("contained"); contained != nil {
			for _, r := range contained.Items {
				if r.Str("id") == id {
					return c.resourceItem(r.Str("resourceType"), r, ref), true
				}
			}
		}
		return Item{}, false
	}
	if root.Str("resourceType") == "Bundle" {
		if entries := root.Get("entry"); entries != nil {
			for _, e := range entries.Items {
				r := e.Get("resource")
				if e.Str("fullUrl") == ref || (r != nil && r.Str("resourceType")+"/"+r.Str("id") == ref) {
					return c.resourceItem(r.Str("resourceType"), r, ref), r != nil
				}
			}
		}
	}
	if rt := ReferenceType(ref); rt != "" {
		return c.resourceItem(rt, nil, ref), true
	}
	if typeHint != "" {
		return c.resourceItem(typeHint, nil, ref), true
	}
	return Item{}, false
}

func (c *evalCtx) resourceItem(rt string, res *fhirjson.Value, ref string) Item {
	if res != nil && res.Str("resourceType") != "" {
		rt = res.Str("resourceType")
	}
	return Item{val: res, typ: rt, def: c.typeRoot(rt), index: -1}
}

// ReferenceType returns the resource type a reference string names:
// "Patient/1", "Patient/1/_history/2" and "http://x/fhir/Patient/1" give
// "Patient"; "#c1", "urn:uuid:..." and malformed strings give "".
func ReferenceType(ref string) string {
	if i := strings.Index(ref, "/_history/"); i >= 0 {
		ref = ref[:i]
	}
	if strings.HasPrefix(ref, "urn:") || strings.HasPrefix(ref, "#") {
		return ""
	}
	parts := strings.Split(ref, "/")
	if len(parts) < 2 {
		return ""
	}
	t, id := parts[len(parts)-2], parts[len(parts)-1]
	if t == "" || id == "" || t[0] < 'A' || t[0] > 'Z' {
		return ""
	}
	for i := 0; i < len(t); i++ {
		if !isIdentPart(t[i]) {
			return ""
		}
	}
	return t
}

func fnChildren(k *call) ([]Item, error) {
	var out []Item
	for i := range k.in {
		out = k.c.allChildren(&k.in[i], out)
	}
	return out, nil
}

// allChildren appends every child of an object node, in document order.
func (c *evalCtx) allChildren(it *Item, out []Item) []Item {
	if !it.isObject() {
		return out
	}
	for _, m := range it.val.Members {
		if strings.HasPrefix(m.Name, "_") {
			if it.val.Get(m.Name[1:]) != nil {
				continue // handled with its value
			}
			out = c.appendMember(it, m.Name[1:], out)
			continue
		}
		if m.Name == "resourceType" {
			continue
		}
		out = c.appendMember(it, m.Name, out)
	}
	return out
}

func fnDescendants(k *call) ([]Item, error) {
	var out []Item
	work := k.in
	for len(work) > 0 {
		var next []Item
		for i := range work {
			next = k.c.allChildren(&work[i], next)
		}
		out = append(out, next...)
		if err := k.c.spend(len(next), k.n.pos); err != nil {
			return nil, err
		}
		work = next
	}
	return out, nil
}

func fnTrace(k *call) ([]Item, error) {
	if k.c.env.Trace == nil {
		return k.in, nil
	}
	name, _, err := k.argString(0)
	if err != nil {
		return nil, err
	}
	shown := k.in
	if len(k.n.args) > 1 {
		shown = nil
		for i, it := range k.in {
			r, err := k.argFor(1, it, i)
			if err != nil {
				return nil, err
			}
			shown = append(shown, r...)
		}
	}
	k.c.env.Trace(name, shown)
	return k.in, nil
}

func fnNow(kind TemporalKind) func(k *call) ([]Item, error) {
	return func(k *call) ([]Item, error) {
		var t Temporal
		if k.c.env.Now != nil {
			t = k.c.env.Now()
		} else {
			n := time.Now()
			_, off := n.Zone()
			t = Temporal{Kind: KindDateTime, Prec: PrecMillisecond, Year: n.Year(), Month: int(n.Month()), Day: n.Day(),
				Hour: n.Hour(), Minute: n.Minute(), Second: n.Second(), Nanos: n.Nanosecond() / 1e6 * 1e6, HasZone: true, ZoneMin: off / 60}
		}
		t.Text = ""
		switch kind {
		case KindDate:
			t = Temporal{Kind: KindDate, Prec: PrecDay, Year: t.Year, Month: t.Month, Day: t.Day}
		case KindTime:
			t = Temporal{Kind: KindTime, Prec: PrecMillisecond, Hour: t.Hour, Minute: t.Minute, Second: t.Second, Nanos: t.Nanos}
		}
		return []Item{{sys: t}}, nil
	}
}

func fnType(k *call) ([]Item, error) {
	out := make([]Item, 0, len(k.in))
	for _, it := range k.in {
		ns, name, _ := strings.Cut(it.TypeName(), ".")
		out = append(out, Item{sys: typeInfoValue{namespace: ns, name: name}})
	}
	return out, nil
}
