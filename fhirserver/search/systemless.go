package search

import (
	"slices"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
)

// A token's index values are its code alone ('k', merged under '~' when it
// is the resource's one value), its system with its code ('c', which also
// answers system|), its text and its type. The values of many token parameters never
// have a system — Patient.gender and Observation.status are codes,
// Patient.active a boolean, _id an id, telecom a ContactPoint (whose system
// is "phone" or "email", not a namespace: tokensOf) — and for them the 'c'
// entry, code with an empty system, only repeated the code: five of the
// registration Patient's 36 entries. A parameter whose every branch is a
// plain path to such elements is systemless: it writes no 'c' entries, and
// |code (no system) reads the code's entries, which hold the same
// resources; system|code still reads 'c' and finds none.

// systemlessTypes are the element types whose token values carry no
// system (tokensOf): primitives and ContactPoint. R4 types some primitives'
// own values with FHIRPath system types.
var systemlessTypes = map[string]bool{
	"code": true, "boolean": true, "id": true, "string": true, "uri": true, "url": true,
	"canonical": true, "oid": true, "uuid": true, "markdown": true, "ContactPoint": true,
	"http://hl7.org/fhirpath/System.String": true, "http://hl7.org/fhirpath/System.Boolean": true,
}

// isSystemless reports whether p is a systemless token parameter of type t
// (or of any type whose parameter p is unnarrowed: see systemlessExpr).
func (r *registry) isSystemless(p *param, t string) bool {
	return p.typ == "token" && p.expr != nil && r.systemlessExpr(p.src, t)
}

// systemlessExpr reports whether every branch of a token parameter's
// expression is a path from a type through its elements ("Patient.gender",
// "Patient.address.use"), perhaps filtered by one last where(…)
// ("Patient.telecom.where(system='phone')"), to elements of systemless
// types only, or a boolean expression (booleanExpr). Anything else
// (other functions and operators, casts, resolve()) is not.
// A branch is walked from type t: one that starts at an ancestor of t
// ("Resource.id") from t's own element, which every type shares; one that
// starts at another type makes the answer no (a parameter of several types
// is narrowed to t's branches, forType, and asked again), so that asking
// never builds another type's definitions.
func (r *registry) systemlessExpr(src, t string) bool {
	branches := splitUnion(src)
	if len(branches) == 0 {
		return false
	}
	lineage := r.lineage(t)
	for _, b := range branches {
		b = strings.TrimSpace(b)
		if booleanExpr(b) {
			continue
		}
		head := leadingName(b)
		if !lineage[head] {
			return false
		}
		if !systemlessPath(r.v, t+b[len(head):]) {
			return false
		}
	}
	return true
}

// booleanExpr reports whether branch b yields a boolean whatever its
// operands: its outermost operator (outside parentheses and strings) is
// and, or, xor or implies ("Patient.deceased.exists() and
// Patient.deceased != false"), or it ends in exists() or empty() with
// nothing after. A boolean's token value is true or false, with no system.
func booleanExpr(b string) bool {
	depth, quoted := 0, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case quoted:
			if c == '\\' {
				i++
			} else if c == '\'' {
				quoted = false
			}
		case c == '\'':
			quoted = true
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
		case c == ' ' && depth == 0:
			for _, op := range []string{" and ", " or ", " xor ", " implies "} {
				if strings.HasPrefix(b[i:], op) {
					return true
				}
			}
		}
	}
	if depth != 0 || quoted {
		return false
	}
	for _, end := range []string{".exists()", ".empty()"} {
		if strings.HasSuffix(b, end) && !strings.Contains(b[:len(b)-len(end)], "(") {
			return true
		}
	}
	return false
}

func systemlessPath(v *defs.Version, b string) bool {
	if i := strings.Index(b, ".where("); i >= 0 {
		filter := b[i:]
		// One where(…) and nothing after it: a filter keeps the type.
		if !strings.HasSuffix(filter, ")") || strings.Count(filter, "(") != strings.Count(filter, ")") ||
			strings.Contains(filter[:len(filter)-1], ").") {
			return false
		}
		b = b[:i]
	}
	names := strings.Split(b, ".")
	if len(names) < 2 {
		return false
	}
	for _, n := range names {
		if n == "" || leadingName(n) != n {
			return false
		}
	}
	ty := v.Type(names[0])
	if ty == nil {
		return false
	}
	path := names[0]
	for i, n := range names[1:] {
		el := ty.Element(path + "." + n)
		if el == nil || len(el.Types) == 0 {
			return false
		}
		if i == len(names)-2 {
			for _, t := range el.Types {
				if !systemlessTypes[t.Code] {
					return false
				}
			}
			return true
		}
		if len(el.Types) != 1 {
			return false
		}
		switch code := el.Types[0].Code; code {
		case "BackboneElement", "Element":
			path += "." + n
		default:
			if ty = v.Type(code); ty == nil {
				return false
			}
			path = code
		}
	}
	return false
}

// unionedSystems keeps the parameters a union reads (unionParts) from being
// systemless unless the union is: a union's |code reads every part's entries
// one way.
func unionedSystems(m map[string]*param) {
	for _, p := range m {
		if p.parts == nil || p.systemless {
			continue
		}
		for code, q := range m {
			if q.systemless && slices.Contains(p.parts, q.key) {
				cp := *q
				cp.systemless = false
				m[code] = &cp
			}
		}
	}
}
