package validation

import (
	"strconv"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// complex validates the JSON value of a non-primitive property: an object,
// or a non-empty array of objects where the element repeats.
func (w *walker) complex(prop *defs.Prop, v *fhirjson.Value) {
	if !prop.Element.IsArray() {
		if v.Kind == fhirjson.Array {
			w.add(outcome.CodeStructure, "%s holds a single value (max 1), not an array", prop.Element.Path)
			return
		}
		w.complexValue(prop, v)
		return
	}
	if v.Kind != fhirjson.Array {
		w.add(outcome.CodeStructure, "%s repeats (max %s), so its value must be an array", prop.Element.Path, maxText(prop.Element))
		return
	}
	if len(v.Items) == 0 {
		w.add(outcome.CodeStructure, "An empty array is not allowed; leave the element out instead")
		return
	}
	for i, it := range v.Items {
		if w.full() {
			return
		}
		mark := w.pushIndex(i)
		w.complexValue(prop, it)
		w.pop(mark)
	}
}

func (w *walker) complexValue(prop *defs.Prop, v *fhirjson.Value) {
	switch {
	case v.Kind == fhirjson.Null:
		w.add(outcome.CodeStructure, "null is not allowed here; leave the element out instead")
	case v.Kind != fhirjson.Object:
		w.add(outcome.CodeStructure, "%s is a %s and must be a JSON object, not a %s", prop.Element.Path, prop.TypeCode, v.Kind)
	case prop.Type != nil && prop.Type.Kind == defs.KindResource:
		w.resource(v, prop.Type)
	case prop.Children == nil:
		w.add(outcome.CodeStructure, "%s has no definition of its content", prop.Element.Path)
	default:
		w.object(v, prop.Children, false)
	}
}

// primitive validates a primitive property from its value v and its "_"
// sibling ext (either may be nil, not both). Repeating primitives are
// arrays in which null stands for "no value here, but an extension in the
// sibling array" and the other way round, so the two are checked together.
func (w *walker) primitive(prop *defs.Prop, v, ext *fhirjson.Value) {
	rule := w.val.prims[prop.Type]
	if rule == nil {
		w.add(outcome.CodeStructure, "%s has no rule for type %s", prop.Element.Path, prop.TypeCode)
		return
	}
	if !prop.Element.IsArray() {
		if (v != nil && v.Kind == fhirjson.Array) || (ext != nil && ext.Kind == fhirjson.Array) {
			w.add(outcome.CodeStructure, "%s holds a single value (max 1), not an array", prop.Element.Path)
			return
		}
		if v != nil {
			w.primitiveValue(rule, v)
		}
		if ext != nil {
			w.primitiveExtension(prop, ext)
		}
		return
	}
	for _, a := range [2]*fhirjson.Value{v, ext} {
		if a == nil {
			continue
		}
		if a.Kind != fhirjson.Array {
			w.add(outcome.CodeStructure, "%s repeats (max %s), so its value must be an array", prop.Element.Path, maxText(prop.Element))
			return
		}
		if len(a.Items) == 0 {
			w.add(outcome.CodeStructure, "An empty array is not allowed; leave the element out instead")
			return
		}
	}
	if v != nil && ext != nil && len(v.Items) != len(ext.Items) {
		w.add(outcome.CodeStructure, "The arrays %s (%d items) and _%s (%d items) must have the same length, with null where one has no entry",
			prop.JSONName, len(v.Items), prop.JSONName, len(ext.Items))
		return
	}
	n := 0
	if v != nil {
		n = len(v.Items)
	} else {
		n = len(ext.Items)
	}
	for i := 0; i < n && !w.full(); i++ {
		var item, extItem *fhirjson.Value
		if v != nil {
			item = v.Items[i]
		}
		if ext != nil {
			extItem = ext.Items[i]
		}
		mark := w.pushIndex(i)
		hasValue := item != nil && item.Kind != fhirjson.Null
		hasExt := extItem != nil && extItem.Kind != fhirjson.Null
		switch {
		case !hasValue && !hasExt:
			w.add(outcome.CodeStructure, "null is only allowed in a repeating primitive where the \"_\" sibling array has an extension at the same index (and the other way round)")
		default:
			if hasValue {
				w.primitiveValue(rule, item)
			}
			if hasExt {
				w.primitiveExtension(prop, extItem)
			}
		}
		w.pop(mark)
	}
}

// primitiveValue checks one value against its type's JSON kind and rule.
func (w *walker) primitiveValue(r *primRule, v *fhirjson.Value) {
	if v.Kind != r.kind {
		if v.Kind == fhirjson.Null {
			w.add(outcome.CodeStructure, "null is not allowed here; leave the element out instead")
			return
		}
		w.add(outcome.CodeStructure, "A %s must be written as a JSON %s, not a %s", r.name, r.kind, v.Kind)
		return
	}
	switch r.kind {
	case fhirjson.String:
		if v.Text == "" {
			w.add(outcome.CodeValue, "An empty string is not a valid %s; leave the element out instead", r.name)
			return
		}
		if !r.check(v.Text) {
			w.add(outcome.CodeValue, "%s is not a valid %s%s", describeValue(v.Text), r.name, formatHint(r.name))
		}
	case fhirjson.Number:
		if !r.check(v.Text) {
			w.add(outcome.CodeValue, "%s is not a valid %s%s", shorten(v.Text), r.name, formatHint(r.name))
			return
		}
		if r.ranged && !r.inRange(v.Text) {
			w.add(outcome.CodeValue, "%s is out of range for %s (%d to %d)", shorten(v.Text), r.name, r.min, r.max)
		}
		if r.decimal {
			// The grammar allows what the search index cannot hold; such a
			// value would be stored and then never found (fhirjson's rule).
			if _, err := fhirjson.ParseDecimal(v.Text); err != nil {
				w.add(outcome.CodeValue, "%v", err)
			}
		}
	}
}

// primitiveExtension checks the "_" sibling of a primitive: an object with
// the primitive type's own id and extension, and nothing else.
func (w *walker) primitiveExtension(prop *defs.Prop, ext *fhirjson.Value) {
	if ext.Kind != fhirjson.Object {
		w.add(outcome.CodeStructure, "The \"_\" sibling of %s must be a JSON object with id and/or extension, not a %s", prop.JSONName, ext.Kind)
		return
	}
	w.object(ext, prop.Type.Root, false)
}

func maxText(e *defs.Element) string {
	if e.Max < 0 {
		return "*"
	}
	return strconv.Itoa(e.Max)
}
