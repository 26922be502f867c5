package repository

import (
	"net/url"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// actionRank is the order a transaction processes its writes in (FHIR
// http.html "Transaction Processing Rules"): deletes, then creates, then
// updates and patches; the reads come after all of them. Writes of one rank
// keep their bundle order.
func actionRank(a Action) int {
	switch a {
	case ActionDelete:
		return 0
	case ActionCreate:
		return 1
	}
	return 2 // update, patch
}

// isPlaceholder reports whether a fullUrl is a bundle-local identity that the
// server must replace with the id it assigns.
func isPlaceholder(fullURL string) bool {
	return strings.HasPrefix(fullURL, "urn:uuid:") || strings.HasPrefix(fullURL, "urn:oid:")
}

// rewriteRefs replaces, everywhere in v, every string that is exactly a key of
// ids by its value ("urn:uuid:…" → "Patient/123"): Reference.reference, but
// also uri, url and canonical elements that name the placeholder, since the
// spec asks for all references in the bundle to be updated. In a narrative's
// xhtml ("div") the placeholder is replaced inside the text, where it appears
// in href and src attributes.
func rewriteRefs(v *fhirjson.Value, ids map[string]string) {
	if v == nil || len(ids) == 0 {
		return
	}
	switch v.Kind {
	case fhirjson.String:
		if to, ok := ids[v.Text]; ok {
			v.Text = to
		}
	case fhirjson.Array:
		for _, it := range v.Items {
			rewriteRefs(it, ids)
		}
	case fhirjson.Object:
		for i := range v.Members {
			m := &v.Members[i]
			if m.Name == "div" && m.Value.Kind == fhirjson.String {
				m.Value.Text = rewriteInText(m.Value.Text, ids)
				continue
			}
			rewriteRefs(m.Value, ids)
		}
	}
}

func rewriteInText(s string, ids map[string]string) string {
	if !strings.Contains(s, "urn:") {
		return s
	}
	for from, to := range ids {
		if strings.Contains(s, from) {
			s = strings.ReplaceAll(s, `"`+from+`"`, `"`+to+`"`)
			s = strings.ReplaceAll(s, `'`+from+`'`, `'`+to+`'`)
		}
	}
	return s
}

// conditionalRefs collects the distinct conditional references
// ("Patient?identifier=x|1") in the Reference.reference elements of v.
func conditionalRefs(v *fhirjson.Value, into map[string]bool) {
	if v == nil {
		return
	}
	switch v.Kind {
	case fhirjson.Array:
		for _, it := range v.Items {
			conditionalRefs(it, into)
		}
	case fhirjson.Object:
		for _, m := range v.Members {
			if m.Name == "reference" && m.Value.Kind == fhirjson.String {
				if typ, _, ok := splitConditional(m.Value.Text); ok && IsTypeName(typ) {
					into[m.Value.Text] = true
				}
				continue
			}
			conditionalRefs(m.Value, into)
		}
	}
}

// splitConditional splits "Type?query" into its parts.
func splitConditional(s string) (typ string, query url.Values, ok bool) {
	typ, raw, found := strings.Cut(s, "?")
	if !found || typ == "" || strings.Contains(typ, "/") {
		return "", nil, false
	}
	q, err := url.ParseQuery(raw)
	if err != nil || len(q) == 0 {
		return "", nil, false
	}
	return typ, q, true
}

// IsTypeName reports whether s has the shape of a resource type name: an
// ASCII capital letter followed by letters or digits. Whether it is a type of
// the version is another question (Repository.IsType).
func IsTypeName(s string) bool {
	if s == "" || len(s) > 64 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
