package rules

import (
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// The reference rules. The aggregated endpoint resolves only Type/id
// references to resources it holds, so anything else would dangle there.
const (
	// RuleReferenceNotLiteral: no Reference.reference (identifier-only or
	// display-only); the platform does not resolve logical references.
	RuleReferenceNotLiteral Rule = "reference-not-literal"
	// RuleReferenceContained: "#id", a reference to a contained resource.
	RuleReferenceContained Rule = "reference-contained"
	// RuleReferenceCrossServer: an absolute URL of a server other than
	// the source's own.
	RuleReferenceCrossServer Rule = "reference-cross-server"
	// RuleReferenceMalformed: a reference that is set but is no Type/id
	// of an R4 type (e.g. "Patient", "Foo/1", "Patient?identifier=x"),
	// or a urn:uuid / urn:oid, which only resolves inside the Bundle it
	// came in.
	RuleReferenceMalformed Rule = "reference-malformed"
	// RuleReferenceUnsupportedType: Type/id where Type is not aggregated.
	RuleReferenceUnsupportedType Rule = "reference-unsupported-type"
)

// reference checks one Reference, at the current path. A literal reference
// that passes is recorded in Result.References; a same-source absolute or
// a versioned one is rewritten to Type/id first.
func (w *walker) reference(v *fhirjson.Value) {
	ref := v.Get("reference")
	if ref == nil || ref.Kind != fhirjson.String || ref.Text == "" {
		what := "only a display"
		switch {
		case v.Get("identifier") != nil:
			what = "only an identifier"
		case v.Get("display") == nil:
			what = "no reference"
		}
		w.violate(RuleReferenceNotLiteral, outcome.CodeInvalid, w.here(""),
			"the reference has %s; only literal references (reference = Type/id) are aggregated", what)
		return
	}
	s := ref.Text
	rel := s
	switch {
	case s[0] == '#':
		w.violate(RuleReferenceContained, outcome.CodeNotSupported, w.here(""),
			"%q refers to a contained resource; contained references are not aggregated", s)
		return
	case strings.HasPrefix(s, "urn:"):
		w.violate(RuleReferenceMalformed, outcome.CodeInvalid, w.here(""),
			"%q only resolves inside the Bundle it was sent in; the stored resource must say Type/id", s)
		return
	case isAbsolute(s):
		r, ok := w.c.sameSource(s)
		if !ok {
			w.violate(RuleReferenceCrossServer, outcome.CodeNotSupported, w.here(""),
				"%q is on another server; only references within the source are aggregated", s)
			return
		}
		rel = r
	}
	typ, id, ok := splitRelative(rel)
	if !ok {
		w.violate(RuleReferenceMalformed, outcome.CodeInvalid, w.here(""),
			"%q is not a literal reference Type/id to an R4 resource type", s)
		return
	}
	if !w.c.aggregated(typ) {
		w.violate(RuleReferenceUnsupportedType, outcome.CodeNotSupported, w.here(""),
			"%q refers to a %s, which is not aggregated", s, typ)
		return
	}
	if len(typ)+1+len(id) != len(s) {
		// Absolute (same source) or versioned: the aggregate keeps neither
		// the source's base nor its version ids, so Type/id is the
		// reference that resolves there.
		short := typ + "/" + id
		v.Set("reference", fhirjson.NewString(short))
		w.res.Changes = append(w.res.Changes, Change{
			Expression: w.here("reference"),
			Message:    "rewrote " + s + " to " + short,
		})
	}
	w.res.References = append(w.res.References, Ref{Type: typ, ID: id, Expression: w.here("")})
}

// isAbsolute reports whether s starts with a URL scheme ("https:", "http:").
func isAbsolute(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ':':
			return i > 0
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return false
}

// sameSource returns the part of s after the source base and its slash,
// when s is under the base. Scheme and host compare without case (as URLs
// do); the path part exactly. http and https are different servers.
func (c *Checker) sameSource(s string) (string, bool) {
	b := c.base
	if b == "" || len(s) <= len(b) || s[len(b)] != '/' {
		return "", false
	}
	if !strings.EqualFold(s[:c.hostEnd], b[:c.hostEnd]) || s[c.hostEnd:len(b)] != b[c.hostEnd:] {
		return "", false
	}
	return s[len(b)+1:], true
}

// splitRelative splits "Type/id" or "Type/id/_history/vid" where Type is an
// R4 resource type and id a valid FHIR id.
func splitRelative(s string) (typ, id string, ok bool) {
	typ, rest, found := strings.Cut(s, "/")
	if !found {
		return "", "", false
	}
	id, hist, versioned := strings.Cut(rest, "/")
	if versioned {
		vid, more := strings.CutPrefix(hist, "_history/")
		if !more || !validID(vid) {
			return "", "", false
		}
	}
	if !validID(id) {
		return "", "", false
	}
	if t := defs.R4.Resource(typ); t == nil || t.Abstract {
		return "", "", false
	}
	return typ, id, true
}

// validID reports whether s is a FHIR id: [A-Za-z0-9\-\.]{1,64}.
func validID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
