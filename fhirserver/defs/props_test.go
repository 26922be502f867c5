package defs

import (
	"strings"
	"testing"
)

func TestProps(t *testing.T) {
	tests := []struct {
		v          *Version
		node       string // type name or backbone path
		prop       string
		typeCode   string
		primitive  bool
		children   string // path of the Children node; "" for nil
		element    string
		wantAbsent bool
	}{
		{v: R4, node: "Observation", prop: "valueQuantity", typeCode: "Quantity", children: "Quantity", element: "Observation.value[x]"},
		{v: R4, node: "Observation", prop: "valueDateTime", typeCode: "dateTime", primitive: true, element: "Observation.value[x]"},
		{v: R4, node: "Observation", prop: "valueCanonical", wantAbsent: true},
		{v: R4, node: "Observation", prop: "value", wantAbsent: true},
		{v: R4, node: "Observation", prop: "value[x]", wantAbsent: true},
		{v: R4, node: "Observation", prop: "resourceType", wantAbsent: true},
		{v: R4, node: "Observation", prop: "_status", wantAbsent: true},
		{v: R4, node: "Observation", prop: "component", typeCode: "BackboneElement", children: "Observation.component", element: "Observation.component"},
		{v: R4, node: "Observation.component", prop: "valueQuantity", typeCode: "Quantity", children: "Quantity", element: "Observation.component.value[x]"},
		{v: R4, node: "Observation.referenceRange", prop: "low", typeCode: "Quantity", children: "Quantity", element: "Observation.referenceRange.low"},
		{v: STU3, node: "Observation", prop: "valueAttachment", typeCode: "Attachment", children: "Attachment", element: "Observation.value[x]"},
		{v: R4, node: "Patient", prop: "name", typeCode: "HumanName", children: "HumanName", element: "Patient.name"},
		{v: R4, node: "Patient", prop: "birthDate", typeCode: "date", primitive: true, element: "Patient.birthDate"},
		{v: R4, node: "Patient", prop: "id", typeCode: "id", primitive: true, element: "Patient.id"},
		{v: R4, node: "Patient", prop: "contained", typeCode: "Resource", children: "Resource", element: "Patient.contained"},
		{v: R4, node: "Patient", prop: "text", typeCode: "Narrative", children: "Narrative", element: "Patient.text"},
		{v: R4, node: "Narrative", prop: "div", typeCode: "xhtml", primitive: true, element: "Narrative.div"},
		{v: R4, node: "Questionnaire.item", prop: "item", typeCode: "BackboneElement", children: "Questionnaire.item", element: "Questionnaire.item.item"},
		{v: STU3, node: "Questionnaire.item", prop: "item", typeCode: "BackboneElement", children: "Questionnaire.item", element: "Questionnaire.item.item"},
		{v: R4, node: "Bundle.entry", prop: "link", typeCode: "BackboneElement", children: "Bundle.link", element: "Bundle.entry.link"},
		{v: R4, node: "Bundle.entry", prop: "resource", typeCode: "Resource", children: "Resource", element: "Bundle.entry.resource"},
		{v: R4, node: "Timing", prop: "repeat", typeCode: "Element", children: "Timing.repeat", element: "Timing.repeat"},
		{v: R4, node: "Timing.repeat", prop: "boundsDuration", typeCode: "Duration", children: "Duration", element: "Timing.repeat.bounds[x]"},
		{v: R4, node: "Extension", prop: "url", typeCode: "uri", primitive: true, element: "Extension.url"},
		{v: R4, node: "Extension", prop: "valueReference", typeCode: "Reference", children: "Reference", element: "Extension.value[x]"},
		{v: R4, node: "Extension", prop: "valueUrl", typeCode: "url", primitive: true, element: "Extension.value[x]"},
		{v: STU3, node: "Extension", prop: "valueUrl", wantAbsent: true},
		{v: R4, node: "Extension", prop: "extension", typeCode: "Extension", children: "Extension", element: "Extension.extension"},
		{v: R4, node: "string", prop: "id", typeCode: "string", primitive: true, element: "string.id"},
		{v: R4, node: "string", prop: "extension", typeCode: "Extension", children: "Extension", element: "string.extension"},
		{v: R4, node: "string", prop: "value", wantAbsent: true},
		{v: STU3, node: "date", prop: "value", wantAbsent: true},
	}
	for _, tc := range tests {
		t.Run(tc.v.Name+"/"+tc.node+"/"+tc.prop, func(t *testing.T) {
			typeName, _, _ := strings.Cut(tc.node, ".")
			node := tc.v.Type(typeName).Node(tc.node)
			if node == nil {
				t.Fatalf("no node %s", tc.node)
			}
			p := node.Prop(tc.prop)
			if tc.wantAbsent {
				if p != nil {
					t.Fatalf("prop %s present: %+v", tc.prop, p)
				}
				return
			}
			if p == nil {
				t.Fatalf("prop %s missing", tc.prop)
			}
			if p.JSONName != tc.prop || p.TypeCode != tc.typeCode || p.Primitive != tc.primitive || p.Element.Path != tc.element {
				t.Errorf("got %s %s primitive=%v element %s", p.JSONName, p.TypeCode, p.Primitive, p.Element.Path)
			}
			if p.Type == nil || p.Type.Name != tc.typeCode {
				t.Errorf("Type = %+v", p.Type)
			}
			gotChildren := ""
			if p.Children != nil {
				gotChildren = p.Children.Path
			}
			if gotChildren != tc.children {
				t.Errorf("Children = %q, want %q", gotChildren, tc.children)
			}
		})
	}
}

