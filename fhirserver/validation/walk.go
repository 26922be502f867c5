package validation

import (
	"fmt"
	"strconv"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// walker walks one resource tree alongside the definitions. It keeps the
// FHIRPath of the current place in a byte buffer that grows and shrinks
// with the walk, so a valid resource costs no path strings at all; a path
// becomes a string only when an issue is reported.
type walker struct {
	val     *Validator
	path    []byte
	issues  []outcome.Issue
	omitted bool
	// present is a stack of the elements seen in the objects being walked,
	// for the choice and min-cardinality checks.
	present []*defs.Element
}

// full reports that the issue cap was hit; the walk then stops early, which
// also bounds the work a wholly wrong document can cause.
func (w *walker) full() bool { return w.omitted }

// add reports an issue at the current path.
func (w *walker) add(code outcome.Code, format string, args ...any) {
	if len(w.issues) >= w.val.maxIssues {
		w.omitted = true
		return
	}
	is := outcome.Issue{Severity: outcome.SeverityErr, Code: code, Diagnostics: fmt.Sprintf(format, args...)}
	if len(w.path) > 0 {
		is.Expression = []string{string(w.path)}
	}
	w.issues = append(w.issues, is)
}

func (w *walker) pushName(name string) int {
	n := len(w.path)
	if n > 0 {
		w.path = append(w.path, '.')
	}
	w.path = append(w.path, name...)
	return n
}

func (w *walker) pushIndex(i int) int {
	n := len(w.path)
	w.path = append(w.path, '[')
	w.path = strconv.AppendInt(w.path, int64(i), 10)
	w.path = append(w.path, ']')
	return n
}

func (w *walker) pop(n int) { w.path = w.path[:n] }

// resource validates a JSON object as a resource of the type its
// resourceType names; declared is the type the element allows (nil or an
// abstract Resource/DomainResource for "any resource").
func (w *walker) resource(o *fhirjson.Value, declared *defs.Type) {
	rt := o.Get("resourceType")
	switch {
	case rt == nil:
		w.add(outcome.CodeRequired, "A resource must have a resourceType")
		return
	case rt.Kind != fhirjson.String:
		w.add(outcome.CodeStructure, "resourceType must be a JSON string, not a %s", rt.Kind)
		return
	}
	t := w.val.version.Resource(rt.Text)
	if t == nil || t.Abstract {
		w.add(outcome.CodeInvalid, "%s is not a resource type of FHIR %s (%s)",
			describeValue(rt.Text), w.val.version.Name, w.val.version.FHIRVersion)
		return
	}
	if declared != nil && !w.isA(t, declared) {
		w.add(outcome.CodeStructure, "A %s is not allowed here; expected a %s", t.Name, declared.Name)
		return
	}
	mark := len(w.path)
	if mark == 0 {
		w.path = append(w.path, t.Name...)
	}
	w.object(o, t.Root, true)
	w.pop(mark)
}

// isA reports whether t is want or specialises it.
func (w *walker) isA(t, want *defs.Type) bool {
	for depth := 0; t != nil && depth < 16; depth++ {
		if t == want {
			return true
		}
		if t.Base == "" {
			return false
		}
		t = w.val.version.Type(t.Base)
	}
	return false
}

// object validates the members of o against a node. At a resource root the
// resourceType member is the caller's.
func (w *walker) object(o *fhirjson.Value, node *defs.Node, resourceRoot bool) {
	if len(o.Members) == 0 {
		w.add(outcome.CodeStructure, "An empty object is not allowed; leave the element out instead")
		return
	}
	hasSiblings := false
	for i := range o.Members {
		if n := o.Members[i].Name; n != "" && n[0] == '_' {
			hasSiblings = true
			break
		}
	}
	base := len(w.present)
	for i := range o.Members {
		if w.full() {
			break
		}
		m := &o.Members[i]
		name := m.Name
		if resourceRoot && name == "resourceType" {
			continue
		}
		if name != "" && name[0] == '_' {
			w.extensionSibling(o, node, name, m.Value, base)
			continue
		}
		prop := node.Prop(name)
		if prop == nil {
			mark := w.pushName(name)
			w.unknown(node, name)
			w.pop(mark)
			continue
		}
		mark := w.pushName(name)
		w.note(prop, base)
		if prop.Primitive {
			var ext *fhirjson.Value
			if hasSiblings {
				ext = sibling(o, name)
			}
			w.primitive(prop, m.Value, ext)
		} else {
			w.complex(prop, m.Value)
		}
		w.pop(mark)
	}
	if !w.full() {
		w.checkRequired(node, base)
	}
	clear(w.present[base:])
	w.present = w.present[:base]
}

// sibling returns the "_name" member of o, without building "_"+name.
func sibling(o *fhirjson.Value, name string) *fhirjson.Value {
	for i := range o.Members {
		n := o.Members[i].Name
		if len(n) == len(name)+1 && n[0] == '_' && n[1:] == name {
			return o.Members[i].Value
		}
	}
	return nil
}

// extensionSibling handles a "_name" member: it is checked together with
// "name" when that is present, and on its own otherwise (a primitive may
// have extensions and no value).
func (w *walker) extensionSibling(o *fhirjson.Value, node *defs.Node, name string, v *fhirjson.Value, base int) {
	baseName := name[1:]
	prop := node.Prop(baseName)
	if prop == nil || !prop.Primitive {
		mark := w.pushName(name)
		if prop == nil {
			w.unknown(node, name)
		} else {
			w.add(outcome.CodeStructure, "Unknown property %q: only primitive elements have a \"_\" sibling, and %s is a %s", name, baseName, prop.TypeCode)
		}
		w.pop(mark)
		return
	}
	if o.Get(baseName) != nil {
		return
	}
	mark := w.pushName(baseName)
	w.note(prop, base)
	w.primitive(prop, nil, v)
	w.pop(mark)
}

// note records that an element is present in the object whose present
// stack starts at base, reporting a second value for a choice element
// (valueString next to valueQuantity) at the place of the second one.
func (w *walker) note(prop *defs.Prop, base int) {
	e := prop.Element
	if e.Choice {
		for _, seen := range w.present[base:] {
			if seen == e {
				w.add(outcome.CodeStructure, "Only one value is allowed for %s[x], but several are given", e.Name)
				break
			}
		}
	}
	w.present = append(w.present, e)
}

// checkRequired reports required elements of node missing from the object
// just walked.
func (w *walker) checkRequired(node *defs.Node, base int) {
	seen := w.present[base:]
	for _, e := range node.Required() {
		found := false
		for _, s := range seen {
			if s == e {
				found = true
				break
			}
		}
		if !found {
			name := e.Name
			if e.Choice {
				name += "[x]"
			}
			mark := w.pushName(name)
			w.add(outcome.CodeRequired, "%s is required (minimum cardinality %d) but missing", e.Path, e.Min)
			w.pop(mark)
		}
	}
}

// unknown reports a property the node does not define.
func (w *walker) unknown(node *defs.Node, name string) {
	if node.Type != nil && node.Type.Kind == defs.KindPrimitive {
		w.add(outcome.CodeStructure, "Unknown property %q: the \"_\" object of a %s holds only id and extension", name, node.Type.Name)
		return
	}
	w.add(outcome.CodeStructure, "Unknown property %q: %s has no element of that name", name, node.Path)
}
