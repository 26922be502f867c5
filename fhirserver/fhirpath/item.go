package fhirpath

import (
	"strconv"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// Item is one member of a FHIRPath collection: either a node of the
// resource (with its FHIR type and path) or a System value computed by the
// expression (string, bool, int64, Decimal, Temporal or Quantity).
type Item struct {
	val *fhirjson.Value // the node's JSON; nil for a primitive that has only an extension, or a type-only resolved reference
	ext *fhirjson.Value // a primitive's "_name" sibling object
	def *defs.Node      // what the node's properties are; nil for primitives and unknown types
	typ string          // FHIR type of a node ("Quantity", "code", "Patient"); "" when unknown
	sys any
	// Where a node sits: the item it was navigated from (nil for a
	// resource), its JSON member name there and its array index (-1 when
	// not in an array). up points into the parent's collection, which is
	// never modified once built, so paths cost nothing until asked for.
	up     *Item
	member string
	index  int
}

// SystemItem wraps a System value (string, bool, int64, Decimal, Temporal,
// Quantity) as an Item, e.g. for environment variables.
func SystemItem(v any) Item {
	if i, ok := v.(int); ok {
		v = int64(i)
	}
	return Item{sys: v}
}

// IsNode reports whether the item is a node of a resource rather than a
// value computed by the expression.
func (it Item) IsNode() bool { return it.sys == nil }

// Node returns the node's JSON value (nil for System values and for a
// primitive that carries only extensions).
func (it Item) Node() *fhirjson.Value { return it.val }

// Extensions returns a primitive node's "_name" sibling (its id and
// extensions), or nil.
func (it Item) Extensions() *fhirjson.Value { return it.ext }

// FHIRType returns a node's FHIR type name ("CodeableConcept", "date",
// "Patient"), or "" for System values and nodes of unknown type.
func (it Item) FHIRType() string {
	if it.sys != nil {
		return ""
	}
	return it.typ
}

// Path returns where a node sits in the resource, e.g.
// "Observation.component[1].valueQuantity", for error messages.
func (it Item) Path() string {
	if it.up == nil {
		if it.sys != nil {
			return ""
		}
		return it.typ
	}
	var b strings.Builder
	it.writePath(&b)
	return b.String()
}

func (it *Item) writePath(b *strings.Builder) {
	if it.up == nil {
		b.WriteString(it.typ)
		return
	}
	it.up.writePath(b)
	b.WriteByte('.')
	b.WriteString(it.member)
	if it.index >= 0 {
		b.WriteByte('[')
		b.WriteString(strconv.Itoa(it.index))
		b.WriteByte(']')
	}
}

// Location returns where a node sits so FHIRPath Patch can change it: the
// JSON object that holds it (nil for the resource itself and for System
// values), its member name there ("valueQuantity", "given"), and its index
// in that member's array, or -1 when the member is not an array.
func (it Item) Location() (parent *fhirjson.Value, member string, index int) {
	if it.up == nil || it.sys != nil {
		return nil, "", -1
	}
	return it.up.val, it.member, it.index
}

// TypeName returns the qualified type, e.g. "FHIR.Quantity" or "System.String".
func (it Item) TypeName() string {
	if it.sys == nil {
		if it.typ == "" {
			return "FHIR.Element"
		}
		return "FHIR." + it.typ
	}
	return "System." + systemTypeName(it.sys)
}

// Value returns the item as a System value: the System value itself, or a
// primitive node's value converted by its FHIR type (a FHIR date becomes a
// Temporal, an integer an int64). ok is false for complex nodes and for
// primitives without a value.
func (it Item) Value() (any, bool) {
	if it.sys != nil {
		return it.sys, true
	}
	v := it.val
	if v == nil {
		return nil, false
	}
	switch v.Kind {
	case fhirjson.Bool:
		return v.Bool, true
	case fhirjson.Number:
		if isIntegerType(it.typ) || (it.typ == "" && !strings.ContainsAny(v.Text, ".eE")) {
			if i, err := strconv.ParseInt(v.Text, 10, 64); err == nil {
				return i, true
			}
		}
		d, err := ParseDecimal(v.Text)
		if err != nil {
			return nil, false
		}
		return d, true
	case fhirjson.String:
		kind := TemporalKind(0)
		switch it.typ {
		case "date":
			kind = KindDate
		case "dateTime", "instant":
			kind = KindDateTime
		case "time":
			kind = KindTime
		}
		if kind != 0 {
			if t, err := ParseTemporal(kind, v.Text); err == nil {
				return t, true
			}
		}
		return v.Text, true
	case fhirjson.Object:
		if q, ok := nodeQuantity(it); ok {
			return q, true
		}
	}
	return nil, false
}

// isObject reports whether the item is a complex node (a JSON object).
func (it Item) isObject() bool {
	return it.sys == nil && it.val != nil && it.val.Kind == fhirjson.Object
}

// nodeQuantity converts a FHIR Quantity (or a type derived from it) to a
// System Quantity, preferring the UCUM code over the display unit.
func nodeQuantity(it Item) (Quantity, bool) {
	if !isQuantityType(it) {
		return Quantity{}, false
	}
	vv := it.val.Get("value")
	if vv == nil || vv.Kind != fhirjson.Number {
		return Quantity{}, false
	}
	d, err := ParseDecimal(vv.Text)
	if err != nil {
		return Quantity{}, false
	}
	unit := it.val.Str("code")
	if unit == "" || (it.val.Str("system") != "" && it.val.Str("system") != "http://unitsofmeasure.org") {
		if u := it.val.Str("unit"); u != "" {
			unit = u
		}
	}
	return Quantity{Value: d, Unit: unit}, true
}

// isQuantityType reports whether a node is a Quantity or a type derived
// from it (Age, Duration, Distance, Count; STU3 Money).
func isQuantityType(it Item) bool {
	if it.typ == "Quantity" {
		return true
	}
	return it.def != nil && it.def.Type != nil && it.def.Type.Name == it.typ && it.def.Type.Base == "Quantity"
}

func isIntegerType(t string) bool {
	return t == "integer" || t == "unsignedInt" || t == "positiveInt" || t == "integer64"
}

// systemTypeName names the System type of a Go value.
func systemTypeName(v any) string {
	switch x := v.(type) {
	case string:
		return "String"
	case bool:
		return "Boolean"
	case int64:
		return "Integer"
	case Decimal:
		return "Decimal"
	case Temporal:
		return x.Kind.String()
	case Quantity:
		return "Quantity"
	case typeInfoValue:
		return "Object"
	}
	return "Any"
}

// String renders the item for messages and toString(): System values as
// FHIRPath prints them, primitive nodes by their value, complex nodes by
// their path.
func (it Item) String() string {
	if v, ok := it.Value(); ok {
		return valueString(v)
	}
	return it.Path()
}

func valueString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		if x {
			return "true"
		}
		return "false"
	case int64:
		return strconv.FormatInt(x, 10)
	case Decimal:
		return x.String()
	case Temporal:
		return x.String()
	case Quantity:
		return x.String()
	case typeInfoValue:
		return x.namespace + "." + x.name
	}
	return ""
}
