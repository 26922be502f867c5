package defs

import (
	"regexp"
	"sync"
	"sync/atomic"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs/defsfile"
)

// The shapes below are the contract the validator, the FHIRPath engine, the
// search engine and the REST layer code against. The data behind them is
// generated (see generated/ and hack/gendefs). A version is indexed on first
// use (every type's name, kind and base, and every compartment); its search
// parameters on the first call that asks for them (SearchParams, ...); a
// type's elements and property tables are built the first time something
// asks for them (Type.Elements, Node.Prop, ...), so a server holds the
// tables of the types it has seen, not of all 150 (load.go).

// Version is one FHIR release.
type Version struct {
	// Name is "R4" or "STU3".
	Name string
	// FHIRVersion is the exact release: "4.0.1" or "3.0.2".
	FHIRVersion string

	types         map[string]*Type
	resourceNames []string
	allParams     []*SearchParam
	compartments  map[string]*Compartment

	// Added to the contract: the embedded file this version is loaded
	// from, once, on first use (see load.go), and lookups precomputed then.
	file            string
	once            sync.Once
	loaded          atomic.Bool // set once the definitions are decoded (Loaded)
	typeNames       []string
	compartmentList []*Compartment
	// src is the decoded head of the file; its search parameters are
	// decoded and indexed (allParams, each type's params) once, on first
	// use (loadParams).
	src          *defsfile.File
	paramsDigest string
	paramsOnce   sync.Once
	paramsLoaded atomic.Bool // set once allParams and the types' params are (SearchParamsLoaded)
}

// TypeKind says what a Type is.
type TypeKind uint8

const (
	KindPrimitive TypeKind = iota + 1
	KindComplex
	KindResource
)

// Type is a resource type or a data type. Its exported fields are set when
// the version is indexed; what its methods and its nodes' methods return is
// built on the first call of any of them (build.go), after
// which they are map lookups.
type Type struct {
	Name     string
	Kind     TypeKind
	Abstract bool
	// Base is the type this one specialises ("DomainResource", "Element", ...).
	Base string
	// Regex is a primitive's value regular expression as the spec gives it
	// (empty where the spec gives none, e.g. string, xhtml).
	Regex string
	// Root is the node of the type's top level.
	Root *Node
	// JSONType is how a primitive's value is written in JSON: "boolean",
	// "number" or "string"; empty for other kinds.
	JSONType string

	v *Version
	// src is the type's definition; its elements are decoded by build.
	src *defsfile.Type
	// params are the search parameters of a resource type, inherited ones
	// included, sorted by code (set by Version.loadParams).
	params []*SearchParam

	// built is set, under mu, once the fields below are; they are
	// read-only from then on.
	mu       sync.Mutex
	built    atomic.Bool
	elements []*Element
	pattern  *regexp.Regexp
	byPath   map[string]*Element
	nodes    map[string]*Node // element path -> node, for the root and every backbone element
}

// Element is one ElementDefinition of a type's snapshot.
type Element struct {
	// Path as in the definition, e.g. "Observation.value[x]", "Observation.component.code".
	Path string
	// Name is the last path segment without "[x]", e.g. "value".
	Name string
	Min  int
	// Max is -1 for "*".
	Max int
	// Types are the allowed types (several for a choice element). Empty for
	// an element defined by ContentReference, and for a STU3 primitive's own
	// value element (R4 gives that one a FHIRPath system type such as
	// "http://hl7.org/fhirpath/System.String"; see docs/fhir-definitions.md).
	Types []TypeRef
	// ContentReference is e.g. "#Questionnaire.item"; the element then has the
	// same type and children as the referenced one.
	ContentReference string
	// Choice is true for "[x]" elements.
	Choice   bool
	Summary  bool
	Modifier bool
}

// IsArray reports whether the element repeats (and so is a JSON array).
func (e *Element) IsArray() bool { return e.Max != 1 }

// TypeRef is one allowed type of an element.
type TypeRef struct {
	// Code is the type name ("Quantity", "string", "BackboneElement", ...).
	Code string
	// Targets are the resource types a Reference (or canonical) may point
	// to, taken from targetProfile; empty means any.
	Targets []string
}

// Node is a place that holds properties: a type's root, or a backbone
// element inside a type. Its properties (Props, Prop) map every JSON
// property name that may appear there to what it is, with choice types
// expanded ("valueQuantity").
type Node struct {
	// Type is the type that defines this node; Path is the element path of
	// the node within that type ("Observation", "Observation.component").
	Type *Type
	Path string

	// Filled when Type is built.
	props    map[string]*Prop
	required []*Element
}

// Prop is one JSON property of a Node.
type Prop struct {
	// JSONName is the property as it appears in JSON ("valueQuantity").
	JSONName string
	Element  *Element
	// TypeCode is the concrete type for this name: for a choice element the
	// type its suffix names; otherwise the element's only type. For elements
	// defined inline (BackboneElement/Element children) or by content
	// reference it is "BackboneElement" or "Element" as the spec says.
	TypeCode string
	// Type is the Type named by TypeCode (nil only where the spec leaves the
	// type out, which gendefs reports as an error).
	Type *Type
	// Children is the node describing this property's own properties: the
	// inline backbone node, the content-referenced node, or the root node of
	// TypeCode's complex type. Nil for primitives. For TypeCode "Resource"
	// (contained, Bundle.entry.resource) it is the abstract Resource root:
	// dispatch on the nested resourceType instead.
	Children *Node
	// Primitive is true when TypeCode is a primitive type.
	Primitive bool
}

// SearchParam is one SearchParameter. Its lists are shared with other
// parameters that have the same list: do not modify them.
type SearchParam struct {
	URL  string
	Code string
	// Base are the resource types it applies to ("Resource" for _id etc).
	Base []string
	// Type is number, date, string, token, reference, composite, quantity, uri, special.
	Type string
	// Expression is the FHIRPath expression (may span several base types).
	Expression  string
	Target      []string
	Modifier    []string
	Comparator  []string
	Component   []Component
	MultipleOr  *bool
	MultipleAnd *bool
}

// Component is one part of a composite search parameter.
type Component struct {
	// Definition is the canonical URL of the component's SearchParameter.
	Definition string
	Expression string
}

// Compartment is one CompartmentDefinition (Patient, Encounter, ...).
type Compartment struct {
	Code string
	// Resources maps a resource type to the search parameter codes that link
	// it to the compartment; a type absent (or with no params) is not in it.
	Resources map[string][]string
}