// TestInheritedProps checks that the snapshots carry the properties every
// resource, backbone element and data type inherits, so the validator needs
// no base-type walk.
func TestInheritedProps(t *testing.T) {
	for _, v := range []*Version{R4, STU3} {
		t.Run(v.Name, func(t *testing.T) {
			for _, name := range v.TypeNames() {
				typ := v.Type(name)
				var want []string
				switch {
				case typ.Kind == KindResource && (name == "Resource" || typ.Base == "Resource"):
					want = []string{"id", "meta", "implicitRules", "language"}
				case typ.Kind == KindResource:
					want = []string{"id", "meta", "implicitRules", "language", "text", "contained", "extension", "modifierExtension"}
				default:
					want = []string{"id", "extension"}
				}
				for _, p := range want {
					if typ.Root.Prop(p) == nil {
						t.Errorf("%s has no %s", name, p)
					}
				}
				for path, node := range typ.nodes {
					if path == name {
						continue
					}
					for _, p := range []string{"id", "extension"} {
						if node.Prop(p) == nil {
							t.Errorf("%s has no %s", path, p)
						}
					}
				}
			}
		})
	}
}

// TestEveryPropResolves walks every node of every type: each prop names a
// type, primitives have no children, everything else has.
func TestEveryPropResolves(t *testing.T) {
	// Total JSON properties over all nodes, choice types expanded.
	wantProps := map[*Version]int{R4: 8247, STU3: 6107}
	for _, v := range []*Version{R4, STU3} {
		t.Run(v.Name, func(t *testing.T) {
			props := 0
			for _, name := range v.TypeNames() {
				typ := v.Type(name)
				for path, node := range typ.nodes {
					if node.Path != path || node.Type != typ {
						t.Errorf("node %s: path %s type %s", path, node.Path, node.Type.Name)
					}
					if len(node.Props()) == 0 {
						t.Errorf("node %s has no props", path)
					}
					for jsonName, p := range node.Props() {
						props++
						if p.JSONName != jsonName || p.Type == nil || p.Element == nil {
							t.Fatalf("%s.%s: %+v", path, jsonName, p)
						}
						if p.Primitive != (p.Type.Kind == KindPrimitive) || (p.Children == nil) != p.Primitive {
							t.Errorf("%s.%s: primitive %v children %v", path, jsonName, p.Primitive, p.Children)
						}
						if p.Element.Choice && !strings.HasPrefix(jsonName, p.Element.Name) {
							t.Errorf("%s.%s: choice name does not extend %s", path, jsonName, p.Element.Name)
						}
					}
				}
			}
			if props != wantProps[v] {
				t.Errorf("%d props, want %d", props, wantProps[v])
			}
		})
	}
}

