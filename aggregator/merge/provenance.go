package merge

import (
	"slices"
	"strings"
	"time"

	"github.com/fhirfleet/fhirfleet/aggregator/rules"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// ContributorExtensionURL is the meta extension of a merged resource that
// names one contributor; there is one per contributor. Its sub-extensions:
// "source" (valueString, the source's name), "customer" (valueString, the
// customer's source-organization code), "reference" (valueUri,
// <base>/<Type>/<id>/_history/<v> at the source) and "lastUpdated"
// (valueInstant, the source's meta.lastUpdated, which decides who wins
// single-valued elements). docs/aggregator.md shows an example.
const ContributorExtensionURL = "https://fhirfleet.io/fhir/StructureDefinition/contributor"

// contributorExtension is one contributor's meta extension.
func contributorExtension(c Contributor) *fhirjson.Value {
	parts := []*fhirjson.Value{
		subExtension("source", "valueString", c.Source),
		subExtension("customer", "valueString", c.Customer),
		subExtension("reference", "valueUri", c.SourceURL()),
	}
	if !c.LastUpdated.IsZero() {
		parts = append(parts, subExtension("lastUpdated", "valueInstant", c.LastUpdated.UTC().Format(time.RFC3339Nano)))
	}
	ext := fhirjson.NewObject()
	ext.Set("url", fhirjson.NewString(ContributorExtensionURL))
	ext.Set("extension", fhirjson.NewArray(parts...))
	return ext
}

func subExtension(url, valueName, value string) *fhirjson.Value {
	e := fhirjson.NewObject()
	e.Set("url", fhirjson.NewString(url))
	e.Set(valueName, fhirjson.NewString(value))
	return e
}

// sourceLabel is the platform's meta.security label of the customer a
// resource came from. aggregator/rules has already removed any label a
// customer set itself, so these are the only ones.
func sourceLabel(customer string) *fhirjson.Value {
	c := fhirjson.NewObject()
	c.Set("system", fhirjson.NewString(rules.SourceOrganizationSystem))
	c.Set("code", fhirjson.NewString(customer))
	return c
}

// mergedMeta is the meta of a merged resource (see Merge).
func mergedMeta(contributors, byRecency []Contributor) *fhirjson.Value {
	byMember := slices.Clone(contributors)
	slices.SortStableFunc(byMember, func(a, b Contributor) int {
		if c := compareMembers(a.Member(), b.Member()); c != 0 {
			return c
		}
		return strings.Compare(a.VersionID, b.VersionID)
	})
	meta := fhirjson.NewObject()
	exts := make([]*fhirjson.Value, 0, len(byMember))
	var customers []string
	for _, c := range byMember {
		exts = append(exts, contributorExtension(c))
		if c.Customer != "" {
			customers = append(customers, c.Customer)
		}
	}
	meta.Set("extension", fhirjson.NewArray(exts...))
	var security, tags []*fhirjson.Value
	for _, c := range byRecency {
		if c.Resource == nil || c.Resource.Kind != fhirjson.Object {
			continue
		}
		m := c.Resource.Get("meta")
		if m == nil || m.Kind != fhirjson.Object {
			continue
		}
		security = unionItems(security, m.Get("security"))
		tags = unionItems(tags, m.Get("tag"))
	}
	slices.Sort(customers)
	for _, cust := range slices.Compact(customers) {
		security = append(security, sourceLabel(cust))
	}
	if len(security) > 0 {
		meta.Set("security", fhirjson.NewArray(security...))
	}
	if len(tags) > 0 {
		meta.Set("tag", fhirjson.NewArray(tags...))
	}
	return meta
}

// unionItems appends clones of the object items of arr not already in
// items.
func unionItems(items []*fhirjson.Value, arr *fhirjson.Value) []*fhirjson.Value {
	if arr == nil || arr.Kind != fhirjson.Array {
		return items
	}
	for _, it := range arr.Items {
		if it == nil || it.Kind != fhirjson.Object {
			continue
		}
		if !slices.ContainsFunc(items, it.Equal) {
			items = append(items, it.Clone())
		}
	}
	return items
}
