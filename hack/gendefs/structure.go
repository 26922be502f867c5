package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs/defsfile"
)

// Extension URLs gendefs reads. The regex moved between releases: STU3 puts
// structuredefinition-regex on the primitive's value type, R4 puts regex.
const (
	extRegexR4   = "http://hl7.org/fhir/StructureDefinition/regex"
	extRegexSTU3 = "http://hl7.org/fhir/StructureDefinition/structuredefinition-regex"
	extFHIRType  = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"
	extJSONType  = "http://hl7.org/fhir/StructureDefinition/structuredefinition-json-type"
	sdPrefix     = "http://hl7.org/fhir/StructureDefinition/"
	systemPrefix = "http://hl7.org/fhirpath/System."
)

type structureDefinition struct {
	ID             string `json:"id"`
	Type           string `json:"type"`
	Kind           string `json:"kind"`
	Abstract       bool   `json:"abstract"`
	Derivation     string `json:"derivation"`
	BaseDefinition string `json:"baseDefinition"`
	Snapshot       struct {
		Element []elementDefinition `json:"element"`
	} `json:"snapshot"`
}

type elementDefinition struct {
	Path             string        `json:"path"`
	SliceName        string        `json:"sliceName"`
	Min              int           `json:"min"`
	Max              string        `json:"max"`
	Type             []elementType `json:"type"`
	ContentReference string        `json:"contentReference"`
	IsSummary        bool          `json:"isSummary"`
	IsModifier       bool          `json:"isModifier"`
	Base             struct {
		Path string `json:"path"`
	} `json:"base"`
}

type elementType struct {
	Code          string       `json:"code"`
	CodeExt       *extensible  `json:"_code"`
	Extension     []extension  `json:"extension"`
	TargetProfile stringOrList `json:"targetProfile"`
}

type extensible struct {
	Extension []extension `json:"extension"`
}

type extension struct {
	URL         string `json:"url"`
	ValueString string `json:"valueString"`
	ValueURL    string `json:"valueUrl"`
}

// stringOrList reads STU3's single targetProfile string and R4's array alike.
type stringOrList []string

func (s *stringOrList) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		var one string
		if err := json.Unmarshal(data, &one); err != nil {
			return err
		}
		*s = []string{one}
		return nil
	}
	return json.Unmarshal(data, (*[]string)(s))
}

func extValue(exts []extension, url string) string {
	for _, e := range exts {
		if e.URL == url {
			if e.ValueString != "" {
				return e.ValueString
			}
			return e.ValueURL
		}
	}
	return ""
}

// isTypeDefinition keeps the StructureDefinitions that define a type: the
// specialisations and the two roots (Element, Resource). Profiles
// (derivation constraint, e.g. SimpleQuantity, extensions) and logical models
// are not types a resource can carry.
func isTypeDefinition(sd *structureDefinition) bool {
	switch sd.Kind {
	case defsfile.KindPrimitive, defsfile.KindComplex, defsfile.KindResource:
		return sd.Derivation != "constraint"
	}
	return false
}

// convertTypes turns the type-defining StructureDefinitions into compact
// types, sorted by name.
func convertTypes(sds []structureDefinition) ([]defsfile.Type, error) {
	var types []defsfile.Type
	seen := map[string]bool{}
	for i := range sds {
		sd := &sds[i]
		if !isTypeDefinition(sd) {
			continue
		}
		if seen[sd.Type] {
			return nil, fmt.Errorf("type %s defined twice", sd.Type)
		}
		seen[sd.Type] = true
		t, err := convertType(sd)
		if err != nil {
			return nil, fmt.Errorf("StructureDefinition %s: %w", sd.ID, err)
		}
		types = append(types, t)
	}
	sort.Slice(types, func(i, j int) bool { return types[i].Name < types[j].Name })
	if err := resolveJSONTypes(types); err != nil {
		return nil, err
	}
	if err := checkTypes(types); err != nil {
		return nil, err
	}
	return types, nil
}

