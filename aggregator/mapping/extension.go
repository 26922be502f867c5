package mapping

import (
	"strconv"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// ExtensionBase is the start of the URL of the extension that keeps a STU3
// element with no R4 home: the element's STU3 path follows ("[x]" dropped),
// as HL7's cross-version extensions are named.
const ExtensionBase = "http://hl7.org/fhir/3.0/StructureDefinition/extension-"

// ExtensionURL is the URL of the extension keeping the STU3 element at path.
func ExtensionURL(path string) string {
	return ExtensionBase + strings.TrimSuffix(path, "[x]")
}

// toExtensions keeps the value(s) of the STU3 property s3p (val, with its
// "_x" sibling under) as extensions, one per item.
func (m *Mapper) toExtensions(s3p *defs.Prop, val, under *fhirjson.Value, at string) ([]*fhirjson.Value, error) {
	return m.extensions(ExtensionURL(s3p.Element.Path), s3p, val, under, at)
}

// extensions builds the extensions with url for every item of val: a
// primitive or a data type R4 allows in value[x] becomes that value (the
// data type itself mapped to R4), anything else (backbone elements,
// Narrative) a complex extension with one sub-extension per child, named
// by the child's element name.
func (m *Mapper) extensions(url string, s3p *defs.Prop, val, under *fhirjson.Value, at string) ([]*fhirjson.Value, error) {
	n := max(arrayLen(val), arrayLen(under))
	if !isArray(val) && !isArray(under) {
		n = 1
	}
	out := make([]*fhirjson.Value, 0, n)
	for i := 0; i < n; i++ {
		v, u, loc := val, under, at
		if isArray(val) || isArray(under) {
			v, u, loc = itemAt(val, i), itemAt(under, i), at+"["+strconv.Itoa(i)+"]"
		}
		ext := fhirjson.NewObject()
		ext.Set("url", fhirjson.NewString(url))
		valueName, allowed := m.extValue[s3p.TypeCode]
		switch {
		case s3p.Primitive:
			if u != nil {
				if err := m.underChildren(u, loc); err != nil {
					return nil, err
				}
			}
			if v != nil {
				ext.Set(valueName, v)
			}
			if u != nil {
				ext.Set("_"+valueName, u)
			}
		case allowed && v != nil && v.Kind == fhirjson.Object:
			if err := m.node(v, m.r4.Type(s3p.TypeCode).Root, m.stu3.Type(s3p.TypeCode).Root, loc); err != nil {
				return nil, err
			}
			ext.Set(valueName, v)
		case s3p.Type != nil && (s3p.Type.Kind == defs.KindResource || s3p.TypeCode == "Resource"):
			return nil, &Error{Path: loc, Reason: "a resource with no R4 place cannot be kept in an extension"}
		case v != nil && v.Kind == fhirjson.Object && s3p.Children != nil:
			if err := m.complex(ext, s3p.Children, v, loc); err != nil {
				return nil, err
			}
		default:
			return nil, &Error{Path: loc, Reason: "unexpected JSON " + kindOf(v) + " for a " + s3p.TypeCode}
		}
		out = append(out, ext)
	}
	return out, nil
}

// complex fills ext with one sub-extension per member of the STU3 object v
// (of node s3); v's own id and extensions become ext's.
func (m *Mapper) complex(ext *fhirjson.Value, s3 *defs.Node, v *fhirjson.Value, loc string) error {
	var subs []*fhirjson.Value
	for _, mem := range v.Members {
		name := mem.Name
		var val, under *fhirjson.Value
		if strings.HasPrefix(name, "_") {
			name = name[1:]
			if v.Get(name) != nil {
				continue
			}
			under = mem.Value
		} else {
			val, under = mem.Value, v.Get("_"+name)
		}
		at := loc + "." + name
		switch name {
		case "id":
			ext.Set("id", val)
			continue
		case "extension", "modifierExtension":
			if val == nil || val.Kind != fhirjson.Array {
				return &Error{Path: at, Reason: "extensions are a JSON array"}
			}
			// A modifier extension loses its modifier flag here; it is
			// still kept, under its own URL.
			if err := m.node(&fhirjson.Value{Kind: fhirjson.Object, Members: []fhirjson.Member{{Name: "extension", Value: val}}},
				m.element, m.stu3.Type("Element").Root, loc); err != nil {
				return err
			}
			subs = append(subs, val.Items...)
			continue
		}
		cp := s3.Prop(name)
		if cp == nil {
			return &Error{Path: at, Reason: "not a STU3 element"}
		}
		e, err := m.extensions(strings.TrimSuffix(cp.Element.Name, "[x]"), cp, val, under, at)
		if err != nil {
			return err
		}
		subs = append(subs, e...)
	}
	if len(subs) > 0 {
		ext.Set("extension", fhirjson.NewArray(subs...))
	}
	return nil
}

func itemAt(v *fhirjson.Value, i int) *fhirjson.Value {
	if v == nil {
		return nil
	}
	if v.Kind != fhirjson.Array {
		if i == 0 {
			return v
		}
		return nil
	}
	if i >= len(v.Items) || v.Items[i].Kind == fhirjson.Null {
		return nil
	}
	return v.Items[i]
}

func kindOf(v *fhirjson.Value) string {
	if v == nil {
		return "nothing"
	}
	return v.Kind.String()
}
