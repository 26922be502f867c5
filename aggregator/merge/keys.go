package merge

import (
	"slices"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// Keys returns the group keys of a resource of a merged type, sorted and
// without duplicates: "system|value" of each identifier (Medication:
// "system|code" of each code.coding). Two resources of one type that share
// a key are one downstream resource. Parts are compared exactly (case
// matters), and an identifier or coding without both parts is no key:
// aggregator/rules excludes incomplete identifiers, and a coding without a
// system says nothing across sources. Copied types have no keys.
func Keys(res *fhirjson.Value) []string {
	if res == nil || res.Kind != fhirjson.Object {
		return nil
	}
	var keys []string
	switch typ := res.Str("resourceType"); {
	case typ == "Medication":
		if code := res.Get("code"); code != nil && code.Kind == fhirjson.Object {
			keys = pairs(keys, code.Get("coding"), "code")
		}
	case Merged(typ):
		keys = pairs(keys, res.Get("identifier"), "value")
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// pairs appends "system|<part>" of each object item of arr.
func pairs(keys []string, arr *fhirjson.Value, part string) []string {
	if arr == nil || arr.Kind != fhirjson.Array {
		return keys
	}
	for _, it := range arr.Items {
		if it == nil || it.Kind != fhirjson.Object {
			continue
		}
		s, v := it.Str("system"), it.Str(part)
		if s == "" || v == "" {
			continue
		}
		keys = append(keys, s+"|"+v)
	}
	return keys
}