func convertType(sd *structureDefinition) (defsfile.Type, error) {
	t := defsfile.Type{
		Name:     sd.Type,
		Kind:     sd.Kind,
		Abstract: sd.Abstract,
		Base:     strings.TrimPrefix(sd.BaseDefinition, sdPrefix),
	}
	if len(sd.Snapshot.Element) == 0 || sd.Snapshot.Element[0].Path != sd.Type {
		return t, fmt.Errorf("snapshot does not start with the root element %s", sd.Type)
	}
	valuePath := sd.Type + ".value"
	for _, ed := range sd.Snapshot.Element {
		if ed.SliceName != "" {
			// Type definitions carry no slices; a profile would. Fail
			// rather than mix slices into the base elements.
			return t, fmt.Errorf("element %s has slice %s", ed.Path, ed.SliceName)
		}
		el := defsfile.Element{
			Path:             ed.Path,
			Min:              ed.Min,
			Max:              ed.Max,
			ContentReference: ed.ContentReference,
			Summary:          ed.IsSummary,
			Modifier:         ed.IsModifier,
		}
		primitiveValue := sd.Kind == defsfile.KindPrimitive && ed.Path == valuePath
		for _, et := range ed.Type {
			if primitiveValue {
				t.Regex = firstNonEmpty(extValue(et.Extension, extRegexR4), extValue(et.Extension, extRegexSTU3))
				if et.CodeExt != nil {
					t.JSONType = extValue(et.CodeExt.Extension, extJSONType)
				}
				if t.JSONType == "" {
					t.JSONType = systemJSONType(et.Code)
				}
				if et.Code == "" {
					// STU3 leaves the value's type code out (it only has
					// _code extensions): the value is not a FHIR element.
					continue
				}
			}
			code, err := typeCode(&ed, &et, primitiveValue)
			if err != nil {
				return t, err
			}
			targets, err := targetNames(et.TargetProfile)
			if err != nil {
				return t, fmt.Errorf("element %s: %w", ed.Path, err)
			}
			el.Types = mergeTypeRef(el.Types, code, targets)
		}
		t.Elements = append(t.Elements, el)
	}
	return t, nil
}

// typeCode is the FHIR type name of one type entry. R4 writes the types of
// the id of every element, Extension.url and the primitives' values as
// FHIRPath system types (http://hl7.org/fhirpath/System.String) with the
// FHIR type in a structuredefinition-fhir-type extension; gendefs uses that
// FHIR type so every element outside a primitive's value names a real type.
func typeCode(ed *elementDefinition, et *elementType, primitiveValue bool) (string, error) {
	code := et.Code
	if !strings.HasPrefix(code, systemPrefix) || primitiveValue {
		if code == "" {
			return "", fmt.Errorf("element %s has a type without code", ed.Path)
		}
		return code, nil
	}
	fhirType := extValue(et.Extension, extFHIRType)
	if fhirType == "" {
		// Only xhtml.id lacks the extension in 4.0.1; the FHIR type named
		// like the system type (System.String -> string) is what every
		// other element id carries.
		name := strings.TrimPrefix(code, systemPrefix)
		fhirType = strings.ToLower(name[:1]) + name[1:]
	}
	// R4 4.0.1 types Resource.id as string, but the spec's Resource page and
	// its JSON schema (fhir.schema.json: "$ref": "#/definitions/id") say id,
	// as STU3's definitions do; keep the two versions alike.
	if ed.Base.Path == "Resource.id" && fhirType == "string" {
		fhirType = "id"
	}
	return fhirType, nil
}

// systemJSONType maps R4's FHIRPath system type of a primitive value to its
// JSON representation; resolveJSONTypes then lets specialised primitives
// (positiveInt of integer) inherit their base's.
func systemJSONType(code string) string {
	switch code {
	case systemPrefix + "Boolean":
		return "boolean"
	case systemPrefix + "Integer", systemPrefix + "Decimal":
		return "number"
	case "":
		return ""
	}
	return "string"
}

// resolveJSONTypes gives a primitive specialising another primitive its
// base's JSON type: R4 types positiveInt's value as System.String though it
// is a JSON number like integer (STU3's json-type extension says so).
func resolveJSONTypes(types []defsfile.Type) error {
	byName := map[string]*defsfile.Type{}
	for i := range types {
		byName[types[i].Name] = &types[i]
	}
	var root func(t *defsfile.Type, depth int) (string, error)
	root = func(t *defsfile.Type, depth int) (string, error) {
		base := byName[t.Base]
		if base == nil || base.Kind != defsfile.KindPrimitive {
			if t.JSONType == "" {
				return "", fmt.Errorf("primitive %s: no JSON type", t.Name)
			}
			return t.JSONType, nil
		}
		if depth > 10 {
			return "", fmt.Errorf("primitive %s: base cycle", t.Name)
		}
		return root(base, depth+1)
	}
	resolved := map[string]string{}
	for i := range types {
		if types[i].Kind != defsfile.KindPrimitive {
			continue
		}
		jt, err := root(&types[i], 0)
		if err != nil {
			return err
		}
		resolved[types[i].Name] = jt
	}
	for name, jt := range resolved {
		byName[name].JSONType = jt
	}
	return nil
}

func mergeTypeRef(refs []defsfile.TypeRef, code string, targets []string) []defsfile.TypeRef {
	for i := range refs {
		if refs[i].Code == code {
			refs[i].Targets = append(refs[i].Targets, targets...)
			return refs
		}
	}
	return append(refs, defsfile.TypeRef{Code: code, Targets: targets})
}

func targetNames(profiles []string) ([]string, error) {
	var names []string
	for _, p := range profiles {
		name, ok := strings.CutPrefix(p, sdPrefix)
		if !ok || name == "" || strings.Contains(name, "/") {
			return nil, fmt.Errorf("target profile %q is not a core type", p)
		}
		names = append(names, name)
	}
	return names, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
