package validation

import (
	"fmt"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// primRule is how one primitive type's JSON value is checked.
type primRule struct {
	name string
	// kind is the JSON kind the value must have.
	kind fhirjson.Kind
	// check tests the value's text (a string's contents or a number's
	// literal); nil for boolean, whose JSON kind says it all.
	check func(string) bool
	// ranged types are 32-bit integers with these bounds (the spec's
	// integer is a signed 32-bit number).
	ranged   bool
	min, max int64
	// decimal values must also lie in the supported range
	// (fhirjson.ParseDecimal), which the regex cannot say.
	decimal bool
}

// newPrimRule resolves the rule for a primitive type. The text check is the
// type's regex from the definitions: a hand-written checker when one is
// proven equivalent to that exact regex, otherwise the compiled regex.
//
// The STU3 definitions give no regex for string, markdown, uri, boolean,
// base64Binary and xhtml. For those the R4 definition of the same type is
// used: the STU3 datatypes page states the same rules (R4 only fixed the
// missing '/' in base64Binary's). xhtml has no regex in either version and
// gets a structural check of its own.
func newPrimRule(v *defs.Version, t *defs.Type) (*primRule, error) {
	r := &primRule{name: t.Name}
	switch t.JSONType {
	case "boolean":
		r.kind = fhirjson.Bool
	case "number":
		r.kind = fhirjson.Number
	case "string":
		r.kind = fhirjson.String
	default:
		return nil, fmt.Errorf("unknown JSON type %q", t.JSONType)
	}
	// from is the type whose regex applies: t, or R4's where STU3 gives none.
	from := t
	if t.Regex == "" && v != defs.R4 {
		if r4 := defs.R4.Type(t.Name); r4 != nil && r4.Kind == defs.KindPrimitive {
			from = r4
		}
	}
	regex := from.Regex
	switch {
	case t.Name == "xhtml":
		r.check = isXHTML
	case r.kind == fhirjson.Bool:
		// JSON true/false is exactly the regex true|false.
	case fastCheckers[regex] != nil:
		r.check = fastCheckers[regex]
	case regex != "":
		// Asked only here, so the regexes of the other types are never
		// compiled (nor their types built).
		pattern := from.Pattern()
		if pattern == nil {
			return nil, fmt.Errorf("regex %q was not compiled", regex)
		}
		r.check = pattern.MatchString
	default:
		return nil, fmt.Errorf("no regex in the definitions")
	}
	switch t.Name {
	case "decimal":
		r.decimal = true
	case "integer":
		r.ranged, r.min, r.max = true, -1<<31, 1<<31-1
	case "positiveInt":
		r.ranged, r.min, r.max = true, 1, 1<<31-1
	case "unsignedInt":
		r.ranged, r.min, r.max = true, 0, 1<<31-1
	}
	return r, nil
}

// isXHTML is the structural minimum for Narrative.div: one div element.
// Checking the XHTML itself (allowed elements, namespace) is an invariant
// of Narrative, which this syntax check leaves out.
func isXHTML(s string) bool {
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, "<div") || len(t) < 6 {
		return false
	}
	switch t[4] {
	case ' ', '\t', '\n', '\r', '>', '/':
	default:
		return false
	}
	return strings.HasSuffix(t, "</div>") || strings.HasSuffix(t, "/>")
}

// inRange reports whether an integer literal (already matching the type's
// regex) lies in [min, max]. Literals longer than 11 characters are out of
// any 32-bit range and are not parsed, so no overflow is possible.
func (r *primRule) inRange(lit string) bool {
	if len(lit) > 11 {
		return false
	}
	neg := false
	if lit != "" && lit[0] == '-' {
		neg, lit = true, lit[1:]
	}
	var n int64
	for i := 0; i < len(lit); i++ {
		n = n*10 + int64(lit[i]-'0')
	}
	if neg {
		n = -n
	}
	return n >= r.min && n <= r.max
}

// formatHint tells a person what a well-formed value of a type looks like;
// the rule itself is the definitions' regex, this is only the explanation.
func formatHint(typ string) string {
	switch typ {
	case "date":
		return " (expected YYYY, YYYY-MM or YYYY-MM-DD)"
	case "dateTime":
		return " (expected YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with a time zone, e.g. 2019-01-01T10:00:00Z)"
	case "instant":
		return " (expected YYYY-MM-DDThh:mm:ss(.sss) with a time zone, e.g. 2019-01-01T10:00:00.000+01:00)"
	case "time":
		return " (expected hh:mm:ss)"
	case "id":
		return " (1 to 64 characters of A-Z, a-z, 0-9, '-' and '.')"
	case "code":
		return " (no leading, trailing or double whitespace)"
	case "uri", "url", "canonical":
		return " (no whitespace)"
	case "oid":
		return " (expected urn:oid:1.2.3…)"
	case "uuid":
		return " (expected urn:uuid: and a lower-case UUID)"
	case "integer", "positiveInt", "unsignedInt":
		return " (a whole number without fraction or exponent)"
	case "base64Binary":
		return " (expected base64 in groups of four characters)"
	case "string", "markdown":
		return " (form feeds are not allowed)"
	case "xhtml":
		return " (expected one <div> element)"
	}
	return ""
}

// shorten cuts a long literal for a diagnostics sentence.
func shorten(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// describeValue quotes a value for a diagnostics sentence, shortened so a
// huge bad value does not make a huge response.
func describeValue(s string) string {
	const limit = 60
	if len(s) > limit {
		cut := limit
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		return fmt.Sprintf("%q…", s[:cut])
	}
	return fmt.Sprintf("%q", s)
}
