package search

import (
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// token is one system|code pair with the human text that :text searches.
type token struct {
	system, code string
	texts        []string
	// typeSystem/typeCode are Identifier.type's first coding, for :of-type.
	typeSystem, typeCode string
}

// appendTokens appends the tokens of one node to out, by its FHIR type (or
// its shape when the type is unknown).
func appendTokens(out []token, it item) []token {
	v := it.v
	if v == nil {
		if s, ok := it.sys.(string); ok {
			return append(out, token{code: s})
		}
		if b, ok := it.sys.(bool); ok {
			return append(out, token{code: boolText(b)})
		}
		return out
	}
	switch v.Kind {
	case fhirjson.String:
		return append(out, token{code: v.Text})
	case fhirjson.Bool:
		return append(out, token{code: boolText(v.Bool)})
	case fhirjson.Number:
		return append(out, token{code: v.Text})
	case fhirjson.Object:
	default:
		return out
	}
	typ := it.typ
	if typ == "" || typ == "Element" || typ == "BackboneElement" {
		typ = guessTokenType(v)
	}
	switch typ {
	case "CodeableConcept":
		n := len(out)
		text := v.Str("text")
		if c := v.Get("coding"); c != nil && c.Kind == fhirjson.Array {
			for _, cd := range c.Items {
				t := codingToken(cd)
				if text != "" {
					t.texts = append(t.texts, text)
				}
				out = append(out, t)
			}
		}
		if len(out) == n && text != "" {
			out = append(out, token{texts: []string{text}})
		}
		return out
	case "Coding":
		return append(out, codingToken(v))
	case "Identifier":
		t := token{system: v.Str("system"), code: v.Str("value")}
		if ty := v.Get("type"); ty != nil {
			if tt := ty.Str("text"); tt != "" {
				t.texts = append(t.texts, tt)
			}
			if c := ty.Get("coding"); c != nil && c.Kind == fhirjson.Array && len(c.Items) > 0 {
				t.typeSystem, t.typeCode = c.Items[0].Str("system"), c.Items[0].Str("code")
				for _, cd := range c.Items {
					if d := cd.Str("display"); d != "" {
						t.texts = append(t.texts, d)
					}
				}
			}
		}
		return append(out, t)
	case "ContactPoint":
		// ContactPoint.system is a code (phone, email), not a URI namespace,
		// so the value is indexed on its own, as the spec's examples search it.
		return append(out, token{code: v.Str("value")})
	case "Quantity", "Age", "Duration", "Distance", "Count", "SimpleQuantity", "Money":
		return append(out, token{system: v.Str("system"), code: v.Str("code")})
	case "Reference":
		if id := v.Get("identifier"); id != nil {
			return appendTokens(out, item{typ: "Identifier", v: id})
		}
	}
	return out
}

// maxTextWords bounds the :text entries of one text.
const maxTextWords = 8

// wordSuffixes returns the text from each word on ("blood sugar level",
// "sugar level", "level"), so :text finds a word anywhere, as users expect
// of "text" search, while still matching by prefix.
func wordSuffixes(n string) []string {
	if n == "" {
		return nil
	}
	out := []string{n}
	for i := 0; i < len(n) && len(out) < maxTextWords; i++ {
		if n[i] == ' ' && i+1 < len(n) {
			out = append(out, n[i+1:])
		}
	}
	return out
}

func codingToken(cd *fhirjson.Value) token {
	t := token{system: cd.Str("system"), code: cd.Str("code")}
	if d := cd.Str("display"); d != "" {
		t.texts = append(t.texts, d)
	}
	return t
}

func guessTokenType(v *fhirjson.Value) string {
	switch {
	case v.Get("coding") != nil:
		return "CodeableConcept"
	case v.Get("value") != nil && v.Get("code") == nil:
		if v.Get("use") != nil && v.Get("system") != nil && v.Get("type") == nil && v.Get("period") == nil {
			return "ContactPoint"
		}
		return "Identifier"
	case v.Get("code") != nil:
		return "Coding"
	}
	return ""
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// tokenValuesOf builds token entries; withText=false leaves out the :text
// entries (composite parts never use them, and normalising text is the
// costly part of indexing a token); systemless leaves out a system-less
// value's code-and-system entry (systemless.go).
func tokenValuesOf(items []item, withText, systemless bool, a *keyArena) []indexValue {
	out := make([]indexValue, 0, len(items))
	var buf [4]token
	for _, it := range items {
		for _, t := range appendTokens(buf[:0], it) {
			// Room for system-and-code, code and of-type; a text adds its
			// words.
			iv := indexValue{keys: a.list(4)}
			code := truncate(t.code, maxStringKey)
			if t.system != "" || (code != "" && !systemless) {
				// System first: the entries of one system are one range,
				// which answers system| too.
				system := truncate(t.system, maxStringKey)
				iv.keys = append(iv.keys, appendStr(appendStr(append(a.key(len(code)+len(system)+5), 'c'), system), code))
			}
			if code != "" {
				// The code alone as well, so `code` (any system) is one exact
				// value: ids come sorted and each resource once.
				k := appendStr(append(a.key(len(code)+3), 'k'), code)
				iv.keys = append(iv.keys, k)
				iv.sort = k[1:len(k):len(k)]
				if t.typeCode != "" {
					k := appendStr(appendStr([]byte{'o'}, t.typeSystem), t.typeCode)
					iv.keys = append(iv.keys, appendStr(k, code))
				}
			}
			for _, tx := range t.texts {
				if !withText {
					break
				}
				for _, w := range wordSuffixes(normalizeString(tx)) {
					iv.keys = append(iv.keys, appendStr([]byte{'t'}, truncate(w, maxStringKey)))
				}
			}
			if len(iv.keys) > 0 {
				out = append(out, iv)
			}
		}
	}
	return out
}

// splitToken splits system|code at the first unescaped bar; hasBar tells
// "code" (any system) from "|code" (no system).
func splitToken(s string) (system, code string, hasBar bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == '|' {
			return unescapeValue(s[:i]), unescapeValue(s[i+1:]), true
		}
	}
	return "", unescapeValue(s), false
}

// tokenPlan compiles one value of a token parameter. :not is handled by the
// caller (it negates the whole clause).
func tokenPlan(name, modifier, value string, systemless bool) (valuePlan, error) {
	switch modifier {
	case "", "not":
		system, code, hasBar := splitToken(value)
		switch {
		case !hasBar, systemless && system == "" && code != "":
			// |code of a systemless parameter: every value of it has no
			// system, so the code's entries hold exactly those resources.
			return valuePlan{ranges: []scanRange{exactRange(appendStr([]byte{'k'}, code))}, exact: true}, nil
		case code == "":
			// system|: every code of the system, a resource once per code.
			return valuePlan{ranges: []scanRange{prefixRange(appendStr([]byte{'c'}, system))}}, nil
		default:
			k := appendStr(appendStr([]byte{'c'}, system), code)
			return valuePlan{ranges: []scanRange{exactRange(k)}, exact: true}, nil
		}
	case "text":
		n := normalizeString(unescapeValue(value))
		return valuePlan{ranges: []scanRange{prefixRange(appendStrPrefix([]byte{'t'}, n))}}, nil
	case "of-type":
		parts := strings.SplitN(value, "|", 3)
		if len(parts) != 3 || parts[1] == "" || parts[2] == "" {
			return valuePlan{}, outcome.BadRequest(outcome.CodeInvalid, name, "%s:of-type needs system|code|value, got %q", name, value)
		}
		k := appendStr(appendStr(appendStr([]byte{'o'}, parts[0]), parts[1]), parts[2])
		return valuePlan{ranges: []scanRange{exactRange(k)}, exact: true}, nil
	}
	return valuePlan{}, unsupportedModifier(name, modifier)
}
