package main

import (
	"fmt"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs/defsfile"
)

// checkTypes fails generation when the definitions break an assumption the
// loader in fhirserver/defs relies on, so a surprise in a package shows up
// here with a name rather than as a nil pointer at run time.
func checkTypes(types []defsfile.Type) error {
	byName := map[string]*defsfile.Type{}
	for i := range types {
		byName[types[i].Name] = &types[i]
	}
	for i := range types {
		t := &types[i]
		if t.Base != "" && byName[t.Base] == nil {
			return fmt.Errorf("type %s: unknown base %s", t.Name, t.Base)
		}
		paths := map[string]bool{}
		for _, el := range t.Elements {
			paths[el.Path] = true
		}
		for j, el := range t.Elements {
			if j == 0 {
				continue
			}
			if err := checkElement(t, &el, byName, paths); err != nil {
				return fmt.Errorf("type %s: element %s: %w", t.Name, el.Path, err)
			}
		}
	}
	return nil
}

func checkElement(t *defsfile.Type, el *defsfile.Element, byName map[string]*defsfile.Type, paths map[string]bool) error {
	if el.Max != "*" && el.Max != "0" && el.Max != "1" && !isDigits(el.Max) {
		return fmt.Errorf("max %q", el.Max)
	}
	if el.ContentReference != "" {
		ref, ok := strings.CutPrefix(el.ContentReference, "#")
		if !ok || !paths[ref] {
			return fmt.Errorf("content reference %q is not an element of the type", el.ContentReference)
		}
		if len(el.Types) != 0 {
			return fmt.Errorf("content reference with types")
		}
		return nil
	}
	if t.Kind == defsfile.KindPrimitive && el.Path == t.Name+".value" {
		return nil // System type (R4) or none (STU3); not a FHIR element
	}
	choice := strings.HasSuffix(el.Path, "[x]")
	if len(el.Types) == 0 || (!choice && len(el.Types) != 1) {
		return fmt.Errorf("%d types on a non-choice element", len(el.Types))
	}
	for _, tr := range el.Types {
		if byName[tr.Code] == nil {
			return fmt.Errorf("unknown type %q", tr.Code)
		}
		for _, target := range tr.Targets {
			if byName[target] == nil {
				return fmt.Errorf("unknown target type %q", target)
			}
		}
	}
	return nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