func TestPrimitives(t *testing.T) {
	tests := []struct {
		v        *Version
		name     string
		jsonType string
		valid    []string
		invalid  []string
	}{
		{R4, "boolean", "boolean", []string{"true", "false"}, []string{"yes", "True"}},
		{R4, "integer", "number", []string{"0", "-12"}, []string{"01", "1.0"}},
		{R4, "positiveInt", "number", []string{"1", "42"}, []string{"0", "-1"}},
		{R4, "unsignedInt", "number", []string{"0", "42"}, []string{"-1"}},
		{R4, "decimal", "number", []string{"1.50", "-0.0", "1e3"}, []string{"1.", ".5"}},
		{R4, "id", "string", []string{"a-1.B"}, []string{"a b", strings.Repeat("x", 65)}},
		{R4, "date", "string", []string{"2024", "2024-02", "2024-02-29"}, []string{"2024-13", "24-01-01"}},
		{R4, "dateTime", "string", []string{"2024-02-29T10:00:00Z", "2024"}, []string{"2024-02-29T10:00"}},
		{R4, "instant", "string", []string{"2024-02-29T10:00:00.123+01:00"}, []string{"2024-02-29"}},
		{R4, "oid", "string", []string{"urn:oid:1.2.3"}, []string{"1.2.3"}},
		{R4, "uuid", "string", []string{"urn:uuid:c757873d-ec9a-4326-a141-556f43239520"}, []string{"c757873d-ec9a-4326-a141-556f43239520"}},
		{R4, "code", "string", []string{"final", "a b"}, []string{" final", "a  b"}},
		{R4, "string", "string", []string{"x"}, []string{""}},
		{R4, "xhtml", "string", nil, nil},
		{STU3, "boolean", "boolean", nil, nil}, // STU3 gives boolean no regex
		{STU3, "positiveInt", "number", []string{"1"}, []string{"0"}},
		{STU3, "date", "string", []string{"2024-02-29"}, []string{"2024-13"}},
		{STU3, "string", "string", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.v.Name+"/"+tc.name, func(t *testing.T) {
			typ := tc.v.Type(tc.name)
			if typ.Kind != KindPrimitive || typ.JSONType != tc.jsonType {
				t.Fatalf("kind %d json type %q", typ.Kind, typ.JSONType)
			}
			if (typ.Pattern() == nil) != (typ.Regex == "") {
				t.Errorf("Pattern %v for regex %q", typ.Pattern(), typ.Regex)
			}
			if tc.valid == nil && tc.invalid == nil {
				if typ.Regex != "" {
					t.Errorf("unexpected regex %q", typ.Regex)
				}
				return
			}
			for _, s := range tc.valid {
				if !typ.Pattern().MatchString(s) {
					t.Errorf("%q rejected by %s", s, typ.Regex)
				}
			}
			for _, s := range tc.invalid {
				if typ.Pattern().MatchString(s) {
					t.Errorf("%q accepted by %s", s, typ.Regex)
				}
			}
		})
	}
}

// TestPrimitiveJSONTypesAgree: R4 derives JSON types from system types and
// base primitives, STU3 states them; the two must agree.
func TestPrimitiveJSONTypesAgree(t *testing.T) {
	for _, name := range STU3.TypeNames() {
		s := STU3.Type(name)
		if s.Kind != KindPrimitive {
			continue
		}
		r := R4.Type(name)
		if r == nil || r.JSONType != s.JSONType {
			t.Errorf("%s: STU3 %q, R4 %+v", name, s.JSONType, r)
		}
	}
}

func TestPropLookupDoesNotAllocate(t *testing.T) {
	obs := R4.Resource("Observation").Root
	allocs := testing.AllocsPerRun(100, func() {
		p := obs.Prop("valueQuantity")
		_ = p.Children.Prop("value")
	})
	if allocs != 0 {
		t.Errorf("lookup allocates %.1f times", allocs)
	}
}

// BenchmarkPropLookup is the validator's hot path: one property of an
// Observation and one of its Quantity.
func BenchmarkPropLookup(b *testing.B) {
	obs := R4.Resource("Observation").Root
	b.ReportAllocs()
	for b.Loop() {
		p := obs.Prop("valueQuantity")
		if p.Children.Prop("unit") == nil {
			b.Fatal("no unit")
		}
	}
}
