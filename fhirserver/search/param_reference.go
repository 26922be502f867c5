package search

import (
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// refNormalizer turns reference strings into the form the index keeps:
// "Type/id" for references to this server (relative, or absolute under its
// base URL, version suffix dropped), the URL itself otherwise.
type refNormalizer struct {
	base   string // e.g. http://localhost:8080/fhir/ (with the slash)
	isType func(string) bool
}

func (n refNormalizer) normalize(ref string) string {
	if n.base != "" && strings.HasPrefix(ref, n.base) {
		ref = ref[len(n.base):]
	}
	if i := strings.Index(ref, "/_history/"); i >= 0 {
		ref = ref[:i]
	}
	return ref
}

// split returns the type and id of a normalised local reference.
func (n refNormalizer) split(ref string) (typ, id string, ok bool) {
	typ, id, found := strings.Cut(ref, "/")
	if !found || id == "" || strings.Contains(id, "/") || !n.isType(typ) {
		return "", "", false
	}
	return typ, id, true
}

// referenceValues indexes Reference nodes (and canonical/uri values, which
// some reference parameters point at). ownID is the indexed resource's id,
// for the forward entries _has and _revinclude read. bareIDs asks for the
// entries a bare id (no type) is found by, which only a parameter of
// several target types reads (referencePlan).
func (n refNormalizer) referenceValues(ownID string, items []item, bareIDs bool) []indexValue {
	var out []indexValue
	for _, it := range items {
		var ref string
		var ident *fhirjson.Value
		switch {
		case it.v != nil && it.v.Kind == fhirjson.String:
			ref = it.v.Text
		case it.v != nil && it.v.Kind == fhirjson.Object && it.v.Str("resourceType") != "":
			// A resource in place of a reference (Bundle.entry[0].resource).
			if id := it.v.Str("id"); id != "" {
				ref = it.v.Str("resourceType") + "/" + id
			}
		case it.v != nil && it.v.Kind == fhirjson.Object:
			ref = it.v.Str("reference")
			ident = it.v.Get("identifier")
		case it.sys != nil:
			if s, ok := it.sys.(string); ok {
				ref = s
			}
		}
		var iv indexValue
		if ref != "" && !strings.HasPrefix(ref, "#") {
			norm := truncate(n.normalize(ref), maxStringKey)
			iv.keys = append(iv.keys, appendStr([]byte{'r'}, norm))
			if typ, id, ok := n.split(norm); ok {
				if bareIDs {
					iv.keys = append(iv.keys, appendStr(appendStr([]byte{'d'}, id), typ))
				}
				if ownID != "" {
					iv.keys = append(iv.keys, appendStr(appendStr([]byte{'f'}, ownID), norm))
				}
			} else if url, _, ok := strings.Cut(norm, "|"); ok {
				// A canonical with a version also matches its unversioned URL.
				iv.keys = append(iv.keys, appendStr([]byte{'r'}, url))
			}
			iv.sort = appendStr(nil, norm)
		}
		if ident != nil && ident.Kind == fhirjson.Object && ident.Str("value") != "" {
			k := appendStr(appendStr([]byte{'i'}, truncate(ident.Str("value"), maxStringKey)), truncate(ident.Str("system"), maxStringKey))
			iv.keys = append(iv.keys, k)
		}
		if len(iv.keys) > 0 {
			out = append(out, iv)
		}
	}
	return out
}

// referencePlan compiles one value of a reference parameter (chains are
// resolved by the caller before this).
func (n refNormalizer) referencePlan(name, modifier, value string, targets []string) (valuePlan, error) {
	value = unescapeValue(value)
	if value == "" {
		return valuePlan{}, outcome.BadRequest(outcome.CodeInvalid, name, "empty reference in %s", name)
	}
	switch {
	case modifier == "identifier":
		system, code, hasBar := splitToken(value)
		if !hasBar {
			return valuePlan{ranges: []scanRange{prefixRange(appendStr([]byte{'i'}, code))}}, nil
		}
		return valuePlan{ranges: []scanRange{exactRange(appendStr(appendStr([]byte{'i'}, code), system))}, exact: true}, nil
	case modifier == "":
		norm := n.normalize(value)
		if !strings.Contains(norm, "/") && !strings.Contains(norm, ":") {
			// A bare id: any target type, or the only one the parameter allows.
			if len(targets) == 1 {
				return valuePlan{ranges: []scanRange{exactRange(appendStr([]byte{'r'}, targets[0]+"/"+norm))}, exact: true}, nil
			}
			return valuePlan{ranges: []scanRange{prefixRange(appendStr([]byte{'d'}, norm))}}, nil
		}
		return valuePlan{ranges: []scanRange{exactRange(appendStr([]byte{'r'}, norm))}, exact: true}, nil
	case n.isType(modifier):
		norm := n.normalize(value)
		if !strings.Contains(norm, "/") {
			norm = modifier + "/" + norm
		} else if typ, _, ok := n.split(norm); !ok || typ != modifier {
			return valuePlan{}, outcome.BadRequest(outcome.CodeInvalid, name, "%s:%s does not match reference %q", name, modifier, value)
		}
		return valuePlan{ranges: []scanRange{exactRange(appendStr([]byte{'r'}, norm))}, exact: true}, nil
	}
	return valuePlan{}, unsupportedModifier(name, modifier)
}
