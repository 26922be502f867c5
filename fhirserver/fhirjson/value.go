package fhirjson

// Kind is the JSON kind of a Value.
type Kind uint8

const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

func (k Kind) String() string {
	switch k {
	case Null:
		return "null"
	case Bool:
		return "boolean"
	case Number:
		return "number"
	case String:
		return "string"
	case Array:
		return "array"
	case Object:
		return "object"
	}
	return "invalid"
}

// Value is one JSON value as FHIR needs it: objects keep their members in
// document order, and numbers keep their literal exactly as written, because
// FHIR requires a decimal written as 1.50 to come back as 1.50. Nothing in
// fhirfleet turns a resource into float64 and back.
type Value struct {
	Kind Kind
	// Bool is the value of a boolean. (It sits next to Kind so the struct
	// packs into 72 bytes: parsed trees are slabs of Values.)
	Bool bool
	// Text is a string's unescaped contents or a number's literal as written.
	Text string
	// Items are an array's elements.
	Items []*Value
	// Members are an object's members in document order; names are unique.
	Members []Member
}

// Member is one name/value pair of an object.
type Member struct {
	Name  string
	Value *Value
}

// NewString returns a string value.
func NewString(s string) *Value { return &Value{Kind: String, Text: s} }

// NewNumber returns a number value with the given literal, which must be a
// valid JSON number (the caller owns that check).
func NewNumber(literal string) *Value { return &Value{Kind: Number, Text: literal} }

// NewBool returns a boolean value.
func NewBool(b bool) *Value { return &Value{Kind: Bool, Bool: b} }

// NewObject returns an empty object.
func NewObject() *Value { return &Value{Kind: Object} }

// NewArray returns an array of the given items.
func NewArray(items ...*Value) *Value { return &Value{Kind: Array, Items: items} }

// Get returns the member named name of an object, or nil.
func (v *Value) Get(name string) *Value {
	if v == nil || v.Kind != Object {
		return nil
	}
	for i := range v.Members {
		if v.Members[i].Name == name {
			return v.Members[i].Value
		}
	}
	return nil
}

// Str returns the text of the string member name, or "".
func (v *Value) Str(name string) string {
	if m := v.Get(name); m != nil && m.Kind == String {
		return m.Text
	}
	return ""
}

// Set replaces the member named name, or appends it when absent.
func (v *Value) Set(name string, val *Value) {
	for i := range v.Members {
		if v.Members[i].Name == name {
			v.Members[i].Value = val
			return
		}
	}
	v.Members = append(v.Members, Member{Name: name, Value: val})
}

// Delete removes the member named name and reports whether it was there.
func (v *Value) Delete(name string) bool {
	for i := range v.Members {
		if v.Members[i].Name == name {
			v.Members = append(v.Members[:i], v.Members[i+1:]...)
			return true
		}
	}
	return false
}

// Clone returns a deep copy of v.
func (v *Value) Clone() *Value {
	if v == nil {
		return nil
	}
	c := &Value{Kind: v.Kind, Text: v.Text, Bool: v.Bool}
	if v.Items != nil {
		c.Items = make([]*Value, len(v.Items))
		for i, it := range v.Items {
			c.Items[i] = it.Clone()
		}
	}
	if v.Members != nil {
		c.Members = make([]Member, len(v.Members))
		for i, m := range v.Members {
			c.Members[i] = Member{Name: m.Name, Value: m.Value.Clone()}
		}
	}
	return c
}
