package search

import (
	"bytes"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// maxStringKey bounds the bytes of a string kept in an index value; storage
// accepts 4096 and a prefix this long already selects precisely. Matches on
// longer values match on their first maxStringKey bytes only.
const maxStringKey = 512

// normalizeString is the form string search compares: accents removed
// (NFD, combining marks dropped), lower case, runs of white space as one
// space, trimmed. ASCII text (most of it) skips the Unicode decomposition.
func normalizeString(s string) string { return string(appendNormalized(nil, s)) }

// appendNormalized appends the normalised form of s to b: the write path
// builds it in place inside the index key.
func appendNormalized(b []byte, s string) []byte {
	src := s
	if !isASCII(s) {
		src = norm.NFD.String(s)
	}
	b = slices.Grow(b, len(src))
	start := len(b)
	space := false
	for _, r := range src {
		switch {
		case r < utf8.RuneSelf:
			if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f' {
				space = len(b) > start
				continue
			}
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsSpace(r):
			space = len(b) > start
			continue
		default:
			r = unicode.ToLower(r)
		}
		if space {
			b = append(b, ' ')
			space = false
		}
		b = utf8.AppendRune(b, r)
	}
	return b
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// truncate cuts s to at most n bytes at a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n]
}

func utf8Start(b byte) bool { return b&0xc0 != 0x80 }

// The parts of a HumanName and of an Address a string parameter indexes,
// as the spec lists them.
var (
	humanNameParts = []string{"text", "family", "given", "prefix", "suffix"}
	addressParts   = []string{"text", "line", "city", "district", "state", "postalCode", "country"}
)

// appendStringParts appends the strings a string parameter indexes from
// one node: the value of a primitive, or the parts of a HumanName or
// Address.
func appendStringParts(out []string, it item) []string {
	v := it.v
	if v == nil {
		return out
	}
	switch v.Kind {
	case fhirjson.String:
		return append(out, v.Text)
	case fhirjson.Object:
	default:
		return out
	}
	var names []string
	switch it.typ {
	case "HumanName":
		names = humanNameParts
	case "Address":
		names = addressParts
	default:
		// Other complex types (rare in string params): every string member.
		for _, m := range v.Members {
			if m.Value.Kind == fhirjson.String {
				out = append(out, m.Value.Text)
			}
		}
		return out
	}
	for _, n := range names {
		m := v.Get(n)
		switch {
		case m == nil:
		case m.Kind == fhirjson.String:
			out = append(out, m.Text)
		case m.Kind == fhirjson.Array:
			for _, x := range m.Items {
				if x.Kind == fhirjson.String {
					out = append(out, x.Text)
				}
			}
		}
	}
	return out
}

// stringValues builds a string parameter's entries, their bytes from a
// (nil: allocated one by one).
func stringValues(items []item, a *keyArena) []indexValue {
	out := make([]indexValue, 0, 2*len(items))
	var buf [16]string
	for _, it := range items {
		for _, s := range appendStringParts(buf[:0], it) {
			// One entry serves both comparisons: the normalised form
			// first (starts-with is a prefix of it), the text as written
			// after it (:exact reads it within the normalised value). The
			// sort key is the normalised form, read in place. It is
			// normalised into the key (no longer than s when ASCII).
			exact := truncate(s, maxStringKey)
			k := append(a.key(min(len(s), maxStringKey)+len(exact)+5), 'n')
			k = appendNormalized(k, s)
			if len(k)-1 > maxStringKey {
				k = k[:1+len(truncate(string(k[1:]), maxStringKey))]
			}
			if len(k) == 1 {
				continue
			}
			if bytes.IndexByte(k[1:], escByte) >= 0 {
				k = appendStr(k[:1], string(k[1:])) // a NUL in the text: escaped (copied first)
			} else {
				k = append(k, escByte, escTerm)
			}
			sortEnd := len(k)
			k = appendStr(k, exact)
			out = append(out, indexValue{keys: append(a.list(1), k), sort: k[1:sortEnd:sortEnd]})
		}
	}
	return out
}

// stringPlan compiles one value of a string parameter.
func stringPlan(name, modifier, value string) (valuePlan, error) {
	switch modifier {
	case "":
		n := normalizeString(value)
		p := appendStrPrefix([]byte{'n'}, truncate(n, maxStringKey))
		return valuePlan{ranges: []scanRange{{lo: p, hi: prefixEnd(p)}}}, nil
	case "exact":
		// The values whose normalised form is the value's, then those
		// written exactly so (their first maxStringKey bytes, which is
		// all an entry keeps of a longer value).
		want := truncate(value, maxStringKey)
		k := appendStr([]byte{'n'}, truncate(normalizeString(value), maxStringKey))
		return valuePlan{ranges: []scanRange{{lo: k, hi: prefixEnd(k), filter: func(v []byte) bool {
			exact, _, err := readStr(v[len(k):])
			return err == nil && exact == want
		}}}}, nil
	case "contains":
		n := normalizeString(value)
		lo := []byte{'n'}
		return valuePlan{ranges: []scanRange{{lo: lo, hi: prefixEnd(lo), filter: func(v []byte) bool {
			s, _, err := readStr(v[1:])
			return err == nil && strings.Contains(s, n)
		}}}}, nil
	}
	return valuePlan{}, unsupportedModifier(name, modifier)
}

func unsupportedModifier(name, modifier string) error {
	return outcome.BadRequest(outcome.CodeNotSupported, name, "modifier :%s is not supported for parameter %s", modifier, name)
}
